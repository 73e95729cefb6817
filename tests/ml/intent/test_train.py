"""Training outcomes of the intent classifier (small preset, seed fixed)."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.intent.data import IntentDataModule, load_corpus, merge_labelled, prepare_labelled
from ml.intent.labels import OUTCOMES
from ml.intent.train import IntentTrainConfig, train

# Floors of the small preset (seed 7, one network, 8 epochs), measured 2026-12-02 (eval accuracy 0.931); training is
# deterministic, so the margins absorb only platform float differences and corpus edits, not run-to-run noise.
# The full-size run and its comparison with the baseline are held by test_recorded_training.py.
EVAL_FLOOR = 0.90  # in-scope accuracy and macro-F1 on eval_independent (an out_of_scope answer counts as wrong)
VAL_FLOOR = 0.88
OOS_RECALL_FLOOR = 0.70  # held-out eval_out_of_scope.jsonl recognised as out of scope
OOS_AUROC_FLOOR = 0.95
REPORTED_FLOOR = 0.80  # eval_reported_errors.jsonl, the three error kinds of issue 22 (small: 0.861; full: 1.0)


def test_small_model_accuracy_on_eval_independent_is_above_the_floor(small_run: tuple[dict, dict]) -> None:
    metrics, _ = small_run
    assert metrics["eval/accuracy"] >= EVAL_FLOOR
    assert metrics["eval/macro_f1"] >= EVAL_FLOOR
    assert metrics["val/accuracy"] >= VAL_FLOOR


def test_small_model_recognises_held_out_out_of_scope_messages(small_run: tuple[dict, dict]) -> None:
    metrics, _ = small_run
    assert metrics["oos/recall"] >= OOS_RECALL_FLOOR
    assert metrics["oos/auroc"] >= OOS_AUROC_FLOOR
    # Few in-scope messages are turned away: at most 2 % of eval_independent.
    assert metrics["oos/false_alarm"] <= 0.02
    assert metrics["data/n_oos_eval"] == 127


def test_small_model_gets_the_reported_error_kinds_right(small_run: tuple[dict, dict]) -> None:
    metrics, _ = small_run
    assert metrics["data/n_reported"] == 36
    assert metrics["reported/accuracy"] >= REPORTED_FLOOR
    for kind in ("repair_with_address", "storm_restoration", "english_complaint"):
        assert metrics[f"reported/{kind}/accuracy"] >= 7 / 12, kind


def test_calibration_is_reported_before_and_after_temperature_scaling(small_run: tuple[dict, dict]) -> None:
    metrics, objects = small_run
    assert objects["model"].temperature == metrics["calibration/temperature"]
    assert 0.25 <= metrics["calibration/temperature"] <= 10
    for key in ("calibration/ece", "calibration/ece_uncalibrated", "baseline/calibration/ece"):
        assert 0.0 <= metrics[key] <= 1.0, key
    # Calibrated confidences are within a few points of the accuracy they claim on eval + out-of-scope sets.
    assert metrics["calibration/ece"] <= 0.06


def test_metrics_carry_eval_val_baseline_and_confusion_matrices(small_run: tuple[dict, dict]) -> None:
    metrics, objects = small_run
    for prefix in ("eval/", "val/", "fresh/", "baseline/eval/", "baseline/val/", "baseline/fresh/"):
        assert 0.0 <= metrics[f"{prefix}accuracy"] <= 1.0
        assert 0.0 <= metrics[f"{prefix}macro_f1"] <= 1.0
    for key in ("oos/recall", "oos/precision", "oos/auroc", "calibration/ece", "reported/accuracy"):
        assert 0.0 <= metrics[f"baseline/{key}"] <= 1.0, key
    matrix = metrics["eval/confusion_matrix"]
    assert len(matrix) == len(matrix[0]) == 9
    assert sum(map(sum, matrix)) == metrics["data/n_eval"] == 320
    assert sum(matrix[i][i] for i in range(9)) == round(metrics["eval/accuracy"] * 320)
    # The out_of_scope column holds the in-scope messages turned away; its row is empty (none are out of scope).
    assert sum(row[8] for row in matrix) == round(metrics["oos/false_alarm"] * 320)
    assert matrix[8] == [0] * 9
    assert metrics["baseline/eval/accuracy"] > 0.8
    assert objects["labels"] == list(OUTCOMES)
    assert metrics["data/n_train"] + metrics["data/n_val"] == metrics["data/n_corpus"]


def test_extra_labelled_rows_join_the_training_set(tiny_config: IntentTrainConfig, tiny_run: tuple[dict, dict]) -> None:
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
    assert set(first.val_frame["intent"]) == set(OUTCOMES)
    assert 0.08 < len(first.val_frame) / len(frame) < 0.12
