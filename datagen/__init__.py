"""Synthetic landing data for 江宁市's power utility: deterministic, vectorised, day by day.

`generate(out_dir, customers, days, seed, end_date)` writes every file of the landing contract
(docs/landing_contract.md) plus `_manifest.json`; `python -m datagen --help` is the CLI.
`holiday_calendar` is shared with feature code so the generator and the models agree on holidays.
"""

from .defects import KINDS as DEFECT_KINDS
from .generator import DEFAULT_END_DATE, generate
from .holidays import HOLIDAY_NAMES, HOLIDAY_YEARS, holiday_calendar, holidays_of_year

__all__ = [
    "DEFAULT_END_DATE",
    "DEFECT_KINDS",
    "HOLIDAY_NAMES",
    "HOLIDAY_YEARS",
    "generate",
    "holiday_calendar",
    "holidays_of_year",
]
