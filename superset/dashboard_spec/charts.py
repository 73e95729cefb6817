"""Charts: Superset's form data and query context for each chart of the spec."""

from __future__ import annotations

import json

from dashboard_spec.model import VERSION, Chart, Dashboard, stable_uuid

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
        "uuid": stable_uuid("chart", dashboard.slug, chart.key),
        "version": VERSION,
        "dataset_uuid": dataset_uuid,
    }
