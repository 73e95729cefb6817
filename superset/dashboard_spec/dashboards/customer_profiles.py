"""用户画像 (customer_profiles): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.metrics import CUSTOMERS
from dashboard_spec.model import Chart, Dashboard, metric, where

DASHBOARD = Dashboard(
    "customer_profiles",
    "用户画像",
    "标签人数与趋势、各用电类别的用电分布、分时电价潜在用户及预计节省。",
    [
        [
            Chart("tag_counts", "标签人数", "customer_tags", "pie", [CUSTOMERS], groupby=["tag_label_zh"]),
            Chart(
                "tag_trend",
                "标签人数趋势",
                "customer_tags",
                "timeseries_bar",
                [CUSTOMERS],
                groupby=["tag_label_zh"],
                x="as_of_date",
                grain="P1D",
                time="as_of_date",
                x_title="统计日期",
                y_title="用户数",
            ),
        ],
        [
            Chart(
                "kwh_by_category",
                "日均用电量分布（按用电类别）",
                "customer_360",
                "table",
                [
                    CUSTOMERS,
                    metric("MIN(avg_daily_kwh)", "最小"),
                    metric("percentile_cont(0.25) WITHIN GROUP (ORDER BY avg_daily_kwh)", "下四分位"),
                    metric("percentile_cont(0.5) WITHIN GROUP (ORDER BY avg_daily_kwh)", "中位数"),
                    metric("percentile_cont(0.75) WITHIN GROUP (ORDER BY avg_daily_kwh)", "上四分位"),
                    metric("MAX(avg_daily_kwh)", "最大"),
                ],
                groupby=["category_zh"],
                order=[("用户数", False)],
                width=12,
            ),
        ],
        [
            Chart(
                "tou_savings_total",
                "分时电价潜在用户预计年节省（元）",
                "customer_360",
                "big_number",
                [metric("SUM(tou_yearly_saving_yuan)", "预计年节省（元）")],
                filters=[where("is_tou_candidate")],
                width=4,
            ),
            Chart(
                "tou_candidates",
                "分时电价潜在用户",
                "customer_360",
                "table_raw",
                columns=[
                    "customer_id",
                    "name_masked",
                    "district",
                    "category_zh",
                    "avg_daily_kwh",
                    "tou_yearly_saving_yuan",
                ],
                filters=[where("is_tou_candidate")],
                order=[("tou_yearly_saving_yuan", False)],
                width=8,
            ),
        ],
    ],
)
