"""The handoff summary's contacts: the night's timeline and the service's own log, each message once."""

from __future__ import annotations

import datetime as dt

from assistant.answers import summary_facts
from assistant.store import LoggedMessage

NOW = dt.datetime(2026, 5, 1, 12, 0)


class _Timeline:
    """A warehouse answering SUMMARY_SQL with the timeline's rows, the night's fold of message m-1 among them."""

    def query(self, sql, params):
        assert "customer_contact_timeline" in sql and params == ("C1", NOW - dt.timedelta(days=7), "C1", "C1")
        return [
            ("contact", NOW - dt.timedelta(days=2), "ivr", "bill_inquiry", "I-1", None, None),
            ("contact", NOW - dt.timedelta(days=1), "wechat", "fault_repair", "m-1", None, None),
            ("tag", None, "frequent_repair", "频繁报修", None, None, None),
        ]


def _logged(message_id: str, at: dt.datetime, channel: str, intent: str) -> LoggedMessage:
    return LoggedMessage(message_id, None, channel, at, intent, "knowledge", None, None)


def test_a_message_folded_into_the_timeline_is_not_counted_again():
    logged = [
        _logged("m-1", NOW - dt.timedelta(days=1, seconds=-3), "wechat", "fault_repair"),  # the night folded it
        _logged("m-2", NOW - dt.timedelta(hours=1), "app", "payment"),  # since the night
        _logged("m-0", NOW - dt.timedelta(days=8), "app", "payment"),  # older than 7 days
    ]
    seen, tags, tickets = summary_facts(_Timeline(), "C1", NOW, logged)
    assert seen == [
        (NOW - dt.timedelta(days=2), "ivr", "bill_inquiry"),
        (NOW - dt.timedelta(days=1), "wechat", "fault_repair"),
        (NOW - dt.timedelta(hours=1), "app", "payment"),
    ]
    assert (tags, tickets) == (["频繁报修"], [])
