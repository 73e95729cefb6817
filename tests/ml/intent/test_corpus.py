"""The committed corpora: sizes, labels, the build script's determinism, and train/eval separation."""

from __future__ import annotations

import json
from collections import Counter

from ml.intent.corpus.build import EVAL_PATH, TRAIN_PATH, build
from ml.intent.data import load_corpus
from ml.intent.labels import INTENTS
from ml.intent.text import canonical, tokenize

FRESH_PATH = EVAL_PATH.with_name("eval_fresh.jsonl")


def test_eval_independent_has_at_least_30_messages_per_intent() -> None:
    counts = Counter(load_corpus(EVAL_PATH)["intent"])
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 30
    assert sum(counts.values()) == 320


def test_training_corpus_is_several_thousand_messages_covering_every_intent() -> None:
    counts = Counter(load_corpus(TRAIN_PATH)["intent"])
    assert set(counts) == set(INTENTS)
    assert sum(counts.values()) > 6000
    assert min(counts.values()) > 600


def test_no_text_is_in_both_train_and_an_evaluation_set() -> None:
    train_keys = set(load_corpus(TRAIN_PATH)["text"].map(canonical))
    for path in (EVAL_PATH, FRESH_PATH):
        eval_texts = load_corpus(path)["text"]
        assert not set(eval_texts) & set(load_corpus(TRAIN_PATH)["text"])  # exact
        assert not set(eval_texts.map(canonical)) & train_keys  # also ignoring punctuation and spacing


def test_committed_train_jsonl_is_what_build_py_generates() -> None:
    committed = [json.loads(line) for line in TRAIN_PATH.read_text(encoding="utf-8").splitlines()]
    assert build() == committed


def test_corpus_covers_dialect_typos_digits_and_english() -> None:
    texts = " ".join(load_corpus(TRAIN_PATH)["text"])
    for piece in ("咋", "啥", "俺", "木有", "冇电", "电废", "app", "fee", "WiFi"):
        assert piece in texts, piece
    assert "<num>" in tokenize("户号 1234567890")
