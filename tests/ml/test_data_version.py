"""A training set's checksum ignores row order and sees every value, equal rows included."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ml.data_version import frame_checksum, logged_training_set

FRAME = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C2", "C3"],
        "reading_date": [dt.date(2026, 10, d) for d in (1, 1, 1, 2)],
        "kwh": [1.5, 2.0, 2.0, 0.25],
    }
)


def test_the_checksum_ignores_row_order():
    shuffled = FRAME.sample(frac=1, random_state=3).reset_index(drop=True)
    assert list(shuffled["kwh"]) != list(FRAME["kwh"])
    assert frame_checksum(shuffled) == frame_checksum(FRAME)


def test_the_checksum_sees_a_changed_value_and_a_dropped_duplicate():
    changed = FRAME.assign(kwh=[1.5, 2.0, 2.0, 0.26])
    deduplicated = FRAME.drop_duplicates()
    assert len({frame_checksum(FRAME), frame_checksum(changed), frame_checksum(deduplicated)}) == 3


def test_logged_tags_read_back():
    tags = {
        "training_set": "consumption_forecaster",
        "lake_snapshot_id": "17",
        "training_set.readings.rows": "4",
        "training_set.readings.checksum": frame_checksum(FRAME),
        "data_version": "lake-snapshot-17",
    }
    assert logged_training_set(tags) == ("consumption_forecaster", 17, {"readings": (4, frame_checksum(FRAME))})
