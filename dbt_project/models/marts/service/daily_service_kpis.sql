-- A small table (days x districts x 4 channels x 9 types) rebuilt in full: ticket rows change after
-- their creation day (see fct_service_tickets), so past days' KPIs change too.

with

tickets as (

    select * from {{ ref('fct_service_tickets') }}

),

aggregated as (

    select
        created_date,
        -- Tickets of customers missing from the customer file still count, under district 'unknown'.
        coalesce(district, 'unknown') as district,
        channel,
        ticket_type,
        count(*) as tickets,
        count(sla_met) as sla_evaluated_tickets,
        count(case when sla_met then 1 end) as sla_met_tickets,
        count(minutes_to_arrival) as arrived_tickets,
        {{ median('minutes_to_arrival') }} as median_minutes_to_arrival,
        count(satisfaction) as rated_tickets,
        count(case when is_satisfied then 1 end) as satisfied_tickets

    from tickets
    group by 1, 2, 3, 4

)

select
    created_date,
    cast(district as {{ dbt.type_string() }}) as district,
    channel,
    ticket_type,
    cast(tickets as bigint) as tickets,
    cast(sla_evaluated_tickets as bigint) as sla_evaluated_tickets,
    cast(sla_met_tickets as bigint) as sla_met_tickets,
    case
        when sla_evaluated_tickets > 0
            then cast(cast(sla_met_tickets as numeric(12, 4)) / sla_evaluated_tickets as numeric(5, 4))
    end as sla_compliance_rate,
    cast(arrived_tickets as bigint) as arrived_tickets,
    cast(median_minutes_to_arrival as numeric(12, 2)) as median_minutes_to_arrival,
    cast(rated_tickets as bigint) as rated_tickets,
    case
        when rated_tickets > 0
            then cast(cast(satisfied_tickets as numeric(12, 4)) / rated_tickets as numeric(5, 4))
    end as satisfaction_rate

from aggregated
