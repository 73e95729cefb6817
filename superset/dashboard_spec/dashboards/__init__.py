"""Every dashboard, in the order Superset lists them and the export numbers their charts."""

from dashboard_spec.dashboards import (
    assistant,
    customer_profiles,
    equipment_risk,
    proactive_service,
    process_channels,
    satisfaction_trend,
    service_heatmap,
    service_overview,
    usage_forecast,
)

DASHBOARDS = [
    module.DASHBOARD
    for module in (
        service_overview,
        satisfaction_trend,
        service_heatmap,
        customer_profiles,
        equipment_risk,
        process_channels,
        usage_forecast,
        assistant,
        proactive_service,
    )
]
