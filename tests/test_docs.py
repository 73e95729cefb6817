"""Docs that stay true: the lists a reader relies on are checked against the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _layout_block() -> str:
    return README.split("## Layout", 1)[1].split("```text", 1)[1].split("```", 1)[0]


def test_the_readme_layout_names_every_package_and_nothing_that_is_gone():
    layout = _layout_block()
    named = set(re.findall(r"^\s*([a-z_]+)/", layout, re.MULTILINE))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {
        p.parent.name for p in (ROOT / "orchestration").glob("*/__init__.py")
    }
    assert packages - named == set()
    for folder in named:
        assert (ROOT / folder).is_dir() or (ROOT / "orchestration" / folder).is_dir(), folder


def test_every_job_is_in_the_readme():
    from orchestration.jobs import jobs

    assert [j.name for j in jobs if f"`{j.name}`" not in README and j.name not in _layout_block()] == []


def test_every_documented_make_target_has_a_readme_row():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z-]*):.*?## ", makefile, re.MULTILINE)
    assert len(targets) >= 15
    assert [t for t in targets if f"`make {t}" not in README] == []


def test_every_dbt_model_is_in_the_dbt_readme():
    text = (ROOT / "dbt_project" / "README.md").read_text(encoding="utf-8")
    models = sorted(p.stem for p in (ROOT / "dbt_project" / "models").rglob("*.sql"))
    assert len(models) >= 35
    assert [m for m in models if f"`{m}`" not in text] == []
