"""Accepted formatting variants as SQL: how a value that fails the canonical parse is normalised, and named.

The loader parses every value the canonical way first (`canonical`); only values that fail it — almost none
in a file from a system that follows the contract — pay for normalisation (`fallback`) and for naming the
variants they used (`label`, names from `contract.VARIANTS`). A value that is still not readable gets a reason
(`unreadable`) that says when it is ambiguous rather than merely wrong.
"""

from __future__ import annotations

from orchestration.ingestion.contract import Column

NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
INTEGER = r"^[+-]?[0-9]+$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
_THOUSANDS = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"
_THOUSANDS_INT = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+$"
# One separator throughout: 2026/6/1 and 2026-6-1, not 2026/6-1. The year has four digits: 26/6/1 is not a date.
_LOOSE_DATE = r"^[0-9]{4}(-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2})"
_LOOSE_TIME = r" [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$"
_DAY_MONTH_UNKNOWN = r"^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}"
_TWO_DIGIT_YEAR = r"^[0-9]{2}[-/.][0-9]{1,2}[-/.][0-9]{1,2}( |$)"
_FULLWIDTH, _ASCII = "０１２３４５６７８９，．：／－＋\u3000", "0123456789,.:/-+ "
_SPACES = " \u3000"  # the ideographic space (U+3000) is what a Chinese input method types
TRUE, FALSE = ("true", "1"), ("false", "0")
_YES, _NO = ("yes", "y", "t"), ("no", "n", "f")
_ZH_YES, _ZH_NO = ("是",), ("否",)
SHOWN = 60  # characters of a bad value quoted in a reject reason


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _in(v: str, values: tuple[str, ...]) -> str:
    return f"{v} IN ({', '.join(map(lit, values))})"


def _norm(raw: str) -> str:
    """The value with spaces trimmed and full-width digits and punctuation made ASCII."""
    return f"translate(trim({raw}, {lit(_SPACES)}), {lit(_FULLWIDTH)}, {lit(_ASCII)})"


def canonical(col: Column, raw: str) -> str:
    """The typed value of `raw` when it is written exactly as the contract says, else NULL."""
    if col.type == "decimal":
        return f"TRY_CAST(CASE WHEN regexp_full_match({raw}, {lit(NUMBER)}) THEN {raw} END AS DOUBLE)"
    if col.type == "integer":
        return f"TRY_CAST(CASE WHEN regexp_full_match({raw}, {lit(INTEGER)}) THEN {raw} END AS INTEGER)"
    if col.type == "date":
        return f"TRY_CAST(CASE WHEN regexp_full_match({raw}, {lit(DATE)}) THEN {raw} END AS DATE)"
    if col.type == "timestamp":
        return f"TRY_CAST(CASE WHEN regexp_full_match({raw}, {lit(TIMESTAMP)}) THEN {raw} END AS TIMESTAMP)"
    if col.type == "boolean":
        lv = f"lower({raw})"
        return f"CASE WHEN {_in(lv, TRUE)} THEN true WHEN {_in(lv, FALSE)} THEN false END"
    raise ValueError(col.type)  # pragma: no cover - text and code columns have no parse


def fallback(col: Column, raw: str) -> str:
    """The typed value of `raw` written in an accepted variant (NULL if it is in none)."""
    n = _norm(raw)
    if col.type in ("decimal", "integer"):
        plain, grouped, sql_type = (
            (NUMBER, _THOUSANDS, "DOUBLE") if col.type == "decimal" else (INTEGER, _THOUSANDS_INT, "INTEGER")
        )
        return (
            f"TRY_CAST(CASE WHEN regexp_full_match({n}, {lit(plain)}) THEN {n} "
            f"WHEN regexp_full_match({n}, {lit(grouped)}) THEN replace({n}, ',', '') END AS {sql_type})"
        )
    if col.type == "date":
        return (
            f"CASE WHEN regexp_full_match({n}, {lit(_LOOSE_DATE + '$')}) "
            f"THEN try_strptime(replace({n}, '/', '-'), '%Y-%m-%d')::DATE END"
        )
    if col.type == "timestamp":
        return (
            f"CASE WHEN regexp_full_match({n}, {lit(_LOOSE_DATE + _LOOSE_TIME)}) "
            f"THEN try_strptime(replace({n}, '/', '-'), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M']) END"
        )
    if col.type == "boolean":
        lv = f"lower({n})"
        return (
            f"CASE WHEN {_in(lv, TRUE + _YES + _ZH_YES)} THEN true WHEN {_in(lv, FALSE + _NO + _ZH_NO)} THEN false END"
        )
    raise ValueError(col.type)  # pragma: no cover


def label(col: Column, raw: str) -> str:
    """Comma-separated names of the variants `raw` uses (for a value the canonical parse refused)."""
    n = _norm(raw)
    parts = [
        f"CASE WHEN trim({raw}, {lit(_SPACES)}) <> {raw} THEN 'spaces' END",
        f"CASE WHEN {n} <> trim({raw}, {lit(_SPACES)}) THEN 'fullwidth' END",
    ]
    if col.type in ("decimal", "integer"):
        parts.append(f"CASE WHEN {n} LIKE '%,%' THEN 'thousands_separator' END")
    elif col.type in ("date", "timestamp"):
        parts.append(f"CASE WHEN {n} LIKE '%/%' THEN 'slash_separator' END")
        parts.append(f"CASE WHEN regexp_matches({n}, '(^|[-/ ])[0-9]([-/ :]|$)') THEN 'single_digit' END")
        if col.type == "timestamp":
            parts.append(f"CASE WHEN regexp_matches({n}, ' [0-9]{{1,2}}:[0-9]{{2}}$') THEN 'no_seconds' END")
    elif col.type == "boolean":
        parts.append(f"CASE WHEN {_in(n, _ZH_YES + _ZH_NO)} THEN 'chinese_yes_no' END")
        parts.append(f"CASE WHEN {_in(f'lower({n})', _YES + _NO)} THEN 'yes_no' END")
    return f"nullif(concat_ws(',', {', '.join(parts)}), '')"


def unreadable(col: Column, v: str) -> str:
    """SQL for the reason a value is refused: ambiguous, or simply not of the column's type."""
    shown = f"'''' || left({v}, {SHOWN}) || ''''"
    what = {
        "decimal": "is not a number",
        "integer": "is not a whole number",
        "date": "is not a date (YYYY-MM-DD)",
        "timestamp": "is not a timestamp (YYYY-MM-DD HH:MM:SS)",
        "boolean": "is not true/false",
    }[col.type]
    reason = lit(f" {what}")
    if col.type in ("date", "timestamp"):
        n = _norm(v)
        reason = (
            f"CASE WHEN regexp_matches({n}, {lit(_DAY_MONTH_UNKNOWN)}) "
            f"THEN ' is ambiguous: day and month cannot be told apart (write YYYY-MM-DD)' "
            f"WHEN regexp_matches({n}, {lit(_TWO_DIGIT_YEAR)}) "
            f"THEN ' has a two-digit year, so its century is unknown (write YYYY-MM-DD)' ELSE {reason} END"
        )
    return f"{lit(col.name + ': ')} || {shown} || {reason}"
