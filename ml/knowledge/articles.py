"""Knowledge articles: Markdown files with a small front matter and numbered steps.

One file per article under docs/knowledge/ (file name = article id + `.md`):

    ---
    id: kb-tou-apply
    title: 如何申请峰谷分时电价
    category: 业务办理
    keywords: 峰谷电价, 分时电价, 谷电
    ---
    一段说明（可选）。

    1. 第一步……
    2. 第二步……

The steps are the numbered lines; anything else in the body is context that is indexed but not returned.
A file that breaks this shape fails loading with its path and line, never skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REQUIRED_FIELDS = ("id", "title", "category", "keywords")
_ID_RE = re.compile(r"^kb-[a-z0-9]+(?:-[a-z0-9]+)*$")
_STEP_RE = re.compile(r"^(\d+)\.\s+(.+)$")
_FIELD_RE = re.compile(r"^([a-z_]+):\s*(.*)$")


class ArticleError(ValueError):
    """An article file that does not follow the format; the message names the file and line."""


@dataclass(frozen=True)
class Article:
    """One knowledge article as kept in the repo."""

    article_id: str
    title: str
    category: str
    keywords: tuple[str, ...]
    steps: tuple[str, ...]
    body: str
    path: Path


def parse_article(path: Path) -> Article:
    """Read one article file.

    Args:
        path: a Markdown file in the format above.

    Returns:
        The article.

    Raises:
        ArticleError: front matter missing or incomplete, id not matching the file name, no numbered steps,
            or steps not numbered 1, 2, 3…; the message says `file:line: what is wrong`.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleError(f"{path}:1: front matter must start with '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleError(f"{path}:1: front matter is not closed with '---'") from None
    fields: dict[str, str] = {}
    for no in range(1, end):
        line = lines[no].strip()
        if not line:
            continue
        m = _FIELD_RE.match(line)
        if not m:
            raise ArticleError(f"{path}:{no + 1}: expected 'name: value' in front matter, got {line!r}")
        fields[m.group(1)] = m.group(2).strip()
    missing = [f for f in REQUIRED_FIELDS if not fields.get(f)]
    if missing:
        raise ArticleError(f"{path}:1: front matter lacks {', '.join(missing)}")
    article_id = fields["id"]
    if not _ID_RE.match(article_id):
        raise ArticleError(f"{path}:2: id {article_id!r} must look like kb-word-word (lower-case ascii)")
    if path.stem != article_id:
        raise ArticleError(f"{path}:2: id {article_id!r} differs from the file name {path.name!r}")
    steps: list[str] = []
    body: list[str] = []
    for no in range(end + 1, len(lines)):
        line = lines[no].strip()
        m = _STEP_RE.match(line)
        if m:
            if int(m.group(1)) != len(steps) + 1:
                raise ArticleError(f"{path}:{no + 1}: step numbered {m.group(1)}, expected {len(steps) + 1}")
            steps.append(m.group(2).strip())
        elif line:
            body.append(line)
    if not steps:
        raise ArticleError(f"{path}:{end + 2}: no numbered steps ('1. …') after the front matter")
    keywords = tuple(k.strip() for k in re.split(r"[,，、]", fields["keywords"]) if k.strip())
    return Article(article_id, fields["title"], fields["category"], keywords, tuple(steps), "\n".join(body), path)


def load_articles(directory: Path) -> list[Article]:
    """Every `kb-*.md` article under `directory`, sorted by id; ids are unique by construction (file names)."""
    paths = sorted(directory.glob("kb-*.md"))
    if not paths:
        raise ArticleError(f"{directory}: no kb-*.md articles found")
    return [parse_article(p) for p in paths]
