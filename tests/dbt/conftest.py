"""Fixtures for the dbt project tests: a warehouse per engine (the lake in tmp_path, or a fresh
PostgreSQL database), the raw schema loaded with crafted rows, and dbt run against it.

The machines that run the suite have two shared cores, so dbt is parsed once per engine and session,
runs in this process, and each test module gets one warehouse per engine (module scope) that it builds
once.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.raw_tables import as_tuples, columns, create_tables_sql, insert_sql

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO_ROOT / "dbt_project"
PROCESS_DIR = REPO_ROOT / "docs" / "process"

# The dbt targets the tests run on: the lake (the embedded default) and PostgreSQL. The single-file `duckdb`
# target is DuckDB SQL too; it is parsed (test_project.py), not built again.
ENGINES = ["ducklake", pytest.param("postgres", marks=pytest.mark.postgres)]

# The PostgreSQL server of the development and CI machines (trust auth); tests/conftest.py uses it too.
PG_SERVER = {"host": "127.0.0.1", "port": "5432", "user": "postgres", "password": ""}


@dataclass
class DbtRun:
    """Outcome of one dbt invocation: success, the messages dbt logged, and run_results.json entries."""

    args: list[str]
    success: bool
    output: str
    results: list[dict] = field(default_factory=list)

    def statuses(self, resource_type: str | None = None) -> dict[str, str]:
        """Node unique_id -> status ("success", "pass", ...), optionally for one resource type."""
        return {
            r["unique_id"]: r["status"]
            for r in self.results
            if resource_type is None or r["unique_id"].split(".")[0] == resource_type
        }


@dataclass
class Warehouse:
    """One engine's database for a test module, with helpers to load raw and run dbt."""

    engine: str
    workdir: Path
    env: dict[str, str]
    connect_kwargs: dict[str, Any]
    manifest: Any = None

    @property
    def dialect(self) -> str:
        """The SQL the engine speaks: the lake is DuckDB SQL."""
        return "postgres" if self.engine == "postgres" else "duckdb"

    def cursor(self, connection: Any) -> Any:
        """A cursor of `connection`: on DuckDB the connection itself, since a DuckDB cursor is a new connection
        that starts in the in-memory database rather than in the lake the connection uses."""
        return connection if self.dialect == "duckdb" else connection.cursor()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A short-lived connection, closed before dbt opens the database itself (DuckDB locks its file)."""
        if self.engine == "ducklake":
            from orchestration.warehouse import Warehouse as PlatformWarehouse

            connection = PlatformWarehouse(self.url).connect()
        elif self.engine == "duckdb":
            import duckdb

            connection = duckdb.connect(self.connect_kwargs["path"])
        else:
            import psycopg2

            connection = psycopg2.connect(**self.connect_kwargs)
        try:
            yield connection
            connection.commit()
        finally:
            connection.close()

    @property
    def placeholder(self) -> str:
        return "?" if self.dialect == "duckdb" else "%s"

    def execute(self, *statements: str, params: tuple = ()) -> None:
        """Run statements (placeholders written %s) in one transaction."""
        with self.connection() as connection:
            cursor = self.cursor(connection)
            for statement in statements:
                cursor.execute(statement.replace("%s", self.placeholder), params)

    def create_raw_tables(self, process_dir: Path = PROCESS_DIR) -> None:
        """Create schema raw with every raw table, empty, and the process steps parsed from `process_dir`."""
        self.execute(*create_tables_sql(self.dialect))
        self.load_process_steps(process_dir)

    @property
    def url(self) -> str:
        """This database as a WAREHOUSE_URL, for the platform's own Warehouse."""
        if self.engine == "ducklake":
            return f"ducklake:///{self.connect_kwargs['path']}"
        if self.engine == "duckdb":
            return f"duckdb:///{self.connect_kwargs['path']}"
        kw = self.connect_kwargs
        return f"postgresql://{kw['user']}@{kw['host']}:{kw['port']}/{kw['dbname']}"

    def load_process_steps(self, process_dir: Path) -> None:
        """(Re)write raw.raw_bpmn__process_steps from BPMN files, through the asset's own library code."""
        from orchestration.process import write_process_steps
        from orchestration.warehouse import Warehouse as PlatformWarehouse

        write_process_steps(PlatformWarehouse(self.url), process_dir)

    def insert(self, tables: Mapping[str, list[Mapping[str, Any]]]) -> None:
        """Insert dict rows into the named raw tables (missing columns null, lineage defaulted)."""
        with self.connection() as connection:
            for table, rows in tables.items():
                if not rows:
                    continue
                if self.dialect == "duckdb":
                    # Row-by-row executemany costs seconds on DuckDB; a DataFrame goes in as one scan.
                    import pandas as pd

                    names = [name for name, _ in columns(table)]
                    frame = pd.DataFrame(as_tuples(table, rows), columns=names, dtype=object)
                    connection.register("crafted_rows", frame)
                    quoted = ", ".join(f'"{name}"' for name in names)
                    connection.execute(f"insert into raw.{table} ({quoted}) select {quoted} from crafted_rows")
                    connection.unregister("crafted_rows")
                else:
                    connection.cursor().executemany(insert_sql(table, self.placeholder), as_tuples(table, rows))

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""
        with self.connection() as connection:
            cursor = self.cursor(connection)
            cursor.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def dbt(
        self,
        *args: str,
        vars: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> DbtRun:
        """Run a dbt command on this warehouse (its own target and log paths); fail the test on error.

        dbt runs in this process through dbtRunner, on the manifest the session parsed for this
        engine (see `parsed_project`): a dbt process start costs seconds and a full parse (dbt
        re-parses whenever --vars change) many more, on a small shared machine. Vars are read when
        the SQL is compiled at run time, so the runs see the SQL a fresh parse would give.
        """
        from dbt.cli.main import dbtRunner

        command = [*args, *_dbt_paths(self.engine, self.workdir)]
        if vars:
            command += ["--vars", json.dumps({k: str(v) for k, v in vars.items()})]
        messages: list[str] = []
        results_file = self.workdir / "target" / "run_results.json"
        results_file.unlink(missing_ok=True)
        with _environ({**self.env, **(env or {})}):
            outcome = dbtRunner(manifest=self.manifest, callbacks=[_collector(messages)]).invoke(command)
        results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
        run = DbtRun(command, outcome.success, "\n".join(messages), results)
        if check and not outcome.success:
            detail = f"{outcome.exception}\n" if outcome.exception else ""
            pytest.fail(f"dbt {' '.join(args)} failed on {self.engine}:\n{detail}" + "\n".join(messages[-80:]))
        return run


def _dbt_paths(engine: str, workdir: Path) -> list[str]:
    """Project, profiles, target and a target/log path of the caller's own, as dbt arguments."""
    return [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        engine,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]


def _collector(messages: list[str]):
    """A dbtRunner callback keeping dbt's info, warning and error messages."""

    def collect(event: Any) -> None:
        if event.info.level in ("info", "warn", "error"):
            messages.append(f"[{event.info.level}] {event.info.msg}")

    return collect


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables (profiles.yml reads its connection from them) for the block only."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _base_env() -> dict[str, str]:
    """Variables every dbt run of the tests gets besides the connection."""
    return {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    """Connection settings of a reachable PostgreSQL server; under CI=true an unreachable one fails."""
    import psycopg2

    settings = dict(PG_SERVER)
    try:
        psycopg2.connect(dbname="postgres", connect_timeout=3, **settings).close()
    except psycopg2.Error as exc:
        reason = f"PostgreSQL not reachable at {settings['host']}:{settings['port']}: {exc}".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return settings


@dataclass
class ParsedProject:
    """The project parsed once for an engine: the manifest object, its JSON and what dbt logged."""

    manifest: Any
    manifest_json: dict
    messages: list[str]
    workdir: Path


# Every warehouse of the session on an engine has the same database name (DuckDB: the file's stem;
# PostgreSQL: one name, its database created and dropped per module), so one parsed manifest, whose
# relations carry that name, serves them all.
DUCKDB_FILE = "warehouse.duckdb"
LAKE_FOLDER = "lake"
PG_DBNAME = f"gridcare_dbt_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def parsed_project(tmp_path_factory: pytest.TempPathFactory):
    """`dbt parse` per engine, once a session, pointed at no reachable database.

    The DuckDB target points at a file that does not exist (and must still not exist afterwards), the
    PostgreSQL target at the discard port: parsing is what the Dagster code location does when it
    loads, and it must not need a database.
    """
    from dbt.cli.main import dbtRunner

    parsed: dict[str, ParsedProject] = {}

    def parse(engine: str) -> ParsedProject:
        if engine not in parsed:
            workdir = tmp_path_factory.mktemp(f"dbt_parse_{engine}")
            unreachable = {
                "ducklake": {
                    "GRIDCARE_LAKE_CATALOG": f"sqlite:{workdir / LAKE_FOLDER / 'catalog.sqlite'}",
                    "GRIDCARE_LAKE_DATA_PATH": str(workdir / LAKE_FOLDER / "data"),
                },
                "duckdb": {"GRIDCARE_DUCKDB_PATH": str(workdir / DUCKDB_FILE)},
                "postgres": {
                    "GRIDCARE_PG_HOST": "127.0.0.1",
                    "GRIDCARE_PG_PORT": "9",
                    "GRIDCARE_PG_USER": "nobody",
                    "GRIDCARE_PG_DBNAME": PG_DBNAME,
                },
            }[engine]
            messages: list[str] = []
            with _environ(_base_env() | unreachable):
                outcome = dbtRunner(callbacks=[_collector(messages)]).invoke(["parse", *_dbt_paths(engine, workdir)])
            if not outcome.success:
                pytest.fail(f"dbt parse failed on {engine}: {outcome.exception}\n" + "\n".join(messages[-60:]))
            manifest_json = json.loads((workdir / "target" / "manifest.json").read_text())
            parsed[engine] = ParsedProject(outcome.result, manifest_json, messages, workdir)
        return parsed[engine]

    return parse


@contextlib.contextmanager
def _duckdb_warehouse(workdir: Path, manifest: Any = None) -> Iterator[Warehouse]:
    path = workdir / DUCKDB_FILE
    env = _base_env() | {"GRIDCARE_DUCKDB_PATH": str(path)}
    yield Warehouse("duckdb", workdir, env, {"path": str(path)}, manifest)


@contextlib.contextmanager
def _lake_warehouse(workdir: Path, manifest: Any = None) -> Iterator[Warehouse]:
    from orchestration.warehouse import parse_warehouse_url

    folder = workdir / LAKE_FOLDER
    env = _base_env() | parse_warehouse_url(f"ducklake:///{folder}").dbt_env()
    yield Warehouse("ducklake", workdir, env, {"path": str(folder)}, manifest)


@contextlib.contextmanager
def _postgres_warehouse(workdir: Path, server: dict[str, str], manifest: Any = None) -> Iterator[Warehouse]:
    import psycopg2

    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    try:
        admin.cursor().execute(f"drop database if exists {PG_DBNAME} with (force)")
        # template0: the masking macros count characters, so the database must be UTF8 whatever template1 is.
        admin.cursor().execute(f"create database {PG_DBNAME} encoding 'UTF8' template template0")
        env = _base_env() | {
            "GRIDCARE_PG_HOST": server["host"],
            "GRIDCARE_PG_PORT": server["port"],
            "GRIDCARE_PG_USER": server["user"],
            "GRIDCARE_PG_PASSWORD": server["password"],
            "GRIDCARE_PG_DBNAME": PG_DBNAME,
        }
        yield Warehouse("postgres", workdir, env, {"dbname": PG_DBNAME, **server}, manifest)
    finally:
        admin.cursor().execute(f"drop database if exists {PG_DBNAME} with (force)")
        admin.close()


@pytest.fixture(scope="module", params=ENGINES)
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, parsed_project
) -> Iterator[Warehouse]:
    """An empty warehouse with the raw tables created, one per engine and test module."""
    workdir = tmp_path_factory.mktemp(f"{request.module.__name__}_{request.param}")
    if request.param == "ducklake":
        context = _lake_warehouse(workdir, parsed_project("ducklake").manifest)
    elif request.param == "duckdb":
        context = _duckdb_warehouse(workdir, parsed_project("duckdb").manifest)
    else:
        server = request.getfixturevalue("postgres_server")
        context = _postgres_warehouse(workdir, server, parsed_project("postgres").manifest)
    with context as created:
        created.create_raw_tables()
        yield created
