"""Datasets: one per table a chart reads (a mart, or an ML table), with Chinese column labels and a Chinese
reading of each code column."""

from __future__ import annotations

from pathlib import Path

import yaml

from dashboard_spec.model import VERSION, stable_uuid
from domain.codes import (
    ANSWER_KIND_LABELS_ZH,
    ANSWER_REASON_LABELS_ZH,
    CATEGORY_LABELS_ZH,
    CHANNEL_LABELS_ZH,
    INTENT_LABELS_ZH,
    NOTIFY_CHANNEL_LABELS_ZH,
    TICKET_TYPE_LABELS_ZH,
)
from domain.notices import KIND_LABELS_ZH

MARTS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"

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
    "message_date": "日期",
    "notice_date": "通知日期",
}

TEMPORAL = {"date", "timestamp"}

# Codes stay English in the warehouse (the landing contract's values); Superset shows them in Chinese through
# calculated columns `<code column>_zh` added to every dataset that has the code column.
CODE_LABELS = {
    "ticket_type": ("工单类型", TICKET_TYPE_LABELS_ZH),
    "predicted_intent": ("识别意图", INTENT_LABELS_ZH),
    # Contact channels and the notices' channels (sms besides wechat and app) read alike.
    "channel": ("渠道", {**CHANNEL_LABELS_ZH, **NOTIFY_CHANNEL_LABELS_ZH}),
    "answer_kind": ("答复类型", ANSWER_KIND_LABELS_ZH),
    "answer_reason": ("原因", {**ANSWER_REASON_LABELS_ZH, "none": "—"}),
    "kind": ("通知类型", KIND_LABELS_ZH),
    "category": ("用电类别", CATEGORY_LABELS_ZH),
}


def mart_columns() -> dict[str, list[tuple[str, str, str]]]:
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
        "uuid": stable_uuid("dataset", schema, table),
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
