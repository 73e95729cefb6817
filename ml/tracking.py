"""MLflow helpers shared by every model of the platform: log a run, register a version, promote the champion.

Model-agnostic: the caller passes an `mlflow.pyfunc.PythonModel`, its artifacts, flat metrics and the name of
the metric that decides promotion, so the intent classifier, the Prophet fault model and the consumption
forecaster register the same way. The tracking URI is always an argument; nothing here reads the environment.

Promotion rule: a new version becomes the alias `champion` when its evaluation metric is at least as good as
the current champion's (ties promote: the newer model has seen newer data), and so is each of its guard metrics
(e.g. the intent classifier's out-of-scope recall beside its in-scope accuracy), if the caller names any. The
first version of a model is champion. The metric values are stored on each version as tags, so the comparison
never needs the runs.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import math
import numbers
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.types.schema import ColSpec, Schema

CHAMPION = "champion"
# Tags written on every registered version.
TAG_EVAL_METRIC = "eval_metric"
TAG_EVAL_VALUE = "eval_metric_value"
TAG_GREATER_IS_BETTER = "greater_is_better"
TAG_DATA_VERSION = "data_version"
TAG_PROMOTED = "promoted"
TAG_GUARD_PREFIX = "guard/"  # + metric name: the value of each guard metric (greater is better)
# What a Lightning model's pyfunc needs to load; pinned to what trained it (see `register`).
TORCH_STACK = ("torch", "lightning", "mlflow", "pandas", "numpy")
# PostgreSQL advisory lock held while a new database-backed store creates its tables.
STORE_INIT_LOCK = 7412


@dataclass(frozen=True)
class Registration:
    """What `log_and_register` did: the run, the new model version, and whether it became champion."""

    run_id: str
    version: int
    promoted: bool
    eval_value: float
    previous_champion: int | None  # the champion version before this registration, if any
    model_uri: str  # "models:/<name>/<version>"


@functools.cache
def ensure_store(tracking_uri: str) -> None:
    """Create a database-backed tracking store's tables once, even when several processes open it at once.

    MLflow creates its schema on a store's first use; two training steps of one run (multiprocess executor)
    opening a new SQLite store at the same moment failed one of them (`table sql_trace_metric_daily_rollups
    already exists`). So the first access of each process is serialised: a file lock beside a SQLite store,
    an advisory lock on a PostgreSQL one. A tracking server (http://) creates its own store. Cached per
    process: after the first call the tables exist.
    """
    if tracking_uri.startswith("sqlite:///"):
        db = Path(tracking_uri[len("sqlite:///") :])
        db.parent.mkdir(parents=True, exist_ok=True)
        with open(db.parent / f"{db.name}.init-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _open_store(tracking_uri)
    elif tracking_uri.startswith(("postgresql", "postgres")):
        import sqlalchemy
        from sqlalchemy.pool import NullPool

        engine = sqlalchemy.create_engine(tracking_uri, poolclass=NullPool)
        try:
            with engine.connect() as con:
                con.execute(sqlalchemy.text(f"SELECT pg_advisory_lock({STORE_INIT_LOCK})"))
                try:
                    _open_store(tracking_uri)
                finally:
                    con.execute(sqlalchemy.text(f"SELECT pg_advisory_unlock({STORE_INIT_LOCK})"))
        finally:
            engine.dispose()


def _open_store(tracking_uri: str) -> None:
    """Touch the tracking and registry stores, which creates or upgrades their tables."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    client.search_experiments(max_results=1)
    client.search_registered_models(max_results=1)


@contextmanager
def tracking(tracking_uri: str) -> Iterator[MlflowClient]:
    """Point MLflow's fluent tracking API at `tracking_uri` for the block, then restore the previous setting.

    MLflow keeps the URI in process-global state; restoring it keeps a Dagster worker that logs to several
    stores (or a test suite) from leaking one caller's store into the next. The registry URI is never set
    globally (MLflow would also export it to the environment): every registry call goes through the yielded
    client, whose registry is the same store.
    """
    ensure_store(tracking_uri)
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(tracking_uri)
    try:
        yield MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    finally:
        mlflow.set_tracking_uri(previous)


# MLflow's advice at log time that the user of this platform cannot act on: the wrappers are pickled because
# their weights travel as artifacts and the registry is the platform's own (models-from-code would ship the
# same classes as files), and the fault model's signature declares what an input example cannot show (its
# `as_of` parameter; an example would be a transformer's whole history). Only these two messages are hidden.
_PICKLE_ADVICE = "Passing a Python object as `python_model` causes it to be serialized"
_EXAMPLE_ADVICE = "An input example was not provided when logging the model"


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_PICKLE_ADVICE)


