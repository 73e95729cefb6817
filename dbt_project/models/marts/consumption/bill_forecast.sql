{%- set text = dbt.type_string() -%}

-- Bills by the customer's tariff on each month's kWh (read + forecast), compared with the months before.
-- Tiers apply to the month's total, TOU prices to each period's kWh; the price version is the one in force
-- on the month's first day.

with

months as (

    select * from {{ ref('int_customer_months_estimated') }}

),

month_kwh_by_period as (

    select customer_id, bill_month, tariff, tariff_class, 'all_day' as period, kwh_month_estimate as kwh
    from months where tariff <> 'tou'
    union all
    select customer_id, bill_month, tariff, tariff_class, 'peak' as period, kwh_peak as kwh
    from months where tariff = 'tou'
    union all
    select customer_id, bill_month, tariff, tariff_class, 'flat' as period, kwh_flat as kwh
    from months where tariff = 'tou'
    union all
    select customer_id, bill_month, tariff, tariff_class, 'valley' as period, kwh_valley as kwh
    from months where tariff = 'tou'

),

price_versions as (

    select
        bill_months.bill_month,
        tariffs.tariff,
        tariffs.tariff_class,
        max(tariffs.effective_from) as effective_from

    from (select distinct bill_month from months) as bill_months
    inner join {{ ref('tariffs') }} as tariffs
        on tariffs.effective_from <= bill_months.bill_month
    group by bill_months.bill_month, tariffs.tariff, tariffs.tariff_class

),

prices as (

    select price_versions.bill_month, tariffs.*
    from price_versions
    inner join {{ ref('tariffs') }} as tariffs
        on price_versions.tariff = tariffs.tariff
        and price_versions.tariff_class = tariffs.tariff_class
        and price_versions.effective_from = tariffs.effective_from

),

billed as (

    -- The kWh of a tier: those above its lower bound, up to its upper bound (open top tier: all of them).
    select
        usage.customer_id,
        usage.bill_month,
        sum(
            prices.price_yuan_per_kwh * greatest(
                0, least(usage.kwh, coalesce(prices.tier_upper_kwh, usage.kwh)) - prices.tier_lower_kwh
            )
        ) as bill_yuan

    from month_kwh_by_period as usage
    inner join prices
        on usage.bill_month = prices.bill_month
        and usage.tariff = prices.tariff
        and usage.tariff_class = prices.tariff_class
        and usage.period = prices.period
    group by usage.customer_id, usage.bill_month

),

bills as (

    select
        months.*,
        cast(coalesce(billed.bill_yuan, 0) as numeric(12, 2)) as estimated_bill_yuan,
        cast({{ dbt.dateadd('month', -1, 'months.bill_month') }} as date) as previous_month,
        cast({{ dbt.dateadd('month', -3, 'months.bill_month') }} as date) as three_months_before

    from months
    left join billed
        on months.customer_id = billed.customer_id
        and months.bill_month = billed.bill_month

),

history as (

    -- The three calendar months before, all whole months; fewer than three known gives no comparison.
    select
        bills.customer_id,
        bills.bill_month,
        count(*) as months_compared,
        sum(earlier.estimated_bill_yuan) as bill_sum,
        sum(earlier.kwh_month_estimate) as kwh_sum,
        sum(earlier.days_read + earlier.days_forecast) as days_sum,
        sum(earlier.days_in_month) as days_in_months_sum,
        avg(earlier.degree_days_per_day) as degree_days_per_day,
        count(earlier.degree_days_per_day) as months_with_temperature

    from bills
    inner join bills as earlier
        on bills.customer_id = earlier.customer_id
        and earlier.bill_month >= bills.three_months_before
        and earlier.bill_month < bills.bill_month
        and earlier.is_full_month
    group by bills.customer_id, bills.bill_month

),

compared as (

    select
        bills.*,
        previous.estimated_bill_yuan as previous_month_bill_yuan,
        case when history.months_compared = 3 then cast(history.bill_sum / 3 as numeric(12, 2)) end
            as previous_3_months_avg_bill_yuan,
        case when bills.days_read + bills.days_forecast > 0
                then bills.kwh_month_estimate / (bills.days_read + bills.days_forecast)
        end as daily_kwh,
        case when history.months_compared = 3 and history.days_sum > 0
                then history.kwh_sum / history.days_sum
        end as previous_daily_kwh,
        case when history.months_compared = 3
                then cast(history.days_in_months_sum as numeric(8, 2)) / 3
        end as previous_days_in_month,
        case when history.months_with_temperature = 3 then history.degree_days_per_day end
            as previous_degree_days_per_day

    from bills
    left join bills as previous
        on bills.customer_id = previous.customer_id
        and previous.bill_month = bills.previous_month
    left join history
        on bills.customer_id = history.customer_id
        and bills.bill_month = history.bill_month

),

flagged as (

    select
        compared.*,
        coalesce(
            estimated_bill_yuan >= 1.3 * previous_3_months_avg_bill_yuan
            and estimated_bill_yuan >= previous_3_months_avg_bill_yuan + 50,
            false
        ) as high_bill_alert,
        -- Why the bill is up, checked in order: the same daily use over more days; else a hotter or colder
        -- month (1 degree-day per day more at the transformer); else the customer uses more each day.
        case
            when previous_3_months_avg_bill_yuan is null or estimated_bill_yuan <= previous_3_months_avg_bill_yuan
                then null
            when daily_kwh < 1.05 * previous_daily_kwh then 'more_days'
            when degree_days_per_day >= previous_degree_days_per_day + 1 then 'weather'
            else 'step_up'
        end as main_driver

    from compared

)

select
    customer_id,
    bill_month,
    tariff,
    tariff_class,
    case when is_month_closed then 'actual' else 'estimate' end as bill_status,
    days_in_month,
    days_read,
    days_forecast,
    kwh_to_date,
    kwh_forecast_rest,
    kwh_month_estimate,
    estimated_bill_yuan,
    previous_month_bill_yuan,
    cast(estimated_bill_yuan - previous_month_bill_yuan as numeric(12, 2)) as bill_change_yuan,
    case when previous_month_bill_yuan > 0
            then cast((estimated_bill_yuan - previous_month_bill_yuan) / previous_month_bill_yuan as numeric(8, 4))
    end as bill_change_pct,
    previous_3_months_avg_bill_yuan,
    high_bill_alert,
    cast(main_driver as {{ text }}) as main_driver,
    cast(
        case main_driver
            when 'more_days'
                then '计费天数增加：本月 ' || cast(days_in_month as {{ text }})
                    || ' 天，前三个月平均 ' || cast(cast(previous_days_in_month as numeric(8, 1)) as {{ text }}) || ' 天，日均用电持平'
            when 'weather'
                then '天气影响：日均度日数 ' || cast(cast(degree_days_per_day as numeric(8, 1)) as {{ text }})
                    || '，前三个月平均 ' || cast(cast(previous_degree_days_per_day as numeric(8, 1)) as {{ text }})
            when 'step_up' then '日均用电上升：' || cast(cast(daily_kwh as numeric(12, 1)) as {{ text }})
                || ' kWh，前三个月平均 ' || cast(cast(previous_daily_kwh as numeric(12, 1)) as {{ text }}) || ' kWh'
        end
        as {{ text }}
    ) as main_driver_zh

from flagged
