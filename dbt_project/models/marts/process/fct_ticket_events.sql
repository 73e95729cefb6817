-- The event log in process-mining shape (case id, activity, timestamp, resource), ready for pm4py's
-- format_dataframe(df, case_id='case_id', activity_key='activity', timestamp_key='event_at').

with

events as (

    select * from {{ ref('int_ticket_events_unpivoted') }}

),

tickets as (

    select ticket_id, channel, district from {{ ref('int_service_tickets_sla_evaluated') }}

)

select
    events.ticket_id as case_id,
    events.step_name as activity,
    events.event_at,
    events.process_id,
    events.ticket_type,
    events.step_id,
    events.step_order,
    events.event_rank,
    events.occurrence,
    tickets.channel,
    tickets.district,
    events.worker_id,
    events.minutes_in_step

from events
inner join tickets
    on events.ticket_id = tickets.ticket_id
