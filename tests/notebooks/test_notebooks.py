"""Every notebook in notebooks/ runs top to bottom against a built warehouse and MLflow store, so none rots."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
# A notebook with a test module of its own (tests/notebooks/test_<name>.py) is run there, with its own asserts.
GENERIC = [p for p in NOTEBOOKS if not (Path(__file__).parent / f"test_{p.stem}.py").exists()]


def test_the_notebooks_are_committed_without_outputs():
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), f"{path.name} holds outputs"


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: p.stem)
def test_notebook_runs_against_the_built_platform(path, built_platform, monkeypatch):
    assert built_platform.result.success
    # The kernel inherits the environment: the notebook reads its configuration like the platform does.
    monkeypatch.setenv("WAREHOUSE_URL", built_platform.settings.warehouse_url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", built_platform.settings.mlflow_tracking_uri)
    book = nbformat.read(path, as_version=4)
    NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for c in book.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
