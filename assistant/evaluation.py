"""The assistant's evaluation set and its figures: containment and the confusion of answer kinds.

`docs/assistant/eval_messages.jsonl` holds messages written for this purpose, independently of the intent
model's corpus and of the knowledge base's questions, each with the customer it comes from (a customer of the
crafted warehouse in tests/assistant/crafted.py, or none), the answer kind it should get and its intent (none for
out-of-scope messages). `python -m bench.assistant eval` answers them with the champion and reports:

* containment — of the messages that should be self-served (account, area_outage, work_order, knowledge), the
  share answered with that kind, i.e. correctly and without a person (the design's goal: at least 80 %);
* kind accuracy over all messages, intent accuracy over those with an intent, and the confusion of kinds.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.answers import ANSWER_KINDS, SELF_SERVED

EVAL_FILE = Path(__file__).resolve().parents[1] / "docs" / "assistant" / "eval_messages.jsonl"
FIELDS = ("id", "text", "customer_id", "channel", "expected_kind", "expected_intent")


@dataclass(frozen=True)
class EvalMessage:
    """One labelled message."""

    id: str
    text: str
    customer_id: str | None
    channel: str
    expected_kind: str
    expected_intent: str | None


def load_eval(path: Path = EVAL_FILE) -> list[EvalMessage]:
    """Read the set.

    Raises:
        ValueError: a line with missing fields or an unknown answer kind, naming the file and line.
    """
    rows = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        missing = [f for f in FIELDS if f not in raw]
        if missing or raw["expected_kind"] not in ANSWER_KINDS:
            raise ValueError(f"{path.name}:{no}: missing {missing} or unknown kind {raw.get('expected_kind')!r}")
        rows.append(EvalMessage(**{f: raw[f] for f in FIELDS}))
    return rows


def score(rows: list[EvalMessage], answers: list[dict]) -> dict:
    """Figures of `answers` (response bodies, in `rows` order) against the labels."""
    should = [(r, a) for r, a in zip(rows, answers) if r.expected_kind in SELF_SERVED]
    contained = sum(a["answer_kind"] == r.expected_kind for r, a in should)
    with_intent = [(r, a) for r, a in zip(rows, answers) if r.expected_intent]
    confusion: dict[str, Counter] = {k: Counter() for k in ANSWER_KINDS}
    for r, a in zip(rows, answers):
        confusion[r.expected_kind][a["answer_kind"]] += 1
    return {
        "messages": len(rows),
        "should_self_serve": len(should),
        "contained": contained,
        "containment": round(contained / len(should), 4) if should else None,
        "kind_accuracy": round(sum(a["answer_kind"] == r.expected_kind for r, a in zip(rows, answers)) / len(rows), 4),
        "intent_accuracy": round(sum(a["intent"] == r.expected_intent for r, a in with_intent) / len(with_intent), 4),
        "confusion": {k: dict(sorted(v.items())) for k, v in confusion.items() if v},
    }
