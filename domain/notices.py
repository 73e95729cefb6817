"""Proactive notices (主动服务): the kinds of message, which of them are about safety, and the service rules
that decide when one may be sent. Written once here; the landing contract, the notification builder, the
generator and the docs take them from this module.
"""

from __future__ import annotations

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
