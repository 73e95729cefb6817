"""Temperature scaling and expected calibration error on logits whose calibration is known."""

from __future__ import annotations

import numpy as np
import pytest

from ml.intent.calibration import expected_calibration_error, fit_temperature, softmax


def test_ece_is_the_size_weighted_gap_between_confidence_and_accuracy_per_bin() -> None:
    # Bin (0.8667, 0.9333]: 0.9, 0.9 with one right -> gap 0.4, weight 2/4; bin (0.4667, 0.5333]: 0.5, 0.5
    # with one right -> gap 0.0.
    confidences = np.array([0.9, 0.9, 0.5, 0.5])
    correct = np.array([True, False, True, False])
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.5 * 0.4)
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([True, True])) == 0.0


def test_fitted_temperature_recovers_the_one_that_generated_the_labels() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(4000, 9))
    # Labels drawn from softmax(logits / 2): the logits are twice as sharp as the truth.
    probs = softmax(logits, 2.0)
    labels = np.array([rng.choice(9, p=row) for row in probs])
    temperature = fit_temperature(logits, labels)
    assert temperature == pytest.approx(2.0, rel=0.1)
    before = expected_calibration_error(softmax(logits).max(axis=1), softmax(logits).argmax(axis=1) == labels)
    after_p = softmax(logits, temperature)
    after = expected_calibration_error(after_p.max(axis=1), after_p.argmax(axis=1) == labels)
    assert after < 0.03 < 0.1 < before


def test_no_data_leaves_the_logits_as_they_are() -> None:
    assert fit_temperature(np.zeros((0, 9)), np.zeros(0, dtype=int)) == 1.0
