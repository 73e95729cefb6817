"""Whether dbt's manifest is current: the code location loads it, an explicit step writes it (`make dbt-manifest`).

Parsing is a step of its own, never a side effect of loading the code location: every process that loads it
(the UI's, the daemon's, each step process, each Celery worker) would otherwise start dbt to check, and dbt's
partial-parse state would be rewritten with whatever environment happened to load first.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path

WATCHED = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")
MANIFEST = Path("target") / "manifest.json"
# What the manifest was parsed with (a digest of the target and the connection variables), beside it.
FINGERPRINT = Path("target") / "gridcare_parse.json"
PREPARE = "make dbt-manifest"


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


def parse_fingerprint(target: str, dbt_env: Mapping[str, str]) -> str:
    """A digest of what decides dbt's partial-parse state: the target and the profile's variables.

    Passwords are left out (dbt's own profile check leaves them out too), so the file never holds one.
    """
    kept = {k: v for k, v in sorted(dbt_env.items()) if "PASSWORD" not in k}
    return hashlib.sha256(json.dumps({"target": target, "env": kept}).encode()).hexdigest()


def needs_parse(project_dir: Path, fingerprint: str) -> bool:
    """True when the manifest is stale or was parsed for another target or connection than `fingerprint`."""
    if manifest_is_stale(project_dir, project_dir / MANIFEST):
        return True
    recorded = project_dir / FINGERPRINT
    return not recorded.exists() or json.loads(recorded.read_text())["fingerprint"] != fingerprint


def record_parse(project_dir: Path, fingerprint: str) -> None:
    """Note beside the manifest what it was parsed with (`needs_parse` compares it)."""
    (project_dir / FINGERPRINT).write_text(json.dumps({"fingerprint": fingerprint}))


def loadable_manifest(project_dir: Path) -> Path:
    """The manifest the code location loads; an error naming the step that writes it when it is missing.

    A manifest older than the project still loads (the models as last parsed), with a warning: a model added
    since would be missing from the asset graph.
    """
    manifest = project_dir / MANIFEST
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} does not exist: run `{PREPARE}` (dbt parse) before loading the code location"
        )
    if manifest_is_stale(project_dir, manifest):
        warnings.warn(
            f"{manifest} is older than the dbt project: run `{PREPARE}` to load the current models", stacklevel=2
        )
    return manifest
