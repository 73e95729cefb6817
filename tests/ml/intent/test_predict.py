"""Inference contract: the in-process classifier and the MLflow pyfunc loaded from `models:/…@champion`."""

from __future__ import annotations

import copy
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import torch

from ml.intent.data import Vocab, collate
from ml.intent.labels import INTENTS, OUT_OF_SCOPE, OUTCOMES
from ml.intent.model import IntentLSTM
from ml.intent.predict import ANSWER, CLARIFY, HANDOFF, PREDICT_COLUMNS, IntentClassifier
from ml.intent.registry import MODEL_NAME, register_intent_model

MESSAGES = [
    "停电了？",
    "我家电表冒烟了，邻居家都有电",
    "app 上交不了 fee",
    "我要申请峰谷电价",
    "峰谷电价怎么算",
    "你们客服态度太差了",
    "谢谢师傅",
    "查余额 户号 1234567890",
    "",
    "ＷｉＦｉ路由器没电了跳闸",
    "你们营业厅几点下班",
]


def test_pyfunc_loaded_by_alias_returns_intent_and_confidence_per_row(
    small_run: tuple[dict, dict], mlflow_store: tuple[str, str]
) -> None:
    tracking_uri, artifact_location = mlflow_store
    metrics, objects = small_run
    registration = register_intent_model(tracking_uri, metrics, objects, artifact_location=artifact_location)
    assert (registration.version, registration.promoted) == (1, True)

    mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    out = model.predict(pd.DataFrame({"text": MESSAGES}))

    assert list(out.columns) == PREDICT_COLUMNS == ["intent", "confidence", "out_of_scope", "outcome", "action"]
    assert len(out) == len(MESSAGES)
    # `intent` may become a ticket type: always one of the eight, whatever the outcome.
    assert set(out["intent"]) <= set(INTENTS)
    assert set(out["outcome"]) <= set(OUTCOMES)
    assert set(out["action"]) <= {ANSWER, CLARIFY, HANDOFF}
    for column in ("confidence", "out_of_scope"):
        assert out[column].dtype == np.float64
        assert ((out[column] >= 0) & (out[column] <= 1)).all()
    assert (out["confidence"] + out["out_of_scope"] <= 1 + 1e-6).all()
    # The logged model answers exactly as the in-process one it was made from, temperature included.
    direct = objects["model"].predict(MESSAGES)
    assert objects["model"].temperature == metrics["calibration/temperature"] != 1.0
    pd.testing.assert_frame_equal(out, direct, rtol=1e-5)


def test_clear_messages_get_their_intent(small_run: tuple[dict, dict]) -> None:
    predicted = small_run[1]["model"].predict(["停电了什么时候来电", "电表烧了快来修", "怎么交电费"])
    assert predicted["intent"].tolist() == ["outage_inquiry", "fault_repair", "payment"]
    assert predicted["outcome"].tolist() == predicted["intent"].tolist()
    assert predicted["action"].tolist() == [ANSWER] * 3


def test_out_of_scope_messages_are_handed_over_with_an_in_scope_intent_beside(small_run: tuple[dict, dict]) -> None:
    predicted = small_run[1]["model"].predict(["你们营业厅几点下班", "我要交水费", "明天天气怎么样"])
    assert predicted["outcome"].tolist() == [OUT_OF_SCOPE] * 3
    assert predicted["action"].tolist() == [HANDOFF] * 3
    assert set(predicted["intent"]) <= set(INTENTS)
    assert (predicted["out_of_scope"] > 0.5).all()


def test_action_follows_the_outcome_and_the_clarify_threshold(small_run: tuple[dict, dict]) -> None:
    classifier: IntentClassifier = small_run[1]["model"]
    out = classifier.predict(MESSAGES)
    expected = [
        HANDOFF if outcome == OUT_OF_SCOPE else CLARIFY if confidence < classifier.clarify_below else ANSWER
        for outcome, confidence in zip(out["outcome"], out["confidence"], strict=True)
    ]
    assert out["action"].tolist() == expected


