"""Write superset/assets/ (Superset's export format) from the dashboard spec below.

The committed YAML under superset/assets/ is what `make superset` and the tests import; this script only saves
hand-writing ~20 chart files with their form data and query contexts in step. Edit the spec, run

    .venv/bin/python superset/build_assets.py

and commit both (tests/superset/test_assets.py fails when they drift apart). Dataset names equal mart names, and
column types and descriptions come from the marts' dbt YAML, so a renamed column breaks here, not in the browser.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
MARTS_DIR = HERE.parent / "dbt_project" / "models" / "marts"
NAMESPACE = uuid.UUID("6f1d2a8e-3c55-4e0b-9d1a-5b7f0c2e9a41")  # fixed, so re-running yields the same UUIDs
VERSION = "1.0.0"

DATABASE_NAME = "gridcare 数据仓库"
# Replaced at import by superset/provision.py with the BI copy or the bi_reader connection actually in use.
DATABASE_URI = "duckdb:///data/bi/warehouse.duckdb"

# ML tables have no dbt YAML: their columns as scored by orchestration/scoring/assets.py.
ML_COLUMNS = {
    "interaction_intents": [
        ("interaction_id", "text", "Interaction ID."),
        ("customer_id", "text", "Customer, null when the caller was not identified."),
        ("channel", "text", "Channel of the interaction."),
        ("interaction_at", "timestamp", "When the interaction happened."),
        ("agent_intent", "text", "Intent recorded by the agent, if any."),
        ("predicted_intent", "text", "Intent predicted by the champion model."),
        ("confidence", "double", "Model confidence of the predicted intent."),
        ("model_version", "bigint", "Registered model version that scored the row."),
        ("scored_at", "timestamp", "When the row was scored."),
    ],
    "transformer_fault_risk": [
        ("transformer_id", "text", "Transformer ID."),
        ("scored_on", "date", "Latest telemetry day the score is as of."),
        ("horizon_days", "bigint", "Days ahead the risk covers."),
        ("risk_score", "double", "Probability-like fault risk over the horizon."),
        ("alert", "boolean", "Risk above the alert threshold."),
        ("predicted_max_oil_temp_c", "double", "Predicted maximum oil temperature over the horizon (°C)."),
        ("model_version", "bigint", "Registered model version that scored the row."),
    ],
    "consumption_forecast": [
        ("customer_id", "text", "Customer ID."),
        ("forecast_date", "date", "Day forecast."),
        ("kwh_pred", "double", "Forecast kWh of the day."),
        ("kwh_lo", "double", "Lower bound of the 80% interval (kWh)."),
        ("kwh_hi", "double", "Upper bound of the 80% interval (kWh)."),
        ("model_version", "bigint", "Registered model version that scored the row."),
        ("scored_on", "date", "Last reading day the forecast starts after."),
    ],
}

# Chinese column names shown in Superset (verbose_name); columns not listed keep their own name.
LABELS = {
    "created_date": "受理日期",
    "created_hour": "受理时段（时）",
    "district": "区县",
    "channel": "渠道",
    "ticket_type": "工单类型",
    "status": "状态",
    "tickets": "工单量",
    "satisfaction_rate": "满意率",
    "customer_id": "用户编号",
    "name_masked": "户名（脱敏）",
    "category": "用电类别",
    "avg_daily_kwh": "日均用电量",
    "tou_yearly_saving_yuan": "预计年节省（元）",
    "tag": "标签代码",
    "tag_label_zh": "标签",
    "as_of_date": "统计日期",
    "transformer_id": "变压器",
    "risk_score": "风险评分",
    "alert": "告警",
    "scored_on": "评分日期",
    "predicted_max_oil_temp_c": "预测最高油温（°C）",
    "load_date": "日期",
    "max_oil_temp_c": "最高油温（°C）",
    "predicted_intent": "识别意图",
    "interaction_at": "交互时间",
    "horizon_days": "预测天数",
    "max_load_pct": "最高负载率（%）",
    "rated_kva": "额定容量（kVA）",
    "created_week": "受理周",
    "deviation": "偏离",
    "activity": "环节",
    "process_id": "流程",
    "event_at": "时间",
    "contact_date": "接触日期",
    "forecast_date": "预测日期",
    "reading_date": "抄表日期",
    "bill_month": "账单月份",
    "tariff": "电价",
    "high_bill_alert": "高电费预警",
    "resolved_date": "办结日期",
}

TEMPORAL = {"date", "timestamp"}

# Codes stay English in the warehouse (the landing contract's values); Superset shows them in Chinese through
# calculated columns `<code column>_zh` added to every dataset that has the code column.
TICKET_TYPES_ZH = {
    "bill_inquiry": "电费查询",
    "payment": "缴费",
    "outage_inquiry": "停电咨询",
    "fault_repair": "故障报修",
    "service_application": "业务办理",
    "tariff_policy": "电价政策",
    "complaint": "投诉",
    "praise_suggestion": "表扬建议",
    "preventive_maintenance": "预防性维护",
}
CODE_LABELS = {
    "ticket_type": ("工单类型", TICKET_TYPES_ZH),
    "predicted_intent": ("识别意图", TICKET_TYPES_ZH),
    "channel": ("渠道", {"app": "掌上电力App", "wechat": "微信", "ivr": "电话（IVR）", "counter": "营业厅"}),
    "category": (
        "用电类别",
        {"residential": "居民", "commercial": "商业", "industrial": "工业", "agricultural": "农业"},
    ),
}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def metric(sql: str, label: str) -> dict:
    """An ad-hoc SQL metric (same SQL on DuckDB and PostgreSQL) with its Chinese label."""
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "optionName": f"metric_{_uuid(sql)[:8]}"}


def where(sql: str) -> dict:
    """An ad-hoc SQL WHERE filter."""
    return {"expressionType": "SQL", "clause": "WHERE", "sqlExpression": sql, "filterOptionName": f"f_{_uuid(sql)[:8]}"}


@dataclass
class Chart:
    """One chart: its kind decides the viz type, form data and query; `time` names the column the date
    range filter narrows (None: the chart ignores it, e.g. a snapshot as of today)."""

    key: str
    title: str
    dataset: str
    kind: str  # timeseries_line | timeseries_bar | category_bar | big_number | table | table_raw | pie | heatmap
    metrics: list[dict] = field(default_factory=list)
    groupby: list[str] = field(default_factory=list)
    x: str | None = None
    grain: str | None = None
    time: str | None = None
    filters: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    width: int = 6
    x_title: str = ""
    y_title: str = ""
    y_format: str = "SMART_NUMBER"


@dataclass
class Dashboard:
    slug: str
    title: str
    description: str
    rows: list[list[Chart]]
    note: str | None = None  # a markdown block, for what the dashboard deliberately does not show


TICKETS = metric("SUM(tickets)", "工单量")
TICKET_COUNT = metric("COUNT(*)", "工单量")
SLA_RATE = metric("SUM(sla_met_tickets) * 1.0 / NULLIF(SUM(sla_evaluated_tickets), 0)", "到达及时率")
SAT_RATE = metric("SUM(CASE WHEN is_satisfied THEN 1 ELSE 0 END) * 1.0 / NULLIF(COUNT(satisfaction), 0)", "满意率")
LATE_RATE = metric("SUM(CASE WHEN sla_met = false THEN 1 ELSE 0 END) * 1.0 / NULLIF(COUNT(sla_met), 0)", "抢修超时率")
# percentile_cont ... WITHIN GROUP reads the same on DuckDB and PostgreSQL (PostgreSQL has no median()).
MEDIAN_ARRIVAL = metric("percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_arrival)", "到达现场时长中位数（分钟）")
CUSTOMERS = metric("COUNT(*)", "用户数")

DASHBOARDS = [
    Dashboard(
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
    ),
    Dashboard(
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
    ),
    Dashboard(
        "service_heatmap",
        "服务热力图",
        "各区县在一天中各时段的工单量（不依赖互联网地图瓦片）。",
        [
            [
                Chart(
                    "district_hour",
                    "工单量：区县 × 时段",
                    "fct_service_tickets",
                    "heatmap",
                    [TICKET_COUNT],
                    groupby=["district"],
                    x="created_hour",
                    time="created_date",
                    width=12,
                ),
            ],
            [
                Chart(
                    "district_type",
                    "工单量：区县 × 类型",
                    "fct_service_tickets",
                    "table",
                    [TICKET_COUNT],
                    groupby=["district", "ticket_type_zh"],
                    time="created_date",
                    order=[("工单量", False)],
                    width=12,
                ),
            ],
        ],
        note="**工单位置地图**：需要地图底图服务。本部署在内网运行，无互联网地图瓦片，因此不提供位置地图；"
        "区县 × 时段热力图不依赖底图。",
    ),
    Dashboard(
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
    ),
    Dashboard(
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
    ),
]

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

DASHBOARDS += [
    Dashboard(
        "process_channels",
        "流程与渠道",
        "工单流程规范执行率、主要偏离、各环节耗时，回访率、回访及时率（办结后24小时内）与参评率，以及重复来电与渠道切换。",
        [
            [
                Chart(
                    "conformance_share",
                    "流程规范执行率",
                    "ticket_process_conformance",
                    "big_number",
                    [CONFORMANCE],
                    time="created_at",
                    width=3,
                    y_format=".1%",
                ),
                Chart(
                    "fcr",
                    "一次解决率",
                    "channel_kpis",
                    "big_number",
                    [FCR_RATE],
                    time="contact_date",
                    width=3,
                    y_format=".1%",
                ),
                Chart(
                    "self_service",
                    "自助解决占比",
                    "channel_kpis",
                    "big_number",
                    [SELF_SERVICE],
                    time="contact_date",
                    width=3,
                    y_format=".1%",
                ),
                Chart(
                    "contacts", "客户接触次数", "channel_kpis", "big_number", [CONTACTS], time="contact_date", width=3
                ),
            ],
            [
                Chart(
                    "callback_rate",
                    "回访率",
                    "process_kpis",
                    "big_number",
                    [CALLBACK_RATE],
                    time="resolved_date",
                    width=4,
                    y_format=".1%",
                ),
                Chart(
                    "callback_in_time",
                    "回访及时率（24小时内）",
                    "process_kpis",
                    "big_number",
                    [CALLBACK_IN_TIME],
                    time="resolved_date",
                    width=4,
                    y_format=".1%",
                ),
                Chart(
                    "rating_rate",
                    "参评率",
                    "process_kpis",
                    "big_number",
                    [RATING_RATE],
                    time="resolved_date",
                    width=4,
                    y_format=".1%",
                ),
            ],
            [
                Chart(
                    "callback_rating_weekly",
                    "回访及时率与参评率（每周，按办结日）",
                    "process_kpis",
                    "timeseries_line",
                    [CALLBACK_IN_TIME, RATING_RATE],
                    x="resolved_date",
                    grain="P1W",
                    time="resolved_date",
                    x_title="办结周",
                    y_title="比率",
                    y_format=".0%",
                ),
                Chart(
                    "process_kpi_table",
                    "各类工单回访与参评",
                    "process_kpis",
                    "table",
                    [metric("SUM(resolved_tickets)", "办结工单"), CALLBACK_RATE, CALLBACK_IN_TIME, RATING_RATE],
                    groupby=["ticket_type_zh"],
                    time="resolved_date",
                    order=[("办结工单", False)],
                ),
            ],
            [
                Chart(
                    "conformance_weekly",
                    "每周流程规范执行率（按区县）",
                    "ticket_process_conformance",
                    "timeseries_line",
                    [CONFORMANCE],
                    groupby=["district"],
                    x="created_week",
                    grain="P1W",
                    time="created_at",
                    x_title="受理周",
                    y_title="规范执行率",
                    y_format=".0%",
                    width=12,
                ),
            ],
            [
                Chart(
                    "top_deviations",
                    "主要偏离（工单数）",
                    "fct_ticket_deviations",
                    "category_bar",
                    [TICKET_COUNT],
                    x="deviation",
                    time="created_week",
                    x_title="偏离",
                    y_title="工单数",
                ),
                Chart(
                    "time_per_step",
                    "各环节耗时（分钟）",
                    "fct_ticket_events",
                    "table",
                    [
                        metric("COUNT(*)", "事件数"),
                        metric("percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_in_step)", "耗时中位数（分钟）"),
                        metric("percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes_in_step)", "耗时P90（分钟）"),
                    ],
                    groupby=["process_id", "activity"],
                    time="event_at",
                    order=[("事件数", False)],
                ),
            ],
            [
                Chart(
                    "repeat_switch_weekly",
                    "重复来电率与渠道切换率（每周）",
                    "channel_kpis",
                    "timeseries_line",
                    [REPEAT_RATE, SWITCH_RATE],
                    x="contact_date",
                    grain="P1W",
                    time="contact_date",
                    x_title="周",
                    y_title="比率",
                    y_format=".0%",
                ),
                Chart(
                    "channel_table",
                    "各渠道接触与解决",
                    "channel_kpis",
                    "table",
                    [CONTACTS, REPEAT_RATE, SWITCH_RATE, FCR_RATE],
                    groupby=["channel_zh"],
                    time="contact_date",
                    order=[("接触次数", False)],
                ),
            ],
        ],
    ),
    Dashboard(
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
    ),
]

VIZ = {
    "timeseries_line": "echarts_timeseries_line",
    "timeseries_bar": "echarts_timeseries_bar",
    "category_bar": "echarts_timeseries_bar",
    "big_number": "big_number_total",
    "table": "table",
    "table_raw": "table",
    "pie": "pie",
    "heatmap": "heatmap_v2",
}


# -- datasets -------------------------------------------------------------------------------------
def _mart_columns() -> dict[str, list[tuple[str, str, str]]]:
    """(name, dbt data_type, description) per mart, read from the marts' dbt YAML."""
    marts: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            marts[model["name"]] = [
                (c["name"], str(c.get("data_type", "text")), " ".join(str(c.get("description", "")).split()))
                for c in model.get("columns", [])
            ]
    return marts


