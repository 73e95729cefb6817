"""Keeping dbt's manifest in step with the dbt project, so the code location always sees current models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WATCHED = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """True when the manifest is missing or older than any model, macro, seed, test or project file."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in WATCHED:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def ensure_manifest(project_dir: Path) -> Path:
    """Path of target/manifest.json, re-parsed with `dbt parse` when the project changed since."""
    manifest = project_dir / "target" / "manifest.json"
    if manifest_is_stale(project_dir, manifest):
        dbt = Path(sys.executable).with_name("dbt")
        # Parsing needs no connection; the DuckDB target is the one that parses without any variables.
        subprocess.run(
            [str(dbt), "parse", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
             "--target", "duckdb", "--quiet"],
            check=True,
        )
    return manifest
