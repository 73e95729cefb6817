"""Batched inference: the fitted classifier wrapper, its on-disk form, and the MLflow pyfunc around it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import torch

from ml.intent.data import Vocab, collate
from ml.intent.labels import INTENTS
from ml.intent.model import IntentLSTM

MODEL_FILE, VOCAB_FILE, META_FILE = "model.pt", "vocab.json", "meta.json"
ARTIFACT_KEY = "intent_model"


def _as_text(value: object) -> str:
    """A message as a string; null (None, NaN, pd.NA) becomes the empty message."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else str(value)


class IntentClassifier:
    """A trained IntentLSTM with its vocabulary: text in, intent and confidence out."""

    def __init__(self, model: IntentLSTM, vocab: Vocab, max_len: int, labels: tuple[str, ...] = INTENTS) -> None:
        """Wrap a trained network; it is switched to eval mode (no dropout)."""
        self.model = model.eval()
        self.vocab = vocab
        self.max_len = max_len
        self.labels = labels

    def predict_proba(self, texts: Iterable[str | None], batch_tokens: int = 65_536) -> np.ndarray:
        """Class probabilities (n, 8) in `labels` order; a null or empty message is classified as `<unk>`.

        Messages are grouped by token length so a batch has no padding (the LSTM then runs without packing,
        about twice as fast); the rows come back in input order. A batch holds up to `batch_tokens` tokens
        (4,096 messages of the typical 16 tokens; activations stay near 50 MB).
        """
        encoded = [self.vocab.encode(_as_text(t), self.max_len) for t in texts]
        by_length: dict[int, list[int]] = {}
        for row, (ids, _) in enumerate(encoded):
            by_length.setdefault(len(ids), []).append(row)
        probs = np.empty((len(encoded), len(self.labels)), dtype=np.float32)
        with torch.inference_mode():
            for length, rows_of_length in by_length.items():
                batch_size = max(1, batch_tokens // length)
                for start in range(0, len(rows_of_length), batch_size):
                    rows = rows_of_length[start : start + batch_size]
                    ids, bigram_ids, lengths, _ = collate([(encoded[i], 0) for i in rows])
                    probs[rows] = torch.softmax(self.model(ids, bigram_ids, lengths), dim=1).numpy()
        return probs

    def predict(self, texts: Iterable[str | None], batch_tokens: int = 65_536) -> pd.DataFrame:
        """One row per message: `intent` (one of the eight codes) and `confidence` (its softmax probability)."""
        probs = self.predict_proba(list(texts), batch_tokens)
        best = probs.argmax(axis=1) if len(probs) else np.empty(0, dtype=int)
        return pd.DataFrame(
            {
                "intent": pd.Series([self.labels[i] for i in best], dtype=object),
                "confidence": probs[np.arange(len(probs)), best].astype(np.float64),
            }
        )

    def save(self, directory: str | Path) -> Path:
        """Write weights, vocabulary and hyperparameters to `directory` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), directory / MODEL_FILE)
        (directory / VOCAB_FILE).write_text(self.vocab.to_json(), encoding="utf-8")
        meta = {"hparams": dict(self.model.hparams), "max_len": self.max_len, "labels": list(self.labels)}
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> IntentClassifier:
        """Rebuild a classifier written by `save`."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        model = IntentLSTM(**meta["hparams"])
        model.load_state_dict(torch.load(directory / MODEL_FILE, map_location="cpu", weights_only=True))
        vocab = Vocab.from_json((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        return cls(model, vocab, meta["max_len"], tuple(meta["labels"]))


class IntentPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: `predict(DataFrame with a text column)` -> DataFrame `intent`, `confidence`.

    The weights travel as the artifact `intent_model` (a directory written by `IntentClassifier.save`), not in the
    pickle, so the pickled object stays a few bytes and loading does not depend on torch pickling.
    """

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Load the classifier from the logged artifact directory."""
        self.classifier = IntentClassifier.load(context.artifacts[ARTIFACT_KEY])

    def predict(
        self, context: mlflow.pyfunc.PythonModelContext | None, model_input: pd.DataFrame, params: dict | None = None
    ) -> pd.DataFrame:
        """Classify `model_input["text"]`; a Series or a list of strings is accepted as the texts themselves."""
        if isinstance(model_input, pd.DataFrame):
            texts = model_input["text"]
        else:
            texts = pd.Series(model_input)
        return self.classifier.predict(texts.tolist())
