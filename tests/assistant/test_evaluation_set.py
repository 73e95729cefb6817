"""The assistant's evaluation set stays what its README says: labelled, balanced, and unseen in training."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from domain.codes import CHANNELS, INTENTS

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "assistant" / "evaluation" / "messages.jsonl"
KINDS = {"account", "area_outage", "work_order", "knowledge", "handoff", "clarify"}


def _rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_message_is_labelled_with_known_codes():
    rows = _rows()
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows) == len({r["text"] for r in rows})
    for r in rows:
        assert r["channel"] in CHANNELS and r["context"] in {"none", "outage"}, r["id"]
        assert r["intent"] in (*INTENTS, "out_of_scope") and r["answer_kind"] in KINDS, r["id"]
        # An outage answer needs an outage; without one, nothing is answered as an outage.
        assert (r["answer_kind"] == "area_outage") == (r["context"] == "outage"), r["id"]
    intents = Counter(r["intent"] for r in rows)
    assert min(intents.values()) >= 30, intents  # every intent and out-of-scope weigh in
    assert set(Counter(r["channel"] for r in rows)) == set(CHANNELS)


def test_no_message_appears_in_the_training_corpus_or_the_knowledge_base():
    texts = {r["text"] for r in _rows()}
    seen = set()
    for path in (ROOT / "ml" / "intent" / "corpus").glob("*.jsonl"):
        seen |= {json.loads(line)["text"].strip() for line in path.read_text(encoding="utf-8").splitlines() if line}
    sources = "".join(
        (ROOT / p).read_text(encoding="utf-8") for p in ("ml/intent/corpus/seeds.py", "ml/knowledge/articles.py")
    )
    assert texts & seen == set()
    assert [t for t in texts if t in sources] == []
