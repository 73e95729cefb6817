"""The intent model as the service holds it: `intent_classifier@champion`, swapped when a new champion comes.

A background thread asks the registry which version the alias points at every `poll_s` seconds; a new version is
loaded beside the serving one and then swapped in by one reference assignment, so a request in flight finishes
on the model it started with and none waits for a load. A version that fails to load is logged and the serving
one kept.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger("assistant.intent")


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
        self._serving: tuple[str, object] | None = None  # (version, predict function), replaced whole
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
        # time): the input is always the service's own one-column frame.
        python_model = model.unwrap_python_model()
        predict = functools.partial(python_model.predict, None)
        # Warm up: the first call of a torch model allocates; it must not be a customer's.
        predict(pd.DataFrame({"text": ["电费多少"]}))
        previous = self.version
        self._serving = (version, predict)
        log.info("intent model %s version %s serving (was %s)", self.name, version, previous)
        return True

    def predict(self, text: str) -> Prediction:
        """The prediction for one message by the model serving now."""
        version, predict = self._serving
        row = predict(pd.DataFrame({"text": [text]})).iloc[0]
        return Prediction(
            intent=str(row["intent"]),
            confidence=round(float(row["confidence"]), 4),
            out_of_scope=round(float(row.get("out_of_scope", 0.0)), 4),
            action=str(row.get("action", "answer")),
            model_version=version,
        )

    def predict_batch(self, texts: list[str]) -> pd.DataFrame:
        """The pyfunc's output columns for many messages in one call (benchmarks, offline scoring)."""
        _, predict = self._serving
        return predict(pd.DataFrame({"text": texts}))

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
