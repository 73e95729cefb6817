"""Fixtures of the ml tests: trained intent models (one per session) and throw-away MLflow stores."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
import torch

from ml.intent.train import IntentTrainConfig, train

# Other developers' test suites share the machine's two cores; one thread keeps ours from fighting them.
torch.set_num_threads(1)

SMALL = IntentTrainConfig.small(seed=7)
# Deliberately worse: one epoch of a tiny network, the model the promotion rule must refuse.
TINY = IntentTrainConfig.small(seed=7, epochs=1, embedding_dim=8, hidden_size=8)


@pytest.fixture(scope="session")
def small_config() -> IntentTrainConfig:
    """The small preset with the seed the tests' floors were set for."""
    return SMALL


@pytest.fixture(scope="session")
def tiny_config() -> IntentTrainConfig:
    """A tiny, under-trained configuration."""
    return TINY


@pytest.fixture(scope="session")
def small_run(small_config: IntentTrainConfig) -> tuple[dict, dict]:
    """(metrics, objects) of the small preset, trained once per session."""
    return train(small_config)


@pytest.fixture(scope="session")
def tiny_run(tiny_config: IntentTrainConfig) -> tuple[dict, dict]:
    """(metrics, objects) of the tiny configuration, trained once per session."""
    return train(tiny_config)


@pytest.fixture
def mlflow_store(tmp_path: Path) -> tuple[str, str]:
    """(tracking URI, artifact location) of an empty SQLite-backed MLflow store in tmp_path.

    The fluent tracking URI is reset afterwards, so a test that sets it cannot leak its store into the next.
    """
    before = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    yield f"sqlite:///{tmp_path}/mlflow.db", str(tmp_path / "artifacts")
    mlflow.set_tracking_uri(before)
