"""`ml.fault_risk` is a plain library without import cycles: no dagster, no orchestration, no environment reads."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "ml" / "fault_risk"
PREFIX = "ml.fault_risk"


def package_imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module name → the package's modules it imports, anywhere in the file (top level, inside functions
    and under `TYPE_CHECKING`: a cycle hidden in a function is still a cycle a reader must untangle)."""
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in sorted(modules):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == PREFIX:
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX + "."):
                found.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[2] for a in node.names if a.name.startswith(PREFIX + ".")}
        graph[name] = (found & modules) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search, modules and edges in sorted order)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "config.py").write_text("X = 1\n")
    (tmp_path / "train.py").write_text("from ml.fault_risk.config import X\nfrom ml.fault_risk import score\n")
    (tmp_path / "score.py").write_text("def f():\n    from ml.fault_risk.train import X\n")
    graph = package_imports(tmp_path)
    assert graph == {"config": set(), "score": {"train"}, "train": {"config", "score"}}
    assert find_cycle(graph) == ["score", "train", "score"]


def test_the_package_has_no_import_cycle():
    graph = package_imports()
    assert find_cycle(graph) is None
    # The layering the package documents: config at the bottom, train and registry on top.
    assert graph["config"] == set()
    assert graph["score"] == {"config", "features", "model", "pool"}
    assert graph["train"] == {"backtest", "config", "evaluate", "plot", "predict", "simulate"}
    assert not any("train" in deps for deps in graph.values())


def test_importing_the_package_pulls_in_neither_dagster_nor_orchestration():
    modules = [f"{PREFIX}.{p.stem}" for p in sorted(PACKAGE.glob("*.py")) if p.stem != "__init__"]
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
