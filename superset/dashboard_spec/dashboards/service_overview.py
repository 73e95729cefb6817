"""服务总览 (service_overview): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.metrics import MEDIAN_ARRIVAL, SLA_RATE, TICKET_COUNT, TICKETS
from dashboard_spec.model import Chart, Dashboard, metric, where

DASHBOARD = Dashboard(
    "service_overview",
    "服务总览",
    "每日工单量、抢修到达及时率、到达时长与未结工单。",
    [
        [
            Chart(
                "open_backlog",
                "未结工单",
                "fct_service_tickets",
                "big_number",
                [TICKET_COUNT],
                filters=[where("status IN ('open', 'dispatched')")],
                time="created_date",
                width=4,
            ),
            Chart(
                "median_arrival",
                "到达现场时长中位数（分钟）",
                "fct_service_tickets",
                "big_number",
                [MEDIAN_ARRIVAL],
                filters=[where("minutes_to_arrival IS NOT NULL")],
                time="created_date",
                width=4,
            ),
            Chart(
                "intents",
                "客户诉求意图分布（模型识别）",
                "interaction_intents",
                "pie",
                [metric("COUNT(*)", "交互次数")],
                groupby=["predicted_intent_zh"],
                time="interaction_at",
                width=4,
            ),
        ],
        [
            Chart(
                "tickets_by_channel",
                "每日工单量（按渠道）",
                "daily_service_kpis",
                "timeseries_bar",
                [TICKETS],
                groupby=["channel_zh"],
                x="created_date",
                grain="P1D",
                time="created_date",
                x_title="受理日期",
                y_title="工单量",
            ),
            Chart(
                "tickets_by_type",
                "每日工单量（按类型）",
                "daily_service_kpis",
                "timeseries_bar",
                [TICKETS],
                groupby=["ticket_type_zh"],
                x="created_date",
                grain="P1D",
                time="created_date",
                x_title="受理日期",
                y_title="工单量",
            ),
        ],
        [
            Chart(
                "sla_by_district",
                "抢修到达及时率（按区县）",
                "daily_service_kpis",
                "category_bar",
                [SLA_RATE],
                x="district",
                time="created_date",
                x_title="区县",
                y_title="到达及时率",
                y_format=".0%",
                width=12,
            ),
        ],
    ],
)
