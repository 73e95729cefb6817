"""notebooks/process_mining.ipynb runs top to bottom on the session's built lake, which it only reads."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from orchestration.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "process_mining.ipynb"


def test_process_mining_notebook_reports_fitness_per_process(built_platform, tmp_path, monkeypatch):
    # The kernel inherits the environment; orchestration.resources reads WAREHOUSE_URL there. The notebook only
    # reads, so it reads the session's lake itself.
    monkeypatch.setenv("WAREHOUSE_URL", built_platform.settings.warehouse_url)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()

    # The last cell leaves the fitness table; its dbt column must be the mart's own share.
    (result,) = [o for o in notebook.cells[-1].outputs if o.get("output_type") == "execute_result"]
    table = result["data"]["text/plain"]
    shares = dict(
        Warehouse(built_platform.settings.warehouse_url).query(
            "SELECT process_id, round(avg(CASE WHEN is_conformant THEN 1.0 ELSE 0 END), 4) "
            "FROM marts.ticket_process_conformance GROUP BY 1"
        )
    )
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[2:]}
    assert set(rows) == {"fault_repair", "service_request"} == set(shares)
    for process, (_tickets, log_fitness, fitting, dbt_share) in rows.items():
        assert float(dbt_share) == float(shares[process]), process
        # Most tickets follow the standard path, not all: the generator injects deviations.
        assert 0.8 < float(log_fitness) < 1.0, (process, log_fitness)
        assert 0.5 < float(fitting) < 1.0, (process, fitting)
