-- The service assistant (智能客服) per day and channel adapter: volume, containment (docs/assistant.md: the
-- share of messages answered without a person), answers by kind and latency. No text, phone or customer id.
{%- set kinds = ['account', 'area_outage', 'work_order', 'knowledge', 'handoff', 'clarify'] %}

with

messages as (

    select * from {{ ref('stg_assistant__messages') }}

),

aggregated as (

    select
        received_date,
        channel,
        count(*) as messages,
        count(customer_id) as identified_messages,
        count(distinct customer_id) as distinct_customers,
        count(case when is_contained then 1 end) as contained_messages,
        {%- for kind in kinds %}
            count(case when answer_kind = '{{ kind }}' then 1 end) as {{ kind }}_answers,
        {%- endfor %}
        {{ median('latency_ms') }} as median_latency_ms,
        {{ percentile('latency_ms', 0.95) }} as p95_latency_ms

    from messages
    group by 1, 2

)

select
    received_date as message_date,
    channel,
    cast(messages as bigint) as messages,
    cast(identified_messages as bigint) as identified_messages,
    cast(distinct_customers as bigint) as distinct_customers,
    cast(contained_messages as bigint) as contained_messages,
    cast(cast(contained_messages as numeric(12, 4)) / messages as numeric(5, 4)) as containment_rate,
    {%- for kind in kinds %}
        cast({{ kind }}_answers as bigint) as {{ kind }}_answers,
    {%- endfor %}
    cast(median_latency_ms as numeric(12, 2)) as median_latency_ms,
    cast(p95_latency_ms as numeric(12, 2)) as p95_latency_ms

from aggregated
