"""服务热力图 (service_heatmap): the dashboard's charts, in the order they are laid out."""

from dashboard_spec.metrics import TICKET_COUNT
from dashboard_spec.model import Chart, Dashboard

DASHBOARD = Dashboard(
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
)
