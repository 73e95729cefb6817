"""dbt-duckdb's connection to the lake, offline: the `ducklake` target of dbt_project/profiles.yml names it.

A profile's `extensions:` would INSTALL each extension from DuckDB's repository, which no machine of this
project reaches. dbt-duckdb calls this plugin on each new database before it runs the profile's `attach:`,
so the lake's extensions are loaded from their PyPI packages (extensions.py) by then, and auto-loading stays off.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse.extensions import OFFLINE
from orchestration.warehouse.lake_warehouse import configure_lake_connection


class Plugin(BasePlugin):
    """Loads ducklake, sqlite and postgres into dbt's DuckDB database (never downloading anything) and gives
    its commits the platform's retries."""

    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        config.update(OFFLINE)

    def configure_connection(self, conn) -> None:
        configure_lake_connection(conn)
