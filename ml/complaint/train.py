"""Train complaint early warning: `train(config, history, last_day) -> (metrics, objects)`.

Why a logistic regression (scikit-learn) and not gradient boosting: complaints are rare (about 1 % of
customers a month on the demo data, a few hundred positives in a half year), the signals are a dozen counts
whose effect is monotone, and a supervisor must be told *why* a customer is flagged. A logistic regression
on standardised counts is stable on few positives, its coefficients are readable, and each score splits
exactly into per-feature contributions, which become the Chinese reasons on the work order
(`ComplaintModel.reasons`); gradient boosting would need approximate attributions for the same.

Time split: as-of days every `step_days`, each labelled with the complaints of the 30 days after it. The
latest `test_as_of_days` labelled as-of days are the test set; the model trains on as-of days whose label
window ends before the first test day, so no complaint is seen in training that is scored in test. Reported
on the test set: precision and lift (precision / base rate) among the top 1 % and 5 % of customer-days by
risk, beside the rule "had a complaint before" (customers ranked by prior complaints, then recency).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.complaint.features import FEATURES, HORIZON_DAYS, History, labelled_rows
from ml.complaint.predict import ComplaintModel

TOP_SHARES = (0.01, 0.05)


@dataclass(frozen=True)
class ComplaintTrainConfig:
    """Everything that decides a training run; equal configs on equal data give equal models."""

    seed: int = 42
    step_days: int = 7  # days between two as-of days: weekly snapshots of every customer
    warmup_days: int = 28  # history before the first as-of day: the 30-day counts and the 4-week bill change
    test_as_of_days: int = 4  # the latest labelled as-of days held out: about the last month
    horizon_days: int = HORIZON_DAYS  # the label: a complaint within this many days after the as-of day
    c: float = 0.3  # inverse L2 strength: a dozen features, a few hundred positives
    class_weight: str | None = None  # None keeps the probabilities on the real base rate

    @classmethod
    def small(cls, **overrides: Any) -> ComplaintTrainConfig:
        """A smoke preset for a few weeks of data (the e2e run's 40 days): a 7-day label, as-of days every 3
        days, one test day. Its figures mean little; the production preset is tested in tests/ml/complaint."""
        return replace(cls(warmup_days=7, step_days=3, test_as_of_days=1, horizon_days=7), **overrides)


def as_of_days(first_day: dt.date, last_day: dt.date, config: ComplaintTrainConfig) -> list[dt.date]:
    """Labelled as-of days, oldest first: every `step_days` back from `last_day` - 30 (whose 30-day label
    window ends on `last_day`), no earlier than `first_day` + `warmup_days`."""
    newest = last_day - dt.timedelta(days=config.horizon_days)
    oldest = first_day + dt.timedelta(days=config.warmup_days)
    days = []
    day = newest
    while day >= oldest:
        days.append(day)
        day -= dt.timedelta(days=config.step_days)
    return days[::-1]


def split(days: list[dt.date], config: ComplaintTrainConfig) -> tuple[list[dt.date], list[dt.date]]:
    """(train days, test days): the test days are the latest `test_as_of_days`; train days are those whose
    label window closes before the first test as-of day ends.

    Raises:
        ValueError: too little history for one as-of day on each side.
    """
    test = days[-config.test_as_of_days :] if config.test_as_of_days else []
    train = [d for d in days if test and d + dt.timedelta(days=config.horizon_days) <= test[0]]
    if not train or not test:
        raise ValueError(
            f"{len(days)} labelled as-of days are too few for a time split: need {config.test_as_of_days} test "
            f"days and one training day {config.horizon_days} days before them (warm-up {config.warmup_days} days)"
        )
    return train, test


def rule_score(rows: pd.DataFrame) -> np.ndarray:
    """The baseline "had a complaint before": prior complaints, the recent ones counting a little more."""
    return rows["prior_complaints"].to_numpy() + 0.5 * rows["complaints_90d"].to_numpy()


def top_share_metrics(label: np.ndarray, score: np.ndarray, seed: int, prefix: str) -> dict[str, float]:
    """Precision and lift among the top 1 % and 5 % of rows by `score`; ties broken by a seeded shuffle, so a
    rule that ranks many rows equal gets the precision of a random pick among them."""
    order = np.lexsort((np.random.default_rng(seed).random(len(score)), -score))
    base = float(label.mean()) if len(label) else float("nan")
    out = {f"{prefix}/base_rate": base}
    for share in TOP_SHARES:
        k = max(1, int(round(share * len(label))))
        precision = float(label[order[:k]].mean())
        pct = int(share * 100)
        out[f"{prefix}/precision_top{pct}pct"] = precision
        out[f"{prefix}/lift_top{pct}pct"] = precision / base if base > 0 else float("nan")
    return out


def _data_version(history: History) -> str:
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(history.tickets[["customer_id", "ticket_type", "created_at"]], index=False)
        .to_numpy()
        .tobytes()
    )
    return digest.hexdigest()[:12]


def train(
    config: ComplaintTrainConfig, history: History, first_day: dt.date, last_day: dt.date
) -> tuple[dict[str, float], dict[str, Any]]:
    """Fit the model on the earlier as-of days and evaluate it and the rule on the later ones.

    Args:
        config: time split and regularisation.
        history: the marts' frames (`ml.complaint.features.History`).
        first_day, last_day: the first and last day the history covers.

    Returns:
        `(metrics, objects)`. `metrics` has `eval/precision_top{1,5}pct`, `eval/lift_top{1,5}pct`,
        `eval/base_rate`, the same under `baseline/had_complaint/`, `eval/auc`, `data/*` counts and
        `train/seconds`; `objects` has `model` (ComplaintModel), `test_rows` (features, label, risk),
        `config` and `data_version`.
    """
    from sklearn.metrics import roc_auc_score

    started = time.perf_counter()
    history = history.normalised()
    train_days, test_days = split(as_of_days(first_day, last_day, config), config)
    fit_rows = labelled_rows(history, train_days, config.horizon_days)
    test_rows = labelled_rows(history, test_days, config.horizon_days)
    # A tiny history may hold no complaint in its training window: the model is then the base rate (every
    # customer equal, no reasons) rather than a failed run; its lift of 1 never beats a real champion.
    single_class = fit_rows["label"].nunique() < 2
    estimator = (
        DummyClassifier(strategy="prior")
        if single_class
        else LogisticRegression(C=config.c, class_weight=config.class_weight, max_iter=1000)
    )
    pipeline = Pipeline([("scale", StandardScaler()), ("model", estimator)])
    pipeline.fit(fit_rows[list(FEATURES)].to_numpy(dtype=float), fit_rows["label"].to_numpy())
    model = ComplaintModel(pipeline)
    train_seconds = time.perf_counter() - started
    test_rows["risk"] = model.risk(test_rows)
    label = test_rows["label"].to_numpy()
    metrics = {
        **top_share_metrics(label, test_rows["risk"].to_numpy(), config.seed, "eval"),
        **top_share_metrics(label, rule_score(test_rows), config.seed, "baseline/had_complaint"),
        "eval/auc": float(roc_auc_score(label, test_rows["risk"])) if 0 < label.sum() < len(label) else float("nan"),
        "data/n_customers": float(len(history.customers)),
        "data/train_as_of_days": float(len(train_days)),
        "data/test_as_of_days": float(len(test_days)),
        "data/train_rows": float(len(fit_rows)),
        "data/train_positives": float(fit_rows["label"].sum()),
        "data/test_rows": float(len(test_rows)),
        "data/test_positives": float(label.sum()),
        "train/seconds": round(train_seconds, 3),
        "train/base_rate_only": float(single_class),
    }
    objects = {
        "model": model,
        "test_rows": test_rows,
        "config": config,
        "data_version": _data_version(history),
        "split": {"train": [d.isoformat() for d in train_days], "test": [d.isoformat() for d in test_days]},
    }
    return metrics, objects
