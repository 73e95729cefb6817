-- The process event log: each ticket timestamp that marks a step of the ticket's BPMN process becomes an
-- event. Read from every delivery, not only the latest state, so a reopened ticket's first dispatch,
-- arrival and resolution stay in its history next to the second ones.

with

deliveries as (

    select * from {{ ref('stg_crm__service_ticket_deliveries') }}

),

tickets as (

    select ticket_id, ticket_type from {{ ref('stg_crm__service_tickets') }}

),

steps as (

    select * from {{ ref('stg_bpmn__process_steps') }}

),

stamped as (

    {% for column in ticket_timestamp_columns() %}
        select
            ticket_id,
            cast('{{ column }}' as {{ dbt.type_string() }}) as timestamp_column,
            {{ column }} as event_at,
            {% for value in ticket_value_columns() %}
                {{ value }} is not null as has_{{ value }},
            {% endfor %}
            delivery_seq,
            worker_id
        from deliveries
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

marked as (

    -- A step is marked by its timestamp and, with gridcare:valueColumn, by that column holding a value
    -- (评价: a given satisfaction, at the callback's time).
    select
        stamped.ticket_id,
        steps.process_id,
        tickets.ticket_type,
        steps.step_id,
        steps.step_name,
        steps.step_order,
        stamped.event_at,
        stamped.delivery_seq,
        stamped.worker_id

    from stamped
    inner join tickets
        on stamped.ticket_id = tickets.ticket_id
    inner join steps
        on tickets.ticket_type = steps.ticket_type
        and stamped.timestamp_column = steps.timestamp_column
    where steps.value_column is null
        {% for value in ticket_value_columns() %}
            or (steps.value_column = '{{ value }}' and stamped.has_{{ value }})
        {% endfor %}

),

first_seen as (

    select
        *,
        -- A value repeated in every later delivery is one event; the delivery that first showed it names the worker.
        row_number() over (
            partition by ticket_id, step_id, event_at order by delivery_seq
        ) as seen_rank

    from marked

),

events as (

    select ticket_id, process_id, ticket_type, step_id, step_name, step_order, event_at, worker_id
    from first_seen
    where seen_rank = 1

),

sequenced as (

    select
        *,
        row_number() over (partition by ticket_id order by event_at, step_order) as event_rank,
        row_number() over (partition by ticket_id, step_id order by event_at) as occurrence,
        lead(event_at) over (partition by ticket_id order by event_at, step_order) as next_event_at

    from events

)

select
    ticket_id,
    process_id,
    ticket_type,
    step_id,
    step_name,
    step_order,
    event_at,
    cast(event_rank as integer) as event_rank,
    cast(occurrence as integer) as occurrence,
    worker_id,
    next_event_at,
    {{ minutes_between('event_at', 'next_event_at') }} as minutes_in_step

from sequenced
