-- Every step of each ticket's process, reached or not: when it was first reached, how long the ticket
-- sat in it, and the step's commitment (fixed in the BPMN, or the area's from the seed it names).

with

tickets as (

    select ticket_id, customer_id, ticket_type, created_at from {{ ref('stg_crm__service_tickets') }}

),

customers as (

    select customer_id, area_type from {{ ref('stg_cis__customers') }}

),

commitments as (

    select area_type, arrival_commitment_minutes from {{ ref('repair_commitments') }}

),

steps as (

    select * from {{ ref('stg_bpmn__process_steps') }}

),

events as (

    select * from {{ ref('int_ticket_events_unpivoted') }}

),

reached as (

    select
        ticket_id,
        step_id,
        min(event_at) as first_reached_at,
        count(*) as times_reached,
        sum(minutes_in_step) as minutes_in_step

    from events
    group by 1, 2

),

evaluated as (

    select
        tickets.ticket_id,
        steps.process_id,
        steps.step_id,
        steps.step_name,
        steps.step_order,
        steps.is_optional,
        steps.branch_id,
        steps.skip_deviation,
        reached.first_reached_at,
        coalesce(reached.times_reached, 0) as times_reached,
        reached.minutes_in_step,
        {{ minutes_between('tickets.created_at', 'reached.first_reached_at') }} as minutes_from_creation,
        case
            when steps.commitment_ref = 'repair_commitments' then commitments.arrival_commitment_minutes
            else steps.commitment_minutes
        end as commitment_minutes

    from tickets
    inner join steps
        on tickets.ticket_type = steps.ticket_type
    left join reached
        on tickets.ticket_id = reached.ticket_id
        and steps.step_id = reached.step_id
    left join customers
        on tickets.customer_id = customers.customer_id
    left join commitments
        on customers.area_type = commitments.area_type

)

select
    ticket_id,
    process_id,
    step_id,
    step_name,
    step_order,
    is_optional,
    branch_id,
    skip_deviation,
    first_reached_at,
    cast(times_reached as integer) as times_reached,
    cast(minutes_in_step as numeric(12, 2)) as minutes_in_step,
    minutes_from_creation,
    cast(commitment_minutes as integer) as commitment_minutes,
    -- Judged once reached; a step not reached yet has no verdict here (fct_service_tickets judges open repairs).
    case
        when commitment_minutes is not null and first_reached_at is not null
            then minutes_from_creation <= commitment_minutes
    end as is_commitment_met

from evaluated
