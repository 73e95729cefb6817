-- What each customer's usage over [D-89, D] costs on its current tariff and on the time-of-use
-- tariff of its price class, and the yearly saving a switch to TOU would bring.

with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

customers as (

    select customer_id, tariff, tariff_class from {{ ref('stg_cis__customers') }}

),

usage as (

    select * from {{ ref('int_meter_readings_aggregated_to_customers') }}
    where readings_90d > 0

),

tariffs_in_force as (

    select
        tariffs.*,
        max(tariffs.effective_from) over (
            partition by tariffs.tariff, tariffs.tariff_class
        ) as latest_effective_from

    from {{ ref('tariffs') }} as tariffs
    cross join as_of
    where tariffs.effective_from <= as_of.as_of_date

),

prices as (

    select * from tariffs_in_force
    where effective_from = latest_effective_from

),

usage_by_period as (

    select customer_id, readings_90d, 'all_day' as period, kwh_90d as kwh from usage
    union all
    select customer_id, readings_90d, 'peak' as period, kwh_peak_90d as kwh from usage
    union all
    select customer_id, readings_90d, 'flat' as period, kwh_flat_90d as kwh from usage
    union all
    select customer_id, readings_90d, 'valley' as period, kwh_valley_90d as kwh from usage

),

costed as (

    -- Tiers are monthly but the window is not a calendar month (and may miss days), so each tier's
    -- bounds are prorated to the days observed: bound * days / 30. Everything is kept multiplied by
    -- 30 so it stays an exact decimal on both engines until the last division:
    -- billed kWh * 30 = greatest(0, least(kWh * 30, upper bound * days) - lower bound * days).
    select
        customers.customer_id,
        customers.tariff as current_tariff,
        prices.tariff as priced_tariff,
        prices.price_yuan_per_kwh * greatest(
            0,
            least(
                usage_by_period.kwh * 30,
                coalesce(prices.tier_upper_kwh * usage_by_period.readings_90d, usage_by_period.kwh * 30)
            ) - prices.tier_lower_kwh * usage_by_period.readings_90d
        ) as cost_yuan_times_30

    from usage_by_period
    inner join customers
        on usage_by_period.customer_id = customers.customer_id
    inner join prices
        on customers.tariff_class = prices.tariff_class
        and usage_by_period.period = prices.period
        and prices.tariff in (customers.tariff, 'tou')

),

per_customer as (

    select
        customer_id,
        sum(case when priced_tariff = current_tariff then cost_yuan_times_30 end) as current_cost_times_30,
        sum(case when priced_tariff = 'tou' then cost_yuan_times_30 end) as tou_cost_times_30

    from costed
    group by customer_id

)

select
    customers.customer_id,
    customers.tariff,
    customers.tariff_class,
    cast(usage.readings_90d as bigint) as days_observed,
    cast(per_customer.current_cost_times_30 / 30 as numeric(12, 2)) as current_tariff_cost_90d_yuan,
    cast(per_customer.tou_cost_times_30 / 30 as numeric(12, 2)) as tou_cost_90d_yuan,
    cast(
        (per_customer.current_cost_times_30 - per_customer.tou_cost_times_30) * 365
        / (30 * usage.readings_90d)
        as numeric(12, 2)
    ) as tou_yearly_saving_yuan

from per_customer
inner join customers
    on per_customer.customer_id = customers.customer_id
inner join usage
    on per_customer.customer_id = usage.customer_id
