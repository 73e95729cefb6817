"""The intent model as the service holds it: `intent_classifier@champion`, swapped when a new champion comes.

A background thread asks the registry which version the alias points at every `poll_s` seconds; a new version is
loaded beside the serving one and then swapped in by one reference assignment, so a request in flight finishes
on the model it started with and none waits for a load. A version that fails to load is logged and the serving
one kept.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger("assistant.intent")
# The pyfunc's output columns (ml.intent.predict.PREDICT_COLUMNS; not imported, so the service loads no torch
# for a model that needs none).
COLUMNS = ("intent", "confidence", "out_of_scope", "outcome", "action")


@dataclass(frozen=True)
class Prediction:
    """One message's prediction (the pyfunc's columns) and the model version that made it."""

    intent: str
    confidence: float
    out_of_scope: float
    action: str  # answer | clarify | handoff
    model_version: str


class IntentModel:
    """The registered champion, loaded at start and reloaded on promotion."""

    def __init__(self, tracking_uri: str, name: str = "intent_classifier", alias: str = "champion"):
        self.tracking_uri, self.name, self.alias = tracking_uri, name, alias
        # (version, predict function of a list of texts -> rows in PREDICT_COLUMNS order), replaced whole
        self._serving: tuple[str, object] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def version(self) -> str | None:
        """The version serving now."""
        return self._serving[0] if self._serving else None

    def _client(self):
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def champion_version(self) -> str:
        """The version the alias names in the registry now."""
        return str(self._client().get_model_version_by_alias(self.name, self.alias).version)

    def load(self) -> bool:
        """Load the alias's version unless it is already serving; returns whether a swap happened.

        Raises:
            mlflow.exceptions.MlflowException: no such model or alias (at start: the service cannot answer).
        """
        import mlflow

        version = self.champion_version()
        if self._serving and self._serving[0] == version:
            return False
        mlflow.set_tracking_uri(self.tracking_uri)  # models:/ URIs resolve through the global store
        model = mlflow.pyfunc.load_model(f"models:/{self.name}/{version}")
        if "torch" in sys.modules:
            # One message is a tiny batch: torch's intra-op threads only contend with the other requests'
            # threads and the other worker process for the same cores.
            sys.modules["torch"].set_num_threads(1)
        # The python model itself, past MLflow's per-call input validation (a third of a one-message predict's
        # time), and without frames where the model offers `predict_rows` (ml.intent.predict.IntentPyfunc): for
        # one message, building and reading the frames cost more than the network.
        python_model = model.unwrap_python_model()
        predict = getattr(python_model, "predict_rows", None) or _rows_of(python_model)
        # Warm up: the first call of a torch model allocates; it must not be a customer's.
        predict(["电费多少"])
        previous = self.version
        self._serving = (version, predict)
        log.info("intent model %s version %s serving (was %s)", self.name, version, previous)
        return True

    def predict(self, text: str) -> Prediction:
        """The prediction for one message by the model serving now."""
        version, predict = self._serving
        ((intent, confidence, out_of_scope, _outcome, action),) = predict([text])
        return Prediction(
            intent=str(intent),
            confidence=round(float(confidence), 4),
            out_of_scope=round(float(out_of_scope), 4),
            action=str(action),
            model_version=version,
        )

    def predict_batch(self, texts: list[str]) -> pd.DataFrame:
        """The pyfunc's output columns for many messages in one call (benchmarks, offline scoring)."""
        _, predict = self._serving
        return pd.DataFrame(predict(texts), columns=COLUMNS)

    def start_polling(self, poll_s: float) -> None:
        """Check the alias every `poll_s` seconds in a daemon thread until `stop`."""

        def loop():
            while not self._stop.wait(poll_s):
                try:
                    self.load()
                except Exception as exc:  # a broken new version or an unreachable store: keep serving
                    log.warning("intent model reload failed, keeping version %s: %s", self.version, exc)

        self._thread = threading.Thread(target=loop, name="intent-model-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the polling thread."""
        self._stop.set()


def _rows_of(python_model):
    """`predict_rows` of a pyfunc that has only `predict(context, frame)`: its frame read back as tuples (a
    model without an `out_of_scope` or `action` column is taken as sure and in scope)."""

    def predict_rows(texts: list[str]) -> list[tuple]:
        out = python_model.predict(None, pd.DataFrame({"text": texts}))
        return list(
            zip(
                out["intent"],
                out["confidence"],
                out["out_of_scope"] if "out_of_scope" in out else [0.0] * len(out),
                out["outcome"] if "outcome" in out else out["intent"],
                out["action"] if "action" in out else ["answer"] * len(out),
            )
        )

    return predict_rows
