"""Corpus loading, the token vocabulary and the LightningDataModule of the intent classifier."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lightning as L
import pandas as pd
import torch
from sklearn.model_selection import StratifiedGroupKFold
from torch.utils.data import DataLoader

from ml.intent.labels import INTENT_TO_ID, INTENTS, OUTCOMES
from ml.intent.text import canonical, tokenize

PAD, UNK = "<pad>", "<unk>"


def load_corpus(path: str | Path) -> pd.DataFrame:
    """Read a `{text, intent[, group]}` JSON-lines corpus.

    Args:
        path: the .jsonl file.

    Returns:
        A frame with columns `text`, `intent` and `group`, one row per line, in file order. `group` is the
        seed or template a generated row came from; a row without one is its own group.

    Raises:
        ValueError: a row carries an intent outside the eight codes and `out_of_scope`.
    """
    frame = pd.read_json(path, lines=True, dtype={"text": str, "intent": str, "group": str})
    if "group" not in frame.columns:
        frame["group"] = frame["text"]
    frame = frame[["text", "intent", "group"]]
    unknown = set(frame["intent"]) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"{path}: unknown intents {sorted(unknown)}")
    return frame


def prepare_labelled(extra: pd.DataFrame | None, held_out: pd.DataFrame) -> pd.DataFrame:
    """Turn agents' labels from real interactions into training rows.

    Args:
        extra: frame with columns `text` and `intent` (other columns are ignored); `None` means no rows.
        held_out: the evaluation corpus; rows whose text equals one of its messages are dropped so the
            evaluation stays unseen even when a customer happens to write exactly an evaluation message.

    Returns:
        `text`, `intent`, `group` rows with a non-empty text and a non-null intent; each row is its own group.

    Raises:
        ValueError: a non-null intent is not one of the eight codes (ingestion validates the code, so this
            means the caller passed the wrong column).
    """
    if extra is None or len(extra) == 0:
        return pd.DataFrame({col: pd.Series(dtype=str) for col in ("text", "intent", "group")})
    rows = extra.loc[extra["intent"].notna() & extra["text"].notna(), ["text", "intent"]].astype(str)
    rows = rows[rows["text"].str.strip() != ""]
    unknown = set(rows["intent"]) - set(INTENTS)
    if unknown:
        raise ValueError(f"extra_labelled: unknown intents {sorted(unknown)}")
    held_out_keys = set(held_out["text"].map(canonical))
    rows = rows[~rows["text"].map(canonical).isin(held_out_keys)].reset_index(drop=True)
    return rows.assign(group="extra/" + rows["text"])


def merge_labelled(corpus: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Append agents' labelled rows to the corpus, one row per text (compared with `canonical`).

    An agent's label on a real message wins over the corpus label of the same text: it is the later, human
    judgement, and the continuous-learning loop exists to let it correct the corpus.
    """
    merged = pd.concat([corpus, extra], ignore_index=True)
    return merged[~merged["text"].map(canonical).duplicated(keep="last")].reset_index(drop=True)


