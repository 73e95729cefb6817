"""Shared fixtures: warehouses on both engines, each test with its own DuckDB file or PostgreSQL database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import uuid
from pathlib import Path

import pytest

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Prepare dbt's manifest as `make dbt-manifest` does (a no-op when current), so that `pytest tests/...`
    run without make can load the code location, which only reads the manifest."""
    from orchestration.resources import build_resources

    build_resources()["dbt"].prepare_manifest()


def _pg_reachable() -> str | None:
    """None if the PostgreSQL server answers, else why not."""
    try:
        import psycopg2

        psycopg2.connect(connect_timeout=3, **PG_ADMIN).close()
        return None
    except Exception as exc:  # any failure to connect means: no server for these tests
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable: {str(exc).strip().splitlines()[0]}"


def require_postgres() -> None:
    """Skip (or, under CI=true, fail) when the PostgreSQL server is not there."""
    why = _pg_reachable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(why)


def _pg_admin_execute(*statements: str) -> None:
    import psycopg2

    con = psycopg2.connect(**PG_ADMIN)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            for s in statements:
                cur.execute(s)
    finally:
        con.close()


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    require_postgres()
    name = f"gridcare_test_{uuid.uuid4().hex[:10]}"
    _pg_admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_pg_database():
    """Fresh PostgreSQL databases on demand, for a test that needs more than `pg_url`; all dropped afterwards."""
    require_postgres()
    names: list[str] = []

    def make() -> str:
        name = f"gridcare_test_{uuid.uuid4().hex[:10]}"
        _pg_admin_execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    _pg_admin_execute(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names))


def lake_url(folder: Path) -> str:
    """The embedded default: the lake in `folder` (SQLite catalog, Parquet files)."""
    return f"ducklake:///{folder}"


def lake_pg_url(pg_url: str, data_path: Path) -> str:
    """The lake with its catalog in the PostgreSQL database `pg_url` and its files under `data_path`."""
    return pg_url.replace("postgresql://", "ducklake+postgresql://", 1) + f"?data_path={data_path}"


@pytest.fixture(params=["lake", "postgres"])
def warehouse_url(request, tmp_path):
    """The same test on the embedded lake (SQLite catalog) and on PostgreSQL."""
    if request.param == "lake":
        yield lake_url(tmp_path / "lake")
    else:
        yield request.getfixturevalue("pg_url")


@dataclasses.dataclass(frozen=True)
class BuiltPlatform:
    """A small generated utility run through the whole nightly job on the lake (models trained quick)."""

    settings: object  # orchestration.resources.Settings pointing at this build's files
    manifest: dict  # the generator's _manifest.json
    result: object  # dagster ExecuteInProcessResult of the run
    root: Path  # folder holding landing/, lake/ and mlflow/
    end: dt.date  # last generated day


BUILT_CUSTOMERS, BUILT_DAYS, BUILT_END, BUILT_SEED = 300, 40, dt.date(2026, 10, 31), 11


@pytest.fixture(scope="session")
def built_platform(tmp_path_factory) -> BuiltPlatform:
    """One nightly run shared by every test that reads a built warehouse (e2e, notebooks, PII scan, BI).

    Tests must treat it as read-only: read it through Warehouse.query, or write a lake of their own from it.
    """
    import dagster as dg

    from datagen import generate
    from orchestration.cli import run_pipeline
    from orchestration.resources import SETTINGS
    from tests.doubles.assistant_traffic import record_traffic

    root = tmp_path_factory.mktemp("built_platform")
    landing = root / "landing"
    generate(landing, BUILT_CUSTOMERS, BUILT_DAYS, BUILT_SEED, BUILT_END, progress=lambda *_: None)
    (root / "mlflow").mkdir()
    settings = dataclasses.replace(
        SETTINGS,
        landing_dir=landing,
        warehouse_url=lake_url(root / "lake"),
        mlflow_tracking_uri=f"sqlite:///{root / 'mlflow' / 'mlflow.db'}",
        ticketing_url=None,
        notify_url=None,
    )
    # The assistant's conversations and an OMS outage, as the service would have recorded them before the night.
    record_traffic(settings.warehouse_url, landing, BUILT_END)
    result = run_pipeline(settings, job_name="nightly", instance=dg.DagsterInstance.ephemeral(), quick_training=True)
    manifest = json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))
    return BuiltPlatform(settings=settings, manifest=manifest, result=result, root=root, end=BUILT_END)


# Whole-pipeline runs, deployments and notebooks: what `make test-fast` leaves out (`-m "not slow"`).
SLOW_PATHS = (
    "e2e/",
    "notebooks/",
    "superset/",
    "bench/",
    "orchestration/reliability/",
    "orchestration/test_operations.py",
    "orchestration/test_prepare.py",  # five dbt parses in subprocesses
)


def pytest_collection_modifyitems(config, items):
    """Mark as slow every test that runs the whole pipeline (the session build included) or a deployment."""
    root = Path(__file__).parent
    for item in items:
        where = Path(str(item.fspath)).relative_to(root).as_posix()
        if "built_platform" in getattr(item, "fixturenames", ()) or where.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
