"""ML: train and register models in MLflow, then score into the warehouse's `ml` schema.

Training assets keep the registered champion unless asked to retrain (the weekly job does, and so does a
store without a champion, so a fresh MLflow store with new landing data works end to end). Promotion to
`champion` happens only when the new version is at least as good on its evaluation split (`ml.tracking`).
"""

import datetime as dt
import time

import dagster as dg
import pandas as pd

from orchestration.resources import MlflowResource, WarehouseResource
from orchestration.scoring import complaint_history, consumption_history, training_sets
from orchestration.scoring import intents as intent_scoring
from orchestration.scoring.training_sets import (
    COMPLAINT_MODEL,
    CONSUMPTION_MODEL,
    FAULT_MODEL,
    INTENT_MODEL,
    TELEMETRY_COLUMNS,
    TELEMETRY_SQL,
)

# The ml library (torch, Lightning, MLflow, Prophet) is imported inside the assets: every process that loads the
# code location (the UI's, the daemon's, each multiprocess step, each Celery worker) would otherwise pay ~8 s of
# CPU importing it, whether or not it runs a model. tests/orchestration/test_definitions.py pins these names.
ML_SCHEMA = "ml"


class TrainingConfig(dg.Config):
    """Run config of the training assets."""

    retrain: bool = False  # train a new version even when a champion exists (weekly retraining, on demand)
    quick: bool = False  # a small, fast configuration (tests, smoke runs); never for the champion in production


def _champion(uri: str, model: str):
    from ml.tracking import champion_version, tracking

    with tracking(uri) as client:
        return champion_version(client, model)


def _numbers(metrics: dict) -> dict[str, float]:
    """The numeric metrics of a training run, as materialization metadata (flags and frames left out)."""
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _kept(version) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"trained": False, "champion_version": int(version.version), "champion_run_id": version.run_id}
    )


@dg.asset(group_name="ml", deps=["stg_crm__interactions"], kinds={"pytorch", "mlflow"})
def intent_classifier(
    context: dg.AssetExecutionContext, config: TrainingConfig, warehouse: WarehouseResource, mlflow: MlflowResource
) -> dg.MaterializeResult:
    """Chinese intent classifier (char BiLSTM, Lightning) registered as `intent_classifier`; agents' labels on
    interactions are added to the repo's training corpus, so each retraining learns from them."""
    from ml.data_version import log_training_set
    from ml.intent import IntentTrainConfig, register_intent_model
    from ml.intent import train as train_intent

    champion = _champion(mlflow.uri, INTENT_MODEL)
    if champion is not None and not config.retrain:
        return _kept(champion)
    # Every read of the training set sees one lake snapshot, whatever other steps commit meanwhile.
    data, snapshot = warehouse.get().pinned()
    frames = training_sets.intent_training_set(data)
    labelled = frames["agent_labels"]
    # One epoch proves the path from warehouse to registry to scores; quality is tested in tests/ml.
    cfg = IntentTrainConfig.small(epochs=1) if config.quick else IntentTrainConfig()
    metrics, objects = train_intent(cfg, extra_labelled=labelled)
    reg = register_intent_model(
        mlflow.uri, metrics, objects, **mlflow.registration(context.run_id, INTENT_MODEL, snapshot)
    )
    log_training_set(mlflow.uri, reg.run_id, INTENT_MODEL, frames, snapshot)
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "mlflow_run_id": reg.run_id,
            **({} if snapshot is None else {"lake_snapshot_id": snapshot}),
            "version": reg.version,
            "promoted": reg.promoted,
            "agent_labels_used": len(labelled),
            **{k: float(v) for k, v in metrics.items() if isinstance(v, float)},
        }
    )


