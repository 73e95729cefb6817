"""The knowledge_base asset writes serving.kb_articles, one row per article file, on both engines."""

from __future__ import annotations

import dagster as dg

from ml.knowledge import DEFAULT_ARTICLES_DIR
from orchestration.knowledge.assets import knowledge_base
from orchestration.resources import WarehouseResource
from orchestration.warehouse import Warehouse


def test_knowledge_base_writes_one_row_per_article_and_reruns_replace_them(warehouse_url: str) -> None:
    files = len(list(DEFAULT_ARTICLES_DIR.glob("kb-*.md")))
    for _ in range(2):
        result = dg.materialize([knowledge_base], resources={"warehouse": WarehouseResource(url=warehouse_url)})
        assert result.success
    wh = Warehouse(warehouse_url)
    assert wh.query("SELECT count(*), count(DISTINCT article_id) FROM serving.kb_articles")[0] == (files, files)
    title, category, keywords, steps = wh.query(
        "SELECT title, category, keywords, steps FROM serving.kb_articles WHERE article_id = 'kb-tou-apply'"
    )[0]
    assert (title, category) == ("如何申请居民峰谷分时电价", "业务办理")
    assert keywords.startswith("峰谷电价、分时电价、谷电")
    assert steps.startswith("1. 确认户号与电表") and steps.count("\n") == 5
    metadata = result.asset_materializations_for_node("knowledge_base")[0].metadata
    assert metadata["articles"].value == files
    assert metadata["eval_top1"].value >= 0.9 and metadata["eval_top3"].value >= 0.97
