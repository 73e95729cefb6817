"""The Chinese texts of the notices: one file per template in templates/ (`${name}` placeholders), filled here.

Wording is edited in the files, not in code; a placeholder a template names but the facts lack raises, so a
template and the facts cannot drift apart silently. Texts carry the customer's account number (户号) and
figures, never a name, a phone number or an address.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path

from domain.notices import HIGH_BILL, OUTAGE, PLANNED_OUTAGE, REPAIR_PROGRESS, RESTORED, TARIFF_ADVICE
from orchestration.serving.notifications.rules import Candidate, Notification

TEMPLATE_DIR = Path(__file__).with_name("templates")
REPAIR_STEPS = ("assigned", "arrived", "resolved")  # the order a repair goes through
DRIVER_SUGGESTIONS = {
    "weather": "suggestion_weather",
    "more_days": "suggestion_more_days",
    "step_up": "suggestion_step_up",
}


@functools.cache
def template(name: str) -> string.Template:
    """The template `templates/<name>.txt` (its text without the final line break)."""
    return string.Template((TEMPLATE_DIR / f"{name}.txt").read_text(encoding="utf-8").rstrip("\n"))


def fill(name: str, facts: dict) -> str:
    """Template `name` with `facts`; a missing fact raises KeyError naming it."""
    return template(name).substitute(facts)


def _of(n: Notification, kind: str) -> Candidate | None:
    return next((c for c in n.candidates if c.kind == kind), None)


def _high_bill(n: Notification) -> str:
    bill = _of(n, HIGH_BILL)
    advice = _of(n, TARIFF_ADVICE)
    # The tariff advice merged into the alert is its suggestion; otherwise the suggestion follows the driver.
    if advice is not None:
        suggestion = fill("suggestion_tou", advice.facts)
    else:
        suggestion = fill(DRIVER_SUGGESTIONS.get(bill.facts["main_driver"], "suggestion_step_up"), {})
    return fill("high_bill", {**bill.facts, "suggestion": suggestion})


def render(n: Notification) -> str:
    """The text of a (possibly merged) message."""
    if n.kind == RESTORED:
        restored = _of(n, RESTORED)
        return fill("outage_restored" if _of(n, OUTAGE) else "restored", restored.facts)
    if n.kind in (OUTAGE, PLANNED_OUTAGE, TARIFF_ADVICE):
        return fill(n.kind, _of(n, n.kind).facts)
    if n.kind == HIGH_BILL:
        return _high_bill(n)
    if n.kind == REPAIR_PROGRESS:
        latest = max(n.candidates, key=lambda c: REPAIR_STEPS.index(c.facts["step"]))
        return fill(f"repair_{latest.facts['step']}", latest.facts)
    raise ValueError(f"no template for {n.kind!r}")
