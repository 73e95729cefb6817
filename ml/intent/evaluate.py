"""Evaluation of intent predictions: accuracy, macro-F1, the confusion matrix and its figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # training runs headless (Dagster workers, CI); never ask for a display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from ml.intent.labels import INTENTS


def score(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = INTENTS) -> dict:
    """Accuracy, macro-F1 over all eight intents, and the confusion matrix.

    Args:
        y_true: the labelled intents.
        y_pred: the predicted intents, same order.
        labels: row/column order of the matrix.

    Returns:
        `{"accuracy": float, "macro_f1": float, "confusion_matrix": list[list[int]]}`; matrix rows are true
        intents, columns predicted ones. An intent absent from both counts as F1 0 (zero_division=0), so a
        model that never predicts a class is penalised rather than excused.
    """
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist(),
    }


def confusion_figure(matrix: Sequence[Sequence[int]], labels: Sequence[str] = INTENTS, title: str = "") -> Figure:
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
