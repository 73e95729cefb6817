"""Configuration read once from the environment: the executor and the Dagster instances it runs under."""

import dataclasses
import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.resources import SETTINGS, MlflowResource, Settings, build_executor

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://gridcare@db:5432/gridcare"


def _executor(**changes) -> tuple[str, dict]:
    executor = build_executor(dataclasses.replace(SETTINGS, **changes))
    return executor.name, (executor.apply_config_mapping({}).value or {}).get("config", {})


def test_executor_follows_the_warehouse_unless_told():
    assert _executor(warehouse_url="duckdb:///data/warehouse.duckdb", executor="")[0] == "in_process"
    # The lake, the embedded default, takes writers from several processes: two steps at once by default.
    name, config = _executor(warehouse_url="ducklake:///data/lake", executor="", max_concurrent_steps=2)
    assert (name, config["max_concurrent"]) == ("multiprocess", 2)
    assert _executor(warehouse_url="ducklake:///data/lake", executor="in_process")[0] == "in_process"
    name, config = _executor(warehouse_url=PG, executor="", max_concurrent_steps=3)
    assert name == "multiprocess"
    assert (config["max_concurrent"], config["start_method"]) == (
        3,
        {"forkserver": {"preload_modules": ["orchestration.definitions", "great_expectations"]}},
    )


def test_celery_and_kubernetes_executors_take_their_settings():
    name, config = _executor(
        warehouse_url=PG,
        executor="celery",
        celery_broker_url="redis://cache:6379/2",
        celery_result_backend="redis://cache:6379/3",
        celery_queue="gridcare-prod",
    )
    assert name == "celery"
    assert (config["broker"], config["backend"], config["config_source"]) == (
        "redis://cache:6379/2",
        "redis://cache:6379/3",
        {"task_default_queue": "gridcare-prod"},
    )
    name, config = _executor(warehouse_url=PG, executor="k8s", max_concurrent_steps=8)
    assert (name, config["max_concurrent"]) == ("k8s", 8)


def test_executor_refuses_what_cannot_work():
    with pytest.raises(ValueError, match="DAGSTER_EXECUTOR=multiprocess needs a warehouse that several processes"):
        _executor(warehouse_url="duckdb:///w.duckdb", executor="multiprocess")
    with pytest.raises(ValueError, match=r"DAGSTER_EXECUTOR='threads': expected one of in_process, multiprocess"):
        _executor(warehouse_url=PG, executor="threads")


def test_the_lake_is_the_default_warehouse(monkeypatch, tmp_path):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    url = Settings.from_env().warehouse
    assert (url.engine, url.lake, url.path, url.dbt_target) == (
        "duckdb",
        "sqlite",
        tmp_path / "data" / "lake",
        "ducklake",
    )


def test_settings_read_the_executor_variables(monkeypatch):
    monkeypatch.setenv("DAGSTER_EXECUTOR", "celery")
    monkeypatch.setenv("DAGSTER_MAX_CONCURRENT_STEPS", "6")
    monkeypatch.setenv("CELERY_BROKER_URL", "pyamqp://svc:pw@mq:5672//")
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    monkeypatch.setenv("DAGSTER_CELERY_QUEUE", "nightly")
    s = Settings.from_env()
    assert (s.executor, s.max_concurrent_steps, s.celery_broker_url, s.celery_result_backend, s.celery_queue) == (
        "celery",
        6,
        "pyamqp://svc:pw@mq:5672//",
        "rpc://",
        "nightly",
    )


def test_local_instance_queues_one_run_at_a_time(tmp_path):
    shutil.copy(ROOT / "orchestration" / "instance" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1


def test_production_instance_limits_warehouse_writers(tmp_path, make_pg_database, monkeypatch):
    monkeypatch.setenv("DAGSTER_PG_URL", make_pg_database().replace("postgresql://", "postgresql+psycopg2://"))
    shutil.copy(ROOT / "orchestration" / "instance" / "dagster.postgres.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert [
            type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        ] == ["PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"]
        queue = instance.run_coordinator.get_run_queue_config()
        assert queue.max_concurrent_runs == 4
        limits = {(limit["key"], limit.get("value")): limit["limit"] for limit in queue.tag_concurrency_limits}
        assert limits == {("gridcare/writes", "warehouse"): 1, ("dagster/backfill", None): 2}
        assert (instance.run_monitoring_enabled, instance.run_retries_enabled, instance.run_retries_max_retries) == (
            True,
            True,
            1,
        )


def test_mlflow_artifacts_stay_under_data_or_the_configured_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sqlite = MlflowResource(tracking_uri=f"sqlite:///{tmp_path}/mlflow/mlflow.db")
    # Beside a SQLite store (ml.tracking's default), wherever the run starts.
    assert sqlite.registration("0123456789", "intent_classifier")["artifact_location"] is None
    # A database store without a root: under data/, not MLflow's ./mlruns or ./mlartifacts.
    pg = MlflowResource(tracking_uri="postgresql+psycopg2://postgres@127.0.0.1:5432/mlflow")
    assert (
        pg.registration("0123456789", "intent_classifier")["artifact_location"]
        == (tmp_path / "data/mlflow/artifacts/intent_classifier").as_uri()
    )
    # The data version: the lake snapshot the training read, else the run.
    assert pg.registration("0123456789", "intent_classifier", 42)["data_version"] == "lake-snapshot-42"
    assert pg.registration("0123456789", "intent_classifier")["data_version"] == "run-01234567"
    shared = MlflowResource(tracking_uri=pg.tracking_uri, artifact_root="s3://models/gridcare/")
    assert (
        shared.registration("0123456789", "complaint_risk")["artifact_location"]
        == "s3://models/gridcare/complaint_risk"
    )
    monkeypatch.setenv("MLFLOW_ARTIFACT_ROOT", "/mnt/mlflow-artifacts")
    assert Settings.from_env().mlflow_artifact_root == "/mnt/mlflow-artifacts"


def test_the_notification_gateway_is_read_from_notify_url_and_absent_without_it(monkeypatch):
    from orchestration.resources import NotifyResource, build_resources
    from orchestration.serving.notifications import GatewayClient

    monkeypatch.setenv("NOTIFY_URL", "http://gateway.internal:8080/")
    monkeypatch.setenv("NOTIFY_TOKEN", "made-up-for-the-test")
    settings = Settings.from_env()
    assert (settings.notify_url, "made-up-for-the-test" in repr(settings)) == ("http://gateway.internal:8080/", False)
    notify = build_resources(settings)["notify"]
    # The token reaches the resource as the variable's name, resolved only inside a run (hidden in the UI).
    assert notify.url == "http://gateway.internal:8080/" and notify.token.env_var_name == "NOTIFY_TOKEN"
    client = NotifyResource(url=notify.url, token="made-up").client()
    assert isinstance(client, GatewayClient) and client.endpoint == "http://gateway.internal:8080/notifications"
    assert "made-up" not in repr(client)
    monkeypatch.delenv("NOTIFY_URL")
    assert build_resources(Settings.from_env())["notify"].client() is None
