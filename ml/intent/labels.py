"""The eight intent codes, in the order of the landing contract (docs/landing_contract.md, `interactions.intent`).

`ml` may not import `orchestration`, so the codes are repeated here; tests/ml/intent/test_labels.py fails if the
two tuples ever differ.
"""

from __future__ import annotations

INTENTS: tuple[str, ...] = (
    "bill_inquiry",
    "payment",
    "outage_inquiry",
    "fault_repair",
    "service_application",
    "tariff_policy",
    "complaint",
    "praise_suggestion",
)
INTENT_TO_ID: dict[str, int] = {intent: i for i, intent in enumerate(INTENTS)}
