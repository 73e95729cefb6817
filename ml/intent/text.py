"""Text normalisation and tokenisation shared by the corpus builder, the LSTM and the baseline.

Kept free of torch so the corpus builder and the overlap test can import it cheaply.
"""

from __future__ import annotations

import re
import unicodedata

# One token per Chinese character or punctuation mark, one per ASCII word, and a single `<num>` per
# digit run: account numbers, amounts and dates say nothing about intent, and mapping them to one token
# stops the model memorising the random 10-digit 户号 that the corpus builder sprinkles over every class.
_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)?|\S")
_DIGITS_RE = re.compile(r"^[0-9]")
NUM_TOKEN = "<num>"
_PUNCT_OR_SPACE_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Return `text` in NFKC form (full-width letters, digits and punctuation folded), lower-cased and stripped.

    Args:
        text: a raw customer message.

    Returns:
        The normalised message; customers type `ＡＰＰ`, `１２３` and `？` from Chinese IMEs as often as ASCII.
    """
    return unicodedata.normalize("NFKC", text).lower().strip()


def tokenize(text: str) -> list[str]:
    """Split a message into model tokens: Chinese characters, ASCII words, `<num>` and punctuation.

    Args:
        text: a raw customer message.

    Returns:
        The token list, e.g. `"App上交不了fee 户号123"` -> `["app", "上", "交", "不", "了", "fee", "户", "号", "<num>"]`.
    """
    return [NUM_TOKEN if _DIGITS_RE.match(tok) else tok for tok in _TOKEN_RE.findall(normalize(text))]


def canonical(text: str) -> str:
    """Return the key used to decide whether two messages are the same text (train/eval overlap).

    Args:
        text: a raw customer message.

    Returns:
        The normalised message without whitespace and punctuation, so `"停电了？"` and `"停电了"` collide.
    """
    return _PUNCT_OR_SPACE_RE.sub("", normalize(text))