def dataset_yaml(table: str, schema: str, columns: list[tuple[str, str, str]], db_uuid: str) -> dict:
    temporal = [n for n, t, _ in columns if t.split("(")[0] in TEMPORAL]
    return {
        "table_name": table,
        "main_dttm_col": temporal[0] if temporal else None,
        "description": None,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": schema,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _uuid("dataset", schema, table),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "记录数",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
        ],
        "columns": [
            {
                "column_name": name,
                "verbose_name": LABELS.get(name),
                "is_dttm": kind.split("(")[0] in TEMPORAL,
                "is_active": True,
                "type": kind.upper(),
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": desc or None,
                "python_date_format": None,
                "extra": {},
            }
            for name, kind, desc in columns
        ]
        + [
            {
                "column_name": f"{name}_zh",
                "verbose_name": CODE_LABELS[name][0],
                "is_dttm": False,
                "is_active": True,
                "type": "TEXT",
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": _case(name, CODE_LABELS[name][1]),
                "description": f"{name} in Chinese.",
                "python_date_format": None,
                "extra": {},
            }
            for name, _, _ in columns
            if name in CODE_LABELS
        ],
        "version": VERSION,
        "database_uuid": db_uuid,
    }


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{zh}'" for code, zh in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


# -- charts ---------------------------------------------------------------------------------------
def _temporal_filter(chart: Chart) -> list[dict]:
    if not chart.time:
        return []
    return [
        {
            "expressionType": "SIMPLE",
            "clause": "WHERE",
            "subject": chart.time,
            "operator": "TEMPORAL_RANGE",
            "comparator": "No filter",
            "filterOptionName": f"time_{chart.key}",
        }
    ]


