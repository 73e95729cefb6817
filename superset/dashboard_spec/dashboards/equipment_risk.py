"""设备风险 (equipment_risk): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.model import Chart, Dashboard, metric

DASHBOARD = Dashboard(
    "equipment_risk",
    "设备风险",
    "变压器故障风险评分与告警、预测与实测油温。",
    [
        [
            Chart(
                "alerts",
                "告警变压器数",
                "transformer_fault_risk",
                "big_number",
                [metric("SUM(CASE WHEN alert THEN 1 ELSE 0 END)", "告警变压器数")],
                width=4,
            ),
            Chart(
                "risk_table",
                "变压器风险评分（未来7天）",
                "transformer_fault_risk",
                "table_raw",
                columns=["transformer_id", "alert", "risk_score", "predicted_max_oil_temp_c", "scored_on"],
                order=[("risk_score", False)],
                width=8,
            ),
        ],
        [
            Chart(
                "oil_temp_actual",
                "日最高油温实测（°C）",
                "transformer_daily_load",
                "timeseries_line",
                [metric("MAX(max_oil_temp_c)", "最高油温（°C）")],
                groupby=["transformer_id"],
                x="load_date",
                grain="P1D",
                time="load_date",
                x_title="日期",
                y_title="°C",
            ),
            Chart(
                "oil_temp_forecast",
                "预测最高油温（未来7天，°C）",
                "transformer_fault_risk",
                "category_bar",
                [metric("MAX(predicted_max_oil_temp_c)", "预测最高油温（°C）")],
                x="transformer_id",
                x_title="变压器",
                y_title="°C",
            ),
        ],
    ],
)
