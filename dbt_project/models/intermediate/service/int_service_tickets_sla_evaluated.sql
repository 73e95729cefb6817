-- Each ticket's timings and, for fault repairs, the verdict on the arrival commitment of its area.

with

tickets as (

    select * from {{ ref('stg_crm__service_tickets') }}

),

customers as (

    select customer_id, district, area_type from {{ ref('stg_cis__customers') }}

),

commitments as (

    select area_type, arrival_commitment_minutes from {{ ref('repair_commitments') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_dates_derived') }}

),

timed as (

    select
        tickets.ticket_id,
        tickets.customer_id,
        customers.district,
        customers.area_type,
        tickets.channel,
        tickets.ticket_type,
        tickets.status,
        tickets.created_at,
        tickets.created_date,
        tickets.dispatched_at,
        tickets.arrived_at,
        tickets.resolved_at,
        tickets.worker_id,
        tickets.satisfaction,
        case
            when tickets.ticket_type = 'fault_repair' then commitments.arrival_commitment_minutes
        end as arrival_commitment_minutes,
        {{ minutes_between('tickets.created_at', 'tickets.dispatched_at') }} as minutes_to_dispatch,
        {{ minutes_between('tickets.created_at', 'tickets.arrived_at') }} as minutes_to_arrival,
        {{ minutes_between('tickets.created_at', 'tickets.resolved_at') }} as minutes_to_resolution,
        {{ minutes_between('tickets.created_at', 'as_of.as_of_at') }} as minutes_open_at_as_of

    from tickets
    left join customers
        on tickets.customer_id = customers.customer_id
    left join commitments
        on customers.area_type = commitments.area_type
    cross join as_of

),

evaluated as (

    select
        *,
        case
            when arrival_commitment_minutes is null then null
            -- Arriving exactly on the commitment (45.00 minutes in town) meets it.
            when minutes_to_arrival is not null then minutes_to_arrival <= arrival_commitment_minutes
            -- No arrival yet: missed once the commitment has run out by the end of day D; until then
            -- the verdict is still open (null).
            when minutes_open_at_as_of > arrival_commitment_minutes then false
        end as sla_met

    from timed

)

select * from evaluated
