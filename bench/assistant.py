"""The service assistant measured: containment on the evaluation set, and answers under load.

    python -m bench.assistant eval --mlflow-uri sqlite:///data/mlflow/mlflow.db [--json out.json]

`eval` builds the crafted warehouse of tests/assistant/crafted.py in a temporary DuckDB file (an outage reported
on TR_OUT, a SCADA fault on TR_SCA), answers every message of docs/assistant/eval_messages.jsonl with the
registered `intent_classifier@champion` through the assistant's library (each in its own conversation, no
ticketing: orders wait in the outbox) and prints containment, accuracies and the confusion of answer kinds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.conversation import Assistant, Message
from assistant.evaluation import load_eval, score
from assistant.intent import IntentModel
from assistant.outages import report_outage
from assistant.store import opened


def evaluate(mlflow_uri: str) -> dict:
    """Containment and confusion of the champion on the evaluation set (see the module docstring)."""
    import torch

    from ml.knowledge import KnowledgeBase
    from orchestration.warehouse import Warehouse
    from tests.assistant import crafted

    torch.set_num_threads(1)  # the figures, not the speed, are measured here; the machine is shared
    rows = load_eval()
    with tempfile.TemporaryDirectory(prefix="gridcare-assistant-eval-") as tmp:
        url = f"duckdb:///{Path(tmp) / 'warehouse.duckdb'}"
        crafted.load(Warehouse(url))
        model = IntentModel(mlflow_uri)
        model.load()
        kb = KnowledgeBase.from_dir()
        with opened(url) as db:
            eta = crafted.NOW + dt.timedelta(hours=3)
            report_outage(db, "EVAL-O1", "TR_OUT", "fault", "10kV 线路故障", crafted.ago(minutes=30), eta, crafted.NOW)
            assistant = Assistant.build(db, model, kb)
            started = time.perf_counter()
            answers = [
                assistant.handle(Message(r.id, r.channel, r.text, r.customer_id, conversation_id=f"conv-{r.id}"))
                for r in rows
            ]
            seconds = time.perf_counter() - started
            assistant.desk.close()
    figures = score(rows, answers)
    figures["model_version"] = model.version
    figures["ms_per_message"] = round(seconds * 1000 / len(rows), 2)
    figures["misses"] = [
        {"id": r.id, "text": r.text, "expected": r.expected_kind, "got": a["answer_kind"], "intent": a["intent"]}
        for r, a in zip(rows, answers)
        if a["answer_kind"] != r.expected_kind
    ]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("eval", help="containment and answer-kind confusion on the evaluation set")
    ev.add_argument("--mlflow-uri", required=True, help="the MLflow store holding intent_classifier@champion")
    ev.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = evaluate(args.mlflow_uri)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    shown = {k: v for k, v in figures.items() if k != "misses"}
    json.dump(shown, sys.stdout, ensure_ascii=False, indent=2)
    print(f"\n{len(figures['misses'])} messages got another kind than expected")


if __name__ == "__main__":
    main()
