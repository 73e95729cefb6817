{#-
    The assistant creates raw.raw_oms__outages when it first starts: on a warehouse where it never ran, this
    view is empty with the same columns (relation_exists).
-#}
{%- set outages = source('oms', 'raw_oms__outages') -%}
{%- set columns = [
    ('outage_id', dbt.type_string(), 'outage_id'),
    ('transformer_id', dbt.type_string(), 'transformer_id'),
    ('outage_kind', dbt.type_string(), 'kind'),
    ('cause', dbt.type_string(), 'cause'),
    ('started_at', 'timestamp', 'started_at'),
    ('estimated_restore_at', 'timestamp', 'estimated_restore_at'),
    ('restored_at', 'timestamp', 'restored_at'),
    ('reported_at', 'timestamp', dbt.dateadd('hour', 8, 'reported_at')),
] -%}
{#- The service books its report time in UTC (reported_at above); every other time is Beijing time. #}

{{ typed_select_or_empty(outages, columns) }}
