"""The ground for the lake (DuckLake: Parquet files and a SQL catalog), offline on this machine.

DuckLake's extensions load from their PyPI packages only (orchestration/warehouse/extensions.py); a lake with a
SQLite or a PostgreSQL catalog commits, keeps each commit readable by time travel, and shows what it committed
to another process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from orchestration.warehouse import extensions
from orchestration.warehouse.extensions import ExtensionUnavailable, is_loaded, load_extension, load_extensions

FIRST = [(1, "停电报修"), (2, "电费咨询")]
SECOND = [(3, "投诉")]


def _offline_connection(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that cannot fetch an extension: an empty extension directory, no auto-install."""
    con = duckdb.connect()
    con.execute(f"SET extension_directory = '{tmp_path / 'extensions'}'")
    con.execute("SET autoinstall_known_extensions = false")
    return con


def test_ducklake_loads_from_its_package_with_nothing_installed(tmp_path):
    con = _offline_connection(tmp_path)
    assert not is_loaded(con, "ducklake")
    load_extension(con, "ducklake")
    assert is_loaded(con, "ducklake")
    (installed_from,) = con.execute(
        "SELECT installed_from FROM duckdb_extensions() WHERE extension_name = 'ducklake'"
    ).fetchone()
    # From the wheel in site-packages, not from a repository URL.
    assert Path(installed_from).is_file() and "duckdb_extension_ducklake" in installed_from
    assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone() == (False,)


def test_loading_twice_is_a_no_op(tmp_path):
    con = _offline_connection(tmp_path)
    load_extensions(con)
    load_extensions(con)  # the lake's three, again
    assert all(is_loaded(con, name) for name in extensions.LAKE_EXTENSIONS)


def test_a_missing_package_is_named(tmp_path):
    # spatial's package is not a dependency of the platform.
    with pytest.raises(ExtensionUnavailable, match="duckdb-extension-spatial"):
        load_extension(_offline_connection(tmp_path), "spatial")
    with pytest.raises(ValueError):
        load_extension(_offline_connection(tmp_path), "ducklake; SET allow_unsigned_extensions = true")


def test_a_package_for_another_duckdb_release_is_refused_with_both_versions(tmp_path, monkeypatch):
    package = tmp_path / "site" / "duckdb_extension_elsewhere"
    (package / "extensions" / "v0.0.1").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "extensions" / "v0.0.1" / "elsewhere.duckdb_extension").write_bytes(b"")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(ExtensionUnavailable, match=rf"DuckDB v{duckdb.__version__}.*v0\.0\.1"):
        load_extension(_offline_connection(tmp_path), "elsewhere")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog(request, tmp_path) -> str:
    """The lake's catalog database, as the part of the ATTACH string after `ducklake:`."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'catalog.sqlite'}"
    url = urlparse(request.getfixturevalue("make_pg_database")())
    return f"postgres:dbname={url.path.lstrip('/')} host={url.hostname} port={url.port} user={url.username}"


def _attach(con: duckdb.DuckDBPyConnection, catalog: str, data_path: Path | None = None) -> None:
    # Rows go to Parquet files, not into the catalog: DuckLake inlines inserts of up to 10 rows by default,
    # which would leave the data path empty and test only the catalog.
    options = f"DATA_PATH '{data_path}', DATA_INLINING_ROW_LIMIT 0" if data_path else "READ_ONLY"
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake ({options})")


def _committed_lake(tmp_path: Path, catalog: str) -> tuple[duckdb.DuckDBPyConnection, int]:
    """A lake with table t committed twice (FIRST, then SECOND); the connection and the first commit's version."""
    con = load_extensions(duckdb.connect())
    _attach(con, catalog, tmp_path / "lake")
    con.execute("CREATE TABLE lake.t (id INTEGER, topic VARCHAR)")
    con.execute("INSERT INTO lake.t VALUES (?, ?), (?, ?)", [*FIRST[0], *FIRST[1]])
    (first,) = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    con.execute("INSERT INTO lake.t VALUES (?, ?)", list(SECOND[0]))
    return con, first


def test_lake_commits_and_travels_back_in_time(tmp_path, catalog):
    con, first = _committed_lake(tmp_path, catalog)
    assert con.execute("SELECT * FROM lake.t ORDER BY id").fetchall() == FIRST + SECOND
    assert con.execute(f"SELECT * FROM lake.t AT (VERSION => {first}) ORDER BY id").fetchall() == FIRST
    (latest,) = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    assert latest == first + 1  # the second commit is one snapshot
    assert list((tmp_path / "lake").rglob("*.parquet")), "the rows are in Parquet files under the data path"


READER = """
import json, sys
import duckdb
from orchestration.warehouse.extensions import load_extensions
con = load_extensions(duckdb.connect())
con.execute(f"ATTACH 'ducklake:{sys.argv[1]}' AS lake (READ_ONLY)")
print(json.dumps(con.execute("SELECT * FROM lake.t ORDER BY id").fetchall(), ensure_ascii=False))
"""


def test_another_process_reads_what_was_committed(tmp_path, catalog):
    con, _ = _committed_lake(tmp_path, catalog)  # still attached, as a writer would be
    out = subprocess.run(
        [sys.executable, "-c", READER, catalog], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert [tuple(r) for r in json.loads(out.stdout)] == FIRST + SECOND
    con.close()


def test_a_warehouse_file_from_a_newer_duckdb_gets_a_way_out(tmp_path, monkeypatch):
    """A clone that ran on DuckDB 2.0 holds a file 1.5 cannot read: the error says what to do, not only why."""
    from orchestration.warehouse import Warehouse

    def refuse(*args, **kwargs):  # what DuckDB 1.5.5 raises on a file DuckDB 2.0.1 wrote (seen on this machine)
        raise duckdb.IOException(
            "IO Error: Trying to read a database file with version number 999, but we can only read versions "
            "between 64 and 68.\nThe database file was created with an newer version of DuckDB."
        )

    monkeypatch.setattr(duckdb, "connect", refuse)
    with pytest.raises(RuntimeError, match="written by a newer DuckDB .* delete it and run `make run` again"):
        Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}").query("SELECT 1")
