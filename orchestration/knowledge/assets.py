"""Knowledge base: index the service articles of docs/knowledge and publish them as `serving.kb_articles`.

Work orders and `python -m orchestration kb search` rank the same articles through `ml.knowledge`; this asset
records what was indexed and how well retrieval does on the held-out question set, so a change to an article
or to the synonym list shows up in the run's metadata.
"""

import time

import dagster as dg
import pandas as pd

from ml.knowledge import EVAL_FILE, KnowledgeBase, evaluate, load_questions
from ml.knowledge.table import article_rows
from orchestration.resources import WarehouseResource

SERVING_SCHEMA = "serving"


@dg.asset(group_name="serving", kinds={"python"})
def knowledge_base(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """serving.kb_articles: one row per knowledge article (title, category, keywords, numbered steps), with
    the retrieval's top-1/top-3 accuracy on docs/knowledge/eval_questions.jsonl as metadata."""
    start = time.perf_counter()
    kb = KnowledgeBase.from_dir()
    build_s = time.perf_counter() - start
    figures = evaluate(kb, load_questions(EVAL_FILE))
    rows = warehouse.get().replace_table(
        SERVING_SCHEMA, "kb_articles", article_rows(kb, pd.Timestamp.now().floor("s").to_pydatetime())
    )
    return dg.MaterializeResult(
        metadata={
            "articles": rows,
            "eval_top1": figures["top1"],
            "eval_top3": figures["top3"],
            "eval_questions": figures["n"],
            "search_ms_per_query": round(figures["ms_per_query"], 2),
            "index_build_s": round(build_s, 3),
        }
    )


knowledge_assets = [knowledge_base]
