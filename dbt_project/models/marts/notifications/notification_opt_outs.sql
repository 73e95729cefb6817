-- Who refused which service messages (消息订阅退订), per chosen channel and kind. Outage notices (safety) cannot be
-- refused, so only the three optional kinds appear (domain/notices.py OPTIONAL_KINDS).
{%- set kinds = ['high_bill', 'tariff_advice', 'repair_progress'] %}

with

preferences as (

    select * from {{ ref('stg_crm__notification_preferences') }}

),

refusals as (

    {%- for kind in kinds %}
        select
            channel,
            cast('{{ kind }}' as {{ dbt.type_string() }}) as kind,
            is_opted_out_{{ kind }} as is_opted_out

        from preferences
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}

)

select
    channel,
    kind,
    cast(count(*) as bigint) as customers_with_preferences,
    cast(count(case when is_opted_out then 1 end) as bigint) as opted_out_customers,
    cast(cast(count(case when is_opted_out then 1 end) as numeric(12, 4)) / count(*) as numeric(5, 4)) as opt_out_rate

from refusals
group by 1, 2
