-- Long form of the deviations, for "top deviations" by district and week without parsing lists.

with

deviations as (

    select * from {{ ref('int_ticket_deviations_detected') }}

),

tickets as (

    select ticket_id, ticket_type, district, created_at from {{ ref('int_service_tickets_sla_evaluated') }}

),

steps as (

    select distinct ticket_type, process_id from {{ ref('stg_bpmn__process_steps') }}

)

select
    deviations.ticket_id,
    steps.process_id,
    tickets.ticket_type,
    tickets.district,
    cast({{ dbt.date_trunc('week', 'tickets.created_at') }} as date) as created_week,
    deviations.deviation_kind,
    deviations.step_id,
    deviations.step_name,
    deviations.deviation

from deviations
inner join tickets
    on deviations.ticket_id = tickets.ticket_id
inner join steps
    on tickets.ticket_type = steps.ticket_type
