-- The assistant's answers per day, channel adapter, kind and reason: what the customers got, and why the
-- ones handed to a person or asked again were (asked_for_agent, out_of_scope, low_confidence, no_answer …).

with

messages as (

    select * from {{ ref('stg_assistant__messages') }}

)

select
    received_date as message_date,
    channel,
    answer_kind,
    -- A reason is given for handoffs and clarifications; 'none' keeps the grain free of nulls.
    cast(coalesce(answer_reason, 'none') as {{ dbt.type_string() }}) as answer_reason,
    is_contained,
    cast(count(*) as bigint) as messages

from messages
group by 1, 2, 3, 4, 5
