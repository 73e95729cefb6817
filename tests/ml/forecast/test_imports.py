"""`ml.forecast` is a plain library: no dagster, no orchestration, no environment reads."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "ml" / "forecast"


def test_importing_the_package_pulls_in_neither_dagster_nor_orchestration():
    modules = ["ml.forecast." + p.stem for p in sorted(PACKAGE.glob("*.py")) if p.stem != "__init__"]
    code = (
        f"import sys; import {', '.join(modules)}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'orchestration')); print(bad)"
    )
    root = PACKAGE.parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_no_module_mentions_dagster_orchestration_or_the_environment():
    pattern = re.compile(r"^\s*(import|from)\s+(dagster|orchestration)\b|os\.environ|os\.getenv", re.M)
    offenders = [p.name for p in PACKAGE.glob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
