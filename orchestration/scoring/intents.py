"""Keeping ml.interaction_intents up to date without rescoring history every night.

A row is scored once per champion version and content: the nightly run scores only interactions that are new,
or whose content changed since they were scored (a day re-delivered with corrected rows), and deletes the scores
of interactions no longer delivered. Everything is rescored when the champion's version differs from the one
that scored the table (a new champion must relabel history) or when the table is missing or predates
`content_hash`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from orchestration.warehouse import Warehouse

SCHEMA, TABLE = "ml", "interaction_intents"
SOURCE = "staging.stg_crm__interactions"
CARRIED = ["interaction_id", "customer_id", "channel", "interaction_at", "agent_intent"]

# Everything a row copies from staging, not only the text: a re-delivery that corrects the customer or adds an
# agent's label must refresh the row too, and rescoring one row is as cheap as patching it. chr(31) (unit
# separator) never occurs in the fields, so two different contents cannot join to the same string.
CONTENT_HASH = (
    "md5(concat_ws(chr(31), coalesce(customer_id, chr(30)), channel, cast(interaction_at AS varchar), "
    "message_text, coalesce(agent_intent, chr(30))))"
)
COLUMNS = [*CARRIED, "predicted_intent", "confidence", "model_version", "scored_at", "content_hash"]
LIVE_SQL = f"SELECT {', '.join(CARRIED)}, message_text AS text, {CONTENT_HASH} AS content_hash FROM {SOURCE}"


@dataclass(frozen=True)
class IntentScoring:
    """What one scoring run did to ml.interaction_intents."""

    scored: int  # rows predicted and written by this run
    kept: int  # rows already scored by this champion on the same content, left as they were
    removed: int  # rows of interactions no longer in staging
    full_rescore: bool
    reason: str  # why the run scored what it scored


def rescore_reason(wh: Warehouse, model_version: int) -> str | None:
    """Why every interaction must be scored again, or None when the table can be updated in place."""
    columns = {
        name
        for (name,) in wh.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            (SCHEMA, TABLE),
        )
    }
    if not columns:
        return f"{SCHEMA}.{TABLE} does not exist"
    if "content_hash" not in columns:
        return f"{SCHEMA}.{TABLE} has no content_hash (written before incremental scoring)"
    versions = sorted(v for (v,) in wh.query(f"SELECT DISTINCT model_version FROM {SCHEMA}.{TABLE}"))
    stale = [v for v in versions if v != model_version]
    if stale:
        return f"champion version {model_version} replaces {', '.join(map(str, stale))}"
    return None


def _pending(wh: Warehouse) -> tuple[pd.DataFrame, list]:
    """Interactions whose scored row is missing or holds other content, and ids scored but no longer delivered."""
    pending = wh.frame(
        f"""WITH live AS ({LIVE_SQL})
            SELECT live.* FROM live
            LEFT JOIN {SCHEMA}.{TABLE} scored ON scored.interaction_id = live.interaction_id
            WHERE scored.content_hash IS DISTINCT FROM live.content_hash"""
    )
    gone = [
        i
        for (i,) in wh.query(
            f"""SELECT interaction_id FROM {SCHEMA}.{TABLE} scored
            WHERE NOT EXISTS (SELECT 1 FROM {SOURCE} s WHERE s.interaction_id = scored.interaction_id)"""
        )
    ]
    return pending, gone


def score_interactions(
    wh: Warehouse,
    predict: Callable[[pd.DataFrame], pd.DataFrame],
    model_version: int,
    scored_at: pd.Timestamp | None = None,
) -> IntentScoring:
    """Bring ml.interaction_intents up to date with staging for the champion `model_version`.

    `predict` maps a frame with a `text` column to one with `intent` and `confidence`, row for row; it is
    called only when something needs scoring, so a night without new interactions loads no model.
    """
    reason = rescore_reason(wh, model_version)
    if reason is not None:
        pending, gone = wh.frame(LIVE_SQL), []
    else:
        pending, gone = _pending(wh)
    scored_at = scored_at if scored_at is not None else pd.Timestamp.now().floor("s")
    out = pending.drop(columns=["text"])
    if len(pending):
        predicted = predict(pending[["text"]])
        out = out.assign(
            predicted_intent=predicted["intent"].to_numpy(),
            confidence=predicted["confidence"].astype(float).to_numpy(),
        )
    else:
        out = out.assign(predicted_intent=pd.Series(dtype=object), confidence=pd.Series(dtype=float))
    out = out.assign(model_version=int(model_version), scored_at=scored_at)[COLUMNS]
    if reason is not None:
        wh.replace_table(SCHEMA, TABLE, out)
        return IntentScoring(scored=len(out), kept=0, removed=0, full_rescore=True, reason=reason)
    deleted = wh.replace_rows(SCHEMA, TABLE, out, key="interaction_id", delete_keys=gone)
    total = wh.query(f"SELECT count(*) FROM {SCHEMA}.{TABLE}")[0][0]
    why = f"{len(out) - (deleted - len(gone))} new and {deleted - len(gone)} changed interactions"
    return IntentScoring(scored=len(out), kept=total - len(out), removed=len(gone), full_rescore=False, reason=why)


def agreement_with_agents(wh: Warehouse) -> float | None:
    """Share of agent-labelled interactions whose predicted intent is the agent's label (None without labels)."""
    (share,) = wh.query(
        f"""SELECT avg(CASE WHEN predicted_intent = agent_intent THEN 1.0 ELSE 0.0 END)
            FROM {SCHEMA}.{TABLE} WHERE agent_intent IS NOT NULL"""
    )[0]
    return float(share) if share is not None else None