def test_padded_batches_and_one_at_a_time_give_the_same_probabilities(small_run: tuple[dict, dict]) -> None:
    classifier: IntentClassifier = small_run[1]["model"]
    grouped = classifier.predict_proba(MESSAGES, batch_tokens=8)
    single = np.vstack([classifier.predict_proba([text]) for text in MESSAGES])
    # One padded batch of all lengths goes through the packed-sequence path that training uses.
    ids, bigram_ids, lengths, _ = collate([(classifier.vocab.encode(t, classifier.max_len), 0) for t in MESSAGES])
    with torch.inference_mode():
        logits = classifier.model(ids, bigram_ids, lengths) / classifier.temperature
        padded = torch.softmax(logits, dim=1).numpy()
    np.testing.assert_allclose(grouped, single, atol=1e-5)
    np.testing.assert_allclose(grouped, padded, atol=1e-5)


def test_null_and_empty_messages_still_get_one_row_each(small_run: tuple[dict, dict]) -> None:
    out = small_run[1]["model"].predict(pd.Series(["", None, float("nan"), pd.NA, "报修"], dtype=object))
    assert len(out) == 5
    assert set(out["intent"]) <= set(INTENTS)
    assert out["outcome"].iloc[4] == "fault_repair"


def test_save_and_load_round_trip_gives_the_same_probabilities(small_run: tuple[dict, dict], tmp_path: Path) -> None:
    classifier: IntentClassifier = small_run[1]["model"]
    reloaded = IntentClassifier.load(classifier.save(tmp_path / "model"))
    np.testing.assert_array_equal(reloaded.predict_proba(MESSAGES), classifier.predict_proba(MESSAGES))
    assert reloaded.vocab.tokens == classifier.vocab.tokens
    assert (reloaded.temperature, reloaded.labels) == (classifier.temperature, OUTCOMES)


def test_an_ensemble_averages_its_members_logits_and_survives_save_and_load(
    small_run: tuple[dict, dict], tmp_path: Path
) -> None:
    small: IntentClassifier = small_run[1]["model"]
    # A second member that differs: the same network with its output layer halved.
    other = copy.deepcopy(small.model)
    with torch.no_grad():
        other.head.weight.mul_(0.5)
    alone = IntentClassifier(other, small.vocab, small.max_len)
    twin = IntentClassifier([small.model, other], small.vocab, small.max_len, temperature=2.0)
    expected = (small.logits(MESSAGES) + alone.logits(MESSAGES)) / 2
    np.testing.assert_allclose(twin.logits(MESSAGES), expected, rtol=1e-5, atol=1e-5)
    reloaded = IntentClassifier.load(twin.save(tmp_path / "ensemble"))
    assert (len(reloaded.models), reloaded.temperature) == (2, 2.0)
    assert sorted(p.name for p in (tmp_path / "ensemble").glob("*.pt")) == ["model.pt", "model_1.pt"]
    np.testing.assert_allclose(reloaded.predict_proba(MESSAGES), twin.predict_proba(MESSAGES), rtol=1e-5)


def test_predict_rows_are_predicts_rows_without_frames() -> None:
    """The assistant's one-message path gives `predict`'s rows, value for value (an untrained net will do)."""
    torch.manual_seed(0)
    vocab = Vocab.build([m for m in MESSAGES if m])  # an empty text has no bigrams to count
    net = IntentLSTM(len(vocab), len(vocab.bigrams), embedding_dim=16, hidden_size=16)
    classifier = IntentClassifier(net, vocab, max_len=32, temperature=1.3)
    rows = classifier.predict_rows(MESSAGES)
    assert rows == list(classifier.predict(MESSAGES).itertuples(index=False, name=None))
    assert len(rows) == len(MESSAGES) and {r[4] for r in rows} <= {ANSWER, CLARIFY, HANDOFF}
