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
import torch

from ml.fitting import fit_on_cpu
from ml.intent.baseline import baseline_logits, fit_baseline
from ml.intent.calibration import fit_temperature
from ml.intent.data import IntentDataModule, load_corpus, merge_labelled, prepare_labelled
from ml.intent.evaluate import EvalSets, evaluate_all
from ml.intent.labels import INTENT_TO_ID, OUTCOMES
from ml.intent.model import IntentLSTM
from ml.intent.predict import CLARIFY_BELOW, IntentClassifier

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# The full-size run's outcome, committed so a fast test can hold the repository to it (tests/ml/intent/
# test_recorded_training.py): written by `python -m ml.intent.train --record`.
RECORD_PATH = Path(__file__).resolve().parent / "full_training.json"


@dataclass(frozen=True)
class IntentTrainConfig:
    """Everything that decides a training run; two runs with equal configs and data give equal models."""

    seed: int = 42
    # Networks trained with seeds seed, seed+1, …; their logits are averaged (ml/intent/README.md: one network
    # trails the TF-IDF baseline on eval_independent; see the README for what the ensemble measured).
    ensemble: int = 5
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
    clarify_below: float = CLARIFY_BELOW
    train_path: str = str(CORPUS_DIR / "train.jsonl")
    eval_path: str = str(CORPUS_DIR / "eval_independent.jsonl")
    oos_eval_path: str = str(CORPUS_DIR / "eval_out_of_scope.jsonl")
    fresh_path: str = str(CORPUS_DIR / "eval_fresh.jsonl")
    reported_path: str = str(CORPUS_DIR / "eval_reported_errors.jsonl")

    @classmethod
    def small(cls, **overrides: Any) -> IntentTrainConfig:
        """A fast preset for tests: one network, fewer epochs, narrower layers, shorter messages."""
        return replace(cls(ensemble=1, epochs=8, embedding_dim=64, hidden_size=64, max_len=64), **overrides)


