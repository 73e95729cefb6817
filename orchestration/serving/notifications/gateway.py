"""The notification gateway (SMS, WeChat, app push behind one API): `POST {NOTIFY_URL}/notifications`.

Same retry and exactly-once rules as the ticketing client (orchestration.serving.delivery): Idempotency-Key is
the notification id. The recipient's address is resolved only here, at send time: for SMS the mobile number
from the customer file in staging, added to the body in memory; WeChat and app push are addressed by the
account number (户号) the customer bound in them. The number is never stored outside raw/staging, and an
answer echoing it is masked before it is kept on a dead letter.
"""

from __future__ import annotations

import json
import re

from orchestration.serving.delivery import TicketingClient
from orchestration.warehouse import Warehouse

MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
PHONES_SQL = "SELECT customer_id, phone FROM staging.stg_cis__customers WHERE customer_id IN ({marks})"
LOOKUP_CHUNK = 500


class GatewayClient(TicketingClient):
    """HTTP client of the notification gateway."""

    path = "/notifications"
    token_variable = "NOTIFY_TOKEN"

    def reply_text(self, data: bytes) -> str:
        """The answer with any mobile number masked (138****5678): a gateway may echo the request."""
        return mask_mobiles(super().reply_text(data))


def mask_mobiles(text: str) -> str:
    return MOBILE.sub(r"\1****\2", text)


def address_book(wh: Warehouse):
    """`prepare` for delivery: each SMS body gets `to`, the customer's mobile number, just before sending."""

    def prepare(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        bodies = [(nid, json.loads(payload)) for nid, payload in rows]
        wanted = sorted({b["customer_id"] for _, b in bodies if b.get("channel") == "sms"})
        phones: dict[str, str] = {}
        for i in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[i : i + LOOKUP_CHUNK]
            phones.update(wh.query(PHONES_SQL.format(marks=", ".join("?" * len(chunk))), chunk))
        out = []
        for nid, body in bodies:
            if body.get("channel") == "sms":
                body["to"] = phones.get(body["customer_id"])  # None: the gateway refuses it (a dead letter)
            out.append((nid, json.dumps(body, ensure_ascii=False, sort_keys=True)))
        return out

    return prepare