@contextmanager
def _without_logging_advice() -> Iterator[None]:
    logger, advice = logging.getLogger("mlflow.pyfunc"), _DropAdvice()
    logger.addFilter(advice)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=f".*{_EXAMPLE_ADVICE}")
            yield
    finally:
        logger.removeFilter(advice)


def champion_version(client: MlflowClient, model_name: str, alias: str = CHAMPION) -> Any | None:
    """The ModelVersion holding `alias`, or None when the model or the alias does not exist yet."""
    try:
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def is_better_or_equal(new: float, current: float | None, greater_is_better: bool = True) -> bool:
    """Promotion test: `new` at least as good as `current`; anything beats a missing or NaN current value."""
    if current is None or math.isnan(current):
        return True
    if math.isnan(new):
        return False
    return new >= current if greater_is_better else new <= current


def default_artifact_location(tracking_uri: str, experiment: str, root: str | None = None) -> str | None:
    """Where a new experiment keeps its artifacts: under `root` (a folder or a URI such as s3://…) when one is
    named; else beside a SQLite store (`<store folder>/artifacts/<experiment>`), so a store and its models stay
    one folder that `make clean` removes; else None (MLflow's own default, the server's artifact root)."""
    if root is not None:
        return f"{root.rstrip('/')}/{experiment}" if "://" in root else (Path(root).resolve() / experiment).as_uri()
    if tracking_uri.startswith("sqlite:///"):
        return (Path(tracking_uri[len("sqlite:///") :]).resolve().parent / "artifacts" / experiment).as_uri()
    return None


def output_signature(columns: Mapping[str, str]) -> ModelSignature:
    """A signature that states a model's output columns ({name: MLflow type}) and leaves its input open: for
    wrappers that take a long frame whose columns vary (optional ones) and that MLflow cannot infer from the
    `pd.DataFrame` type hint (it warns when it tries)."""
    return ModelSignature(inputs=None, outputs=Schema([ColSpec(kind, name) for name, kind in columns.items()]))


def _experiment_id(client: MlflowClient, experiment: str, artifact_location: str | None) -> str:
    existing = client.get_experiment_by_name(experiment)
    if existing is not None:
        return existing.experiment_id
    location = artifact_location or default_artifact_location(client.tracking_uri, experiment)
    return client.create_experiment(experiment, artifact_location=location)