def form_data(chart: Chart, dashboard: Dashboard) -> dict:
    """Superset's form data (chart params) for one chart of the spec."""
    base = {
        "viz_type": VIZ[chart.kind],
        "adhoc_filters": _temporal_filter(chart) + chart.filters,
        "extra_form_data": {},
        "dashboards": [],
    }
    if chart.kind in ("timeseries_line", "timeseries_bar", "category_bar"):
        base.update(
            {
                "x_axis": chart.x,
                "metrics": chart.metrics,
                "groupby": chart.groupby,
                "row_limit": 10000,
                "order_desc": True,
                "truncate_metric": True,
                "show_empty_columns": True,
                "comparison_type": "values",
                "annotation_layers": [],
                "x_axis_title": chart.x_title,
                "x_axis_title_margin": 30,
                "y_axis_title": chart.y_title,
                "y_axis_title_margin": 50,
                "y_axis_title_position": "Left",
                "color_scheme": "supersetColors",
                "show_legend": True,
                "legendType": "scroll",
                "legendOrientation": "top",
                "x_axis_time_format": "%Y-%m-%d",
                "rich_tooltip": True,
                "y_axis_format": chart.y_format,
                "y_axis_bounds": [None, None],
                "sort_series_type": "sum",
            }
        )
        if chart.grain:
            base["time_grain_sqla"] = chart.grain
        if chart.kind == "timeseries_line":
            base.update({"seriesType": "line", "markerEnabled": True})
        else:
            base.update({"stack": "Stack" if chart.groupby else None, "x_axis_sort_asc": True})
    elif chart.kind == "big_number":
        base.update(
            {
                "metric": chart.metrics[0],
                "header_font_size": 0.4,
                "subheader_font_size": 0.15,
                "y_axis_format": chart.y_format,
                "time_format": "smart_date",
            }
        )
    elif chart.kind == "table":
        base.update(
            {
                "query_mode": "aggregate",
                "groupby": chart.groupby,
                "metrics": chart.metrics,
                "all_columns": [],
                "percent_metrics": [],
                "order_by_cols": [],
                "row_limit": 1000,
                "server_page_length": 10,
                "order_desc": True,
                "table_timestamp_format": "smart_date",
                "show_cell_bars": True,
                "color_pn": True,
                "timeseries_limit_metric": _metric_by_label(chart, chart.order[0][0]) if chart.order else None,
            }
        )
    elif chart.kind == "table_raw":
        base.update(
            {
                "query_mode": "raw",
                "all_columns": chart.columns,
                "groupby": [],
                "metrics": [],
                "percent_metrics": [],
                "order_by_cols": [json.dumps([c, asc]) for c, asc in chart.order],
                "row_limit": 1000,
                "server_page_length": 10,
                "table_timestamp_format": "smart_date",
                "show_cell_bars": True,
                "color_pn": True,
            }
        )
    elif chart.kind == "pie":
        base.update(
            {
                "groupby": chart.groupby,
                "metric": chart.metrics[0],
                "row_limit": 100,
                "sort_by_metric": True,
                "color_scheme": "supersetColors",
                "show_labels_threshold": 5,
                "show_legend": True,
                "legendType": "scroll",
                "legendOrientation": "top",
                "label_type": "key",
                "number_format": "SMART_NUMBER",
                "date_format": "smart_date",
                "show_labels": True,
                "labels_outside": True,
                "outerRadius": 70,
                "innerRadius": 30,
                "donut": True,
            }
        )
    elif chart.kind == "heatmap":
        base.update(
            {
                "x_axis": chart.x,
                "groupby": chart.groupby[0],
                "metric": chart.metrics[0],
                "row_limit": 10000,
                "sort_x_axis": "alpha_asc",
                "sort_y_axis": "alpha_asc",
                "normalize_across": "heatmap",
                "legend_type": "continuous",
                "linear_color_scheme": "superset_seq_1",
                "xscale_interval": -1,
                "yscale_interval": -1,
                "left_margin": "auto",
                "bottom_margin": "auto",
                "value_bounds": [None, None],
                "y_axis_format": "SMART_NUMBER",
                "show_legend": True,
                "show_percentage": False,
                "show_values": True,
            }
        )
    else:
        raise ValueError(f"chart {chart.key}: unknown kind {chart.kind!r}")
    return base