def data_version(train_path: str | Path, extra: pd.DataFrame) -> str:
    """Short fingerprint of the training data: the corpus file plus the agents' labelled rows used."""
    digest = hashlib.sha256(Path(train_path).read_bytes())
    digest.update(extra[["text", "intent"]].to_json(orient="values", force_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:12]


def _fit_members(config: IntentTrainConfig, datamodule: IntentDataModule) -> tuple[list[IntentLSTM], float]:
    """Train `config.ensemble` networks on the same split and vocabulary, member k with seed `seed + k`."""
    members, final_loss = [], float("nan")
    for k in range(config.ensemble):
        member_seed = config.seed + k
        L.seed_everything(member_seed, workers=True, verbose=False)
        datamodule.shuffle_seed = member_seed
        model = IntentLSTM(
            vocab_size=len(datamodule.vocab),
            bigram_vocab_size=len(datamodule.vocab.bigrams),
            num_classes=len(OUTCOMES),
            embedding_dim=config.embedding_dim,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout,
            token_dropout=config.token_dropout,
            pooling=config.pooling,
            learning_rate=config.learning_rate,
            weight_decay=config.weight_decay,
            label_smoothing=config.label_smoothing,
            embedding_skip=config.embedding_skip,
        )
        trainer = fit_on_cpu(model, datamodule, config.epochs)
        members.append(model)
        final_loss = float(trainer.callback_metrics["train/loss"])
    return members, final_loss


def train(config: IntentTrainConfig, extra_labelled: pd.DataFrame | None = None) -> tuple[dict, dict]:
    """Train the BiLSTM ensemble and the TF-IDF baseline on the corpus (+ agents' labels), calibrate, score both.

    Args:
        config: hyperparameters, seed and corpus paths.
        extra_labelled: agents' labels from real interactions, columns `text` and `intent`; rows with a null
            intent are ignored, rows equal to an evaluation message are dropped.

    Returns:
        `(metrics, objects)`. `metrics` (see `ml.intent.evaluate.evaluate_all`) has, for the LSTM and under
        `baseline/` for the baseline: `eval/*` (eval_independent.jsonl, in scope, never trained on), `val/*`
        (grouped held-out part of the training data), `fresh/*`, `reported/*` (the error kinds reported on
        issue 22), `oos/*` (eval_out_of_scope.jsonl against eval_independent) and `calibration/*` (ECE before
        and after temperature scaling); plus `data/n_*` row counts, `train/seconds` and `train/members`.
        `objects` has `model` (IntentClassifier), `vocab`, `baseline` (scikit-learn pipeline), `labels` (row/
        column order of the matrices), `data_version` and `config`.
    """
    started = time.perf_counter()
    L.seed_everything(config.seed, workers=True, verbose=False)
    corpus = load_corpus(config.train_path)
    held_out = load_corpus(config.eval_path)
    extra = prepare_labelled(extra_labelled, held_out)
    datamodule = IntentDataModule(
        merge_labelled(corpus, extra),
        batch_size=config.batch_size,
        max_len=config.max_len,
        val_fraction=config.val_fraction,
        min_token_freq=config.min_token_freq,
        bigram_min_freq=config.bigram_min_freq,
        seed=config.seed,
    )
    datamodule.setup("fit")
    members, final_loss = _fit_members(config, datamodule)
    classifier = IntentClassifier(members, datamodule.vocab, config.max_len, clarify_below=config.clarify_below)
    val_ids = datamodule.val_frame["intent"].map(INTENT_TO_ID).to_numpy()
    classifier.temperature = fit_temperature(classifier.logits(datamodule.val_frame["text"]), val_ids)
    train_seconds = time.perf_counter() - started

    baseline = fit_baseline(datamodule.train_frame["text"], datamodule.train_frame["intent"], seed=config.seed)
    sets = EvalSets(
        eval=held_out,
        val=datamodule.val_frame,
        oos=load_corpus(config.oos_eval_path),
        fresh=load_corpus(config.fresh_path),
        reported=pd.read_json(config.reported_path, lines=True),
    )
    metrics: dict[str, Any] = {
        **evaluate_all(sets, classifier.logits, classifier.temperature, config.clarify_below),
        **evaluate_all(sets, lambda texts: baseline_logits(baseline, texts), 1.0, config.clarify_below, "baseline/"),
        "calibration/temperature": classifier.temperature,
        "data/n_corpus": len(corpus),
        "data/n_extra": len(extra),
        "data/n_train": len(datamodule.train_frame),
        "data/n_val": len(datamodule.val_frame),
        "data/n_eval": len(held_out),
        "data/n_oos_eval": len(sets.oos),
        "data/n_reported": len(sets.reported),
        "train/seconds": round(train_seconds, 2),
        "train/members": config.ensemble,
        "train/final_loss": final_loss,
    }
    objects = {
        "model": classifier,
        "vocab": datamodule.vocab,
        "baseline": baseline,
        "labels": list(OUTCOMES),
        "data_version": data_version(config.train_path, extra),
        "config": config,
    }
    return metrics, objects


def record(config: IntentTrainConfig, metrics: dict, objects: dict, throughput: float) -> dict:
    """What `--record` writes: the config (without paths), the corpus fingerprint, the metrics and the speed."""
    return {
        "config": {k: v for k, v in asdict(config).items() if not k.endswith("_path")},
        "data_version": objects["data_version"],
        "inference_messages_per_second": round(throughput),
        "metrics": metrics,
    }


def inference_throughput(classifier: IntentClassifier, texts: list[str], repeat: int = 20) -> float:
    """Messages per second of `classifier.predict` over `texts` repeated `repeat` times, in this process."""
    batch = texts * repeat
    started = time.perf_counter()
    classifier.predict(batch)
    return len(batch) / (time.perf_counter() - started)


def main() -> None:
    """Train (full size by default) and print the metrics as JSON; `--record` also writes RECORD_PATH."""
    parser = argparse.ArgumentParser(description="Train the intent classifier and print its metrics.")
    parser.add_argument("--small", action="store_true", help="use the small test preset")
    parser.add_argument("--record", action="store_true", help=f"write the outcome to {RECORD_PATH.name}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--ensemble", type=int, default=None, help="networks in the ensemble (default: the preset's)")
    args = parser.parse_args()
    # One thread, as on a shared Dagster worker: the recorded times and throughput are a single core's.
    torch.set_num_threads(1)
    overrides = {"seed": args.seed} | ({"ensemble": args.ensemble} if args.ensemble else {})
    config = IntentTrainConfig.small(**overrides) if args.small else IntentTrainConfig(**overrides)
    metrics, objects = train(config)
    texts = load_corpus(config.eval_path)["text"].tolist() + load_corpus(config.oos_eval_path)["text"].tolist()
    outcome = record(config, metrics, objects, inference_throughput(objects["model"], texts))
    text = json.dumps(outcome, ensure_ascii=False, indent=1)
    if args.record:
        RECORD_PATH.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