@dg.asset(group_name="ml", deps=["intent_classifier", "stg_crm__interactions"], kinds={"mlflow", "duckdb"})
def interaction_intents(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """ml.interaction_intents: every interaction with the champion's predicted intent and confidence (one row
    per interaction; the message text stays in staging, it may hold personal data). Only new or changed
    interactions are scored each night; a new champion version rescores them all."""
    champion = _champion(mlflow.uri, INTENT_MODEL)

    def predict(texts: pd.DataFrame) -> pd.DataFrame:
        from ml.tracking import load_model

        return load_model(mlflow.uri, INTENT_MODEL).predict(texts)

    wh = warehouse.get()
    run = intent_scoring.score_interactions(wh, predict, int(champion.version))
    return dg.MaterializeResult(
        metadata={
            **warehouse.get().snapshot_metadata(),
            "rows_scored": run.scored,
            "rows_kept": run.kept,
            "rows_removed": run.removed,
            "full_rescore": run.full_rescore,
            "reason": run.reason,
            "rows": run.scored + run.kept,
            "model_version": int(champion.version),
            "agreement_with_agents": intent_scoring.agreement_with_agents(wh),
            "mlflow_run_id": champion.run_id,
        }
    )


@dg.asset(
    group_name="ml",
    deps=["stg_scada__transformer_telemetry", "stg_scada__equipment_faults"],
    kinds={"prophet", "mlflow"},
)
def transformer_fault_model(
    context: dg.AssetExecutionContext, config: TrainingConfig, warehouse: WarehouseResource, mlflow: MlflowResource
) -> dg.MaterializeResult:
    """Prophet fault-risk model per transformer, backtested against recorded faults and registered as
    `transformer_fault_risk` (promotion by backtest F1 of alerts)."""
    from ml.data_version import log_training_set
    from ml.fault_risk.config import FaultRiskConfig
    from ml.fault_risk.registry import register_fault_risk_model
    from ml.fault_risk.train import train as train_fault_risk

    champion = _champion(mlflow.uri, FAULT_MODEL)
    if champion is not None and not config.retrain:
        return _kept(champion)
    data, snapshot = warehouse.get().pinned()
    frames = training_sets.fault_training_set(data)
    # The backtest replays scoring on past days; every 3rd day keeps a half-year backtest near a minute on two
    # cores while still placing an alert inside every 3–7-day warning window.
    cfg = FaultRiskConfig(backtest_step_days=7 if config.quick else 3)
    metrics, objects = train_fault_risk(cfg, frames["telemetry"], frames["faults"])
    reg = register_fault_risk_model(
        mlflow.uri, metrics, objects, **mlflow.registration(context.run_id, FAULT_MODEL, snapshot)
    )
    log_training_set(mlflow.uri, reg.run_id, FAULT_MODEL, frames, snapshot)
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "mlflow_run_id": reg.run_id,
            **({} if snapshot is None else {"lake_snapshot_id": snapshot}),
            "version": reg.version,
            "promoted": reg.promoted,
            **_numbers(metrics),
        }
    )


