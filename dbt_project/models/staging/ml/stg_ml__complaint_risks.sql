{#-
    ml.complaint_risk exists only once the complaint_risk asset has scored. Until then (a fresh warehouse,
    `dbt build` outside Dagster, the dbt tests) this view is empty with the same columns, so customer_tags
    builds with its rule alone. source() is called unconditionally so dbt records the dependency.
-#}
{%- set risk_source = source('ml', 'complaint_risk') -%}

{% if relation_exists(risk_source) %}

    with

    source as (

        select * from {{ risk_source }}

    ),

    renamed as (

        select
            cast(customer_id as {{ dbt.type_string() }}) as customer_id,
            -- A float from the model, as a decimal equal on both engines.
            cast(risk as numeric(14, 4)) as risk,
            cast(reasons_zh as {{ dbt.type_string() }}) as reasons_zh,
            cast(model_version as bigint) as model_version,
            cast(scored_on as date) as scored_on

        from source

    )

    select * from renamed

{% else %}

    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as numeric(14, 4)) as risk,
        cast(null as {{ dbt.type_string() }}) as reasons_zh,
        cast(null as bigint) as model_version,
        cast(null as date) as scored_on
    where 1 = 0

{% endif %}
