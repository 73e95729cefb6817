"""What a training run read: the lake snapshot, and each frame's row count and order-independent checksum.

Logged as tags of the MLflow run, so the training set can be read again with time travel at that snapshot and
checked against them (`orchestration/scoring/training_sets.py`). Where the warehouse keeps no snapshots
(PostgreSQL, a DuckDB file) the counts and checksums are logged all the same with `lake_snapshot_id` = `none`:
they tell whether today's data still equals what the model saw, but nothing can read that data again.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import RunTag

TAG_TRAINING_SET = "training_set"  # which reader produced the frames (the model's name)
TAG_LAKE_SNAPSHOT = "lake_snapshot_id"  # the lake snapshot every frame was read at, or NO_SNAPSHOT
NO_SNAPSHOT = "none"
_FRAME_PREFIX = "training_set."  # + frame name + ".rows" / ".checksum"


def frame_checksum(frame: pd.DataFrame) -> str:
    """A checksum of `frame`'s rows that ignores their order: the sum, modulo 2**64, of each row's hash.

    A sum rather than a XOR, so that two equal rows do not cancel out; pandas hashes each value by type and
    content, so the same query on the same snapshot gives the same checksum in any process.
    """
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return f"{int(hashes.sum(dtype=np.uint64)):016x}"


def fingerprint(frames: Mapping[str, pd.DataFrame]) -> dict[str, tuple[int, str]]:
    """(row count, checksum) of each named frame."""
    return {name: (len(frame), frame_checksum(frame)) for name, frame in frames.items()}


def log_training_set(
    tracking_uri: str, run_id: str, name: str, frames: Mapping[str, pd.DataFrame], snapshot: int | None
) -> dict[str, str]:
    """Tag run `run_id` with what it trained on: the reader `name`, the `snapshot` its frames were read at
    (None: a warehouse without snapshots) and each frame's row count and checksum. Returns the tags."""
    tags = {TAG_TRAINING_SET: name, TAG_LAKE_SNAPSHOT: NO_SNAPSHOT if snapshot is None else str(snapshot)}
    for frame, (rows, checksum) in fingerprint(frames).items():
        tags[f"{_FRAME_PREFIX}{frame}.rows"] = str(rows)
        tags[f"{_FRAME_PREFIX}{frame}.checksum"] = checksum
    client = MlflowClient(tracking_uri=tracking_uri)
    client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
    return tags


def logged_training_set(tags: Mapping[str, str]) -> tuple[str, int | None, dict[str, tuple[int, str]]]:
    """(reader name, snapshot or None, fingerprint) from a run's tags as `log_training_set` wrote them.

    Raises:
        KeyError: the run logged no training set.
    """
    snapshot = tags[TAG_LAKE_SNAPSHOT]
    frames: dict[str, tuple[int, str]] = {}
    for key, value in tags.items():
        if key.startswith(_FRAME_PREFIX) and key.endswith(".rows"):
            frame = key[len(_FRAME_PREFIX) : -len(".rows")]
            frames[frame] = (int(value), tags[f"{_FRAME_PREFIX}{frame}.checksum"])
    return tags[TAG_TRAINING_SET], None if snapshot == NO_SNAPSHOT else int(snapshot), frames
