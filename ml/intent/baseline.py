"""The reference model the LSTM must beat: TF-IDF over character 1–3-grams + logistic regression."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ml.intent.labels import OUTCOMES
from ml.intent.text import NUM_TOKEN, tokenize


def baseline_text(text: str) -> str:
    """The message as the LSTM sees it (normalised, digit runs folded to `#`), joined back into one string."""
    return "".join("#" if tok == NUM_TOKEN else tok for tok in tokenize(text))


def fit_baseline(texts: Sequence[str], intents: Sequence[str], seed: int = 42) -> Pipeline:
    """Fit TF-IDF (character 1–3-grams, sublinear tf) + multinomial logistic regression with library defaults.

    Args:
        texts: training messages (the same rows the LSTM trains on).
        intents: their labels.
        seed: for the solver, so reruns agree.

    Returns:
        A fitted scikit-learn pipeline; `predict(texts)` returns intent codes.
    """
    pipeline = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=baseline_text, sublinear_tf=True),
            ),
            ("logreg", LogisticRegression(max_iter=2000, random_state=seed)),
        ]
    )
    return pipeline.fit(list(texts), list(intents))


def baseline_logits(pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """Log-probabilities (n, len(OUTCOMES)) of a fitted baseline in `OUTCOMES` order, for the shared evaluation.

    A class the baseline never saw gets probability 1e-13 rather than log(0).
    """
    probs = np.full((len(texts), len(OUTCOMES)), 1e-13)
    fitted = pipeline.predict_proba(list(texts))
    for j, label in enumerate(pipeline.classes_):
        probs[:, OUTCOMES.index(label)] = fitted[:, j]
    return np.log(probs)
