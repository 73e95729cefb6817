-- One verdict per ticket against the BPMN process of its type. Rebuilt in full: a later delivery can
-- reopen a ticket or fill in a step, changing yesterday's verdicts.

with

tickets as (

    select * from {{ ref('int_service_tickets_sla_evaluated') }}

),

deliveries as (

    select ticket_id, delivery_count from {{ ref('stg_crm__service_tickets') }}

),

processes as (

    select distinct ticket_type, process_id from {{ ref('stg_bpmn__process_steps') }}

),

events as (

    select * from {{ ref('int_ticket_events_unpivoted') }}

),

ticket_steps as (

    select * from {{ ref('int_ticket_steps_evaluated') }}

),

deviations as (

    select * from {{ ref('int_ticket_deviations_detected') }}

),

paths as (

    select
        ticket_id,
        count(*) as event_count,
        {{ dbt.listagg('step_name', "' → '", 'order by event_rank') }} as path_taken

    from events
    group by ticket_id

),

step_times as (

    select
        ticket_id,
        {{ dbt.listagg(
            "step_name || '=' || cast(minutes_in_step as " ~ dbt.type_string() ~ ")", "'; '", 'order by step_order'
        ) }} as minutes_per_step

    from ticket_steps
    where minutes_in_step is not null
    group by ticket_id

),

missed as (

    select
        ticket_id,
        {{ dbt.listagg('step_name', "', '", 'order by step_order') }} as missed_commitments

    from ticket_steps
    where not is_commitment_met
    group by ticket_id

),

longest as (

    select
        ticket_id,
        step_name,
        minutes_in_step,
        -- Ties go to the earlier step on the standard path.
        row_number() over (partition by ticket_id order by minutes_in_step desc, step_order) as wait_rank

    from ticket_steps
    where minutes_in_step is not null

),

listed as (

    select
        ticket_id,
        count(*) as deviation_count,
        max(case when deviation_kind = 'reopened' then 1 else 0 end) as reopened_flag,
        {{ dbt.listagg('deviation', "', '", 'order by coalesce(step_order, 0), deviation') }} as deviations

    from deviations
    group by ticket_id

)

select
    tickets.ticket_id,
    processes.process_id,
    tickets.ticket_type,
    tickets.channel,
    tickets.district,
    tickets.status,
    tickets.created_at,
    cast({{ dbt.date_trunc('week', 'tickets.created_at') }} as date) as created_week,
    cast(deliveries.delivery_count as integer) as delivery_count,
    cast(coalesce(paths.event_count, 0) as integer) as event_count,
    cast(paths.path_taken as {{ dbt.type_string() }}) as path_taken,
    listed.ticket_id is null as is_conformant,
    cast(coalesce(listed.deviation_count, 0) as integer) as deviation_count,
    cast(listed.deviations as {{ dbt.type_string() }}) as deviations,
    coalesce(listed.reopened_flag, 0) = 1 as is_reopened,
    cast(step_times.minutes_per_step as {{ dbt.type_string() }}) as minutes_per_step,
    cast(longest.step_name as {{ dbt.type_string() }}) as longest_wait_step,
    cast(longest.minutes_in_step as numeric(12, 2)) as longest_wait_minutes,
    cast(missed.missed_commitments as {{ dbt.type_string() }}) as missed_commitments

from tickets
inner join processes
    on tickets.ticket_type = processes.ticket_type
left join deliveries
    on tickets.ticket_id = deliveries.ticket_id
left join paths
    on tickets.ticket_id = paths.ticket_id
left join listed
    on tickets.ticket_id = listed.ticket_id
left join step_times
    on tickets.ticket_id = step_times.ticket_id
left join longest
    on tickets.ticket_id = longest.ticket_id
    and longest.wait_rank = 1
left join missed
    on tickets.ticket_id = missed.ticket_id
