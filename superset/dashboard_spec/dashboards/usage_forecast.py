"""用电预测 (usage_forecast): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.metrics import ALERTS
from dashboard_spec.model import Chart, Dashboard, metric

DASHBOARD = Dashboard(
    "usage_forecast",
    "用电预测",
    "未来30天用电量预测与实际用电、高电费预警与电费变化分布。",
    [
        [
            Chart("alerts_total", "高电费预警户数", "customer_360", "big_number", [ALERTS], width=4),
            Chart(
                "alerts_by_district",
                "高电费预警户数（按区县）",
                "customer_360",
                "category_bar",
                [ALERTS],
                x="district",
                x_title="区县",
                y_title="户数",
                width=8,
            ),
        ],
        [
            Chart(
                "actual_kwh",
                "实际日用电量（kWh）",
                "fct_daily_consumption",
                "timeseries_line",
                [metric("SUM(kwh_total)", "实际用电量（kWh）")],
                x="reading_date",
                grain="P1D",
                time="reading_date",
                x_title="抄表日期",
                y_title="kWh",
            ),
            Chart(
                "forecast_kwh",
                "预测日用电量（未来30天，含80%区间，kWh）",
                "consumption_forecast",
                "timeseries_line",
                [
                    metric("SUM(kwh_pred)", "预测用电量"),
                    metric("SUM(kwh_lo)", "区间下限"),
                    metric("SUM(kwh_hi)", "区间上限"),
                ],
                x="forecast_date",
                grain="P1D",
                x_title="预测日期",
                y_title="kWh",
            ),
        ],
        [
            Chart(
                "bill_change",
                "电费环比变化分布（按月）",
                "bill_forecast",
                "table",
                [
                    metric("COUNT(bill_change_pct)", "户数"),
                    metric("percentile_cont(0.1) WITHIN GROUP (ORDER BY bill_change_pct)", "P10"),
                    metric("percentile_cont(0.25) WITHIN GROUP (ORDER BY bill_change_pct)", "下四分位"),
                    metric("percentile_cont(0.5) WITHIN GROUP (ORDER BY bill_change_pct)", "中位数"),
                    metric("percentile_cont(0.75) WITHIN GROUP (ORDER BY bill_change_pct)", "上四分位"),
                    metric("percentile_cont(0.9) WITHIN GROUP (ORDER BY bill_change_pct)", "P90"),
                    metric("SUM(CASE WHEN high_bill_alert THEN 1 ELSE 0 END)", "预警"),
                ],
                groupby=["bill_month"],
                time="bill_month",
                order=[("户数", False)],
                width=12,
            ),
        ],
    ],
)
