"""满意度趋势 (satisfaction_trend): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.metrics import LATE_RATE, SAT_RATE, TICKET_COUNT
from dashboard_spec.model import Chart, Dashboard

DASHBOARD = Dashboard(
    "satisfaction_trend",
    "满意度趋势",
    "按周、按区县的满意率，以及与抢修超时的关系。",
    [
        [
            Chart(
                "weekly_by_district",
                "每周满意率（按区县）",
                "fct_service_tickets",
                "timeseries_line",
                [SAT_RATE],
                groupby=["district"],
                x="created_date",
                grain="P1W",
                time="created_date",
                x_title="周",
                y_title="满意率",
                y_format=".0%",
                width=12,
            ),
        ],
        [
            Chart(
                "weekly_vs_late",
                "满意率与抢修超时率（每周）",
                "fct_service_tickets",
                "timeseries_line",
                [SAT_RATE, LATE_RATE],
                x="created_date",
                grain="P1W",
                time="created_date",
                x_title="周",
                y_title="比率",
                y_format=".0%",
            ),
            Chart(
                "district_table",
                "区县满意率与超时",
                "fct_service_tickets",
                "table",
                [SAT_RATE, LATE_RATE, TICKET_COUNT],
                groupby=["district"],
                time="created_date",
                order=[("工单量", False)],
            ),
        ],
    ],
)
