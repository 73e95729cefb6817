with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

consumption as (

    select * from {{ ref('int_meter_readings_aggregated_to_customers') }}

),

service as (

    select * from {{ ref('int_service_tickets_aggregated_to_customers') }}

),

tariff_costs as (

    select customer_id, tou_yearly_saving_yuan from {{ ref('int_tariff_costs_estimated') }}

),

interactions as (

    select
        customer_id,
        max(interaction_at) as last_interaction_at

    from {{ ref('stg_crm__interactions') }}
    where customer_id is not null
    group by customer_id

),

forecast as (

    select
        forecasts.customer_id,
        sum(forecasts.kwh_pred) as kwh_next_30d

    from {{ ref('stg_ml__consumption_forecasts') }} as forecasts
    cross join as_of
    where forecasts.forecast_date > as_of.as_of_date
        and forecasts.forecast_date <= {{ date_offset('as_of.as_of_date', 30) }}
    group by forecasts.customer_id

),

latest_bill as (

    -- The newest month of the bill forecast: the month being estimated.
    select customer_id, bill_month, estimated_bill_yuan, high_bill_alert
    from (
        select
            customer_id,
            bill_month,
            estimated_bill_yuan,
            high_bill_alert,
            row_number() over (partition by customer_id order by bill_month desc) as recency
        from {{ ref('bill_forecast') }}
    ) as ranked
    where recency = 1

),

customer_tags as (

    select
        customer_id,
        {{ dbt.listagg('tag', "','", 'order by tag') }} as tags,
    {%- for tag in customer_tag_codes() %}
        count(case when tag = '{{ tag }}' then 1 end) > 0 as is_{{ tag }}{{ "," if not loop.last }}
    {%- endfor %}

    from {{ ref('customer_tags') }}
    group by customer_id

)

select
    customers.customer_id,
    customers.name_masked,
    customers.phone_masked,
    customers.id_card_no_masked,
    customers.address_masked,
    customers.district,
    customers.area_type,
    customers.category,
    customers.tariff,
    customers.transformer_id,
    customers.opened_date,
    as_of.as_of_date,
    cast(coalesce(consumption.readings_30d, 0) as bigint) as readings_30d,
    consumption.kwh_30d,
    cast(coalesce(consumption.readings_90d, 0) as bigint) as readings_90d,
    consumption.kwh_90d,
    consumption.avg_daily_kwh_90d as avg_daily_kwh,
    consumption.peak_share_90d,
    consumption.flat_share_90d,
    consumption.valley_share_90d,
    cast(coalesce(service.tickets_total, 0) as bigint) as tickets_total,
    {%- for ticket_type in ticket_types() %}
        cast(coalesce(service.{{ ticket_type }}_tickets, 0) as bigint) as {{ ticket_type }}_tickets,
    {%- endfor %}
    cast(coalesce(service.service_types_used, 0) as bigint) as service_types_used,
    cast(coalesce(service.rated_tickets, 0) as bigint) as rated_tickets,
    service.satisfaction_rate,
    service.last_ticket_at,
    interactions.last_interaction_at,
    cast(coalesce(customer_tags.tags, '') as {{ dbt.type_string() }}) as tags,
    {%- for tag in customer_tag_codes() %}
        coalesce(customer_tags.is_{{ tag }}, false) as is_{{ tag }},
    {%- endfor %}
    tariff_costs.tou_yearly_saving_yuan,
    cast(forecast.kwh_next_30d as numeric(14, 3)) as forecast_kwh_next_30d,
    latest_bill.bill_month as latest_bill_month,
    latest_bill.estimated_bill_yuan as latest_estimated_bill_yuan,
    coalesce(latest_bill.high_bill_alert, false) as high_bill_alert

from customers
cross join as_of
left join consumption
    on customers.customer_id = consumption.customer_id
left join service
    on customers.customer_id = service.customer_id
left join tariff_costs
    on customers.customer_id = tariff_costs.customer_id
left join interactions
    on customers.customer_id = interactions.customer_id
left join customer_tags
    on customers.customer_id = customer_tags.customer_id
left join forecast
    on customers.customer_id = forecast.customer_id
left join latest_bill
    on customers.customer_id = latest_bill.customer_id