@dataclass
class Vocab:
    """Token and token-bigram vocabularies; in both, id 0 is padding and id 1 stands for anything unseen.

    Bigrams give the LSTM the two-character words (电费, 停电, 过户, 投诉) as units of their own, the signal a
    character n-gram model gets for free; `bigrams` is empty when the model is configured without them.
    """

    tokens: list[str]
    bigrams: list[str] = field(default_factory=list)
    index: dict[str, int] = field(init=False, repr=False)
    bigram_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {tok: i for i, tok in enumerate(self.tokens)}
        self.bigram_index = {pair: i for i, pair in enumerate(self.bigrams)}

    @classmethod
    def build(cls, texts: Iterable[str], min_freq: int = 1, bigram_min_freq: int | None = 2) -> Vocab:
        """Collect tokens seen `min_freq` times and bigrams seen `bigram_min_freq` times (None: no bigrams).

        Both lists are ordered by (descending count, text), so the same texts always give the same ids.
        """
        tokenized = [tokenize(text) for text in texts]
        counts = Counter(tok for toks in tokenized for tok in toks)
        kept = sorted((tok for tok, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t))
        pairs: list[str] = []
        if bigram_min_freq is not None:
            pair_counts = Counter(pair for toks in tokenized for pair in _bigrams(toks))
            pairs = sorted(
                (p for p, n in pair_counts.items() if n >= bigram_min_freq), key=lambda p: (-pair_counts[p], p)
            )
        return cls([PAD, UNK, *kept], [PAD, UNK, *pairs] if pairs else [])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, max_len: int) -> tuple[list[int], list[int]]:
        """Token ids and bigram ids of `text`, cut to `max_len`.

        An empty message becomes one `<unk>` so it still has a length. Bigram ids are all 0 without bigrams.
        """
        toks = tokenize(text)[:max_len] or [UNK]
        ids = [self.index.get(tok, 1) for tok in toks]
        if not self.bigrams:
            return ids, [0] * len(ids)
        return ids, [self.bigram_index.get(pair, 1) for pair in _bigrams(toks)]

    def to_json(self) -> str:
        """Serialise for the model artifact."""
        return json.dumps({"tokens": self.tokens, "bigrams": self.bigrams}, ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> Vocab:
        """Inverse of `to_json`."""
        data = json.loads(payload)
        return cls(data["tokens"], data["bigrams"])


def _bigrams(toks: list[str]) -> list[str]:
    # One bigram per position (the token and its successor; the last token pairs with an end mark), so the
    # bigram sequence lines up with the token sequence. A tab never occurs inside a token.
    return [f"{a}\t{b}" for a, b in zip(toks, [*toks[1:], "</s>"], strict=True)]


def collate(
    batch: Sequence[tuple[tuple[list[int], list[int]], int]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch of ((token ids, bigram ids), label) to its longest message.

    Returns:
        `ids` and `bigram_ids` (batch, time) with 0 padding, `lengths` (batch,), `labels` (batch,).
    """
    lengths = torch.tensor([len(ids) for (ids, _), _ in batch], dtype=torch.long)
    padded = torch.zeros((2, len(batch), int(lengths.max())), dtype=torch.long)
    for row, ((ids, bigram_ids), _) in enumerate(batch):
        padded[0, row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        padded[1, row, : len(ids)] = torch.tensor(bigram_ids, dtype=torch.long)
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return padded[0], padded[1], lengths, labels


class IntentDataModule(L.LightningDataModule):
    """Train/validation split of the labelled messages by group, a vocabulary built on the train part, padding.

    Whole groups (all variants of one hand-written seed or template) go to validation, stratified by intent:
    with a row-level split every validation message has near-twins in training and validation accuracy says
    nothing about new phrasings (it sat at 99–100% while eval_independent varied by several points).
    The split and the vocabulary depend only on the data and `seed`; the training loader shuffles with its
    own seeded generator, so two runs with the same seed see batches in the same order.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        batch_size: int = 64,
        max_len: int = 96,
        val_fraction: float = 0.1,
        min_token_freq: int = 1,
        bigram_min_freq: int | None = 2,
        seed: int = 42,
    ) -> None:
        """Keep the labelled rows (`text`, `intent`) and the loader settings; `setup` does the work."""
        super().__init__()
        self.frame = frame.reset_index(drop=True)
        self.batch_size = batch_size
        self.max_len = max_len
        self.val_fraction = val_fraction
        self.min_token_freq = min_token_freq
        self.bigram_min_freq = bigram_min_freq
        self.seed = seed
        # Order of the training batches; an ensemble member sets its own seed here and keeps split and vocabulary.
        self.shuffle_seed = seed
        self.vocab: Vocab | None = None
        self.train_frame: pd.DataFrame | None = None
        self.val_frame: pd.DataFrame | None = None

    def setup(self, stage: str | None = None) -> None:
        """Split and build the vocabulary once; later calls (Lightning calls it again in `fit`) are no-ops."""
        if self.vocab is not None:
            return
        folds = StratifiedGroupKFold(n_splits=round(1 / self.val_fraction), shuffle=True, random_state=self.seed)
        train_idx, val_idx = next(folds.split(self.frame, self.frame["intent"], groups=self.frame["group"]))
        self.train_frame = self.frame.iloc[train_idx].reset_index(drop=True)
        self.val_frame = self.frame.iloc[val_idx].reset_index(drop=True)
        # The vocabulary sees only the train part so validation measures the unknown-token path honestly.
        self.vocab = Vocab.build(self.train_frame["text"], self.min_token_freq, self.bigram_min_freq)

    def _encoded(self, frame: pd.DataFrame) -> list[tuple[tuple[list[int], list[int]], int]]:
        return [
            (self.vocab.encode(text, self.max_len), INTENT_TO_ID[intent])
            for text, intent in zip(frame["text"], frame["intent"], strict=True)
        ]

    def train_dataloader(self) -> DataLoader:
        """Shuffled training batches."""
        generator = torch.Generator().manual_seed(self.shuffle_seed)
        return DataLoader(
            self._encoded(self.train_frame),
            batch_size=self.batch_size,
            shuffle=True,
            collate_fn=collate,
            generator=generator,
        )

    def val_dataloader(self) -> DataLoader:
        """Validation batches in a fixed order."""
        return DataLoader(self._encoded(self.val_frame), batch_size=256, shuffle=False, collate_fn=collate)
