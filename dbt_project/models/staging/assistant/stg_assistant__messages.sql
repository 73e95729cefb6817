{#-
    The assistant creates raw.raw_assistant__messages when it first starts: on a warehouse where it never ran,
    this view is empty with the same columns (relation_exists), so everything folding it in still builds.
    Confidence, the out-of-scope score and the latency are floats from the model and the clock: decimals here,
    equal on both engines.
-#}
{%- set messages = source('assistant', 'raw_assistant__messages') -%}
{%- set contained = "'" ~ contained_answer_kinds() | join("', '") ~ "'" -%}
{%- set columns = [
    ('message_id', dbt.type_string(), 'message_id'),
    ('conversation_id', dbt.type_string(), 'conversation_id'),
    ('channel', dbt.type_string(), 'channel'),
    ('customer_id', dbt.type_string(), 'customer_id'),
    ('identity_resolution', dbt.type_string(), 'identity_resolution'),
    ('phone', dbt.type_string(), 'phone'),
    ('message_text', dbt.type_string(), 'message_text'),
    ('received_at', 'timestamp', 'received_at'),
    ('received_date', 'date', 'received_at'),
    ('intent', dbt.type_string(), 'intent'),
    ('confidence', 'numeric(6, 4)', 'confidence'),
    ('out_of_scope_score', 'numeric(6, 4)', 'out_of_scope'),
    ('model_version', dbt.type_string(), 'model_version'),
    ('answer_kind', dbt.type_string(), 'answer_kind'),
    ('answer_reason', dbt.type_string(), 'answer_reason'),
    ('kb_article_id', dbt.type_string(), 'kb_article_id'),
    ('work_order_id', dbt.type_string(), 'work_order_id'),
    ('latency_ms', 'numeric(12, 2)', 'latency_ms'),
    ('is_contained', 'boolean', 'answer_kind in (' ~ contained ~ ')'),
] -%}

{% if relation_exists(messages) %}

    with

    source as (

        select * from {{ messages }}

    ),

    first_recorded as (

        -- The lake keeps no primary key: two workers recording one new message_id at the same instant could
        -- both insert it (assistant/store.py, insert_new). The service answers with the first; so do we.
        select
            *,
            row_number() over (partition by message_id order by received_at, response) as recorded_rank

        from source

    )

    select {{ typed_columns(columns) }}

    from first_recorded
    where recorded_rank = 1

{% else %}

    select {{ typed_columns(columns, as_nulls=true) }}
    where 1 = 0

{% endif %}