@dg.asset(
    group_name="ml", deps=["transformer_fault_model", "stg_scada__transformer_telemetry"], kinds={"prophet", "duckdb"}
)
def transformer_fault_risk(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """ml.transformer_fault_risk: per transformer, the 7-day risk score, alert and predicted max oil
    temperature as of the latest telemetry day, from the registered champion."""
    telemetry = training_sets.frame(warehouse.get(), TELEMETRY_SQL, TELEMETRY_COLUMNS)
    as_of: dt.date = pd.to_datetime(telemetry["ts"]).max().date()
    from ml.tracking import load_model

    champion = _champion(mlflow.uri, FAULT_MODEL)
    scores = load_model(mlflow.uri, FAULT_MODEL).predict(telemetry.assign(as_of=as_of.isoformat()))
    out = scores.assign(model_version=int(champion.version))
    rows = warehouse.get().replace_table(ML_SCHEMA, "transformer_fault_risk", out)
    return dg.MaterializeResult(
        metadata={
            **warehouse.get().snapshot_metadata(),
            "rows": rows,
            "as_of": as_of.isoformat(),
            "alerts": int(out["alert"].sum()),
            "model_version": int(champion.version),
            "mlflow_run_id": champion.run_id,
        }
    )


CONSUMPTION_DEPS = ["fct_daily_consumption", "dim_customers", "stg_scada__transformer_telemetry"]


@dg.asset(group_name="ml", deps=CONSUMPTION_DEPS, kinds={"pytorch", "mlflow"})
def consumption_forecaster(
    context: dg.AssetExecutionContext, config: TrainingConfig, warehouse: WarehouseResource, mlflow: MlflowResource
) -> dg.MaterializeResult:
    """Global LSTM forecasting every customer's next 30 days of kWh with an 80% interval, registered as
    `consumption_forecaster` (promotion by MAE on the last 30 days, at most the champion's)."""
    from ml.consumption.registry import register_consumption_model
    from ml.consumption.train import ConsumptionTrainConfig
    from ml.consumption.train import train as train_consumption
    from ml.data_version import log_training_set

    champion = _champion(mlflow.uri, CONSUMPTION_MODEL)
    if champion is not None and not config.retrain:
        return _kept(champion)
    data, snapshot = warehouse.get().pinned()
    frames = training_sets.consumption_training_set(data)
    cfg = ConsumptionTrainConfig.small() if config.quick else ConsumptionTrainConfig()
    metrics, objects = train_consumption(cfg, frames["readings"], frames["customers"], frames["temperature"])
    reg = register_consumption_model(
        mlflow.uri, metrics, objects, **mlflow.registration(context.run_id, CONSUMPTION_MODEL, snapshot)
    )
    log_training_set(mlflow.uri, reg.run_id, CONSUMPTION_MODEL, frames, snapshot)
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "mlflow_run_id": reg.run_id,
            **({} if snapshot is None else {"lake_snapshot_id": snapshot}),
            "version": reg.version,
            "promoted": reg.promoted,
            **{k: float(v) for k, v in metrics.items()},
        }
    )


