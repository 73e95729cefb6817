"""Dashboards: the grid of charts, the note, and the native filters (date range, district) each chart is in."""

from __future__ import annotations

from dashboard_spec.model import VERSION, Dashboard, stable_uuid


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
                    "uuid": stable_uuid("chart", dashboard.slug, chart.key),
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
                "id": f"NATIVE_FILTER-{stable_uuid('filter', dashboard.slug, 'time')[:8]}",
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
                "id": f"NATIVE_FILTER-{stable_uuid('filter', dashboard.slug, 'district')[:8]}",
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
        "uuid": stable_uuid("dashboard", dashboard.slug),
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
