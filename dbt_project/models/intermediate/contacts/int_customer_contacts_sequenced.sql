-- Every contact of an identified customer in time order: interactions (messages, calls) and the tickets
-- they led to, with the previous contact and, for interactions, the flags channel_kpis counts.
-- Topics are the agents' intent labels, not ml.interaction_intents: the ML scores are written after the
-- dbt build by a Python asset that itself reads staging, so a model here reading them would close a
-- loop through the one dbt multi-asset (docs/process/README.md). The assistant's messages carry the
-- intent its model gave when it answered, recorded with the message, so they have a topic too: a bot
-- conversation followed by a call on the same topic is a repeat contact.

{# Another interaction strictly before / after the contact in (time, id) order, as the sequence orders them. #}
{%- set before = "other.interaction_at < contact.interaction_at or (other.interaction_at = contact.interaction_at"
                 ~ " and other.interaction_id < contact.interaction_id)" -%}
{%- set after = "other.interaction_at > contact.interaction_at or (other.interaction_at = contact.interaction_at"
                ~ " and other.interaction_id > contact.interaction_id)" %}

with

interactions as (

    select * from {{ ref('int_interactions_resolved_to_customers') }}
    where customer_id is not null

),

tickets as (

    -- Preventive maintenance is logged by crews against an account, not raised by the customer.
    select * from {{ ref('stg_crm__service_tickets') }}
    where ticket_type <> 'preventive_maintenance'

),

customers as (

    select customer_id, district from {{ ref('stg_cis__customers') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_dates_derived') }}

),

contacts as (

    select
        customer_id,
        interaction_id as contact_id,
        cast('interaction' as {{ dbt.type_string() }}) as contact_kind,
        interaction_at as contact_at,
        channel,
        intent as topic,
        cast(case
            when intent is null then null
            when handled_by = 'assistant' then 'assistant_intent'
            else 'agent_label'
        end as {{ dbt.type_string() }}) as topic_source,
        identity_resolution,
        handled_by,
        answer_kind

    from interactions

    union all

    select
        customer_id,
        ticket_id as contact_id,
        cast('ticket' as {{ dbt.type_string() }}) as contact_kind,
        created_at as contact_at,
        channel,
        ticket_type as topic,
        cast('ticket_type' as {{ dbt.type_string() }}) as topic_source,
        cast('customer_id' as {{ dbt.type_string() }}) as identity_resolution,
        cast(null as {{ dbt.type_string() }}) as handled_by,
        cast(null as {{ dbt.type_string() }}) as answer_kind

    from tickets
    where customer_id is not null

),

sequenced as (

    select
        *,
        row_number() over (partition by customer_id order by contact_at, contact_kind, contact_id) as contact_seq,
        lag(contact_at)
            over (partition by customer_id order by contact_at, contact_kind, contact_id)
            as previous_contact_at,
        lag(channel) over (partition by customer_id order by contact_at, contact_kind, contact_id) as previous_channel,
        lag(contact_kind)
            over (partition by customer_id order by contact_at, contact_kind, contact_id)
            as previous_contact_kind,
        lag(topic) over (partition by customer_id order by contact_at, contact_kind, contact_id) as previous_topic

    from contacts

),

neighbours as (

    -- Per interaction, what its customer's other interactions within 7 days show. An equi-join on the
    -- customer, not correlated EXISTS in the select list: PostgreSQL runs those once per row over every
    -- interaction (it did not finish on 100k customers x 365 days, bench/RESULTS.md).
    select
        contact.interaction_id,
        {{ dbt.bool_or('other.intent = contact.intent and (' ~ before ~ ')'
                         ~ ' and other.interaction_at >= ' ~ dbt.dateadd('day', -7, 'contact.interaction_at')) }}
            as has_earlier_same_topic,
        {{ dbt.bool_or('other.intent = contact.intent and (' ~ after ~ ')'
                         ~ ' and other.interaction_at <= ' ~ dbt.dateadd('day', 7, 'contact.interaction_at')) }}
            as has_later_same_topic,
        {{ dbt.bool_or('other.channel <> contact.channel and (' ~ after ~ ')'
                         ~ ' and other.interaction_at <= ' ~ dbt.dateadd('hour', 24, 'contact.interaction_at')) }}
            as has_later_other_channel

    from interactions as contact
    inner join interactions as other
        on other.customer_id = contact.customer_id
        and other.interaction_id <> contact.interaction_id
    where other.interaction_at between {{ dbt.dateadd('day', -7, 'contact.interaction_at') }}
        and {{ dbt.dateadd('day', 7, 'contact.interaction_at') }}
    group by contact.interaction_id

),

flagged as (

    select
        sequenced.*,
        case
            when sequenced.contact_kind = 'interaction' and sequenced.topic is not null
                then coalesce(neighbours.has_earlier_same_topic, false)
        end as is_repeat_contact,
        -- Decided once the 7 days after the contact have passed by the end of the as-of day.
        case
            when sequenced.contact_kind = 'interaction' and sequenced.topic is not null
                and {{ dbt.dateadd('day', 7, 'sequenced.contact_at') }} <= as_of.as_of_at
                then not coalesce(neighbours.has_later_same_topic, false)
        end as is_first_contact_resolved,
        case
            when sequenced.contact_kind = 'interaction' then coalesce(neighbours.has_later_other_channel, false)
        end as is_channel_switch

    from sequenced
    cross join as_of
    -- One equality, its key null for tickets: DuckDB 1.5 runs `contact_kind = 'interaction' and id = id`
    -- (a condition on the left side only) as a nested loop, 107 s at 100k customers x 365 days.
    left join neighbours
        on neighbours.interaction_id
        = case when sequenced.contact_kind = 'interaction' then sequenced.contact_id end

)

select
    flagged.customer_id,
    cast(flagged.contact_seq as integer) as contact_seq,
    flagged.contact_id,
    flagged.contact_kind,
    flagged.contact_at,
    cast(flagged.contact_at as date) as contact_date,
    flagged.channel,
    flagged.topic,
    flagged.topic_source,
    flagged.identity_resolution,
    flagged.handled_by,
    flagged.answer_kind,
    customers.district,
    flagged.previous_contact_at,
    flagged.previous_channel,
    flagged.previous_contact_kind,
    flagged.previous_topic,
    {{ minutes_between('flagged.previous_contact_at', 'flagged.contact_at') }} as minutes_since_previous,
    flagged.is_repeat_contact,
    flagged.is_first_contact_resolved,
    flagged.is_channel_switch

from flagged
left join customers
    on flagged.customer_id = customers.customer_id
