"""Prepare what the code location loads, as a step of its own: `python -m orchestration.prepare` (`make dbt-manifest`).

Today that is dbt's manifest (and with it dbt's partial-parse state), parsed with the configured warehouse's
target and connection, exactly as the runs call dbt. `make run`, `make ui`, `make test` and the other targets
that load the code location run it first; when nothing changed it returns at once without starting dbt.
"""

from __future__ import annotations

import argparse
import time

from orchestration.resources import DBT_PROJECT_DIR, build_resources, load_settings
from orchestration.warehouse.dbt_manifest import MANIFEST


def main(argv: list[str] | None = None) -> int:
    """Parse the dbt project when its manifest is stale or was parsed for another warehouse."""
    parser = argparse.ArgumentParser(prog="python -m orchestration.prepare", description=main.__doc__)
    parser.add_argument("--force", action="store_true", help="parse even when the manifest looks current")
    args = parser.parse_args(argv)
    settings = load_settings()
    started = time.perf_counter()
    parsed = build_resources(settings)["dbt"].prepare_manifest(force=args.force)
    where = f"{DBT_PROJECT_DIR / MANIFEST} for {settings.warehouse.redacted()}"
    print(f"dbt manifest {where}: " + (f"parsed in {time.perf_counter() - started:.1f} s" if parsed else "current"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
