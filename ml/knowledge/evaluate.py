"""Accuracy of the retrieval on questions phrased the way customers and agents really ask.

Two sets, one JSON object per line ({"question": …, "article_id": …, "style": …}):
`dev_questions.jsonl` is the one synonyms and weights were tuned on; `eval_questions.jsonl` was written
before tuning and is only measured, so its figures say how the search does on wording it has not seen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ml.knowledge.retrieval import DEFAULT_ARTICLES_DIR, KnowledgeBase

EVAL_FILE = DEFAULT_ARTICLES_DIR / "eval_questions.jsonl"
DEV_FILE = DEFAULT_ARTICLES_DIR / "dev_questions.jsonl"


@dataclass(frozen=True)
class Question:
    """A question and the article that answers it."""

    question: str
    article_id: str
    style: str = ""


def load_questions(path: Path) -> list[Question]:
    """Read a questions file.

    Raises:
        ValueError: a line that is not JSON or lacks `question`/`article_id`, naming the file and line.
    """
    questions = []
    for no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(row["question"], row["article_id"], row.get("style", "")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f'{path}:{no}: expected {{"question": …, "article_id": …}}: {exc}') from None
    return questions


def evaluate(kb: KnowledgeBase, questions: list[Question]) -> dict:
    """Top-1 and top-3 accuracy of `kb.search` on `questions`, mean search time, and the misses for reading.

    Raises:
        ValueError: a question names an article the knowledge base does not have (a stale set).
    """
    known = {a.article_id for a in kb.articles}
    unknown = sorted({q.article_id for q in questions} - known)
    if unknown:
        raise ValueError(f"questions name articles that do not exist: {unknown}")
    top1 = top3 = 0
    misses = []
    start = time.perf_counter()
    for q in questions:
        ids = [h.article_id for h in kb.search(q.question, k=3)]
        top1 += bool(ids) and ids[0] == q.article_id
        top3 += q.article_id in ids
        if not ids or ids[0] != q.article_id:
            misses.append({"question": q.question, "expected": q.article_id, "got": ids})
    n = len(questions)
    ms = (time.perf_counter() - start) * 1000 / n if n else 0.0
    return {
        "top1": top1 / n if n else 0.0,
        "top3": top3 / n if n else 0.0,
        "n": n,
        "ms_per_query": ms,
        "misses": misses,
    }
