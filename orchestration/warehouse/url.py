"""`WAREHOUSE_URL`: which engine holds the warehouse, and how to reach it.

Three kinds, two SQL dialects:
- `ducklake:///data/lake`: the lake (DuckLake: Parquet files and a catalog), catalog in the SQLite file
  `data/lake/catalog.sqlite`, data under `data/lake/data/`. Several local processes read and write at once.
- `ducklake+postgresql://user@host:port/catalogdb?data_path=/shared/lake`: the lake with its catalog in
  PostgreSQL and its data on storage every machine mounts; processes on many machines read and write at once.
- `duckdb:///data/warehouse.duckdb`: one DuckDB file, one writing process at a time.
- `postgresql://user@host:port/db`: PostgreSQL as the warehouse.
The lake is DuckDB SQL on a DuckDB connection: its engine is `duckdb`, and `lake` says which catalog it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

# DuckDB keeps what it read cached up to its memory limit, 80 % of the machine by default: one process
# loading a year of readings then holds many GB it does not need. The platform's processes (the run and dbt,
# one after the other) each get this much unless WAREHOUSE_URL says otherwise; past it DuckDB spills to disk.
DUCKDB_MEMORY_LIMIT = "3GB"
DUCKDB_SETTINGS = ("memory_limit", "threads")
LAKE_SCHEMES = ("ducklake+postgresql://", "ducklake+postgres://")
# Inside a lake folder: the SQLite catalog and the Parquet files.
LAKE_CATALOG_FILE = "catalog.sqlite"
LAKE_DATA_DIR = "data"


@dataclass(frozen=True)
class WarehouseUrl:
    """A parsed `WAREHOUSE_URL`."""

    engine: str  # duckdb | postgres: the SQL dialect and the Warehouse implementation's family
    path: Path | None = None  # duckdb file, or the lake's folder (file catalog)
    lake: str | None = None  # the lake's catalog database: sqlite | postgres; None: not a lake
    data_path: str | None = None  # where the lake's Parquet files live (a folder, or a URL DuckDB reads)
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    dbname: str = "postgres"
    # DuckDB settings from the URL's query (`duckdb:///wh.duckdb?memory_limit=8GB&threads=4`), for every
    # connection the platform opens, dbt's included.
    duckdb_settings: tuple[tuple[str, str], ...] = ()

    @property
    def dbt_target(self) -> str:
        return "ducklake" if self.lake else self.engine

    @property
    def concurrent_writers(self) -> bool:
        """Whether several processes may write at once: the lake and PostgreSQL, not a single DuckDB file."""
        return self.engine == "postgres" or self.lake is not None

    def lake_catalog(self, with_password: bool = True) -> str:
        """The lake's catalog as DuckLake's ATTACH names it (`ducklake:<this>`).

        The password is part of the libpq string DuckDB's postgres extension connects with; `with_password=False`
        gives the same string without it (dbt reads it separately, so its parse fingerprint never holds one).
        """
        if self.lake == "sqlite":
            return f"sqlite:{self.path / LAKE_CATALOG_FILE}"
        if self.lake == "postgres":
            parts = [f"dbname={self.dbname}", f"host={self.host}", f"port={self.port}", f"user={self.user}"]
            if with_password and self.password:
                parts.append(f"password={self.password}")
            return "postgres:" + " ".join(parts)
        raise ValueError(f"{self.redacted()} is not a lake")

    @property
    def duckdb_config(self) -> dict[str, str]:
        return dict(self.duckdb_settings)

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that dbt_project/profiles.yml reads (its only source of connections)."""
        if self.lake:
            return {
                "GRIDCARE_LAKE_CATALOG": self.lake_catalog(with_password=False),
                # dbt's threads commit from one process, which a SQLite catalog refuses at once ("database is
                # locked") rather than waits for; a PostgreSQL catalog takes both.
                "GRIDCARE_DBT_THREADS": "2" if self.lake == "postgres" else "1",
                "GRIDCARE_LAKE_PASSWORD": self.password,
                "GRIDCARE_LAKE_DATA_PATH": str(self.data_path),
                "GRIDCARE_DUCKDB_MEMORY_LIMIT": self.duckdb_config["memory_limit"],
            }
        if self.engine == "duckdb":
            return {
                "GRIDCARE_DUCKDB_PATH": str(self.path),
                "GRIDCARE_DUCKDB_MEMORY_LIMIT": self.duckdb_config["memory_limit"],
            }
        return {
            "GRIDCARE_PG_HOST": self.host,
            "GRIDCARE_PG_PORT": str(self.port),
            "GRIDCARE_PG_USER": self.user,
            "GRIDCARE_PG_PASSWORD": self.password,
            "GRIDCARE_PG_DBNAME": self.dbname,
        }

    def redacted(self) -> str:
        """The URL for logs and metadata: never the password."""
        if self.lake == "sqlite":
            return f"ducklake:///{self.path}"
        if self.lake == "postgres":
            return f"ducklake+postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}?data_path={self.data_path}"
        if self.engine == "duckdb":
            return f"duckdb:///{self.path}"
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


