-- A table rebuilt in full, not incremental: tickets change state on later days, and an open repair's
-- verdict moves with the as-of date, so yesterday's rows do not stay right.

with

tickets as (

    select * from {{ ref('int_service_tickets_sla_evaluated') }}

)

select
    ticket_id,
    customer_id,
    district,
    area_type,
    channel,
    ticket_type,
    status,
    created_at,
    created_date,
    -- The service heat map's grain (district x hour of day); extract() reads the same on both engines.
    cast(extract(hour from created_at) as integer) as created_hour,
    dispatched_at,
    arrived_at,
    resolved_at,
    worker_id,
    minutes_to_dispatch,
    minutes_to_arrival,
    minutes_to_resolution,
    arrival_commitment_minutes,
    sla_met,
    satisfaction,
    satisfaction >= 4 as is_satisfied

from tickets
