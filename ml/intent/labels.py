"""The intent codes (domain/codes.py, the landing contract's order) and the model's outcomes: those eight plus
`out_of_scope`.

`out_of_scope` exists only on the ML side: it is what the assistant clarifies or hands over, never a ticket
type, so it is not in `INTENTS` (nor in the landing contract) and the pyfunc's `intent` column always holds one
of the eight.
"""

from __future__ import annotations

from domain.codes import INTENTS

OUT_OF_SCOPE = "out_of_scope"
# The network's classes: the eight intents in contract order, then out_of_scope (its index is the last).
OUTCOMES: tuple[str, ...] = (*INTENTS, OUT_OF_SCOPE)
INTENT_TO_ID: dict[str, int] = {outcome: i for i, outcome in enumerate(OUTCOMES)}
