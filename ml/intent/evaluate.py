"""Evaluation of intent predictions: accuracy, macro-F1, out-of-scope detection, calibration, the confusion matrix.

`evaluate_all` scores any model given as a `texts -> logits` function (the LSTM ensemble, the baseline's
log-probabilities), so every training run reports the LSTM and its baseline on the same sets with the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # training runs headless (Dagster workers, CI); never ask for a display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score

from ml.intent.calibration import expected_calibration_error, softmax
from ml.intent.labels import INTENTS, OUT_OF_SCOPE, OUTCOMES


def score(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str] = INTENTS,
    matrix_labels: Sequence[str] = OUTCOMES,
) -> dict:
    """Accuracy, macro-F1 over `labels`, and the confusion matrix over `matrix_labels`.

    Args:
        y_true: the labelled intents.
        y_pred: the predicted outcomes, same order (an in-scope message predicted out_of_scope is an error).
        labels: the classes macro-F1 averages over: the eight intents on in-scope sets (an out_of_scope F1
            would be 0 there by construction), all nine outcomes on sets that hold both.
        matrix_labels: row/column order of the matrix.

    Returns:
        `{"accuracy": float, "macro_f1": float, "confusion_matrix": list[list[int]]}`; matrix rows are true
        intents, columns predicted ones. An intent absent from both counts as F1 0 (zero_division=0), so a
        model that never predicts a class is penalised rather than excused.
    """
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(matrix_labels)).tolist(),
    }


@dataclass(frozen=True)
class EvalSets:
    """The labelled sets every training run is scored on (frames with `text` and `intent`)."""

    eval: pd.DataFrame  # eval_independent.jsonl: in scope, hand-written apart from the corpus
    val: pd.DataFrame  # grouped held-out part of the training data (also where the temperature is fitted)
    oos: pd.DataFrame  # eval_out_of_scope.jsonl: held-out out-of-scope messages
    fresh: pd.DataFrame  # eval_fresh.jsonl
    reported: pd.DataFrame  # eval_reported_errors.jsonl, with a `kind` column


def evaluate_all(
    sets: EvalSets,
    logits: Callable[[Sequence[str]], np.ndarray],
    temperature: float,
    clarify_below: float,
    prefix: str = "",
) -> dict:
    """Every metric of one model, keys prefixed with `prefix` (`""` for the LSTM, `"baseline/"`).

    Args:
        sets: the evaluation sets.
        logits: texts -> (n, len(OUTCOMES)) scores in `OUTCOMES` order.
        temperature: divides the logits before the softmax (1.0: as the model gives them).
        clarify_below: confidence under which the assistant would ask again instead of answering.
        prefix: prepended to every key.

    Returns:
        `eval/`, `val/`, `fresh/` accuracy, macro-F1 and confusion matrix of the decision (the most probable
        of the nine outcomes); `reported/accuracy` and `reported/<kind>/accuracy`; `oos/recall` (held-out out-of-scope
        messages recognised), `oos/precision` and `oos/false_alarm` (in-scope eval messages taken for out of
        scope) of that decision, `oos/auroc` of P(out_of_scope) between the two sets; `calibration/ece` of the
        decision's confidence over eval + oos (and `calibration/ece_uncalibrated` at temperature 1);
        `eval/answered` (share of eval messages the pyfunc's `action` would answer: decided in scope with a
        confidence at or above `clarify_below`) and `eval/answered_accuracy` (accuracy on those).
    """
    oos = OUTCOMES.index(OUT_OF_SCOPE)
    raw = {name: logits(frame["text"].tolist()) for name, frame in vars(sets).items()}
    probs = {name: softmax(r, temperature) for name, r in raw.items()}
    decided = {name: [OUTCOMES[i] for i in p.argmax(axis=1)] for name, p in probs.items()}
    metrics: dict = {}
    for name in ("eval", "val", "fresh"):
        labels = OUTCOMES if name == "val" else INTENTS
        for key, value in score(getattr(sets, name)["intent"].tolist(), decided[name], labels).items():
            metrics[f"{name}/{key}"] = value
    # Three intents only: a macro-F1 over the eight would be mostly zeros, so accuracy, overall and per kind.
    reported_right = np.asarray(decided["reported"]) == sets.reported["intent"].to_numpy()
    metrics["reported/accuracy"] = float(reported_right.mean())
    for kind, rows in sets.reported.groupby("kind").groups.items():
        metrics[f"reported/{kind}/accuracy"] = float(reported_right[np.asarray(rows)].mean())

    in_said_oos = np.asarray(decided["eval"]) == OUT_OF_SCOPE
    oos_said_oos = np.asarray(decided["oos"]) == OUT_OF_SCOPE
    flagged = in_said_oos.sum() + oos_said_oos.sum()
    metrics["oos/recall"] = float(oos_said_oos.mean())
    metrics["oos/precision"] = float(oos_said_oos.sum() / flagged) if flagged else 0.0
    metrics["oos/false_alarm"] = float(in_said_oos.mean())
    p_oos = np.concatenate([probs["eval"][:, oos], probs["oos"][:, oos]])
    is_oos = np.concatenate([np.zeros(len(sets.eval)), np.ones(len(sets.oos))])
    metrics["oos/auroc"] = float(roc_auc_score(is_oos, p_oos))

    truth = np.concatenate([sets.eval["intent"].to_numpy(), sets.oos["intent"].to_numpy()])
    for key, t in (("calibration/ece_uncalibrated", 1.0), ("calibration/ece", temperature)):
        p = softmax(np.concatenate([raw["eval"], raw["oos"]]), t)
        correct = np.asarray([OUTCOMES[i] for i in p.argmax(axis=1)]) == truth
        metrics[key] = expected_calibration_error(p.max(axis=1), correct)

    # As the pyfunc's `action`: answered when the decision is an intent held with enough confidence.
    answered = (probs["eval"].max(axis=1) >= clarify_below) & ~in_said_oos
    eval_right = np.asarray(decided["eval"]) == sets.eval["intent"].to_numpy()
    metrics["eval/answered"] = float(answered.mean())
    metrics["eval/answered_accuracy"] = float(eval_right[answered].mean()) if answered.any() else 0.0
    return {f"{prefix}{key}": value for key, value in metrics.items()}


def confusion_figure(matrix: Sequence[Sequence[int]], labels: Sequence[str] = OUTCOMES, title: str = "") -> Figure:
    """Heat map of a confusion matrix with counts in the cells (true intents down, predicted across)."""
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, count, ha="center", va="center", color="white" if count > peak / 2 else "black")
    fig.tight_layout()
    return fig
