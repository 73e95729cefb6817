"""Inference contract: the in-process classifier and the MLflow pyfunc loaded from `models:/…@champion`."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import torch

from ml.intent.data import collate
from ml.intent.labels import INTENTS
from ml.intent.predict import IntentClassifier
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

    assert list(out.columns) == ["intent", "confidence"]
    assert len(out) == len(MESSAGES)
    assert set(out["intent"]) <= set(INTENTS)
    assert out["confidence"].dtype == np.float64
    assert ((out["confidence"] > 0) & (out["confidence"] <= 1)).all()
    # The logged model answers exactly as the in-process one it was made from.
    direct = objects["model"].predict(MESSAGES)
    assert out["intent"].tolist() == direct["intent"].tolist()
    np.testing.assert_allclose(out["confidence"], direct["confidence"], rtol=1e-5)


def test_clear_messages_get_their_intent(small_run: tuple[dict, dict]) -> None:
    predicted = small_run[1]["model"].predict(["停电了什么时候来电", "电表烧了快来修", "怎么交电费"])
    assert predicted["intent"].tolist() == ["outage_inquiry", "fault_repair", "payment"]


def test_padded_batches_and_one_at_a_time_give_the_same_probabilities(small_run: tuple[dict, dict]) -> None:
    classifier: IntentClassifier = small_run[1]["model"]
    grouped = classifier.predict_proba(MESSAGES, batch_tokens=8)
    single = np.vstack([classifier.predict_proba([text]) for text in MESSAGES])
    # One padded batch of all lengths goes through the packed-sequence path that training uses.
    ids, bigram_ids, lengths, _ = collate([(classifier.vocab.encode(t, classifier.max_len), 0) for t in MESSAGES])
    with torch.inference_mode():
        padded = torch.softmax(classifier.model(ids, bigram_ids, lengths), dim=1).numpy()
    np.testing.assert_allclose(grouped, single, atol=1e-5)
    np.testing.assert_allclose(grouped, padded, atol=1e-5)


def test_null_and_empty_messages_still_get_one_row_each(small_run: tuple[dict, dict]) -> None:
    out = small_run[1]["model"].predict(pd.Series(["", None, float("nan"), pd.NA, "报修"], dtype=object))
    assert len(out) == 5
    assert set(out["intent"]) <= set(INTENTS)


def test_save_and_load_round_trip_gives_the_same_probabilities(small_run: tuple[dict, dict], tmp_path: Path) -> None:
    classifier: IntentClassifier = small_run[1]["model"]
    reloaded = IntentClassifier.load(classifier.save(tmp_path / "model"))
    np.testing.assert_array_equal(reloaded.predict_proba(MESSAGES), classifier.predict_proba(MESSAGES))
    assert reloaded.vocab.tokens == classifier.vocab.tokens