@dg.asset(group_name="ml", deps=["consumption_forecaster", *CONSUMPTION_DEPS], kinds={"pytorch", "duckdb"})
def consumption_forecast(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """ml.consumption_forecast: the champion's kWh forecast with 80% interval for each of the 30 days after
    the latest reading day, for every customer with a reading in its input window (one row per customer and
    day). Streams pages of customers from the warehouse into the table, so memory does not grow with them."""
    from ml.tracking import load_model, tracking

    wh = warehouse.get()
    as_of = consumption_history.last_reading_day(wh)
    if as_of is None:
        raise dg.Failure("marts.fct_daily_consumption has no readings: nothing to forecast from")
    champion = _champion(mlflow.uri, CONSUMPTION_MODEL)
    with tracking(mlflow.uri) as client:
        params = client.get_run(champion.run_id).data.params
    input_days, horizon = int(params["input_days"]), int(params["horizon"])
    model = load_model(mlflow.uri, CONSUMPTION_MODEL)
    started = time.perf_counter()
    chunks = (
        model.predict(history).assign(model_version=int(champion.version), scored_on=as_of)
        for history in consumption_history.scoring_histories(wh, as_of, input_days)
    )
    rows = wh.replace_table_in_chunks(ML_SCHEMA, "consumption_forecast", chunks)
    seconds = time.perf_counter() - started
    customers = rows // horizon
    return dg.MaterializeResult(
        metadata={
            **warehouse.get().snapshot_metadata(),
            "rows": rows,
            "customers": customers,
            "as_of": as_of.isoformat(),
            "seconds": round(seconds, 2),
            "customers_per_second": round(customers / seconds, 1) if seconds else None,
            "model_version": int(champion.version),
            "mlflow_run_id": champion.run_id,
        }
    )


COMPLAINT_DEPS = [
    "fct_service_tickets",
    "customer_contact_timeline",
    "dim_customers",
    "fct_daily_consumption",
    "stg_scada__equipment_faults",
]


@dg.asset(group_name="ml", deps=COMPLAINT_DEPS, kinds={"scikitlearn", "mlflow"})
def complaint_model(
    context: dg.AssetExecutionContext, config: TrainingConfig, warehouse: WarehouseResource, mlflow: MlflowResource
) -> dg.MaterializeResult:
    """Complaint early warning (投诉预警): logistic regression on weekly snapshots of each customer's service
    history, evaluated on the latest month against the rule "had a complaint before" and registered as
    `complaint_risk` (promotion by lift in the top 5 %, at least the champion's)."""
    from ml.complaint.features import History
    from ml.complaint.registry import register_complaint_model
    from ml.complaint.train import ComplaintTrainConfig
    from ml.complaint.train import train as train_complaint
    from ml.data_version import log_training_set

    champion = _champion(mlflow.uri, COMPLAINT_MODEL)
    if champion is not None and not config.retrain:
        return _kept(champion)
    data, snapshot = warehouse.get().pinned()
    span = complaint_history.history_span(data)
    if span is None:
        raise dg.Failure("marts.fct_daily_consumption has no readings: no history to learn complaints from")
    cfg = ComplaintTrainConfig.small() if config.quick else ComplaintTrainConfig()
    frames = training_sets.complaint_training_set(data)
    metrics, objects = train_complaint(cfg, History(**frames), *span)
    reg = register_complaint_model(
        mlflow.uri, metrics, objects, **mlflow.registration(context.run_id, COMPLAINT_MODEL, snapshot)
    )
    log_training_set(mlflow.uri, reg.run_id, COMPLAINT_MODEL, frames, snapshot)
    return dg.MaterializeResult(
        metadata={
            "trained": True,
            "mlflow_run_id": reg.run_id,
            **({} if snapshot is None else {"lake_snapshot_id": snapshot}),
            "version": reg.version,
            "promoted": reg.promoted,
            **{k: float(v) for k, v in metrics.items()},
        }
    )


@dg.asset(group_name="ml", deps=["complaint_model", *COMPLAINT_DEPS], kinds={"scikitlearn", "duckdb"})
def complaint_risk(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """ml.complaint_risk: every customer's probability of a complaint in the 30 days after the latest reading
    day, with up to three reasons in Chinese (one row per customer), from the registered champion."""
    from ml.complaint.features import features_as_of
    from ml.tracking import load_model

    wh = warehouse.get()
    span = complaint_history.history_span(wh)
    if span is None:
        raise dg.Failure("marts.fct_daily_consumption has no readings: no day to score complaints as of")
    as_of = span[1]
    champion = _champion(mlflow.uri, COMPLAINT_MODEL)
    history = complaint_history.read_history(wh, as_of - dt.timedelta(days=63)).normalised()
    rows = features_as_of(history, as_of)
    started = time.perf_counter()
    scores = load_model(mlflow.uri, COMPLAINT_MODEL).predict(rows)
    seconds = time.perf_counter() - started
    out = scores.assign(model_version=int(champion.version), scored_on=as_of)
    written = wh.replace_table(ML_SCHEMA, "complaint_risk", out)
    return dg.MaterializeResult(
        metadata={
            **warehouse.get().snapshot_metadata(),
            "rows": written,
            "as_of": as_of.isoformat(),
            "mean_risk": float(out["risk"].mean()),
            "customers_per_second": round(len(out) / seconds, 1) if seconds else None,
            "model_version": int(champion.version),
            "mlflow_run_id": champion.run_id,
        }
    )


ml_assets = [
    intent_classifier,
    interaction_intents,
    transformer_fault_model,
    transformer_fault_risk,
    consumption_forecaster,
    consumption_forecast,
    complaint_model,
    complaint_risk,
]