def _duckdb_settings(query: str, also: tuple[str, ...] = ()) -> dict[str, str]:
    """The URL query's DuckDB settings with the platform's memory limit as default; `also` are other known keys."""
    settings = dict(parse_qsl(query))
    unknown = sorted(set(settings) - set(DUCKDB_SETTINGS) - set(also))
    if unknown:
        raise ValueError(
            f"WAREHOUSE_URL: unknown DuckDB setting {unknown[0]!r}; known: {', '.join(DUCKDB_SETTINGS + also)}"
        )
    return {"memory_limit": DUCKDB_MEMORY_LIMIT, **settings}


def _settings_tuple(settings: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in settings.items() if k in DUCKDB_SETTINGS))


def parse_warehouse_url(url: str) -> WarehouseUrl:
    """Parse `ducklake:///folder`, `ducklake+postgresql://user:pw@host:port/catalogdb?data_path=…`,
    `duckdb:///relative/path`, `duckdb:////absolute/path` or `postgresql://user:pw@host:port/db`.

    Paths follow SQLAlchemy's convention: three slashes and a relative path (resolved against the working
    directory), four slashes for an absolute one. `memory_limit` and `threads` in the query of a DuckDB or lake
    URL apply to every DuckDB connection the platform opens, dbt's included.
    """
    if url.startswith("ducklake:///"):
        raw_path, _, query = url[len("ducklake:///") :].partition("?")
        if not raw_path:
            raise ValueError("WAREHOUSE_URL 'ducklake:///' names no folder, e.g. ducklake:///data/lake")
        folder = Path(raw_path).resolve()
        settings = _duckdb_settings(query, also=("data_path",))
        return WarehouseUrl(
            engine="duckdb",
            path=folder,
            lake="sqlite",
            data_path=settings.get("data_path") or str(folder / LAKE_DATA_DIR),
            duckdb_settings=_settings_tuple(settings),
        )
    if url.startswith(LAKE_SCHEMES):
        parsed = urlparse(url)
        settings = _duckdb_settings(parsed.query, also=("data_path",))
        if not settings.get("data_path"):
            raise ValueError(
                "WAREHOUSE_URL: a lake with a PostgreSQL catalog needs ?data_path=<folder every machine mounts>, "
                "e.g. ducklake+postgresql://etl@db:5432/lake_catalog?data_path=/shared/lake"
            )
        data_path = settings["data_path"]
        if "://" not in data_path:  # a folder; an s3:// or similar URL is DuckDB's to read
            data_path = str(Path(data_path).resolve())
        return WarehouseUrl(
            engine="duckdb",
            lake="postgres",
            data_path=data_path,
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
            duckdb_settings=_settings_tuple(settings),
        )
    if url.startswith("duckdb:///"):
        raw_path, _, query = url[len("duckdb:///") :].partition("?")
        if not raw_path:
            raise ValueError("WAREHOUSE_URL 'duckdb:///' names no file, e.g. duckdb:///data/warehouse.duckdb")
        settings = _duckdb_settings(query)
        return WarehouseUrl(engine="duckdb", path=Path(raw_path).resolve(), duckdb_settings=_settings_tuple(settings))
    parsed = urlparse(url)
    if parsed.scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return WarehouseUrl(
            engine="postgres",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )
    # The URL itself may hold a password: name only its scheme.
    scheme = url.partition("://")[0] if "://" in url else url[:20]
    raise ValueError(
        f"WAREHOUSE_URL with scheme {scheme!r} is none of ducklake:///<folder>, "
        "ducklake+postgresql://user@host:port/db?data_path=<folder>, duckdb:///<file>, postgresql://user@host:port/db"
    )
