"""Knowledge base of service articles (docs/knowledge/*.md) and their retrieval.

Public API, as the serving assets and the CLI call it:

    kb = KnowledgeBase.from_dir()                 # the repo's docs/knowledge
    hits = kb.search("如何申请峰谷电价？", k=3)     # list[Hit], best first
    hit = kb.best(text)                           # Hit, or None when nothing matches meaningfully
    figures = evaluate(kb, load_questions(EVAL_FILE))  # {"top1": …, "top3": …, "n": …}
"""

from ml.knowledge.articles import Article, ArticleError, load_articles, parse_article
from ml.knowledge.evaluate import DEV_FILE, EVAL_FILE, Question, evaluate, load_questions
from ml.knowledge.retrieval import DEFAULT_ARTICLES_DIR, Hit, KnowledgeBase

__all__ = [
    "DEFAULT_ARTICLES_DIR",
    "DEV_FILE",
    "EVAL_FILE",
    "Article",
    "ArticleError",
    "Hit",
    "KnowledgeBase",
    "Question",
    "evaluate",
    "load_articles",
    "load_questions",
    "parse_article",
]
