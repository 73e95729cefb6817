"""Superset's configuration for gridcare (loaded through SUPERSET_CONFIG_PATH by `make superset` and the tests).

Nothing secret lives here: the secret key comes from SUPERSET_SECRET_KEY or, on a workstation, from a key
generated once into data/superset/secret_key; the admin's password comes from the environment at provisioning
(superset/provision.py). Superset's own metadata (users, charts, dashboards) is a SQLite file under data/.

| variable | default | what |
|---|---|---|
| SUPERSET_SECRET_KEY | generated once into data/superset/secret_key | signs sessions, encrypts connection secrets |
| SUPERSET_METADATA_URI | sqlite:///data/superset/superset.db | Superset's own metadata database |
| GRIDCARE_LAKE_CATALOG | unset | the lake's catalog (`sqlite:/…/catalog.sqlite`, `postgres:dbname=…`): attached read-only |
"""

import importlib.util
import os
import secrets
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SUPERSET_DATA_DIR = PROJECT_ROOT / "data" / "superset"


def _secret_key() -> str:
    """The key from the environment, else one generated on first start and kept beside the metadata."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = SUPERSET_DATA_DIR / "secret_key"
    if not path.exists():
        SUPERSET_DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URI", f"sqlite:///{SUPERSET_DATA_DIR / 'superset.db'}")

# The analysts read Chinese; English stays one click away.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}

# The analysts' browsers reach nothing but this server: Superset's default content security policy admits
# map tiles and a telemetry pixel (compiled into the 6.1 frontend, SCARF_ANALYTICS cannot turn it off) from
# the internet; this one admits only Superset itself. Served on 127.0.0.1, so no HTTPS to enforce.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
RATELIMIT_STORAGE_URI = "memory://"
# No sub-queries in a chart's ad-hoc SQL (Superset's default, kept explicit): on the lake, a sub-query could
# otherwise reach the raw schemas the read-only attachment also holds.
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "ALLOW_ADHOC_SUBQUERY": False}
# No internet map tiles on the utility's network: deck.gl maps stay off (the heat map is an ECharts grid).
MAPBOX_API_KEY = ""
# Superset must never write the warehouse: the connections are read-only, and SQL Lab may not run DML.
PREVENT_UNSAFE_DB_CONNECTIONS = True


# The lake (DuckLake): Superset reads the warehouse itself, not a copy. Each DuckDB connection (an in-memory
# database, `duckdb:///:memory:`) loads the lake's extensions from their pinned wheels, never downloading them,
# and attaches the lake read-only; a query sees one committed snapshot, never a half-written day.
LAKE_CATALOG = os.environ.get("GRIDCARE_LAKE_CATALOG")


def _extensions_module():
    """orchestration/warehouse/extensions.py, loaded by path: it needs only duckdb, unlike the rest of the core."""
    path = PROJECT_ROOT / "orchestration" / "warehouse" / "extensions.py"
    spec = importlib.util.spec_from_file_location("gridcare_duckdb_extensions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if LAKE_CATALOG:
    _extensions = _extensions_module()

    @event.listens_for(Engine, "connect")
    def _attach_lake(dbapi_connection, _record) -> None:
        if not type(dbapi_connection).__module__.startswith("duckdb_engine"):
            return  # Superset's own metadata database, or a PostgreSQL warehouse
        con = getattr(dbapi_connection, "_ConnectionWrapper__c", dbapi_connection)  # the wrapped duckdb connection
        con.execute("SET autoinstall_known_extensions = false")
        _extensions.load_extensions(con, "ducklake", LAKE_CATALOG.partition(":")[0])
        quoted = LAKE_CATALOG.replace("'", "''")
        con.execute(f"ATTACH IF NOT EXISTS 'ducklake:{quoted}' AS lake (READ_ONLY)")
        con.execute("USE lake")
