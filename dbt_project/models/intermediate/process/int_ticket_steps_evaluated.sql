-- Every step of each ticket's process, reached or not: when it was first reached, how long the ticket
-- sat in it, and the step's commitment (fixed in the BPMN, or the area's from the seed it names), counted
-- from creation or from the step gridcare:commitmentFrom names (the callback: from resolution).
{%- set optional_columns = "'" ~ optional_ticket_timestamp_columns() | join("', '") ~ "'" %}

with

tickets as (

    select ticket_id, customer_id, ticket_type, created_at, last_delivery_date
    from {{ ref('stg_crm__service_tickets') }}

),

deliveries as (

    select * from {{ ref('stg_crm__service_ticket_deliveries') }}

),

customers as (

    select customer_id, area_type from {{ ref('stg_cis__customers') }}

),

commitments as (

    select area_type, arrival_commitment_minutes from {{ ref('repair_commitments') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_dates_derived') }}

),

steps as (

    select * from {{ ref('stg_bpmn__process_steps') }}

),

events as (

    select * from {{ ref('int_ticket_events_unpivoted') }}

),

optional_columns_since as (

    -- An optional column (callback_at) is known from the first delivery day whose file carries a value in
    -- it: older exports lack the column, and an absent column loads as empty, like a step not reached yet.
    {% for column in optional_ticket_timestamp_columns() %}
        select
            cast('{{ column }}' as {{ dbt.type_string() }}) as timestamp_column,
            min(delivery_date) as known_since
        from deliveries
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

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
        steps.timestamp_column,
        steps.value_column,
        steps.is_optional,
        steps.branch_id,
        steps.skip_deviation,
        steps.late_deviation,
        steps.missing_deviation,
        reached.first_reached_at,
        coalesce(reached.times_reached, 0) as times_reached,
        reached.minutes_in_step,
        {{ minutes_between('tickets.created_at', 'reached.first_reached_at') }} as minutes_from_creation,
        case
            when steps.commitment_from_step_id is null then tickets.created_at
            else origin.first_reached_at
        end as commitment_start_at,
        case
            when steps.commitment_ref = 'repair_commitments' then commitments.arrival_commitment_minutes
            else steps.commitment_minutes
        end as commitment_minutes,
        case
            when steps.timestamp_column in ({{ optional_columns }})
                then reached.first_reached_at is not null
                    or coalesce(tickets.last_delivery_date >= optional_columns_since.known_since, false)
            else true
        end as is_known,
        as_of.as_of_at

    from tickets
    inner join steps
        on tickets.ticket_type = steps.ticket_type
    cross join as_of
    left join reached
        on tickets.ticket_id = reached.ticket_id
        and steps.step_id = reached.step_id
    left join reached as origin
        on tickets.ticket_id = origin.ticket_id
        and steps.commitment_from_step_id = origin.step_id
    left join optional_columns_since
        on steps.timestamp_column = optional_columns_since.timestamp_column
    left join customers
        on tickets.customer_id = customers.customer_id
    left join commitments
        on customers.area_type = commitments.area_type

),

timed as (

    select
        *,
        {{ minutes_between('commitment_start_at', 'first_reached_at') }} as minutes_from_commitment_start,
        {{ minutes_between('commitment_start_at', 'as_of_at') }} as minutes_start_to_as_of

    from evaluated

)

select
    ticket_id,
    process_id,
    step_id,
    step_name,
    step_order,
    timestamp_column,
    value_column,
    is_optional,
    branch_id,
    skip_deviation,
    late_deviation,
    missing_deviation,
    is_known,
    first_reached_at,
    cast(times_reached as integer) as times_reached,
    cast(minutes_in_step as numeric(12, 2)) as minutes_in_step,
    minutes_from_creation,
    commitment_start_at,
    minutes_from_commitment_start,
    cast(commitment_minutes as integer) as commitment_minutes,
    -- Judged once reached; a step not reached yet has no verdict here (fct_service_tickets judges open repairs).
    case
        when commitment_minutes is not null and first_reached_at is not null and commitment_start_at is not null
            then minutes_from_commitment_start <= commitment_minutes
    end as is_commitment_met,
    -- Not reached, known, and its commitment ran out before the end of the as-of day.
    coalesce(
        first_reached_at is null and is_known and commitment_minutes is not null
        and minutes_start_to_as_of > commitment_minutes,
        false
    ) as is_overdue

from timed
