"""The codes the landing contract allows (docs/landing_contract.md): channels, intents, ticket types, areas."""

from __future__ import annotations

CHANNELS = ("app", "wechat", "ivr", "counter")
# Customer intents, in this order everywhere (the intent model's label order included).
INTENTS = (
    "bill_inquiry",
    "payment",
    "outage_inquiry",
    "fault_repair",
    "service_application",
    "tariff_policy",
    "complaint",
    "praise_suggestion",
)
TICKET_TYPES = INTENTS + ("preventive_maintenance",)
TICKET_STATUSES = ("open", "dispatched", "resolved", "closed")
AREA_TYPES = ("urban", "rural", "remote")
CATEGORIES = ("residential", "commercial", "industrial", "agricultural")
TARIFFS = ("flat", "tiered", "tou")
