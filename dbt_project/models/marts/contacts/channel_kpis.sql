-- Contact-centre KPIs per day, channel and district, over interactions (messages, calls, app forms):
-- tickets are what contacts lead to, counted in daily_service_kpis. Messages the assistant answered are
-- contacts of the channel adapter they came through; their containment is counted beside the agents' work.
{%- set self_service = "'" ~ self_service_intents() | join("', '") ~ "'" %}
{%- set contained = "'" ~ contained_answer_kinds() | join("', '") ~ "'" %}

with

interactions as (

    select * from {{ ref('int_interactions_resolved_to_customers') }}

),

flags as (

    select contact_id, is_repeat_contact, is_first_contact_resolved, is_channel_switch
    from {{ ref('int_customer_contacts_sequenced') }}
    where contact_kind = 'interaction'

),

customers as (

    select customer_id, district from {{ ref('stg_cis__customers') }}

),

joined as (

    select
        interactions.interaction_date,
        interactions.channel,
        -- Unresolved callers and customers missing from the file count under district 'unknown'.
        coalesce(customers.district, 'unknown') as district,
        interactions.customer_id,
        interactions.agent_intent,
        interactions.handled_by,
        interactions.answer_kind,
        flags.is_repeat_contact,
        flags.is_first_contact_resolved,
        flags.is_channel_switch

    from interactions
    left join flags
        on interactions.interaction_id = flags.contact_id
    left join customers
        on interactions.customer_id = customers.customer_id

),

aggregated as (

    select
        interaction_date,
        channel,
        district,
        count(*) as contacts,
        count(customer_id) as identified_contacts,
        count(distinct customer_id) as distinct_customers,
        count(is_repeat_contact) as topic_contacts,
        count(case when is_repeat_contact then 1 end) as repeat_contacts,
        count(is_first_contact_resolved) as fcr_evaluated_contacts,
        count(case when is_first_contact_resolved then 1 end) as first_contact_resolved_contacts,
        count(case when is_channel_switch then 1 end) as channel_switch_contacts,
        count(agent_intent) as labelled_messages,
        count(case when agent_intent in ({{ self_service }}) then 1 end)
            as self_service_messages,
        count(case when handled_by = 'assistant' then 1 end) as assistant_messages,
        count(case when handled_by = 'assistant' and answer_kind in ({{ contained }}) then 1 end)
            as assistant_contained_messages

    from joined
    group by 1, 2, 3

)

select
    interaction_date as contact_date,
    channel,
    cast(district as {{ dbt.type_string() }}) as district,
    cast(contacts as bigint) as contacts,
    cast(identified_contacts as bigint) as identified_contacts,
    cast(distinct_customers as bigint) as distinct_customers,
    cast(topic_contacts as bigint) as topic_contacts,
    cast(repeat_contacts as bigint) as repeat_contacts,
    case
        when topic_contacts > 0 then cast(cast(repeat_contacts as numeric(12, 4)) / topic_contacts as numeric(5, 4))
    end as repeat_contact_rate,
    cast(fcr_evaluated_contacts as bigint) as fcr_evaluated_contacts,
    cast(first_contact_resolved_contacts as bigint) as first_contact_resolved_contacts,
    case
        when fcr_evaluated_contacts > 0
            then cast(cast(first_contact_resolved_contacts as numeric(12, 4)) / fcr_evaluated_contacts as numeric(5, 4))
    end as first_contact_resolution_rate,
    cast(channel_switch_contacts as bigint) as channel_switch_contacts,
    case
        when identified_contacts > 0
            then cast(cast(channel_switch_contacts as numeric(12, 4)) / identified_contacts as numeric(5, 4))
    end as channel_switch_rate,
    cast(labelled_messages as bigint) as labelled_messages,
    cast(self_service_messages as bigint) as self_service_messages,
    case
        when labelled_messages > 0
            then cast(cast(self_service_messages as numeric(12, 4)) / labelled_messages as numeric(5, 4))
    end as self_service_share,
    cast(assistant_messages as bigint) as assistant_messages,
    cast(assistant_contained_messages as bigint) as assistant_contained_messages,
    case
        when assistant_messages > 0
            then cast(cast(assistant_contained_messages as numeric(12, 4)) / assistant_messages as numeric(5, 4))
    end as assistant_containment_rate

from aggregated
