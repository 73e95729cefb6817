-- The process KPIs a service centre is measured on after resolution: callback rate (回访率), callbacks
-- within the commitment (回访及时率) and rating rate (参评率), by the day tickets were first resolved.
-- The callback step and its commitment come from the BPMN (the step marked by callback_at); a ticket whose
-- callback is unknown (files without the column) or not due yet counts in no callback rate.

with

tickets as (

    select ticket_id, ticket_type, district, satisfaction from {{ ref('int_service_tickets_sla_evaluated') }}

),

ticket_steps as (

    select * from {{ ref('int_ticket_steps_evaluated') }}

),

per_ticket as (

    select
        ticket_id,
        process_id,
        min(case when timestamp_column = 'resolved_at' then first_reached_at end) as resolved_at,
        max(case
            when timestamp_column = 'callback_at' and value_column is null
                and (first_reached_at is not null or is_overdue) then 1
            else 0
        end) as is_callback_due,
        max(case
            when timestamp_column = 'callback_at' and value_column is null and first_reached_at is not null
                then 1
            else 0
        end) as is_called_back,
        max(case
            when timestamp_column = 'callback_at' and value_column is null and is_commitment_met then 1 else 0
        end) as is_called_back_in_time

    from ticket_steps
    group by ticket_id, process_id

),

resolved as (

    select
        cast(per_ticket.resolved_at as date) as resolved_date,
        coalesce(tickets.district, 'unknown') as district,
        tickets.ticket_type,
        per_ticket.process_id,
        per_ticket.is_callback_due,
        per_ticket.is_called_back,
        per_ticket.is_called_back_in_time,
        case when tickets.satisfaction is not null then 1 else 0 end as is_rated

    from per_ticket
    inner join tickets
        on per_ticket.ticket_id = tickets.ticket_id
    where per_ticket.resolved_at is not null

),

counted as (

    select
        resolved_date,
        district,
        ticket_type,
        process_id,
        count(*) as resolved_tickets,
        sum(is_callback_due) as callbacks_due,
        sum(is_called_back) as callbacks_made,
        sum(is_called_back_in_time) as callbacks_in_time,
        sum(is_rated) as rated_tickets

    from resolved
    group by resolved_date, district, ticket_type, process_id

)

select
    resolved_date,
    cast(district as {{ dbt.type_string() }}) as district,
    cast(ticket_type as {{ dbt.type_string() }}) as ticket_type,
    cast(process_id as {{ dbt.type_string() }}) as process_id,
    cast(resolved_tickets as integer) as resolved_tickets,
    cast(callbacks_due as integer) as callbacks_due,
    cast(callbacks_made as integer) as callbacks_made,
    cast(callbacks_in_time as integer) as callbacks_in_time,
    cast(rated_tickets as integer) as rated_tickets,
    case
        when callbacks_due > 0 then cast(cast(callbacks_made as numeric(12, 4)) / callbacks_due as numeric(5, 4))
    end as callback_rate,
    case
        when callbacks_due > 0 then cast(cast(callbacks_in_time as numeric(12, 4)) / callbacks_due as numeric(5, 4))
    end as callback_in_time_rate,
    cast(cast(rated_tickets as numeric(12, 4)) / resolved_tickets as numeric(5, 4)) as rating_rate

from counted
