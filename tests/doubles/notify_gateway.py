"""A local stand-in for the notification gateway (SMS, WeChat, app push behind one API): a real HTTP server.

`POST /notifications` stores a message under its `Idempotency-Key` (= notification_id) and answers 201 with a
receipt; the same key again answers 200 and stores nothing. A body without notification_id, customer_id,
channel, kind or text, an unknown channel, or an SMS without an 11-digit mobile number in `to` is 422. Its
behaviour switches while it runs like the ticketing stand-in's (down, slow, refusing one message, held).

    python -m tests.doubles.notify_gateway --port 8766     # then NOTIFY_URL=http://127.0.0.1:8766
"""

from __future__ import annotations

import re

from tests.doubles.ticketing import TicketingStandIn, serve

CHANNELS = ("wechat", "sms", "app")
MOBILE = re.compile(r"1[3-9][0-9]{9}")


class NotifyGatewayStandIn(TicketingStandIn):
    """The gateway and what it has received: `orders` maps each notification id to the message stored."""

    path = "/notifications"
    id_field = "notification_id"
    required_fields = ("notification_id", "customer_id", "channel", "kind", "text")
    receipt_prefix = "MSG"

    def problems(self, body: dict) -> list[str]:
        out = []
        if body.get("channel") not in CHANNELS:
            out.append(f"channel {body.get('channel')!r} is not one of {', '.join(CHANNELS)}")
        if body.get("channel") == "sms" and not MOBILE.fullmatch(str(body.get("to") or "")):
            out.append(f"an SMS needs an 11-digit mobile number in 'to', got {body.get('to')!r}")
        return out


def main(argv: list[str] | None = None) -> None:
    serve(NotifyGatewayStandIn, 8766, argv)


if __name__ == "__main__":
    main()
