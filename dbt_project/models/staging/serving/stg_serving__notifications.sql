{#-
    serving.notifications exists once the notifications asset has built a night: until then (a fresh
    warehouse, the dbt tests) this view is empty with the same columns (relation_exists). The message text,
    the request body and the gateway's answers stay out: the marts count notices, they do not read them.
    The outbox keeps its bookkeeping (created_at, delivered_at) in UTC; every other time is Beijing time.
-#}
{%- set notifications = source('serving', 'notifications') -%}
{%- set columns = [
    ('notification_id', dbt.type_string(), 'external_id'),
    ('customer_id', dbt.type_string(), 'customer_id'),
    ('kind', dbt.type_string(), 'kind'),
    ('kinds', dbt.type_string(), 'kinds'),
    ('channel', dbt.type_string(), 'channel'),
    ('event_key', dbt.type_string(), 'event_key'),
    ('event_at', 'timestamp', 'event_at'),
    ('as_of_at', 'timestamp', 'as_of'),
    ('send_after', 'timestamp', 'send_after'),
    ('notice_date', 'date', 'send_after'),
    ('is_urgent', 'boolean', 'is_urgent'),
    ('delivery_state', dbt.type_string(), 'state'),
    ('attempts', 'integer', 'attempts'),
    ('response_status', 'integer', 'response_status'),
    ('created_at', 'timestamp', dbt.dateadd('hour', 8, 'created_at')),
    ('delivered_at', 'timestamp', dbt.dateadd('hour', 8, 'delivered_at')),
] -%}

{{ typed_select_or_empty(notifications, columns) }}
