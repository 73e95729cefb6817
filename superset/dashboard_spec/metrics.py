"""Measures several dashboards share, each an ad-hoc SQL metric with its Chinese label (the same SQL on DuckDB
and PostgreSQL)."""

from dashboard_spec.model import metric

TICKETS = metric("SUM(tickets)", "工单量")
TICKET_COUNT = metric("COUNT(*)", "工单量")
SLA_RATE = metric("SUM(sla_met_tickets) * 1.0 / NULLIF(SUM(sla_evaluated_tickets), 0)", "到达及时率")
SAT_RATE = metric("SUM(CASE WHEN is_satisfied THEN 1 ELSE 0 END) * 1.0 / NULLIF(COUNT(satisfaction), 0)", "满意率")
LATE_RATE = metric("SUM(CASE WHEN sla_met = false THEN 1 ELSE 0 END) * 1.0 / NULLIF(COUNT(sla_met), 0)", "抢修超时率")
# percentile_cont ... WITHIN GROUP reads the same on DuckDB and PostgreSQL (PostgreSQL has no median()).
MEDIAN_ARRIVAL = metric("percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_arrival)", "到达现场时长中位数（分钟）")
CUSTOMERS = metric("COUNT(*)", "用户数")
CONFORMANCE = metric("AVG(CASE WHEN is_conformant THEN 1.0 ELSE 0 END)", "规范执行率")
CONTACTS = metric("SUM(contacts)", "接触次数")
REPEAT_RATE = metric("SUM(repeat_contacts) * 1.0 / NULLIF(SUM(topic_contacts), 0)", "重复来电率")
SWITCH_RATE = metric("SUM(channel_switch_contacts) * 1.0 / NULLIF(SUM(identified_contacts), 0)", "渠道切换率")
FCR_RATE = metric("SUM(first_contact_resolved_contacts) * 1.0 / NULLIF(SUM(fcr_evaluated_contacts), 0)", "一次解决率")
SELF_SERVICE = metric("SUM(self_service_messages) * 1.0 / NULLIF(SUM(labelled_messages), 0)", "自助解决占比")
ALERTS = metric("SUM(CASE WHEN high_bill_alert THEN 1 ELSE 0 END)", "高电费预警户数")
CALLBACK_RATE = metric("SUM(callbacks_made) * 1.0 / NULLIF(SUM(callbacks_due), 0)", "回访率")
CALLBACK_IN_TIME = metric("SUM(callbacks_in_time) * 1.0 / NULLIF(SUM(callbacks_due), 0)", "回访及时率")
RATING_RATE = metric("SUM(rated_tickets) * 1.0 / NULLIF(SUM(resolved_tickets), 0)", "参评率")
MESSAGES = metric("SUM(messages)", "消息量")
CONTAINMENT = metric("SUM(contained_messages) * 1.0 / NULLIF(SUM(messages), 0)", "自助解决率")
HANDOFF_RATE = metric("SUM(handoff_answers) * 1.0 / NULLIF(SUM(messages), 0)", "转人工率")
# A day's p95 cannot be combined across days from the mart; the worst day's is what an SLA would watch.
P95_LATENCY = metric("MAX(p95_latency_ms)", "P95时延（毫秒，最差日）")
NOTICES = metric("SUM(notices)", "通知条数")
FAILED_NOTICES = metric("SUM(failed_notices)", "投递失败")
# The days' means weighted by their delivered outage notices: the mean over all of them.
MINUTES_TO_NOTICE = metric(
    "SUM(avg_minutes_to_notice * timed_outage_notices) * 1.0 / NULLIF(SUM(timed_outage_notices), 0)",
    "停电至通知平均分钟",
)
OPTED_OUT = metric("SUM(opted_out_customers)", "退订用户")
