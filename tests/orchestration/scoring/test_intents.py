"""Incremental scoring of ml.interaction_intents on DuckDB and PostgreSQL, with a fake predictor."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orchestration.scoring import intents as intent_scoring
from orchestration.warehouse import Warehouse

DAY = dt.datetime(2026, 10, 30, 9, 0)
N = 5


class FakePredictor:
    """`billing` for texts about the bill, `fault_repair` otherwise; remembers every text it was given."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts: pd.DataFrame) -> pd.DataFrame:
        self.seen.extend(texts["text"])
        return pd.DataFrame(
            {
                "intent": ["billing" if "电费" in t else "fault_repair" for t in texts["text"]],
                "confidence": [0.9 if "电费" in t else 0.6 for t in texts["text"]],
            }
        )


def _interactions(ids: range, **texts: str) -> list[dict]:
    return [
        {
            "interaction_id": f"I{i}",
            "customer_id": f"C{i}" if i % 2 else None,
            "channel": "app",
            "interaction_at": DAY + dt.timedelta(minutes=i),
            "message_text": texts.get(f"I{i}", f"停电了 {i}"),
            "agent_intent": "fault_repair" if i == 1 else None,
        }
        for i in ids
    ]


def _stage(wh: Warehouse, rows: list[dict]) -> None:
    wh.replace_table("staging", "stg_crm__interactions", pd.DataFrame(rows))


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    wh = Warehouse(warehouse_url)
    _stage(wh, _interactions(range(1, N + 1)))
    return wh


def _table(wh: Warehouse) -> dict[str, tuple]:
    rows = wh.query("SELECT interaction_id, predicted_intent, confidence, model_version FROM ml.interaction_intents")
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "an interaction scored twice"
    return {r[0]: r[1:] for r in rows}


def test_each_night_scores_only_what_is_new(wh):
    predict = FakePredictor()
    first = intent_scoring.score_interactions(wh, predict, model_version=1)
    assert first == intent_scoring.IntentScoring(
        scored=N, kept=0, removed=0, full_rescore=True, reason="ml.interaction_intents does not exist"
    )

    _stage(wh, _interactions(range(1, N + 4)))
    predict.seen.clear()
    second = intent_scoring.score_interactions(wh, predict, model_version=1)
    assert (second.scored, second.kept, second.removed, second.full_rescore) == (3, N, 0, False)
    assert second.reason == "3 new and 0 changed interactions"
    assert sorted(predict.seen) == ["停电了 6", "停电了 7", "停电了 8"]

    # The same night again: nothing to score, the model is not even asked.
    predict.seen.clear()
    again = intent_scoring.score_interactions(wh, predict, model_version=1)
    assert (again.scored, again.kept, again.removed, again.full_rescore) == (0, N + 3, 0, False)
    assert predict.seen == []
    table = _table(wh)
    assert sorted(table) == [f"I{i}" for i in range(1, N + 4)]
    assert set(table.values()) == {("fault_repair", 0.6, 1)}
    assert intent_scoring.agreement_with_agents(wh) == 1.0


def test_a_new_champion_rescores_history(wh):
    predict = FakePredictor()
    intent_scoring.score_interactions(wh, predict, model_version=1)
    _stage(wh, _interactions(range(1, N + 4)))
    intent_scoring.score_interactions(wh, predict, model_version=1)

    predict.seen.clear()
    run = intent_scoring.score_interactions(wh, predict, model_version=2)
    assert run == intent_scoring.IntentScoring(
        scored=N + 3, kept=0, removed=0, full_rescore=True, reason="champion version 2 replaces 1"
    )
    assert len(predict.seen) == N + 3
    assert {v[2] for v in _table(wh).values()} == {2}
    assert len(_table(wh)) == N + 3


def test_a_redelivered_interaction_with_new_text_is_rescored(wh):
    predict = FakePredictor()
    intent_scoring.score_interactions(wh, predict, model_version=1)
    _stage(wh, _interactions(range(1, N + 1), I3="这个月电费怎么这么高"))

    predict.seen.clear()
    run = intent_scoring.score_interactions(wh, predict, model_version=1)
    assert (run.scored, run.kept, run.removed, run.full_rescore) == (1, N - 1, 0, False)
    assert run.reason == "0 new and 1 changed interactions"
    assert predict.seen == ["这个月电费怎么这么高"]
    table = _table(wh)
    assert table["I3"] == ("billing", 0.9, 1)
    assert table["I2"] == ("fault_repair", 0.6, 1)
    assert len(table) == N


def test_a_withdrawn_interaction_loses_its_score(wh):
    predict = FakePredictor()
    intent_scoring.score_interactions(wh, predict, model_version=1)
    _stage(wh, [r for r in _interactions(range(1, N + 1)) if r["interaction_id"] != "I2"])

    run = intent_scoring.score_interactions(wh, predict, model_version=1)
    assert (run.scored, run.kept, run.removed, run.full_rescore) == (0, N - 1, 1, False)
    assert "I2" not in _table(wh) and len(_table(wh)) == N - 1


def test_a_table_written_before_content_hashes_is_rescored(wh):
    old = pd.DataFrame(
        {"interaction_id": ["I1"], "predicted_intent": ["billing"], "confidence": [0.5], "model_version": [1]}
    )
    wh.replace_table("ml", "interaction_intents", old)
    run = intent_scoring.score_interactions(wh, FakePredictor(), model_version=1)
    assert run.full_rescore and run.scored == N
    assert run.reason == "ml.interaction_intents has no content_hash (written before incremental scoring)"
    assert len(_table(wh)) == N


def test_replace_rows_twice_with_the_same_rows_writes_them_once(wh):
    wh.replace_table("ml", "scores", pd.DataFrame({"id": ["A", "B", "C"], "score": [1.0, 2.0, 3.0]}))
    update = pd.DataFrame({"id": ["B", "D"], "score": [20.0, 40.0]})
    assert wh.replace_rows("ml", "scores", update, key="id", delete_keys=["C"]) == 2  # B replaced, C deleted
    assert wh.replace_rows("ml", "scores", update, key="id", delete_keys=["C"]) == 2  # B and D replaced
    assert wh.query("SELECT id, score FROM ml.scores ORDER BY id") == [("A", 1.0), ("B", 20.0), ("D", 40.0)]
    assert wh.replace_rows("ml", "scores", update.iloc[:0], key="id") == 0
    assert wh.query("SELECT count(*) FROM ml.scores") == [(3,)]


def test_replace_rows_that_fails_to_insert_deletes_nothing(wh):
    wh.replace_table("ml", "scores", pd.DataFrame({"id": ["A", "B"], "score": [1.0, 2.0]}))
    bad = pd.DataFrame({"id": ["B"], "score": [20.0], "no_such_column": [1]})
    with pytest.raises(Exception, match="no_such_column"):
        wh.replace_rows("ml", "scores", bad, key="id", delete_keys=["A"])
    assert wh.query("SELECT id, score FROM ml.scores ORDER BY id") == [("A", 1.0), ("B", 2.0)]
