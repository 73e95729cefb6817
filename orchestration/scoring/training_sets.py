"""The frames each model trains on, as read from the warehouse, and the same frames read again for an MLflow run.

A training asset reads its frames through `Warehouse.pinned()`: on the lake every read sees one snapshot, so
a training set is one data version even while other steps commit. It logs the snapshot and each frame's row
count and checksum on its MLflow run (`ml.data_version`); `reproduce_training_set` reads the run's frames again
with time travel and checks them against what was logged. On PostgreSQL or a DuckDB file there is no snapshot
to go back to: the counts and checksums are logged, and reproducing the set is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd

from ml.complaint.features import History
from orchestration.scoring import complaint_history, consumption_history
from orchestration.warehouse import Warehouse

INTENT_MODEL = "intent_classifier"
CONSUMPTION_MODEL = "consumption_forecaster"
COMPLAINT_MODEL = "complaint_risk"
FAULT_MODEL = "transformer_fault_risk"

INTENT_LABELS_SQL = (
    "SELECT message_text, agent_intent FROM staging.stg_crm__interactions WHERE agent_intent IS NOT NULL"
)
TELEMETRY_SQL = (
    "SELECT transformer_id, measured_at, oil_temp_c, load_pct, voltage_v, ambient_temp_c "
    "FROM staging.stg_scada__transformer_telemetry"
)
TELEMETRY_COLUMNS = ["transformer_id", "ts", "oil_temp_c", "load_pct", "voltage_v", "ambient_temp_c"]
FAULTS_SQL = "SELECT fault_id, transformer_id, fault_at, fault_type FROM staging.stg_scada__equipment_faults"
FAULTS_COLUMNS = ["fault_id", "transformer_id", "fault_at", "fault_type"]
# Customers read for training (and its held-out evaluation); 2,000 of them are sampled into windows.
CONSUMPTION_TRAINING_CUSTOMERS = 20_000
# The complaint model's bill change needs eight whole weeks of kWh before its earliest as-of day.
COMPLAINT_LOOKBACK = dt.timedelta(days=56)


class NotReproducible(Exception):
    """A run's training set cannot be read again: it was read from a warehouse without snapshots."""


class TrainingSetChanged(Exception):
    """The frames read at a run's snapshot differ from the row counts or checksums the run logged."""


def frame(wh: Warehouse, sql: str, columns: list[str]) -> pd.DataFrame:
    """The rows of `sql` as a frame with `columns`."""
    return pd.DataFrame(wh.query(sql), columns=columns)


def intent_training_set(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """Agents' intent labels on interactions, added to the repository's corpus."""
    return {"agent_labels": frame(wh, INTENT_LABELS_SQL, ["text", "intent"])}


def fault_training_set(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """Every transformer's telemetry and every recorded fault."""
    return {
        "telemetry": frame(wh, TELEMETRY_SQL, TELEMETRY_COLUMNS),
        "faults": frame(wh, FAULTS_SQL, FAULTS_COLUMNS),
    }


def consumption_training_set(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """Readings, customers and daily temperature of a seeded sample of customers."""
    readings, customers, temperature = consumption_history.training_frames(wh, CONSUMPTION_TRAINING_CUSTOMERS)
    return {"readings": readings, "customers": customers, "temperature": temperature}


def complaint_training_set(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """The service history from eight weeks before the first reading day (`ml.complaint.features.History`'s
    frames); none when the warehouse has no readings."""
    span = complaint_history.history_span(wh)
    if span is None:
        return {}
    history = complaint_history.read_history(wh, span[0] - COMPLAINT_LOOKBACK)
    return {field.name: getattr(history, field.name) for field in dataclasses.fields(History)}


READERS: dict[str, Callable[[Warehouse], dict[str, pd.DataFrame]]] = {
    INTENT_MODEL: intent_training_set,
    FAULT_MODEL: fault_training_set,
    CONSUMPTION_MODEL: consumption_training_set,
    COMPLAINT_MODEL: complaint_training_set,
}


def reproduce_training_set(wh: Warehouse, tracking_uri: str, run_id: str) -> dict[str, pd.DataFrame]:
    """The frames MLflow run `run_id` trained on, read again from the lake as of the snapshot it logged.

    Raises:
        NotReproducible: the run read a warehouse without snapshots (PostgreSQL, a DuckDB file).
        TrainingSetChanged: the frames read differ from the logged row counts or checksums (the snapshot was
            read by other SQL than today's readers run, say).
    """
    from mlflow import MlflowClient  # mlflow loads with the caller's training or notebook, not the code location

    from ml.data_version import fingerprint, logged_training_set

    tags = MlflowClient(tracking_uri=tracking_uri).get_run(run_id).data.tags
    name, snapshot, logged = logged_training_set(tags)
    if snapshot is None:
        raise NotReproducible(
            f"run {run_id} read its training set from a warehouse without snapshots: only its row counts and "
            "checksums were kept, not the data"
        )
    frames = READERS[name](wh.at_snapshot(snapshot))
    read = fingerprint(frames)
    if read != logged:
        raise TrainingSetChanged(f"run {run_id} logged {logged}; lake snapshot {snapshot} gives {read}")
    return frames
