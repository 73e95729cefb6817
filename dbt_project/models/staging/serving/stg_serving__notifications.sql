{#-
    serving.notifications exists once the notifications asset has built a night: until then (a fresh
    warehouse, the dbt tests) this view is empty with the same columns (relation_exists). The message text,
    the request body and the gateway's answers stay out: the marts count notices, they do not read them.
-#}
{%- set notifications = source('serving', 'notifications') -%}

{% if relation_exists(notifications) %}

    with

    source as (

        select * from {{ notifications }}

    ),

    renamed as (

        select
            cast(external_id as {{ dbt.type_string() }}) as notification_id,
            cast(customer_id as {{ dbt.type_string() }}) as customer_id,
            cast(kind as {{ dbt.type_string() }}) as kind,
            cast(kinds as {{ dbt.type_string() }}) as kinds,
            cast(channel as {{ dbt.type_string() }}) as channel,
            cast(event_key as {{ dbt.type_string() }}) as event_key,
            cast(event_at as timestamp) as event_at,
            cast(as_of as timestamp) as as_of_at,
            cast(send_after as timestamp) as send_after,
            cast(send_after as date) as notice_date,
            cast(is_urgent as boolean) as is_urgent,
            cast(state as {{ dbt.type_string() }}) as delivery_state,
            cast(attempts as integer) as attempts,
            cast(response_status as integer) as response_status,
            -- The outbox keeps its bookkeeping in UTC; every other time of the platform is Beijing time.
            cast({{ dbt.dateadd('hour', 8, 'created_at') }} as timestamp) as created_at,
            cast({{ dbt.dateadd('hour', 8, 'delivered_at') }} as timestamp) as delivered_at

        from source

    )

    select * from renamed

{% else %}

    select
        cast(null as {{ dbt.type_string() }}) as notification_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as kind,
        cast(null as {{ dbt.type_string() }}) as kinds,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as event_key,
        cast(null as timestamp) as event_at,
        cast(null as timestamp) as as_of_at,
        cast(null as timestamp) as send_after,
        cast(null as date) as notice_date,
        cast(null as boolean) as is_urgent,
        cast(null as {{ dbt.type_string() }}) as delivery_state,
        cast(null as integer) as attempts,
        cast(null as integer) as response_status,
        cast(null as timestamp) as created_at,
        cast(null as timestamp) as delivered_at
    where 1 = 0

{% endif %}
