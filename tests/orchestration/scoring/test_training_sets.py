"""A training set read at one lake snapshot is read again, exactly, from its MLflow run after the lake has moved on
(issue 18: time travel reproduces a logged training set); elsewhere its counts and checksums are all that is kept."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ml.data_version import fingerprint, log_training_set
from orchestration.scoring.training_sets import (
    INTENT_MODEL,
    NotReproducible,
    TrainingSetChanged,
    intent_training_set,
    reproduce_training_set,
)
from orchestration.warehouse import Warehouse
from tests.conftest import lake_url

LABELS = [("电费怎么这么高", "billing"), ("停电了", "fault_repair"), ("你好", None), ("电表坏了", "fault_repair")]


def _interactions(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["message_text", "agent_intent"])


def _staged(url: str, tmp_path) -> tuple[Warehouse, str, str]:
    """(warehouse at `url` holding LABELS, tracking URI, id of a new run in its store)."""
    wh = Warehouse(url)
    wh.replace_table("staging", "stg_crm__interactions", _interactions(LABELS))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    return wh, uri, client.create_run(client.create_experiment("intents")).info.run_id


def test_time_travel_reads_a_logged_training_set_again_after_the_lake_moved_on(tmp_path):
    wh, uri, run_id = _staged(lake_url(tmp_path / "lake"), tmp_path)

    data, snapshot = wh.pinned()
    # An agent labels another message and relabels one while training reads: the pinned reader does not see it.
    wh.replace_table(
        "staging",
        "stg_crm__interactions",
        _interactions([*LABELS[:2], ("你好", "greeting"), ("电表坏了", "meter")]),
    )
    frames = intent_training_set(data)
    assert sorted(map(tuple, frames["agent_labels"].to_numpy())) == [
        ("停电了", "fault_repair"),
        ("电表坏了", "fault_repair"),
        ("电费怎么这么高", "billing"),
    ]
    tags = log_training_set(uri, run_id, INTENT_MODEL, frames, snapshot)
    assert tags["lake_snapshot_id"] == str(snapshot) and tags["training_set.agent_labels.rows"] == "3"
    assert wh.snapshot_id() > snapshot

    again = reproduce_training_set(wh, uri, run_id)
    assert fingerprint(again) == fingerprint(frames)
    pd.testing.assert_frame_equal(again["agent_labels"], frames["agent_labels"])
    # Today's data is another training set: four labels, another checksum.
    today = fingerprint(intent_training_set(wh))["agent_labels"]
    assert today[0] == 4 and today[1] != tags["training_set.agent_labels.checksum"]


def test_a_training_set_that_no_longer_matches_its_run_is_refused(tmp_path):
    wh, uri, run_id = _staged(lake_url(tmp_path / "lake"), tmp_path)
    data, snapshot = wh.pinned()
    log_training_set(uri, run_id, INTENT_MODEL, intent_training_set(data), snapshot)
    mlflow.MlflowClient(uri).set_tag(run_id, "training_set.agent_labels.rows", "2")
    with pytest.raises(TrainingSetChanged, match="agent_labels"):
        reproduce_training_set(wh, uri, run_id)


def test_without_snapshots_the_counts_are_logged_and_reproducing_is_refused(tmp_path):
    wh, uri, run_id = _staged(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", tmp_path)
    data, snapshot = wh.pinned()
    assert data is wh and snapshot is None
    tags = log_training_set(uri, run_id, INTENT_MODEL, intent_training_set(data), snapshot)
    assert tags["lake_snapshot_id"] == "none" and tags["training_set.agent_labels.rows"] == "3"
    with pytest.raises(NotReproducible):
        reproduce_training_set(wh, uri, run_id)
