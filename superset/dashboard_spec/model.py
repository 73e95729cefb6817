"""The spec's vocabulary: a chart, a dashboard, ad-hoc SQL metrics and filters, and the export's stable UUIDs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

NAMESPACE = uuid.UUID("6f1d2a8e-3c55-4e0b-9d1a-5b7f0c2e9a41")  # fixed, so re-running yields the same UUIDs
VERSION = "1.0.0"


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def metric(sql: str, label: str) -> dict:
    """An ad-hoc SQL metric (same SQL on DuckDB and PostgreSQL) with its Chinese label."""
    return {
        "expressionType": "SQL",
        "sqlExpression": sql,
        "label": label,
        "optionName": f"metric_{stable_uuid(sql)[:8]}",
    }


def where(sql: str) -> dict:
    """An ad-hoc SQL WHERE filter."""
    return {
        "expressionType": "SQL",
        "clause": "WHERE",
        "sqlExpression": sql,
        "filterOptionName": f"f_{stable_uuid(sql)[:8]}",
    }


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
