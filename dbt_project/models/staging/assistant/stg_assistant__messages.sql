{#-
    The assistant creates raw.raw_assistant__messages when it first starts: on a warehouse where it never ran,
    this view is empty with the same columns (relation_exists), so everything folding it in still builds.
-#}
{%- set messages = source('assistant', 'raw_assistant__messages') -%}
{%- set contained = "'" ~ contained_answer_kinds() | join("', '") ~ "'" -%}

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

    ),

    renamed as (

        select
            cast(message_id as {{ dbt.type_string() }}) as message_id,
            cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,
            cast(channel as {{ dbt.type_string() }}) as channel,
            cast(customer_id as {{ dbt.type_string() }}) as customer_id,
            cast(identity_resolution as {{ dbt.type_string() }}) as identity_resolution,
            cast(phone as {{ dbt.type_string() }}) as phone,
            cast(message_text as {{ dbt.type_string() }}) as message_text,
            cast(received_at as timestamp) as received_at,
            cast(received_at as date) as received_date,
            cast(intent as {{ dbt.type_string() }}) as intent,
            -- Floats from the model and the clock, as decimals equal on both engines.
            cast(confidence as numeric(6, 4)) as confidence,
            cast(out_of_scope as numeric(6, 4)) as out_of_scope_score,
            cast(model_version as {{ dbt.type_string() }}) as model_version,
            cast(answer_kind as {{ dbt.type_string() }}) as answer_kind,
            cast(answer_reason as {{ dbt.type_string() }}) as answer_reason,
            cast(kb_article_id as {{ dbt.type_string() }}) as kb_article_id,
            cast(work_order_id as {{ dbt.type_string() }}) as work_order_id,
            cast(latency_ms as numeric(12, 2)) as latency_ms,
            answer_kind in ({{ contained }}) as is_contained

        from first_recorded
        where recorded_rank = 1

    )

    select * from renamed

{% else %}

    select
        cast(null as {{ dbt.type_string() }}) as message_id,
        cast(null as {{ dbt.type_string() }}) as conversation_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as identity_resolution,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as message_text,
        cast(null as timestamp) as received_at,
        cast(null as date) as received_date,
        cast(null as {{ dbt.type_string() }}) as intent,
        cast(null as numeric(6, 4)) as confidence,
        cast(null as numeric(6, 4)) as out_of_scope_score,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as {{ dbt.type_string() }}) as answer_kind,
        cast(null as {{ dbt.type_string() }}) as answer_reason,
        cast(null as {{ dbt.type_string() }}) as kb_article_id,
        cast(null as {{ dbt.type_string() }}) as work_order_id,
        cast(null as numeric(12, 2)) as latency_ms,
        cast(null as boolean) as is_contained
    where 1 = 0

{% endif %}
