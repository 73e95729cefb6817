"""The warehouse: the raw layer the platform writes on the lake, a DuckDB file or PostgreSQL, and the dbt build.

`Warehouse(url)` is the one read and write path for Python: an interface (`base.py`) with one implementation
per engine (`duckdb_warehouse.py`; `lake_warehouse.py`, which only connects differently; `postgres_warehouse.py`),
chosen by `WAREHOUSE_URL` (`url.py`); the raw layer's tables are in `schema.py`. The dbt project
(dbt_project/) builds staging, intermediate and marts, run as Dagster assets by `assets.py`.
"""

from orchestration.warehouse.base import Warehouse
from orchestration.warehouse.postgres_warehouse import PG_DDL_LOCK
from orchestration.warehouse.schema import DERIVED_COLUMNS, RAW_SCHEMA, raw_columns
from orchestration.warehouse.url import DUCKDB_MEMORY_LIMIT, WarehouseUrl, parse_warehouse_url

__all__ = [
    "DERIVED_COLUMNS",
    "DUCKDB_MEMORY_LIMIT",
    "PG_DDL_LOCK",
    "RAW_SCHEMA",
    "Warehouse",
    "WarehouseUrl",
    "parse_warehouse_url",
    "raw_columns",
]
