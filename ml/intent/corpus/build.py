"""Build `train.jsonl` from the hand-written pieces in seeds.py.

Every seed is kept as written and also re-spoken a few times the way customers actually type: a greeting or
context before it (户号, who is asking), a tail after it, dialect words (咋/啥/俺/冇), homophone typos
(电费→电废), English words, missing punctuation, or two messages of the same intent run together. Templates
add combinations of places, equipment, channels and business types. The output is deterministic for a seed.

The evaluation files (`eval_independent`, `eval_fresh`, `eval_out_of_scope`, `eval_reported_errors`) are
hand-written separately; this script reads them only to drop any generated text that collides with one of their
messages, so the held-out sets stay unseen.

Run: `python -m ml.intent.corpus.build` (rewrites ml/intent/corpus/train.jsonl).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from ml.intent.corpus import seeds as S
from ml.intent.labels import OUT_OF_SCOPE, OUTCOMES
from ml.intent.text import canonical

CORPUS_DIR = Path(__file__).resolve().parent
TRAIN_PATH = CORPUS_DIR / "train.jsonl"
EVAL_PATH = CORPUS_DIR / "eval_independent.jsonl"
# Every held-out file: generated text equal to any of their messages is dropped from training.
HELD_OUT_PATHS = (
    EVAL_PATH,
    CORPUS_DIR / "eval_fresh.jsonl",
    CORPUS_DIR / "eval_out_of_scope.jsonl",
    CORPUS_DIR / "eval_reported_errors.jsonl",
)

_LEAD_INS = [
    "昨天下班回家，",
    "我家老人八十多岁了，",
    "我们是做小生意的，",
    "我在外地上班，家里就老人在，",
    "刚才打了半天电话打不进来，只好在这留言，",
    "不好意思这么晚打扰，",
    "我是第一次用这个app，",
    "说来话长，",
    "我们这边是农村，",
    "我是帮我们单位问的，",
]
_PUNCT = "，。！？,.!?~ "


def _fill(template: str, rng: random.Random) -> str:
    """Fill `{slot}` placeholders from SLOTS; `acct` and `phone` get fresh random digits."""
    out = template
    while "{" in out:
        start = out.index("{")
        name = out[start + 1 : out.index("}", start)]
        if name == "acct":
            value = "".join(rng.choice("0123456789") for _ in range(10))
        elif name == "phone":
            value = "".join(rng.choice("0123456789") for _ in range(8))
        else:
            value = rng.choice(S.SLOTS[name])
        out = out.replace("{" + name + "}", value, 1)
    return out


def _substitute(text: str, pairs: list[tuple[str, str]], rng: random.Random, max_swaps: int) -> str:
    """Apply up to `max_swaps` of the (standard, variant) pairs that occur in `text`."""
    applicable = [pair for pair in pairs if pair[0] in text]
    rng.shuffle(applicable)
    for old, new in applicable[:max_swaps]:
        text = text.replace(old, new, 1)
    return text


def _respeak(text: str, same_intent: list[str], rng: random.Random, customer_context: bool = True) -> str:
    """Return one re-spoken variant of `text` (a seed or filled template).

    `customer_context=False` (out_of_scope) draws the same random numbers but never puts a 户号, an address or
    who is asking in front: a customer who gives an account number is asking about it, and teaching the model
    that "户号…，我要交…" can be out of scope made it send "我要交钱 户号…" there.
    """
    if rng.random() < 0.3:
        text = _substitute(text, S.DIALECT, rng, max_swaps=2)
    if rng.random() < 0.25:
        text = _substitute(text, S.TYPOS, rng, max_swaps=1)
    if rng.random() < 0.12:
        text = _substitute(text, S.ENGLISH, rng, max_swaps=1)
    if rng.random() < 0.1:
        other = _fill(rng.choice(same_intent), rng)
        text = f"{text.rstrip(_PUNCT)}，{other}"
    if rng.random() < 0.25:
        context = _fill(rng.choice(S.CONTEXTS), rng)
        text = context + text if customer_context else text
    if rng.random() < 0.08:
        text = rng.choice(_LEAD_INS) + text
    if rng.random() < 0.35:
        text = rng.choice(S.PREFIXES) + text
    if rng.random() < 0.4:
        template = rng.choice(S.SUFFIXES)
        suffix = _fill(template, rng)
        if customer_context or "{" not in template:  # no 户号/电话 tail either
            text = text.rstrip(_PUNCT) + suffix
    roll = rng.random()
    if roll < 0.2:
        text = "".join(ch for ch in text if ch not in "，。！？,.!?")
    elif roll < 0.3:
        text = text.replace("，", " ").replace(",", " ")
    return text.strip()


def build(seed: int = 20240601, variants_per_seed: int = 8, fills_per_template: int = 14) -> list[dict[str, str]]:
    """Generate the training rows.

    Args:
        seed: seeds the random generator; the same seed gives the same corpus.
        variants_per_seed: re-spoken variants generated for each hand-written seed (besides the seed itself).
        fills_per_template: filled (and re-spoken) instances of each template.

    Returns:
        Rows `{"text", "intent", "group"}` (intent: one of `OUTCOMES`, out_of_scope included), unique by
        `canonical(text)`, none equal to a message of a held-out file.
        `group` names the seed or template a row came from, so validation can hold out whole groups.
    """
    rng = random.Random(seed)
    held_out = {
        canonical(json.loads(line)["text"])
        for path in HELD_OUT_PATHS
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    seen: set[str] = set()
    rows: list[dict[str, str]] = []

    def add(text: str, intent: str, group: str) -> None:
        key = canonical(text)
        if key and key not in seen and key not in held_out:
            seen.add(key)
            rows.append({"text": text, "intent": intent, "group": group})

    for intent in OUTCOMES:
        seeds = [line.strip() for line in S.SEEDS[intent].splitlines() if line.strip()]
        # out_of_scope has about three times as many (shorter) seeds as an intent; half the variants keep it
        # near the size of the other classes, so the network does not learn to prefer it.
        variants = variants_per_seed // 2 if intent == OUT_OF_SCOPE else variants_per_seed
        for i, text in enumerate(seeds):
            add(text, intent, f"{intent}/seed{i}")
            for _ in range(variants):
                add(_respeak(text, seeds, rng, intent != OUT_OF_SCOPE), intent, f"{intent}/seed{i}")
        for j, template in enumerate(S.TEMPLATES[intent]):
            for _ in range(fills_per_template):
                add(_respeak(_fill(template, rng), seeds, rng, intent != OUT_OF_SCOPE), intent, f"{intent}/template{j}")
    return rows


def main() -> None:
    """Write train.jsonl and print the per-intent counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--out", type=Path, default=TRAIN_PATH)
    args = parser.parse_args()
    rows = build(seed=args.seed)
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows -> {args.out}")
    for intent, n in sorted(Counter(r["intent"] for r in rows).items()):
        print(f"  {intent:20s} {n}")


if __name__ == "__main__":
    main()
