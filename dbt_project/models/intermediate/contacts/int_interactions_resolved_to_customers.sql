-- Who wrote or called: the customer_id the channel recorded, else the one customer whose registered
-- phone matches the caller's number. A number shared by several accounts (family members, a landlord)
-- or known to no account is left unresolved, with the reason, rather than guessed.
-- Messages to the assistant (智能客服) are interactions too, on the channel adapter the customer wrote
-- through: the service identified them by the same rule when it answered, and its verdict is kept.

with

interactions as (

    select * from {{ ref('stg_crm__interactions') }}

),

customers as (

    select customer_id, {{ phone_key('phone') }} as phone_key from {{ ref('stg_cis__customers') }}

),

phone_owners as (

    select
        phone_key,
        count(*) as owners,
        min(customer_id) as customer_id

    from customers
    where phone_key is not null
    group by phone_key

),

keyed as (

    select
        interactions.*,
        {{ phone_key('interactions.phone') }} as phone_key

    from interactions

),

resolved as (

    select
        keyed.interaction_id,
        case
            when keyed.customer_id is not null then keyed.customer_id
            when phone_owners.owners = 1 then phone_owners.customer_id
        end as customer_id,
        cast(case
            when keyed.customer_id is not null then 'customer_id'
            when keyed.phone_key is null then 'unresolved_no_phone'
            when phone_owners.owners is null then 'unresolved_unknown_phone'
            when phone_owners.owners > 1 then 'unresolved_ambiguous_phone'
            else 'phone_match'
        end as {{ dbt.type_string() }}) as identity_resolution,
        cast(phone_owners.owners as integer) as phone_owner_count,
        keyed.channel,
        keyed.interaction_at,
        keyed.interaction_date,
        cast('agent' as {{ dbt.type_string() }}) as handled_by,
        keyed.agent_intent,
        keyed.agent_intent as intent,
        cast(null as {{ dbt.type_string() }}) as answer_kind

    from keyed
    -- The phone is looked up only when the channel gave no customer_id. One equality, its key null
    -- otherwise: DuckDB 1.5 runs `customer_id is null and phone_key = phone_key` (a condition on the left
    -- side only) as a nested loop, 35 s at 100k customers x 365 days against 0.5 s.
    left join phone_owners
        on phone_owners.phone_key = case when keyed.customer_id is null then keyed.phone_key end

),

assistant as (

    select
        message_id as interaction_id,
        customer_id,
        identity_resolution,
        cast(null as integer) as phone_owner_count,
        channel,
        received_at as interaction_at,
        received_date as interaction_date,
        cast('assistant' as {{ dbt.type_string() }}) as handled_by,
        cast(null as {{ dbt.type_string() }}) as agent_intent,
        intent,
        answer_kind

    from {{ ref('stg_assistant__messages') }}

)

select * from resolved

union all

select * from assistant