def _metric_by_label(chart: Chart, label: str) -> dict:
    return next(m for m in chart.metrics if m["label"] == label)


def query(chart: Chart) -> dict:
    """The query the chart's data endpoint runs (/api/v1/chart/{id}/data/): what the chart's buildQuery
    sends from the same form data, minus the post-processing that only reshapes rows for drawing."""
    filters = [{"col": chart.time, "op": "TEMPORAL_RANGE", "val": "No filter"}] if chart.time else []
    where_sql = " AND ".join(f"({f['sqlExpression']})" for f in chart.filters)
    q: dict = {
        "filters": filters,
        "extras": {"having": "", "where": where_sql},
        "applied_time_extras": {},
        "annotation_layers": [],
        "row_limit": 10000,
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if chart.kind in ("timeseries_line", "timeseries_bar", "category_bar"):
        axis = {"columnType": "BASE_AXIS", "sqlExpression": chart.x, "label": chart.x, "expressionType": "SQL"}
        if chart.grain:
            axis["timeGrain"] = chart.grain
            q["extras"]["time_grain_sqla"] = chart.grain
        q.update(
            {
                "columns": [axis, *chart.groupby],
                "metrics": chart.metrics,
                "series_columns": chart.groupby,
                "orderby": [[chart.metrics[0], False]],
            }
        )
    elif chart.kind == "big_number":
        q.update({"columns": [], "metrics": chart.metrics})
    elif chart.kind in ("table", "pie"):
        q.update(
            {
                "columns": chart.groupby,
                "metrics": chart.metrics,
                "orderby": [
                    [
                        _metric_by_label(chart, chart.order[0][0]) if chart.order else chart.metrics[0],
                        chart.order[0][1] if chart.order else False,
                    ]
                ],
            }
        )
    elif chart.kind == "table_raw":
        q.update({"columns": chart.columns, "metrics": [], "orderby": [[c, asc] for c, asc in chart.order]})
    elif chart.kind == "heatmap":
        q.update({"columns": [chart.x, chart.groupby[0]], "metrics": chart.metrics, "orderby": []})
    return q


def chart_yaml(chart: Chart, dashboard: Dashboard, dataset_uuid: str) -> dict:
    params = form_data(chart, dashboard)
    context = {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query(chart)],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": chart.title,
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": VIZ[chart.kind],
        "params": params,
        "query_context": json.dumps(context, ensure_ascii=False, sort_keys=True),
        "cache_timeout": None,
        "uuid": _uuid("chart", dashboard.slug, chart.key),
        "version": VERSION,
        "dataset_uuid": dataset_uuid,
    }


