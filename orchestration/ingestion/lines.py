"""A landing file's physical lines: counting them from the bytes, and splitting a CSV into records line-exactly.

Row conservation is judged against the file's lines, not against what a CSV parser happened to read: one
stray double quote opens a quoted value that swallows every following line, and a parser then reports a few
records for a file of hundreds of lines. `count_lines` counts the lines from the bytes alone; the fast DuckDB
reader is trusted only when its records cover exactly those lines, and otherwise `split_records` splits the
file under the contract's rule on line breaks (`Dataset.line_breaks`), so that every line ends up in a record
that loads, in a quarantined record with its complete text, or the file is rejected whole.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingestion.files import FileRejected

_CHUNK = 1 << 22
# Every byte but the C0 controls other than line breaks, and DEL: deleting these leaves only the controls.
_NOT_CONTROL = bytes(b for b in range(256) if not ((b < 0x20 and b not in (0x0A, 0x0D)) or b == 0x7F))
# A quoted value may run over at most this many lines: a description is a few paragraphs, not a file.
MAX_SPAN = 200


@dataclass(frozen=True)
class LineCount:
    """What one pass over a file's bytes tells."""

    lines: int  # physical lines, the header included; a last line without a line break counts
    control: bool  # a control character other than a line break (NUL, tab, …) occurs somewhere


def count_lines(path: Path) -> LineCount:
    """Physical lines of a UTF-8 text file, ended by \\n, \\r\\n or a lone \\r (as Python's universal newlines).

    Bytes, not decoded text: line breaks are single bytes in UTF-8 and GB18030 alike, and a clean file is
    counted at memory speed.
    """
    breaks, control, last, pending_cr = 0, False, b"", False
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            breaks += chunk.count(b"\n")
            if cr := chunk.count(b"\r"):  # almost no file has one: spare the slower two-byte count
                breaks += cr - chunk.count(b"\r\n")
            if pending_cr and chunk[:1] == b"\n":
                breaks -= 1
            control = control or bool(chunk.translate(None, _NOT_CONTROL))
            pending_cr = chunk[-1:] == b"\r"
            last = chunk[-1:]
    return LineCount(breaks + (1 if last and last not in b"\r\n" else 0), control)


@dataclass
class Split:
    """A CSV split into records, each with the lines it covers."""

    header: list[str]
    records: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (first line, lines, values)
    broken: list[tuple[int, int, str | None, str, str]] = field(
        default_factory=list
    )  # (line, lines, column, reason, text)
    blank: int = 0  # empty lines: no record, nothing lost

    @property
    def lines(self) -> int:
        """Lines accounted for: the header, every record's and every broken record's lines, the blank ones."""
        return 1 + sum(r[1] for r in self.records) + sum(b[1] for b in self.broken) + self.blank


def chomp(line: str) -> str:
    """A line without its line break (only the one that ends it)."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def _parse(text: str, header: list[str], breaks_ok: frozenset[int]) -> tuple[list[str] | None, str | None, str]:
    """(values, column, reason): values when `text` is one well-formed record of the header's width."""
    if '"' not in text and "\n" not in text and "\r" not in text:
        values = text.split(",")
    else:
        try:
            rows = list(csv.reader([text], strict=True))
        except csv.Error as exc:
            if text.count('"') % 2:
                return None, None, 'a double quote opens a value that is never closed (a stray " in a field?)'
            return None, None, f"malformed quoting: {exc}"
        if len(rows) != 1:
            return None, None, "a line break outside a quoted value"
        values = rows[0]
    if len(values) != len(header):
        column = header[len(values)] if len(values) < len(header) else None
        return None, column, f"expected {len(header)} columns, found {len(values)}"
    for j, v in enumerate(values):
        if j not in breaks_ok and ("\n" in v or "\r" in v):
            allowed = ", ".join(header[k] for k in sorted(breaks_ok)) or "no column of this dataset"
            return None, header[j], f"{header[j]}: a line break inside the value (only {allowed} may hold one)"
    return values, None, ""


def split_records(path: Path, name: str, line_breaks: tuple[str, ...]) -> Split:
    """Split a UTF-8 CSV into records so that every physical line is in exactly one record, broken or not.

    A record is one line, or — only when a column that may hold a line break is open in a quoted value —
    the lines up to the one that closes it. A span that does not make a well-formed record is not trusted:
    its first line is quarantined alone and splitting starts afresh on the next line, so a stray quote costs
    its own line and nothing else. A multi-line value inside which a line reads as a complete record of its
    own cannot be told from a stray quote that swallowed that record: the file is then rejected whole.
    """
    with open(path, encoding="utf-8", newline="") as fh:
        lines = fh.readlines()
    texts = [chomp(x) for x in lines]
    header = next(csv.reader([texts[0]])) if texts else []
    header = [h.strip() for h in header]
    breaks_ok = frozenset(j for j, h in enumerate(header) if h in line_breaks)
    out = Split(header)
    i, n = 1, len(texts)
    while i < n:
        if texts[i] == "":
            out.blank += 1
            i += 1
            continue
        values, column, reason = _parse(texts[i], header, breaks_ok)
        j = i
        if values is None and breaks_ok and texts[i].count('"') % 2:
            # A quoted value left open: it may be a line break in free text, closed by a later line.
            j, quotes = i, texts[i].count('"')
            while quotes % 2 and j + 1 < n and j - i < MAX_SPAN:
                j += 1
                quotes += texts[j].count('"')
            span = _parse("".join(lines[i:j]) + texts[j], header, breaks_ok)[0] if j > i else None
            if span is None:
                j = i  # the span makes no record: only line i is condemned, the next ones are read again
            else:
                for k in range(i + 1, j + 1):
                    if _parse(texts[k], header, breaks_ok)[0] is not None:
                        raise FileRejected(
                            f"{name}: lines {i + 1}–{j + 1}: a quoted value runs over {j - i + 1} lines and line "
                            f"{k + 1} inside it reads as a record of its own: a stray double quote cannot be told "
                            f"from a line break in the text, so the file was not loaded"
                        )
                values = span
        if values is None:
            out.broken.append((i + 1, 1, column, reason, texts[i]))
        else:
            out.records.append((i + 1, j - i + 1, values))
        i = j + 1
    return out
