"""Shared fixtures: warehouses on both engines, each test with its own DuckDB file or PostgreSQL database."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")


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


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request, tmp_path):
    """The same test on the embedded DuckDB file and on PostgreSQL."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        yield request.getfixturevalue("pg_url")
