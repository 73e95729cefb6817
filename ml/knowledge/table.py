"""The articles as the rows of `serving.kb_articles`, so BI and the ticketing side can read what was indexed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ml.knowledge.retrieval import KnowledgeBase

COLUMNS = ["article_id", "title", "category", "keywords", "steps", "indexed_at"]


def numbered(steps: list[str] | tuple[str, ...]) -> str:
    """Steps as one text, one numbered line each: `1. …\\n2. …` (how an agent reads them in a work order)."""
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))


def article_rows(kb: KnowledgeBase, indexed_at: dt.datetime) -> pd.DataFrame:
    """One row per article: id, title, category, keywords joined with 、, numbered steps, and when indexed."""
    return pd.DataFrame(
        [
            (a.article_id, a.title, a.category, "、".join(a.keywords), numbered(a.steps), indexed_at)
            for a in kb.articles
        ],
        columns=COLUMNS,
    )
