"""Training outcomes of the intent classifier (small preset, seed fixed)."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.intent.data import IntentDataModule, load_corpus, merge_labelled, prepare_labelled
from ml.intent.labels import INTENTS
from ml.intent.train import IntentTrainConfig, train

# The small preset (seed 7) scores 0.950 accuracy / 0.950 macro-F1 on eval_independent and 0.936 on the
# grouped validation split (2026-11-25; full size: see ml/intent/README.md). Training is deterministic, so
# the five-point margin absorbs only platform float differences and corpus edits, not run-to-run noise.
EVAL_FLOOR = 0.90
VAL_FLOOR = 0.90


def test_small_model_accuracy_on_eval_independent_is_above_the_floor(small_run: tuple[dict, dict]) -> None:
    metrics, _ = small_run
    assert metrics["eval/accuracy"] >= EVAL_FLOOR
    assert metrics["eval/macro_f1"] >= EVAL_FLOOR
    assert metrics["val/accuracy"] >= VAL_FLOOR


def test_metrics_carry_eval_val_baseline_and_confusion_matrices(small_run: tuple[dict, dict]) -> None:
    metrics, objects = small_run
    for prefix in ("eval/", "val/", "baseline/eval/", "baseline/val/"):
        assert 0.0 <= metrics[f"{prefix}accuracy"] <= 1.0
        assert 0.0 <= metrics[f"{prefix}macro_f1"] <= 1.0
    matrix = metrics["eval/confusion_matrix"]
    assert len(matrix) == len(matrix[0]) == 8
    assert sum(map(sum, matrix)) == metrics["data/n_eval"] == 320
    assert sum(matrix[i][i] for i in range(8)) == round(metrics["eval/accuracy"] * 320)
    assert metrics["baseline/eval/accuracy"] > 0.8
    assert objects["labels"] == list(INTENTS)
    assert metrics["data/n_train"] + metrics["data/n_val"] == metrics["data/n_corpus"]


def test_extra_labelled_rows_join_the_training_set(
    tiny_config: IntentTrainConfig, tiny_run: tuple[dict, dict]
) -> None:
    base_metrics, base_objects = tiny_run
    eval_text = load_corpus(base_objects["config"].eval_path)["text"].iloc[0]
    extra = pd.DataFrame(
        {
            "text": [f"营业厅{i}号窗口排队太久了" for i in range(40)] + ["没有标注的消息", eval_text],
            "intent": ["complaint"] * 40 + [None, "bill_inquiry"],
            "channel": "wechat",
        }
    )
    metrics, objects = train(tiny_config, extra_labelled=extra)
    # 40 labelled rows join; the unlabelled row is ignored and the evaluation message is kept out.
    assert metrics["data/n_extra"] == 40
    assert metrics["data/n_train"] + metrics["data/n_val"] == base_metrics["data/n_corpus"] + 40
    assert objects["data_version"] != base_objects["data_version"]


def test_an_agent_label_overrides_the_corpus_label_of_the_same_text() -> None:
    corpus = pd.DataFrame(
        {"text": ["电费怎么这么高", "停电了"], "intent": ["bill_inquiry", "outage_inquiry"], "group": ["b/1", "o/1"]}
    )
    extra = prepare_labelled(pd.DataFrame({"text": ["电费怎么这么高！"], "intent": ["complaint"]}), corpus.iloc[:0])
    merged = merge_labelled(corpus, extra)
    assert merged.to_dict("records") == [
        {"text": "停电了", "intent": "outage_inquiry", "group": "o/1"},
        {"text": "电费怎么这么高！", "intent": "complaint", "group": "extra/电费怎么这么高！"},
    ]


def test_unknown_intent_in_extra_labelled_is_rejected() -> None:
    held_out = pd.DataFrame({"text": ["x"], "intent": ["payment"]})
    with pytest.raises(ValueError, match="preventive_maintenance"):
        prepare_labelled(pd.DataFrame({"text": ["巡检"], "intent": ["preventive_maintenance"]}), held_out)


def test_validation_holds_out_whole_seed_groups_deterministically(tiny_config: IntentTrainConfig) -> None:
    frame = load_corpus(tiny_config.train_path)
    first, second = IntentDataModule(frame, seed=3), IntentDataModule(frame, seed=3)
    first.setup()
    second.setup()
    assert first.val_frame.equals(second.val_frame)
    assert first.vocab.tokens == second.vocab.tokens
    assert not set(first.train_frame["group"]) & set(first.val_frame["group"])
    assert set(first.val_frame["intent"]) == set(INTENTS)
    assert 0.08 < len(first.val_frame) / len(frame) < 0.12
