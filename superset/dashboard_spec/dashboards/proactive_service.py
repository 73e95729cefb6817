"""主动服务 (proactive_service): the proactive notices' charts, in the order they are laid out
(marts/notifications)."""

from dashboard_spec.metrics import FAILED_NOTICES, MINUTES_TO_NOTICE, NOTICES, OPTED_OUT
from dashboard_spec.model import Chart, Dashboard, metric, where


def _daily_notices(key: str, title: str, groupby: str) -> Chart:
    """Notices per day, stacked by one code column."""
    return Chart(
        key,
        title,
        "notification_kpis",
        "timeseries_bar",
        [NOTICES],
        groupby=[groupby],
        x="notice_date",
        grain="P1D",
        time="notice_date",
        x_title="通知日期",
        y_title="通知条数",
    )


DASHBOARD = Dashboard(
    "proactive_service",
    "主动服务",
    "主动通知：按类型、渠道和日期的通知条数，投递失败，退订，以及停电通知从停电记录到通知送达的分钟数。",
    [
        [
            Chart("notices", "通知条数", "notification_kpis", "big_number", [NOTICES], time="notice_date", width=3),
            Chart(
                "failed",
                "投递失败",
                "notification_kpis",
                "big_number",
                [FAILED_NOTICES],
                time="notice_date",
                width=3,
            ),
            Chart(
                "minutes_to_notice",
                "停电至通知平均分钟",
                "notification_kpis",
                "big_number",
                # No number (not 0) while no outage notice of the range has been delivered.
                [MINUTES_TO_NOTICE],
                filters=[where("outage_notices > 0")],
                time="notice_date",
                width=3,
            ),
            Chart("opted_out", "退订用户", "notification_opt_outs", "big_number", [OPTED_OUT], width=3),
        ],
        [
            _daily_notices("notices_by_kind", "每日通知（按类型）", "kind_zh"),
            _daily_notices("notices_by_channel", "每日通知（按渠道）", "channel_zh"),
        ],
        [
            Chart(
                "delivery_table",
                "投递情况（按类型与渠道）",
                "notification_kpis",
                "table",
                [
                    NOTICES,
                    metric("SUM(delivered_notices)", "已送达"),
                    metric("SUM(pending_notices)", "待发送"),
                    FAILED_NOTICES,
                    metric("SUM(expired_notices)", "已过期未发"),
                ],
                groupby=["kind_zh", "channel_zh"],
                time="notice_date",
                order=[("通知条数", False)],
            ),
            Chart(
                "outage_timeliness",
                "停电通知时效",
                "notification_kpis",
                "table",
                [
                    metric("SUM(outage_notices)", "停电通知"),
                    metric("SUM(timed_outage_notices)", "已送达"),
                    MINUTES_TO_NOTICE,
                    metric("MAX(max_minutes_to_notice)", "最长分钟"),
                ],
                groupby=["kind_zh"],
                filters=[where("outage_notices > 0")],
                time="notice_date",
                order=[("停电通知", False)],
            ),
        ],
        [
            Chart(
                "opt_outs",
                "退订（按渠道与类型）",
                "notification_opt_outs",
                "table",
                [
                    metric("SUM(customers_with_preferences)", "设置偏好用户"),
                    OPTED_OUT,
                    metric("SUM(opted_out_customers) * 1.0 / NULLIF(SUM(customers_with_preferences), 0)", "退订率"),
                ],
                groupby=["channel_zh", "kind_zh"],
                order=[("退订用户", False)],
                width=12,
            ),
        ],
    ],
)
