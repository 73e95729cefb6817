"""Search the knowledge articles: jieba words and character bigrams ranked by BM25, synonyms folded to concepts.

Customers rarely use the articles' words: "闸掉了", "空开跳了" mean 跳闸; "谷电" and "分时" mean 峰谷电价.
`synonyms.txt` lists such groups; any member found in a text (article or question) adds the group's concept
token, so both sides meet on the concept whatever wording they use. Two BM25 indexes are summed: jieba's
search-mode words (titles and keywords repeated, so they weigh more than the body) and character bigrams,
which still match when a word is mistyped or jieba cuts an unknown word differently.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

from ml.knowledge.articles import Article, load_articles

PACKAGE_DIR = Path(__file__).resolve().parent
# ml/knowledge -> repository root; the articles are documentation, so they live under docs/.
DEFAULT_ARTICLES_DIR = PACKAGE_DIR.parents[1] / "docs" / "knowledge"
SYNONYMS_FILE = PACKAGE_DIR / "synonyms.txt"
STOPWORDS_FILE = PACKAGE_DIR / "stopwords.txt"

# BM25 parameters and weights were chosen on dev_questions.jsonl (a small grid; top-1 stayed on a plateau
# around these values, so they are not a knife-edge fit). k1 above rank-bm25's 1.5 lets the repeated title and
# keyword tokens count for more.
BM25_K1 = 2.0
BM25_B = 0.75
TITLE_WEIGHT = 3  # times the title's tokens are repeated in the index
KEYWORD_WEIGHT = 2
BIGRAM_WEIGHT = 0.5  # bigram BM25 is added at half weight: it backs words up, it should not outvote them
CONCEPT_PREFIX = "@"
# A concept in a question counts three times: it is the customer's meaning, while a shared word like 没电 is also
# in many articles that answer other questions.
CONCEPT_QUERY_WEIGHT = 3
# Below this combined score the best article is a coincidence of common words (see docs/knowledge/README.md).
MIN_SCORE = 1.5
# Above this score the best article is shown even when the question names none of its title words or
# keywords: so many words match that it is no coincidence (unrelated questions stayed below 7 in tuning).
STRONG_SCORE = 10.0

_KEEP_RE = re.compile(r"[\u4e00-\u9fffa-z0-9]+")
jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class Hit:
    """One ranked article: what a work order or the CLI shows to the agent."""

    article_id: str
    title: str
    category: str
    steps: list[str]
    score: float


@dataclass(frozen=True)
class SynonymGroup:
    """Words that mean the same thing to a customer; `concept` is the first word of its line."""

    concept: str
    words: tuple[str, ...]


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[SynonymGroup]:
    """Read `concept = word word …` lines (`#` starts a comment).

    Raises:
        ValueError: a line without `=` or without words, naming the file and line.
    """
    groups = []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"{path}:{no}: expected 'concept = word word …', got {raw!r}")
        concept, rest = (part.strip() for part in line.split("=", 1))
        words = tuple(normalize(w) for w in rest.split() if w.strip())
        if not concept or not words:
            raise ValueError(f"{path}:{no}: a group needs a concept and at least one word")
        groups.append(SynonymGroup(normalize(concept), (normalize(concept), *words)))
    return groups


def load_stopwords(path: Path = STOPWORDS_FILE) -> frozenset[str]:
    """Question words and fillers ("怎么", "请问", "一下") that say nothing about which article is meant."""
    return frozenset(w for line in path.read_text(encoding="utf-8").splitlines() for w in line.split() if w)


def normalize(text: str) -> str:
    """NFKC (full-width forms folded) and lower case: customers type ＡＰＰ and １２３ from Chinese IMEs."""
    return unicodedata.normalize("NFKC", text).lower().strip()


class Analyzer:
    """Turns text into word tokens, concept tokens and character bigrams, the same way for articles and questions."""

    def __init__(self, synonyms: list[SynonymGroup], stopwords: frozenset[str]) -> None:
        self.synonyms = synonyms
        self.stopwords = stopwords
        # A private tokenizer, so the synonym words added here do not change jieba's global dictionary.
        self._jieba = jieba.Tokenizer()
        for group in synonyms:
            for word in group.words:
                if len(word) > 1:
                    self._jieba.add_word(word, freq=20000)

    def concepts(self, text: str) -> list[str]:
        """Concept tokens of every synonym group with a member in `text`.

        A match inside a longer match of another group does not count: 充电桩报装 is about 充电桩, not about
        新装, although 报装 is one of 新装's words.
        """
        spans = []
        for g in self.synonyms:
            for w in g.words:
                start = text.find(w)
                while start >= 0:
                    spans.append((start, start + len(w), g.concept))
                    start = text.find(w, start + 1)
        found = {
            concept
            for start, end, concept in spans
            if not any(s <= start and end <= e and e - s > end - start and c != concept for s, e, c in spans)
        }
        return [CONCEPT_PREFIX + g.concept for g in self.synonyms if g.concept in found]

    def words(self, text: str, concepts: bool = True) -> list[str]:
        """jieba search-mode words of two or more characters, stopwords removed, then the concept tokens."""
        text = normalize(text)
        tokens = [
            t
            for chunk in _KEEP_RE.findall(text)
            for t in self._jieba.lcut_for_search(chunk, HMM=True)
            if len(t) > 1 and t not in self.stopwords
        ]
        return tokens + (self.concepts(text) if concepts else [])

    def bigrams(self, text: str) -> list[str]:
        """Overlapping character pairs inside each run of Chinese characters, letters and digits."""
        grams = []
        for chunk in _KEEP_RE.findall(normalize(text)):
            grams += [chunk[i : i + 2] for i in range(len(chunk) - 1)]
        return [g for g in grams if g not in self.stopwords]


@functools.lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The analyzer of the repo's synonym and stopword lists, built once per process: loading jieba's
    dictionary is most of an index build, and serving builds a knowledge base per run."""
    return Analyzer(load_synonyms(), load_stopwords())


