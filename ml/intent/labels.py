"""The eight intent codes, in the order of the landing contract (docs/landing_contract.md, `interactions.intent`)."""

from __future__ import annotations

from domain.codes import INTENTS

INTENT_TO_ID: dict[str, int] = {intent: i for i, intent in enumerate(INTENTS)}