# -- dashboards -----------------------------------------------------------------------------------
def dashboard_yaml(
    dashboard: Dashboard, chart_ids: dict[str, int], dataset_uuids: dict[str, str], has_district: set[str]
) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dashboard.title}},
    }
    rows = [*dashboard.rows]
    for r, row in enumerate(rows, start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart in row:
            cid = f"CHART-{chart.key}"
            position[row_id]["children"].append(cid)
            position[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": chart.width,
                    "height": 30 if chart.kind == "big_number" else 60,
                    "chartId": chart_ids[chart.key],
                    "uuid": _uuid("chart", dashboard.slug, chart.key),
                    "sliceName": chart.title,
                },
            }
    if dashboard.note:
        row_id = f"ROW-{len(rows) + 1}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": ["MARKDOWN-note"],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        position["MARKDOWN-note"] = {
            "type": "MARKDOWN",
            "id": "MARKDOWN-note",
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", row_id],
            "meta": {"width": 12, "height": 20, "code": dashboard.note},
        }
    charts = [c for row in rows for c in row]
    # Each filter reaches only the charts that have its column: a snapshot (as of today) has no date range.
    no_time = [chart_ids[c.key] for c in charts if not c.time]
    no_district = [chart_ids[c.key] for c in charts if c.dataset not in has_district]
    district_source = next((c.dataset for c in charts if c.dataset in has_district), None)
    filters = []
    if len(no_time) < len(charts):
        filters.append(
            {
                "id": f"NATIVE_FILTER-{_uuid('filter', dashboard.slug, 'time')[:8]}",
                "name": "日期范围",
                "filterType": "filter_time",
                "targets": [{}],
                "controlValues": {},
                "cascadeParentIds": [],
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "scope": {"rootPath": ["ROOT_ID"], "excluded": no_time},
                "type": "NATIVE_FILTER",
                "description": "受理日期或数据日期的范围",
                "chartsInScope": [chart_ids[c.key] for c in charts if c.time],
            }
        )
    if district_source:
        filters.append(
            {
                "id": f"NATIVE_FILTER-{_uuid('filter', dashboard.slug, 'district')[:8]}",
                "name": "区县",
                "filterType": "filter_select",
                "targets": [{"column": {"name": "district"}, "datasetUuid": dataset_uuids[district_source]}],
                "controlValues": {
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                },
                "cascadeParentIds": [],
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "scope": {"rootPath": ["ROOT_ID"], "excluded": no_district},
                "type": "NATIVE_FILTER",
                "description": "用户所在区县",
                "chartsInScope": [chart_ids[c.key] for c in charts if c.dataset in has_district],
            }
        )
    return {
        "dashboard_title": dashboard.title,
        "description": dashboard.description,
        "css": "",
        "slug": dashboard.slug.replace("_", "-"),
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": _uuid("dashboard", dashboard.slug),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
            "chart_configuration": {},
            "global_chart_configuration": {
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": [chart_ids[c.key] for c in charts],
            },
            "native_filter_configuration": filters,
        },
        "version": VERSION,
    }


