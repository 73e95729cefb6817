"""The evaluation set's shape and the containment arithmetic."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from assistant.evaluation import EvalMessage, load_eval, score
from tests.assistant import crafted


def test_the_evaluation_set_covers_every_answer_kind_on_known_customers():
    rows = load_eval()
    assert len(rows) == 330
    assert len({r.id for r in rows}) == len({r.text for r in rows}) == 330  # no message twice
    assert Counter(r.expected_kind for r in rows) == {
        "account": 60,
        "area_outage": 40,
        "work_order": 45,
        "knowledge": 110,
        "handoff": 65,
        "clarify": 10,
    }
    known = {c[0] for c in crafted.CUSTOMERS}
    assert {r.customer_id for r in rows} - known == {None}


def test_no_message_of_the_set_is_a_line_of_the_training_corpus_or_the_knowledge_base():
    """Independent means unseen: a message the model trained on would measure its memory, not the assistant."""
    root = Path(__file__).resolve().parents[2]
    corpus = root / "ml" / "intent" / "corpus"
    seen = {json.loads(line)["text"].strip() for path in corpus.glob("*.jsonl") for line in path.open(encoding="utf-8")}
    seen |= {line.strip() for line in (corpus / "seeds.py").read_text(encoding="utf-8").splitlines()}
    articles = (root / "ml" / "knowledge" / "articles.py").read_text(encoding="utf-8")
    assert [r.id for r in load_eval() if r.text in seen or r.text in articles] == []


def test_containment_counts_self_served_kinds_only():
    rows = [
        EvalMessage("1", "a", "OK1", "app", "work_order", "fault_repair"),
        EvalMessage("2", "b", "OK1", "app", "knowledge", "payment"),
        EvalMessage("3", "c", "OK1", "app", "handoff", None),
        EvalMessage("4", "d", None, "app", "clarify", "bill_inquiry"),
    ]
    answers = [
        {"answer_kind": "work_order", "intent": "fault_repair"},
        {"answer_kind": "handoff", "intent": "complaint"},
        {"answer_kind": "handoff", "intent": "praise_suggestion"},
        {"answer_kind": "account", "intent": "bill_inquiry"},
    ]
    figures = score(rows, answers)
    assert (figures["should_self_serve"], figures["contained"], figures["containment"]) == (2, 1, 0.5)
    assert (figures["kind_accuracy"], figures["intent_accuracy"]) == (0.5, 0.6667)
    assert figures["confusion"] == {
        "work_order": {"work_order": 1},
        "knowledge": {"handoff": 1},
        "handoff": {"handoff": 1},
        "clarify": {"account": 1},
    }
