"""`make dbt-manifest` (orchestration/prepare.py): dbt's parse prepared once, with the profile the runs use."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from orchestration.resources import DBT_PROJECT_DIR, WarehouseDbtResource
from orchestration.warehouse.dbt_manifest import FINGERPRINT, MANIFEST

FULL_REPARSE = "Unable to do partial parsing because profile has changed"


def _dbt(project: Path, url: str) -> WarehouseDbtResource:
    return WarehouseDbtResource(
        project_dir=str(project),
        profiles_dir=str(project),
        target="duckdb",
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
        warehouse_url=url,
    )


def _run_parse_log(dbt: WarehouseDbtResource, name: str) -> str:
    """dbt's log of a parse started as a run starts dbt: a target path of its own, seeded by dagster-dbt with
    target/partial_parse.msgpack, the day range of a partitioned run in the environment."""
    target = Path(dbt.project_dir) / "target" / name
    dbt.cli(
        ["parse"], target_path=target, env={"GRIDCARE_MIN_DATE": "2026-10-01", "GRIDCARE_MAX_DATE": "2026-10-02"}
    ).wait()
    return (target / "dbt.log").read_text(encoding="utf-8")


def test_runs_reuse_the_prepared_parse_and_another_warehouse_prepares_again(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    dbt = _dbt(project, f"duckdb:///{tmp_path}/warehouse.duckdb")

    assert dbt.prepare_manifest() is True
    assert (project / MANIFEST).exists() and (project / FINGERPRINT).exists()
    assert dbt.prepare_manifest() is False  # current: dbt is not started

    log = _run_parse_log(dbt, "run-1")
    assert FULL_REPARSE not in log
    assert "Unable to do partial parsing" not in log

    # A run against another warehouse cannot reuse it (the defect the prepared profile removes), and the
    # preparation notices that the manifest was parsed for another warehouse.
    other = _dbt(project, f"duckdb:///{tmp_path}/other.duckdb")
    assert FULL_REPARSE in _run_parse_log(other, "run-2")
    assert other.prepare_manifest() is True
    assert "Unable to do partial parsing" not in _run_parse_log(other, "run-3")
