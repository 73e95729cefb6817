"""Physical and behavioural constants of the utility: how much customers use, how weather moves it, how a
transformer heats. The synthetic utility (datagen/) draws from them; the models' simulators (ml/consumption,
ml/fault_risk) reuse them, so a model is tuned on the behaviour it meets in the demo.

Per-category arrays are ordered as domain.codes.CATEGORIES (residential, commercial, industrial, agricultural).
"""

from __future__ import annotations

import numpy as np

# -- consumption ------------------------------------------------------------------------------------------
COOLING_BASE_C = 24.0  # daily mean above which air conditioning runs
HEATING_BASE_C = 12.0
MEDIAN_KWH = np.array([6.5, 45.0, 480.0, 18.0])  # median daily kWh of a customer of each category
LEVEL_SIGMA = np.array([0.55, 0.8, 0.9, 0.9])  # log-normal spread of customers' levels around it
NOISE_SIGMA = np.array([0.15, 0.10, 0.12, 0.25])  # day-to-day log-normal noise
COOLING = np.array([0.07, 0.05, 0.01, 0.03])  # share of level added per °C of cooling degree-day
HEATING = np.array([0.035, 0.02, 0.005, 0.0])
HOLIDAY = np.array([1.10, 0.95, 0.40, 1.00])  # day factor on a public holiday
SPRING_FESTIVAL = np.array([0.80, 0.55, 0.20, 0.90])  # town households leave for their villages, factories stop

# -- climate of the lower Yangtze: January ≈ 3 °C, late July ≈ 29 °C ------------------------------------------
ANNUAL_MEAN_C = 16.0
ANNUAL_AMPLITUDE_C = 13.0
WARMEST_DAY_OF_YEAR = 205
ANOMALY_PERSISTENCE = 0.75  # day-to-day AR(1) coefficient: heat waves and cold snaps last several days
ANOMALY_INNOVATION_C = 1.8

# -- distribution transformers (ONAN) ---------------------------------------------------------------------
NO_LOAD_RISE_C = 4.0  # top-oil rise over ambient with no load
FULL_LOAD_RISE_C = 50.0  # top-oil rise at rated load (ONAN transformers: 50–60 K)
OIL_NOISE_C = 0.6  # sensor and model noise of the oil temperature
