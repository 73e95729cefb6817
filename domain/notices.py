"""Proactive notices (主动服务): the kinds of message, which of them are about safety, and the service rules
that decide when one may be sent. Written once here; the landing contract, the notification builder, the
generator and the docs take them from this module.
"""

from __future__ import annotations

import datetime as dt

# The kinds of notice, in the order a merged message lists them (safety first).
PLANNED_OUTAGE = "planned_outage"  # 计划停电通知: maintenance will cut the supply in a known window
OUTAGE = "outage"  # 停电通知: a recorded fault has cut the supply
RESTORED = "restored"  # 复电通知: the supply is back
HIGH_BILL = "high_bill"  # 高额电费提醒
TARIFF_ADVICE = "tariff_advice"  # 电价方案建议 (the peak/valley tariff for a candidate)
REPAIR_PROGRESS = "repair_progress"  # 报修进度
KINDS = (PLANNED_OUTAGE, OUTAGE, RESTORED, HIGH_BILL, TARIFF_ADVICE, REPAIR_PROGRESS)

# Outage notices are about safety and supply: a customer cannot opt out of them, and they do not count
# towards the weekly cap. The other kinds are service messages the customer may refuse.
SAFETY_KINDS = (PLANNED_OUTAGE, OUTAGE, RESTORED)
OPTIONAL_KINDS = tuple(k for k in KINDS if k not in SAFETY_KINDS)

KIND_LABELS_ZH = {
    PLANNED_OUTAGE: "计划停电通知",
    OUTAGE: "停电通知",
    RESTORED: "复电通知",
    HIGH_BILL: "电费提醒",
    TARIFF_ADVICE: "电价建议",
    REPAIR_PROGRESS: "报修进度",
}

# The outage-notice rule of the knowledge base (docs/knowledge/kb-outage-notice.md, 《供电营业规则》):
# planned maintenance outages are announced 7 days ahead. A test reads the article and fails if they differ.
PLANNED_OUTAGE_NOTICE_DAYS = 7

# A preventive-maintenance crew works on the transformer during the day it is due: the supply is cut for
# this window on the order's due day (the order's due_by is the end of the working day).
MAINTENANCE_OUTAGE_HOURS = 8

# Service messages (not safety) a customer receives at most in any 7 days, so that useful advice does not
# turn into noise.
WEEKLY_CAP = 3
CAP_WINDOW_DAYS = 7

# Tariff advice is repeated to the same customer at most this often.
TARIFF_ADVICE_EVERY_DAYS = 90

# Without a preference on file: SMS (every customer has a mobile number in the customer file) and no message
# between 21:00 and 08:00, the decent hours of the 95598 centre's outbound calls.
DEFAULT_CHANNEL = "sms"
DEFAULT_QUIET_START_HOUR = 21
DEFAULT_QUIET_END_HOUR = 8

# The high-bill alert is a mid-month message: sent once the month has this many days read, so the estimate
# rests on enough of the month (and once per month).
HIGH_BILL_MIN_DAYS_READ = 10

# Outages, restorations and repair steps older than this when a night's build runs are history, not news: a
# first run on half a year of data must not send half a year of notices.
NOTICE_LOOKBACK_HOURS = 48

# Expected time to restore supply when the fault log holds no restored fault of the same type to learn from.
DEFAULT_RESTORATION_HOURS = 4

# How long each kind of notice stays worth sending: its `send_before` (local time). A message still held at
# that moment — by quiet hours, or a gateway down for days — is `expired`, never sent: a planned-outage notice
# after its window has begun, or "your supply is back" two days later, misleads more than it helps.
# An outage notice tells the estimated restoration; once that has passed the notice is stale. A notice written
# when the estimate had already passed (a long outage) is still worth this much time to go out:
OUTAGE_NOTICE_MIN_HOURS = DEFAULT_RESTORATION_HOURS
RESTORED_NOTICE_HOURS = 24  # "the supply is back" is news for a day
# A repair step is news as long as the builder looks back for steps (the nightly build tells them a day late).
REPAIR_PROGRESS_NOTICE_HOURS = NOTICE_LOOKBACK_HOURS
# Tariff advice does not go stale fast, but advice held for longer than the cap's week is better given again
# by a later build (an expired advice does not start the 90 days).
TARIFF_ADVICE_NOTICE_DAYS = CAP_WINDOW_DAYS


def send_before(
    kind: str,
    happened: dt.datetime,
    built: dt.datetime,
    *,
    window_start: dt.datetime | None = None,
    restore_eta: dt.datetime | None = None,
    bill_month: dt.date | None = None,
) -> dt.datetime:
    """The moment after which a notice of `kind` must not be sent (naive local time).

    `happened` is when the thing told happened (an outage, a restoration, a repair step), `built` the build's
    clock; a planned outage is told before its window starts, an outage before its estimated restoration (at
    least OUTAGE_NOTICE_MIN_HOURS after it is written), a high-bill alert before the month's real bill replaces
    the estimate (the first of the next month).
    """
    if kind == PLANNED_OUTAGE:
        return window_start
    if kind == OUTAGE:
        return max(restore_eta, built + dt.timedelta(hours=OUTAGE_NOTICE_MIN_HOURS))
    if kind == RESTORED:
        return happened + dt.timedelta(hours=RESTORED_NOTICE_HOURS)
    if kind == HIGH_BILL:
        first = bill_month.replace(day=1)
        return dt.datetime.combine((first + dt.timedelta(days=32)).replace(day=1), dt.time())
    if kind == TARIFF_ADVICE:
        return built + dt.timedelta(days=TARIFF_ADVICE_NOTICE_DAYS)
    if kind == REPAIR_PROGRESS:
        return happened + dt.timedelta(hours=REPAIR_PROGRESS_NOTICE_HOURS)
    raise ValueError(f"unknown notice kind {kind!r}")
