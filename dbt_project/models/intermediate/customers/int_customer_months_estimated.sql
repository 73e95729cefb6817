-- Each customer's kWh per calendar month: read so far, plus the forecast for the rest of the month.
-- Months from the first reading to the as-of month, and a later month only when the forecast covers it
-- to its last day (a half-forecast month would be a half bill). Forecast kWh are split into time-of-use
-- periods by the customer's own shares over [D-89, D].

with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

customers as (

    select customer_id, tariff, tariff_class, transformer_id, opened_date from {{ ref('stg_cis__customers') }}

),

first_day as (

    -- A month that starts before the warehouse's first reading is only partly known, for everyone.
    select min(months.first_reading_date) as first_reading_date
    from {{ ref('int_meter_readings_aggregated_to_months') }} as months
    inner join customers
        on months.customer_id = customers.customer_id

),

forecasts as (

    select
        forecasts.customer_id,
        cast({{ dbt.date_trunc('month', 'forecasts.forecast_date') }} as date) as bill_month,
        forecasts.forecast_date,
        forecasts.kwh_pred

    from {{ ref('stg_ml__consumption_forecasts') }} as forecasts
    cross join as_of
    -- A forecast older than the latest readings only counts for the days not read yet.
    where forecasts.forecast_date > as_of.as_of_date

),

read_months as (

    select * from {{ ref('int_meter_readings_aggregated_to_months') }}

),

forecast_months as (

    select
        customer_id,
        bill_month,
        count(*) as days_forecast,
        sum(kwh_pred) as kwh_forecast

    from forecasts
    group by customer_id, bill_month

),

months as (

    select
        coalesce(read_months.customer_id, forecast_months.customer_id) as customer_id,
        coalesce(read_months.bill_month, forecast_months.bill_month) as bill_month,
        coalesce(read_months.days_read, 0) as days_read,
        coalesce(read_months.kwh_read, 0) as kwh_read,
        coalesce(read_months.kwh_peak_read, 0) as kwh_peak_read,
        coalesce(read_months.kwh_flat_read, 0) as kwh_flat_read,
        coalesce(read_months.kwh_valley_read, 0) as kwh_valley_read,
        coalesce(forecast_months.days_forecast, 0) as days_forecast,
        coalesce(forecast_months.kwh_forecast, 0) as kwh_forecast

    from read_months
    full outer join forecast_months
        on read_months.customer_id = forecast_months.customer_id
        and read_months.bill_month = forecast_months.bill_month

),

shares as (

    select customer_id, kwh_90d, kwh_peak_90d, kwh_flat_90d
    from {{ ref('int_meter_readings_aggregated_to_customers') }}

),

degree_days as (

    select * from {{ ref('int_transformer_degree_days_aggregated_to_months') }}

),

calendar as (

    select
        months.*,
        cast({{ dbt.dateadd('month', 1, 'months.bill_month') }} as date) as next_month

    from months

),

split as (

    select
        calendar.customer_id,
        calendar.bill_month,
        {{ dbt.datediff('calendar.bill_month', 'calendar.next_month', 'day') }} as days_in_month,
        calendar.next_month,
        calendar.days_read,
        calendar.days_forecast,
        calendar.kwh_read,
        calendar.kwh_forecast,
        calendar.kwh_peak_read,
        calendar.kwh_flat_read,
        calendar.kwh_valley_read,
        -- Peak and flat are rounded to the meter's 0.001 kWh and valley takes the rest, so the three
        -- periods add up to the forecast exactly. Without history the forecast is priced as flat hours.
        case when shares.kwh_90d > 0
                then cast(calendar.kwh_forecast * shares.kwh_peak_90d / shares.kwh_90d as numeric(14, 3))
            else 0
        end as kwh_peak_forecast,
        case when shares.kwh_90d > 0
                then cast(calendar.kwh_forecast * shares.kwh_flat_90d / shares.kwh_90d as numeric(14, 3))
            else calendar.kwh_forecast
        end as kwh_flat_forecast

    from calendar
    left join shares
        on calendar.customer_id = shares.customer_id

)

select
    split.customer_id,
    split.bill_month,
    customers.tariff,
    customers.tariff_class,
    cast(split.days_in_month as bigint) as days_in_month,
    cast(split.days_read as bigint) as days_read,
    cast(split.days_forecast as bigint) as days_forecast,
    split.next_month <= {{ date_offset('as_of.as_of_date', 1) }} as is_month_closed,
    -- Known from its first day: the month starts on or after the first reading and the account's opening.
    (
        split.bill_month >= first_day.first_reading_date
        and coalesce(customers.opened_date, split.bill_month) <= split.bill_month
    ) as is_full_month,
    cast(split.kwh_read as numeric(14, 3)) as kwh_to_date,
    cast(split.kwh_forecast as numeric(14, 3)) as kwh_forecast_rest,
    cast(split.kwh_read + split.kwh_forecast as numeric(14, 3)) as kwh_month_estimate,
    cast(split.kwh_peak_read + split.kwh_peak_forecast as numeric(14, 3)) as kwh_peak,
    cast(split.kwh_flat_read + split.kwh_flat_forecast as numeric(14, 3)) as kwh_flat,
    cast(
        split.kwh_valley_read + split.kwh_forecast - split.kwh_peak_forecast - split.kwh_flat_forecast
        as numeric(14, 3)
    ) as kwh_valley,
    case when degree_days.days_with_temperature > 0
            then cast(degree_days.degree_days / degree_days.days_with_temperature as numeric(8, 2))
    end as degree_days_per_day

from split
inner join customers
    on split.customer_id = customers.customer_id
cross join as_of
cross join first_day
left join degree_days
    on customers.transformer_id = degree_days.transformer_id
    and split.bill_month = degree_days.bill_month
where split.bill_month <= as_of.as_of_date
    -- A later month only when the forecast reaches its last day.
    or split.days_forecast = split.days_in_month
