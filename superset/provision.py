"""Provision Superset from the repo: the admin user and the dashboards as code. Runs in superset/.venv.

    superset/.venv/bin/python superset/provision.py --warehouse-uri duckdb:////abs/data/bi/warehouse.duckdb
    GRIDCARE_LAKE_CATALOG=sqlite:/abs/data/lake/catalog.sqlite superset/.venv/bin/python superset/provision.py \
        --warehouse-uri duckdb:///:memory:          # the lake, read where it lies (superset_config.py)

after `superset db upgrade` and `superset init` (the Makefile's `superset` target runs all of it). The admin
comes from SUPERSET_ADMIN_USER / SUPERSET_ADMIN_PASSWORD; without a password, one is generated and printed
once, when the admin is created. Importing overwrites by UUID, so running it again changes nothing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

import yaml

ASSETS = Path(__file__).resolve().parent / "assets"


def bundle(assets_dir: Path, warehouse_uri: str) -> dict[str, str]:
    """The export bundle as Superset's importer takes it, with the warehouse connection actually in use."""
    contents = {}
    for path in sorted(assets_dir.rglob("*.yaml")):
        rel = path.relative_to(assets_dir).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith("databases/"):
            db = yaml.safe_load(text)
            db["sqlalchemy_uri"] = warehouse_uri
            if not warehouse_uri.startswith("duckdb:") or warehouse_uri.endswith(":memory:"):
                # read_only is DuckDB's connect argument for a file. On PostgreSQL the bi_reader role keeps
                # Superset read-only; on the lake (an in-memory database), the read-only ATTACH that
                # superset_config.py makes for every connection.
                db["extra"]["engine_params"].pop("connect_args", None)
            if warehouse_uri.endswith(":memory:"):
                # The lake holds raw and staging (personal data) beside the marts, and no role can hide them:
                # no SQL Lab on it, so what Superset shows is the marts and ml datasets of the charts.
                db["expose_in_sqllab"] = False
            text = yaml.safe_dump(db, allow_unicode=True, sort_keys=False)
        contents[rel] = text
    return contents


def ensure_admin(security_manager, username: str, password: str | None) -> None:
    """Create the admin once; print a generated password when none was given (never stored in the repo)."""
    if security_manager.find_user(username=username) is not None:
        return
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    role = security_manager.find_role("Admin")
    user = security_manager.add_user(username, "gridcare", "admin", f"{username}@localhost", role, password=password)
    if not user:
        raise SystemExit(f"could not create the Superset admin {username!r}")
    if generated:
        print(
            f"Superset admin created: user {username!r}, password {password!r} "
            "(shown once; set SUPERSET_ADMIN_PASSWORD to choose it)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--warehouse-uri",
        required=True,
        help="SQLAlchemy URI of the BI copy, bi_reader, or duckdb:///:memory: for the lake",
    )
    parser.add_argument("--assets", type=Path, default=ASSETS)
    args = parser.parse_args(argv)

    from flask import g
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.importers.v1.assets import ImportAssetsCommand

        from superset import security_manager

        username = os.environ.get("SUPERSET_ADMIN_USER", "admin")
        ensure_admin(security_manager, username, os.environ.get("SUPERSET_ADMIN_PASSWORD") or None)
        g.user = security_manager.find_user(username=username)
        contents = bundle(args.assets, args.warehouse_uri)
        ImportAssetsCommand(contents).run()
        print(
            f"imported {sum(k.startswith('dashboards/') for k in contents)} dashboards, "
            f"{sum(k.startswith('charts/') for k in contents)} charts, "
            f"{sum(k.startswith('datasets/') for k in contents)} datasets"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
