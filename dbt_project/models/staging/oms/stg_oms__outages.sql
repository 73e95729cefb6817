{#-
    The assistant creates raw.raw_oms__outages when it first starts: on a warehouse where it never ran, this
    view is empty with the same columns (relation_exists).
-#}
{%- set outages = source('oms', 'raw_oms__outages') -%}

{% if relation_exists(outages) %}

    with

    source as (

        select * from {{ outages }}

    ),

    renamed as (

        select
            cast(outage_id as {{ dbt.type_string() }}) as outage_id,
            cast(transformer_id as {{ dbt.type_string() }}) as transformer_id,
            cast(kind as {{ dbt.type_string() }}) as outage_kind,
            cast(cause as {{ dbt.type_string() }}) as cause,
            cast(started_at as timestamp) as started_at,
            cast(estimated_restore_at as timestamp) as estimated_restore_at,
            cast(restored_at as timestamp) as restored_at,
            -- The service books its report time in UTC; every other time of the platform is Beijing time.
            cast({{ dbt.dateadd('hour', 8, 'reported_at') }} as timestamp) as reported_at

        from source

    )

    select * from renamed

{% else %}

    select
        cast(null as {{ dbt.type_string() }}) as outage_id,
        cast(null as {{ dbt.type_string() }}) as transformer_id,
        cast(null as {{ dbt.type_string() }}) as outage_kind,
        cast(null as {{ dbt.type_string() }}) as cause,
        cast(null as timestamp) as started_at,
        cast(null as timestamp) as estimated_restore_at,
        cast(null as timestamp) as restored_at,
        cast(null as timestamp) as reported_at
    where 1 = 0

{% endif %}
