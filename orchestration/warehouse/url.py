"""`WAREHOUSE_URL`: which engine holds the warehouse, and how to reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

# DuckDB keeps what it read cached up to its memory limit, 80 % of the machine by default: one process
# loading a year of readings then holds many GB it does not need. The platform's processes (the run and dbt,
# one after the other) each get this much unless WAREHOUSE_URL says otherwise; past it DuckDB spills to disk.
DUCKDB_MEMORY_LIMIT = "3GB"
DUCKDB_SETTINGS = ("memory_limit", "threads")


@dataclass(frozen=True)
class WarehouseUrl:
    """A parsed `WAREHOUSE_URL`."""

    engine: str  # duckdb | postgres
    path: Path | None = None  # duckdb file
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
        return self.engine

    @property
    def duckdb_config(self) -> dict[str, str]:
        return dict(self.duckdb_settings)

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that dbt_project/profiles.yml reads (its only source of connections)."""
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
        if self.engine == "duckdb":
            return f"duckdb:///{self.path}"
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


def parse_warehouse_url(url: str) -> WarehouseUrl:
    """Parse `duckdb:///relative/path`, `duckdb:////absolute/path` or `postgresql://user:pw@host:port/db`.

    DuckDB paths follow SQLAlchemy's convention: three slashes and a relative path (resolved against the
    working directory), four slashes for an absolute one.
    """
    if url.startswith("duckdb:///"):
        raw_path, _, query = url[len("duckdb:///") :].partition("?")
        if not raw_path:
            raise ValueError("WAREHOUSE_URL 'duckdb:///' names no file, e.g. duckdb:///data/warehouse.duckdb")
        settings = dict(parse_qsl(query))
        unknown = sorted(set(settings) - set(DUCKDB_SETTINGS))
        if unknown:
            raise ValueError(
                f"WAREHOUSE_URL: unknown DuckDB setting {unknown[0]!r}; known: {', '.join(DUCKDB_SETTINGS)}"
            )
        settings = {"memory_limit": DUCKDB_MEMORY_LIMIT, **settings}
        return WarehouseUrl(
            engine="duckdb", path=Path(raw_path).resolve(), duckdb_settings=tuple(sorted(settings.items()))
        )
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
    raise ValueError(f"WAREHOUSE_URL {url!r} is neither duckdb:///<path> nor postgresql://user@host:port/db")