def log_and_register(
    tracking_uri: str,
    experiment: str,
    model_name: str,
    python_model: mlflow.pyfunc.PythonModel,
    artifacts: Mapping[str, str],
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    data_version: str,
    eval_metric: str,
    *,
    greater_is_better: bool = True,
    figures: Mapping[str, Figure] | None = None,
    json_artifacts: Mapping[str, Any] | None = None,
    input_example: pd.DataFrame | None = None,
    signature: Any = None,
    pip_requirements: Sequence[str] | None = None,
    code_paths: Sequence[str] | None = None,
    artifact_location: str | None = None,
    tags: Mapping[str, str] | None = None,
    alias: str = CHAMPION,
    guard_metrics: Sequence[str] = (),
) -> Registration:
    """Log one training run, register its model as a new version, and promote it if it is at least as good.

    Args:
        tracking_uri: MLflow tracking (and registry) URI, e.g. `sqlite:///…/mlflow.db` or `http://mlflow:5000`.
        experiment: experiment name; created (at `artifact_location`) when missing.
        model_name: registered model name, e.g. `intent_classifier`.
        python_model: the pyfunc wrapper to log.
        artifacts: pyfunc artifacts (name -> local path) that `python_model.load_context` reads.
        params: run parameters (values are stringified by MLflow).
        metrics: flat numeric metrics; must contain `eval_metric`.
        data_version: fingerprint or partition of the training data, tagged on the run and the version.
        eval_metric: the key of `metrics` compared with the champion's, e.g. `eval/macro_f1` or `eval/mape`.
        greater_is_better: False for error metrics (MAPE, RMSE).
        figures: artifact file name -> matplotlib figure (logged as PNG, then closed).
        json_artifacts: artifact file name -> JSON-serialisable object (confusion matrices, label order).
        input_example: a small model input; it also lets MLflow infer the signature.
        signature: the model's signature, when it declares what an example cannot show (parameters).
        pip_requirements: requirements recorded with the model; passing them skips MLflow's slow inference.
        code_paths: local code shipped inside the model, for serving outside this repository.
        artifact_location: where a newly created experiment stores artifacts (tests use a tmp dir).
        tags: extra run tags.
        alias: the alias to move on promotion.
        guard_metrics: further keys of `metrics` (greater is better) that must each be at least the champion's
            too; a champion without one of them recorded does not block on it.

    Returns:
        A Registration with the run id, the new version number and whether the alias moved to it.

    Raises:
        KeyError: `eval_metric` or a guard metric is not in `metrics`.
    """
    for key in (eval_metric, *guard_metrics):
        if key not in metrics:
            raise KeyError(f"metric {key!r} not in metrics {sorted(metrics)}")
    eval_value = float(metrics[eval_metric])
    with tracking(tracking_uri) as client:
        experiment_id = _experiment_id(client, experiment, artifact_location)
        with mlflow.start_run(experiment_id=experiment_id) as run:
            mlflow.set_tags({TAG_DATA_VERSION: data_version, TAG_EVAL_METRIC: eval_metric, **(tags or {})})
            mlflow.log_params(dict(params))
            mlflow.log_metrics({key: float(value) for key, value in metrics.items()})
            for file_name, figure in (figures or {}).items():
                mlflow.log_figure(figure, file_name)
                plt.close(figure)
            for file_name, payload in (json_artifacts or {}).items():
                mlflow.log_dict(payload, file_name)
            with _without_logging_advice():
                info = mlflow.pyfunc.log_model(
                    name=model_name,
                    python_model=python_model,
                    artifacts=dict(artifacts),
                    input_example=input_example,
                    signature=signature,
                    pip_requirements=list(pip_requirements) if pip_requirements is not None else None,
                    code_paths=list(code_paths) if code_paths is not None else None,
                )
        if not client.search_registered_models(filter_string=f"name = '{model_name}'"):
            client.create_registered_model(model_name)
        version = str(
            client.create_model_version(
                model_name, source=info.model_uri, run_id=run.info.run_id, model_id=info.model_id
            ).version
        )
        current = champion_version(client, model_name, alias)
        current_value = None
        if current is not None and current.tags.get(TAG_EVAL_METRIC) == eval_metric:
            current_value = float(current.tags.get(TAG_EVAL_VALUE, "nan"))
        # A champion scored on another metric (or promoted by hand, without the tags) cannot be compared; the
        # new version, scored as asked, replaces it.
        promoted = is_better_or_equal(eval_value, current_value, greater_is_better)
        guards = {f"{TAG_GUARD_PREFIX}{key}": float(metrics[key]) for key in guard_metrics}
        for tag, value in guards.items():
            held = current.tags.get(tag) if current is not None and current_value is not None else None
            promoted = promoted and is_better_or_equal(value, float(held) if held is not None else None)
        version_tags = {
            TAG_EVAL_METRIC: eval_metric,
            TAG_EVAL_VALUE: repr(eval_value),
            TAG_GREATER_IS_BETTER: str(greater_is_better).lower(),
            TAG_DATA_VERSION: data_version,
            TAG_PROMOTED: str(promoted).lower(),
            **{tag: repr(value) for tag, value in guards.items()},
        }
        for key, value in version_tags.items():
            client.set_model_version_tag(model_name, version, key, value)
        if promoted:
            client.set_registered_model_alias(model_name, alias, version)
        return Registration(
            run_id=run.info.run_id,
            version=int(version),
            promoted=promoted,
            eval_value=eval_value,
            previous_champion=int(current.version) if current is not None else None,
            model_uri=f"models:/{model_name}/{version}",
        )


