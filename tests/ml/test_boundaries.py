"""`ml` is a plain library: no dagster, no orchestration, no environment reads (STYLE.md rules 3 and layout)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import ml

ML_ROOT = Path(ml.__file__).resolve().parent
FORBIDDEN = re.compile(r"^\s*(?:import|from)\s+(dagster\w*|orchestration)\b|os\.environ|os\.getenv", re.MULTILINE)


def test_ml_sources_do_not_import_dagster_or_orchestration_or_read_the_environment() -> None:
    sources = sorted(ML_ROOT.rglob("*.py"))
    assert len(sources) >= 10
    offenders = {str(p.relative_to(ML_ROOT)): FORBIDDEN.findall(p.read_text(encoding="utf-8")) for p in sources}
    assert {path: hits for path, hits in offenders.items() if hits} == {}


def test_importing_the_ml_api_loads_no_dagster_or_orchestration_module() -> None:
    code = (
        "import sys, ml.intent, ml.tracking, ml.intent.corpus.build\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'orchestration')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ML_ROOT.parent
    )
    assert result.stdout.strip() == "[]"
