"""Proactive service (主动服务): tell customers before they have to ask.

`sources` finds tonight's candidate notices in the warehouse, `rules` applies the customer's wishes and the
service rules (refusals, quiet hours, the weekly cap, once per event), `templates` writes the Chinese text from
the files in templates/, `store` keeps every message in serving.notifications (an outbox), and `gateway`
sends them through the notification gateway, resolving SMS numbers at send time. docs/notifications.md.
"""

from orchestration.serving.notifications.gateway import GatewayClient, address_book
from orchestration.serving.notifications.rules import Candidate, Decision, Notification, Preference, Sent, decide
from orchestration.serving.notifications.store import (
    NOTIFICATIONS,
    as_of,
    beijing_now,
    build_notifications,
    build_outage_notifications,
    due,
    notification_outbox,
    send_due,
    short_notices,
)

__all__ = [
    "NOTIFICATIONS",
    "Candidate",
    "Decision",
    "GatewayClient",
    "Notification",
    "Preference",
    "Sent",
    "address_book",
    "as_of",
    "beijing_now",
    "build_notifications",
    "build_outage_notifications",
    "decide",
    "due",
    "notification_outbox",
    "send_due",
    "short_notices",
]