def register(
    tracking_uri: str,
    model_name: str,
    python_model: mlflow.pyfunc.PythonModel,
    artifact_key: str,
    metrics: Mapping[str, Any],
    objects: Mapping[str, Any],
    eval_metric: str,
    *,
    experiment: str | None = None,
    data_version: str | None = None,
    greater_is_better: bool = True,
    figures: Mapping[str, Figure] | None = None,
    json_artifacts: Mapping[str, Any] | None = None,
    input_example: pd.DataFrame | None = None,
    signature: Any = None,
    artifact_location: str | None = None,
    requirements: Sequence[str] = TORCH_STACK,
    guard_metrics: Sequence[str] = (),
) -> Registration:
    """Log the output of a `train(config) -> (metrics, objects)` and register it: `log_and_register` for a
    model that saves itself to a directory (the intent classifier, the consumption forecaster).

    Args:
        tracking_uri: MLflow tracking and registry URI.
        model_name: registered model name.
        python_model: the pyfunc wrapper; its `load_context` reads the saved directory as `artifact_key`.
        artifact_key: pyfunc artifact name of that directory.
        metrics: the metrics returned by `train`; numeric ones are logged (the caller turns the others,
            e.g. confusion matrices, into `figures` or `json_artifacts`).
        objects: the objects returned by `train`: `model` (with `save(directory) -> directory`), `config` (a
            dataclass, logged as params without its file paths) and `data_version`.
        eval_metric: promotion metric, a key of `metrics`.
        experiment: MLflow experiment name; default `model_name`.
        data_version: overrides `objects["data_version"]` (e.g. the Dagster run).
        greater_is_better, figures, json_artifacts, input_example, signature, artifact_location, guard_metrics:
            as for `log_and_register`.
        requirements: distribution names pinned, at their installed versions, as the model's requirements
            (default the torch stack of the Lightning models).
    """
    numeric = {k: float(v) for k, v in metrics.items() if isinstance(v, numbers.Real) and not isinstance(v, bool)}
    params = {k: v for k, v in asdict(objects["config"]).items() if not k.endswith("_path")}
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = objects["model"].save(Path(tmp) / artifact_key)
        return log_and_register(
            tracking_uri,
            experiment or model_name,
            model_name,
            python_model,
            {artifact_key: str(model_dir)},
            params,
            numeric,
            data_version or objects["data_version"],
            eval_metric,
            greater_is_better=greater_is_better,
            figures=figures,
            json_artifacts=json_artifacts,
            input_example=input_example,
            signature=signature,
            # Stating them also spares MLflow from re-importing the model in a subprocess to guess them
            # (seconds per registration).
            pip_requirements=[f"{name}=={installed_version(name)}" for name in requirements],
            artifact_location=artifact_location,
            guard_metrics=guard_metrics,
        )


def load_model(tracking_uri: str, model_name: str, alias: str = CHAMPION) -> mlflow.pyfunc.PyFuncModel:
    """Load the version of `model_name` holding `alias` (default `champion`) from the store at `tracking_uri`."""
    with tracking(tracking_uri) as client:
        version = client.get_model_version_by_alias(model_name, alias)
        return mlflow.pyfunc.load_model(version.source)
