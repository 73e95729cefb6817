-- Proactive notices (主动服务) per day, kind and channel: how many went out, how many the gateway refused or
-- still owes, how many were held past their bound and expired, and for outage notices the minutes from the
-- outage's record (the SCADA fault's time, or the OMS's report to the platform) to the notice reaching the gateway.

with

notices as (

    select * from {{ ref('stg_serving__notifications') }}

),

faults as (

    select fault_id, fault_at from {{ ref('stg_scada__equipment_faults') }}

),

oms_outages as (

    select outage_id, reported_at from {{ ref('stg_oms__outages') }}

),

timed as (

    -- event_key names the outage: fault:<fault_id> for a SCADA fault, fault:oms:<outage_id> for an OMS report
    -- (orchestration/serving/notifications/sources.py). A message merging outage and restoration tells the
    -- outage too, so it is timed by its kinds, not only its primary kind.
    select
        notices.*,
        case
            when ' ' || notices.kinds || ' ' like '% outage %'
                then coalesce(oms_outages.reported_at, faults.fault_at)
        end as outage_recorded_at

    from notices
    left join faults
        on notices.event_key = 'fault:' || faults.fault_id
    left join oms_outages
        on notices.event_key = 'fault:oms:' || oms_outages.outage_id

),

minutes as (

    select
        *,
        {{ minutes_between('outage_recorded_at', 'delivered_at') }} as minutes_to_notice

    from timed

),

aggregated as (

    select
        notice_date,
        kind,
        channel,
        count(*) as notices,
        count(distinct customer_id) as customers,
        count(case when is_urgent then 1 end) as urgent_notices,
        count(case when delivery_state = 'delivered' then 1 end) as delivered_notices,
        count(case when delivery_state = 'pending' then 1 end) as pending_notices,
        count(case when delivery_state = 'dead_letter' then 1 end) as failed_notices,
        count(case when delivery_state = 'expired' then 1 end) as expired_notices,
        count(outage_recorded_at) as outage_notices,
        count(minutes_to_notice) as timed_outage_notices,
        avg(minutes_to_notice) as avg_minutes_to_notice,
        max(minutes_to_notice) as max_minutes_to_notice

    from minutes
    group by 1, 2, 3

)

select
    notice_date,
    kind,
    channel,
    cast(notices as bigint) as notices,
    cast(customers as bigint) as customers,
    cast(urgent_notices as bigint) as urgent_notices,
    cast(delivered_notices as bigint) as delivered_notices,
    cast(pending_notices as bigint) as pending_notices,
    cast(failed_notices as bigint) as failed_notices,
    cast(expired_notices as bigint) as expired_notices,
    cast(outage_notices as bigint) as outage_notices,
    cast(timed_outage_notices as bigint) as timed_outage_notices,
    cast(avg_minutes_to_notice as numeric(12, 2)) as avg_minutes_to_notice,
    cast(max_minutes_to_notice as numeric(12, 2)) as max_minutes_to_notice

from aggregated
