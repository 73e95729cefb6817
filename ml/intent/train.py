"""Train the intent classifier: `train(config, extra_labelled) -> (metrics, objects)`, LHT style.

Run the full-size training from the command line with `python -m ml.intent.train` (prints the metrics).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import pandas as pd

from ml.fitting import fit_on_cpu
from ml.intent.baseline import fit_baseline
from ml.intent.data import IntentDataModule, load_corpus, merge_labelled, prepare_labelled
from ml.intent.evaluate import score
from ml.intent.labels import INTENTS
from ml.intent.model import IntentLSTM
from ml.intent.predict import IntentClassifier

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class IntentTrainConfig:
    """Everything that decides a training run; two runs with equal configs and data give equal models."""

    seed: int = 42
    epochs: int = 12
    batch_size: int = 128
    embedding_dim: int = 96
    hidden_size: int = 96
    num_layers: int = 1
    dropout: float = 0.4
    token_dropout: float = 0.2
    pooling: str = "maxmean"
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    embedding_skip: bool = True
    max_len: int = 96
    val_fraction: float = 0.1
    min_token_freq: int = 1
    bigram_min_freq: int | None = 2  # None: characters only
    train_path: str = str(CORPUS_DIR / "train.jsonl")
    eval_path: str = str(CORPUS_DIR / "eval_independent.jsonl")

    @classmethod
    def small(cls, **overrides: Any) -> IntentTrainConfig:
        """A fast preset for tests: fewer epochs, narrower layers, shorter messages."""
        return replace(cls(epochs=8, embedding_dim=64, hidden_size=64, max_len=64), **overrides)


def data_version(train_path: str | Path, extra: pd.DataFrame) -> str:
    """Short fingerprint of the training data: the corpus file plus the agents' labelled rows used."""
    digest = hashlib.sha256(Path(train_path).read_bytes())
    digest.update(extra[["text", "intent"]].to_json(orient="values", force_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:12]


def train(config: IntentTrainConfig, extra_labelled: pd.DataFrame | None = None) -> tuple[dict, dict]:
    """Train the BiLSTM and the TF-IDF baseline on the corpus (+ agents' labels) and score both.

    Args:
        config: hyperparameters, seed and corpus paths.
        extra_labelled: agents' labels from real interactions, columns `text` and `intent`; rows with a null
            intent are ignored, rows equal to an evaluation message are dropped.

    Returns:
        `(metrics, objects)`. `metrics` has `eval/accuracy`, `eval/macro_f1`, `eval/confusion_matrix` (on
        eval_independent.jsonl, which training never sees), the same under `val/` (held-out part of the
        training data) and under `baseline/eval/`, `baseline/val/`, plus `data/n_*` row counts and
        `train/seconds`. `objects` has `model` (IntentClassifier), `vocab`, `baseline` (scikit-learn
        pipeline), `labels` (row/column order of the matrices) and `data_version`.
    """
    started = time.perf_counter()
    L.seed_everything(config.seed, workers=True, verbose=False)
    corpus = load_corpus(config.train_path)
    held_out = load_corpus(config.eval_path)
    extra = prepare_labelled(extra_labelled, held_out)
    datamodule = IntentDataModule(
        merge_labelled(corpus, extra), batch_size=config.batch_size, max_len=config.max_len,
        val_fraction=config.val_fraction, min_token_freq=config.min_token_freq,
        bigram_min_freq=config.bigram_min_freq, seed=config.seed,
    )
    datamodule.setup("fit")
    model = IntentLSTM(
        vocab_size=len(datamodule.vocab), bigram_vocab_size=len(datamodule.vocab.bigrams), num_classes=len(INTENTS), embedding_dim=config.embedding_dim,
        hidden_size=config.hidden_size, num_layers=config.num_layers, dropout=config.dropout,
        token_dropout=config.token_dropout, pooling=config.pooling, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, label_smoothing=config.label_smoothing,
        embedding_skip=config.embedding_skip,
    )
    trainer = fit_on_cpu(model, datamodule, config.epochs)
    train_seconds = time.perf_counter() - started

    classifier = IntentClassifier(model, datamodule.vocab, config.max_len)
    baseline = fit_baseline(datamodule.train_frame["text"], datamodule.train_frame["intent"], seed=config.seed)
    metrics: dict[str, Any] = {}
    for split, frame in (("eval", held_out), ("val", datamodule.val_frame)):
        for prefix, predicted in (
            ("", classifier.predict(frame["text"])["intent"]),
            ("baseline/", baseline.predict(frame["text"].tolist())),
        ):
            for name, value in score(frame["intent"].tolist(), list(predicted)).items():
                metrics[f"{prefix}{split}/{name}"] = value
    metrics.update(
        {
            "data/n_corpus": len(corpus),
            "data/n_extra": len(extra),
            "data/n_train": len(datamodule.train_frame),
            "data/n_val": len(datamodule.val_frame),
            "data/n_eval": len(held_out),
            "train/seconds": round(train_seconds, 2),
            "train/final_loss": float(trainer.callback_metrics["train/loss"]),
        }
    )
    objects = {
        "model": classifier,
        "vocab": datamodule.vocab,
        "baseline": baseline,
        "labels": list(INTENTS),
        "data_version": data_version(config.train_path, extra),
        "config": config,
    }
    return metrics, objects


def main() -> None:
    """Train at full size and print the metrics (confusion matrices included) as JSON."""
    parser = argparse.ArgumentParser(description="Train the intent classifier and print its metrics.")
    parser.add_argument("--small", action="store_true", help="use the small test preset")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    config = IntentTrainConfig.small(seed=args.seed) if args.small else IntentTrainConfig(seed=args.seed)
    metrics, _ = train(config)
    print(json.dumps({"config": asdict(config), "metrics": metrics}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
