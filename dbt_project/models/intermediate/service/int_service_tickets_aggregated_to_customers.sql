with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

tickets as (

    select * from {{ ref('stg_crm__service_tickets') }}

),

aggregated as (

    select
        tickets.customer_id,
        count(*) as tickets_total,
        {%- for ticket_type in ticket_types() %}
            count(case when tickets.ticket_type = '{{ ticket_type }}' then 1 end) as {{ ticket_type }}_tickets,
        {%- endfor %}
        count(distinct tickets.ticket_type) as service_types_used,
        count(
            case
                when tickets.ticket_type = 'fault_repair'
                    and tickets.created_date between {{ date_offset('as_of.as_of_date', -89) }} and as_of.as_of_date
                    then 1
            end
        ) as fault_repair_tickets_90d,
        count(
            case
                when tickets.ticket_type = 'complaint'
                    and tickets.created_date between {{ date_offset('as_of.as_of_date', -179) }} and as_of.as_of_date
                    then 1
            end
        ) as complaint_tickets_180d,
        count(tickets.satisfaction) as rated_tickets,
        count(case when tickets.satisfaction >= 4 then 1 end) as satisfied_tickets,
        max(tickets.created_at) as last_ticket_at

    from tickets
    cross join as_of
    group by tickets.customer_id

)

select
    customer_id,
    cast(tickets_total as bigint) as tickets_total,
    {%- for ticket_type in ticket_types() %}
        cast({{ ticket_type }}_tickets as bigint) as {{ ticket_type }}_tickets,
    {%- endfor %}
    cast(service_types_used as bigint) as service_types_used,
    cast(fault_repair_tickets_90d as bigint) as fault_repair_tickets_90d,
    cast(complaint_tickets_180d as bigint) as complaint_tickets_180d,
    cast(rated_tickets as bigint) as rated_tickets,
    cast(satisfied_tickets as bigint) as satisfied_tickets,
    -- Satisfaction rate (满意率): share of rated tickets rated 4 or 5.
    case
        when rated_tickets > 0 then cast(cast(satisfied_tickets as numeric(12, 4)) / rated_tickets as numeric(5, 4))
    end as satisfaction_rate,
    last_ticket_at

from aggregated
