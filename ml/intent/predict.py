"""Batched inference: the fitted classifier wrapper, its on-disk form, and the MLflow pyfunc around it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import torch

from ml.intent.calibration import softmax
from ml.intent.data import Vocab, collate
from ml.intent.labels import OUT_OF_SCOPE, OUTCOMES
from ml.intent.model import IntentLSTM

MODEL_FILE, VOCAB_FILE, META_FILE = "model.pt", "vocab.json", "meta.json"
ARTIFACT_KEY = "intent_model"
# A caller's routing of one prediction (see `action`): answer it, ask the customer to say more, or hand over.
ANSWER, CLARIFY, HANDOFF = "answer", "clarify", "handoff"
# Below this calibrated confidence the assistant asks again instead of acting (ml/intent/README.md: at 0.6,
# the full model's answered messages are right ~99 % of the time and it asks on ~3 % of in-scope messages).
CLARIFY_BELOW = 0.6
PREDICT_COLUMNS = ["intent", "confidence", "out_of_scope", "outcome", "action"]


def _as_text(value: object) -> str:
    """A message as a string; null (None, NaN, pd.NA) becomes the empty message."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else str(value)


def _member_file(i: int) -> str:
    return MODEL_FILE if i == 0 else f"model_{i}.pt"


class IntentClassifier:
    """Trained IntentLSTM networks (one, or a seed ensemble) with their vocabulary and calibration temperature.

    The members' logits are averaged, divided by `temperature` and soft-maxed over `labels` (the eight intents
    then `out_of_scope`). Text in; intent, calibrated confidence, out-of-scope probability and a routing out.
    """

    def __init__(
        self,
        model: IntentLSTM | list[IntentLSTM],
        vocab: Vocab,
        max_len: int,
        labels: tuple[str, ...] = OUTCOMES,
        temperature: float = 1.0,
        clarify_below: float = CLARIFY_BELOW,
    ) -> None:
        """Wrap trained networks; they are switched to eval mode (no dropout)."""
        self.models = [m.eval() for m in (model if isinstance(model, list) else [model])]
        self.vocab = vocab
        self.max_len = max_len
        self.labels = tuple(labels)
        self.temperature = temperature
        self.clarify_below = clarify_below

    @property
    def model(self) -> IntentLSTM:
        """The first member (the only one without an ensemble)."""
        return self.models[0]

    def logits(self, texts: Iterable[str | None], batch_tokens: int = 65_536) -> np.ndarray:
        """Uncalibrated scores (n, classes): the mean of the members' logits; a null or empty message is `<unk>`.

        Messages are grouped by token length so a batch has no padding (the LSTM then runs without packing,
        about twice as fast); the rows come back in input order. A batch holds up to `batch_tokens` tokens
        (4,096 messages of the typical 16 tokens; activations stay near 50 MB).
        """
        encoded = [self.vocab.encode(_as_text(t), self.max_len) for t in texts]
        by_length: dict[int, list[int]] = {}
        for row, (ids, _) in enumerate(encoded):
            by_length.setdefault(len(ids), []).append(row)
        out = np.zeros((len(encoded), len(self.labels)), dtype=np.float32)
        with torch.inference_mode():
            for length, rows_of_length in by_length.items():
                batch_size = max(1, batch_tokens // length)
                for start in range(0, len(rows_of_length), batch_size):
                    rows = rows_of_length[start : start + batch_size]
                    ids, bigram_ids, lengths, _ = collate([(encoded[i], 0) for i in rows])
                    total = sum(member(ids, bigram_ids, lengths) for member in self.models)
                    out[rows] = (total / len(self.models)).numpy()
        return out

    def predict_proba(self, texts: Iterable[str | None], batch_tokens: int = 65_536) -> np.ndarray:
        """Calibrated class probabilities (n, classes) in `labels` order."""
        return softmax(self.logits(list(texts), batch_tokens), self.temperature).astype(np.float32)

    def predict(self, texts: Iterable[str | None], batch_tokens: int = 65_536) -> pd.DataFrame:
        """One row per message, columns `PREDICT_COLUMNS`.

        * `intent`: the most probable of the eight intents, never `out_of_scope` (it may become a ticket type);
        * `confidence`: its calibrated probability (out_of_scope's share counts against it);
        * `out_of_scope`: the calibrated probability that the message is none of the eight (0.0 for a model
          trained without that class);
        * `outcome`: the most probable class of all, `intent` or `out_of_scope`;
        * `action`: `handoff` when the outcome is out_of_scope, else `clarify` below `clarify_below`, else `answer`.
        """
        intent, confidence, p_oos, outcome, action = self._columns(self.predict_proba(list(texts), batch_tokens))
        return pd.DataFrame(
            {
                "intent": pd.Series(intent, dtype=object),
                "confidence": confidence,
                "out_of_scope": p_oos,
                "outcome": pd.Series(outcome, dtype=object),
                "action": pd.Series(action, dtype=object),
            }
        )

    def predict_rows(self, texts: Iterable[str | None]) -> list[tuple[str, float, float, str, str]]:
        """`predict` as plain tuples in `PREDICT_COLUMNS` order: for one message, building and reading the
        frames cost more than the network (the online assistant's path)."""
        columns = self._columns(self.predict_proba(list(texts)))
        return list(zip(columns[0], columns[1].tolist(), columns[2].tolist(), columns[3], columns[4]))

    def _columns(self, probs: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, list[str], list[str]]:
        """intent, confidence, out_of_scope, outcome and action of each row of `probs` (see `predict`)."""
        in_scope = [i for i, label in enumerate(self.labels) if label != OUT_OF_SCOPE]
        oos = self.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.labels else None
        rows = np.arange(len(probs))
        best = np.asarray(in_scope)[probs[:, in_scope].argmax(axis=1)] if len(probs) else np.empty(0, dtype=int)
        outcome = probs.argmax(axis=1) if len(probs) else np.empty(0, dtype=int)
        confidence = probs[rows, best].astype(np.float64)
        p_oos = probs[:, oos].astype(np.float64) if oos is not None else np.zeros(len(probs))
        is_oos = outcome == oos if oos is not None else np.zeros(len(probs), dtype=bool)
        action = np.where(is_oos, HANDOFF, np.where(confidence < self.clarify_below, CLARIFY, ANSWER))
        return (
            [self.labels[i] for i in best],
            confidence,
            p_oos,
            [self.labels[i] for i in outcome],
            action.tolist(),
        )

    def save(self, directory: str | Path) -> Path:
        """Write the members' weights, the vocabulary and hyperparameters to `directory` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for i, member in enumerate(self.models):
            torch.save(member.state_dict(), directory / _member_file(i))
        (directory / VOCAB_FILE).write_text(self.vocab.to_json(), encoding="utf-8")
        meta = {
            "hparams": dict(self.model.hparams),
            "max_len": self.max_len,
            "labels": list(self.labels),
            "members": len(self.models),
            "temperature": self.temperature,
            "clarify_below": self.clarify_below,
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> IntentClassifier:
        """Rebuild a classifier written by `save` (a pre-ensemble artifact loads as one uncalibrated member)."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        models = []
        for i in range(meta.get("members", 1)):
            model = IntentLSTM(**meta["hparams"])
            model.load_state_dict(torch.load(directory / _member_file(i), map_location="cpu", weights_only=True))
            models.append(model)
        vocab = Vocab.from_json((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        return cls(
            models,
            vocab,
            meta["max_len"],
            tuple(meta["labels"]),
            meta.get("temperature", 1.0),
            meta.get("clarify_below", CLARIFY_BELOW),
        )


class IntentPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: `predict(DataFrame with a text column)` -> DataFrame with `PREDICT_COLUMNS`.

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
        texts = model_input["text"] if isinstance(model_input, pd.DataFrame) else pd.Series(model_input)
        return self.classifier.predict(texts.tolist())

    def predict_rows(self, texts: list[str]) -> list[tuple[str, float, float, str, str]]:
        """`predict` without frames or MLflow's input validation: one tuple per text, `PREDICT_COLUMNS` order."""
        return self.classifier.predict_rows(texts)