class KnowledgeBase:
    """The articles and their two BM25 indexes; `search` ranks, `best` picks one or says none fits."""

    def __init__(self, articles: list[Article], analyzer: Analyzer | None = None) -> None:
        if not articles:
            raise ValueError("a knowledge base needs at least one article")
        self.articles = list(articles)
        self.analyzer = analyzer or default_analyzer()
        word_docs, gram_docs = [], []
        self._anchors: list[tuple[frozenset[str], tuple[str, ...]]] = []
        for a in self.articles:
            keywords = " ".join(a.keywords)
            main = " ".join([a.body, *a.steps])
            # Concepts come from the title and keywords only: a body that mentions 报装 in passing is not
            # about 新装, and letting it earn the concept made such articles outrank the one that is.
            concepts = self.analyzer.concepts(normalize(a.title + " " + keywords))
            word_docs.append(
                (self.analyzer.words(a.title, concepts=False) + concepts) * TITLE_WEIGHT
                + self.analyzer.words(keywords, concepts=False) * KEYWORD_WEIGHT
                + self.analyzer.words(main, concepts=False)
            )
            terms = {normalize(k) for k in a.keywords} | set(self.analyzer.words(a.title, concepts=False))
            self._anchors.append((frozenset(concepts), tuple(t for t in terms if len(t) > 1)))
            gram_docs.append(
                self.analyzer.bigrams(a.title) * TITLE_WEIGHT
                + self.analyzer.bigrams(keywords) * KEYWORD_WEIGHT
                + self.analyzer.bigrams(main)
            )
        self._words = BM25Okapi(word_docs, k1=BM25_K1, b=BM25_B)
        self._grams = BM25Okapi(gram_docs, k1=BM25_K1, b=BM25_B)

    @classmethod
    def from_dir(cls, path: str | Path | None = None) -> KnowledgeBase:
        """Load and index every article under `path` (default: the repository's docs/knowledge)."""
        return cls(load_articles(Path(path) if path is not None else DEFAULT_ARTICLES_DIR))

    def __len__(self) -> int:
        return len(self.articles)

    def scores(self, text: str) -> list[float]:
        """Combined score of every article for `text`, in article order."""
        words, grams = self.analyzer.words(text), self.analyzer.bigrams(text)
        words += [t for t in words if t.startswith(CONCEPT_PREFIX)] * (CONCEPT_QUERY_WEIGHT - 1)
        if not words and not grams:
            return [0.0] * len(self.articles)
        w = self._words.get_scores(words) if words else [0.0] * len(self.articles)
        g = self._grams.get_scores(grams) if grams else [0.0] * len(self.articles)
        return [float(a) + BIGRAM_WEIGHT * float(b) for a, b in zip(w, g)]

    def search(self, text: str, k: int = 3) -> list[Hit]:
        """The `k` best articles for `text`, best first (articles scoring zero are left out)."""
        scored = sorted(zip(self.scores(text), range(len(self.articles))), key=lambda p: (-p[0], p[1]))
        hits = []
        for score, i in scored[:k]:
            if score <= 0:
                break
            a = self.articles[i]
            hits.append(Hit(a.article_id, a.title, a.category, list(a.steps), round(score, 4)))
        return hits

    def best(self, text: str, min_score: float = MIN_SCORE) -> Hit | None:
        """The best article, or None when it does not fit the question.

        It fits when its score reaches `min_score` and the question names what the article is about: a concept
        of its title or keywords, one of its keywords, or a word of its title. Body words alone do not count,
        so "今天天气不错" does not earn the repair article through "恶劣天气" in its fine print.
        """
        hits = self.search(text, k=1)
        if not hits or hits[0].score < min_score:
            return None
        if hits[0].score >= STRONG_SCORE:
            return hits[0]
        index = next(i for i, a in enumerate(self.articles) if a.article_id == hits[0].article_id)
        concepts, terms = self._anchors[index]
        question = normalize(text)
        named = set(self.analyzer.concepts(question)) & concepts or any(t in question for t in terms)
        return hits[0] if named else None