def build(out: Path = ASSETS) -> list[Path]:
    """Write the whole export bundle into `out` (replacing what is there); returns the files written."""
    marts = _mart_columns()
    tables = {c.dataset for d in DASHBOARDS for row in d.rows for c in row}
    unknown = tables - set(marts) - set(ML_COLUMNS)
    if unknown:
        raise SystemExit(f"charts read tables that are neither marts nor ML tables: {sorted(unknown)}")
    db_uuid = _uuid("database", "warehouse")
    files: dict[str, dict] = {
        "metadata.yaml": {"version": VERSION, "type": "assets", "timestamp": "2026-11-25T00:00:00+00:00"},
        "databases/gridcare_warehouse.yaml": {
            "database_name": DATABASE_NAME,
            "sqlalchemy_uri": DATABASE_URI,
            "cache_timeout": None,
            "expose_in_sqllab": True,
            "allow_run_async": False,
            "allow_ctas": False,
            "allow_cvas": False,
            "allow_dml": False,
            "allow_file_upload": False,
            "impersonate_user": False,
            "extra": {"allows_virtual_table_explore": True, "engine_params": {"connect_args": {"read_only": True}}},
            "uuid": db_uuid,
            "version": VERSION,
        },
    }
    dataset_uuids: dict[str, str] = {}
    has_district: set[str] = set()
    for table in sorted(tables):
        schema, cols = ("ml", ML_COLUMNS[table]) if table in ML_COLUMNS else ("marts", marts[table])
        ds = dataset_yaml(table, schema, cols, db_uuid)
        dataset_uuids[table] = ds["uuid"]
        if any(n == "district" for n, _, _ in cols):
            has_district.add(table)
        files[f"datasets/gridcare_warehouse/{table}.yaml"] = ds
    next_id = 1
    for dashboard in DASHBOARDS:
        chart_ids: dict[str, int] = {}
        for row in dashboard.rows:
            for chart in row:
                chart_ids[chart.key] = next_id
                next_id += 1
                files[f"charts/{dashboard.slug}__{chart.key}.yaml"] = chart_yaml(
                    chart, dashboard, dataset_uuids[chart.dataset]
                )
        files[f"dashboards/{dashboard.slug}.yaml"] = dashboard_yaml(dashboard, chart_ids, dataset_uuids, has_district)
    if out.exists():
        shutil.rmtree(out)
    written = []
    for rel, content in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    paths = build()
    print(f"wrote {len(paths)} files under {ASSETS}")
