{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ gridcare.delete_incremental_month_range('bill_month') }}"
    )
}}

-- Each customer's kWh per calendar month, from every reading: the part of the month estimate that grows
-- with history. Incremental by month (macros/incremental_date_range.sql), so a nightly run reads the
-- readings of the month it delivers, not every reading since the first. Customers missing from the
-- customer file stay in: the estimate joins the customer file, and the join decides.

with

readings as (

    select * from {{ ref('stg_ami__meter_readings') }}
    where {{ gridcare.incremental_month_filter('reading_date', 'bill_month') }}

)

select
    customer_id,
    cast({{ dbt.date_trunc('month', 'reading_date') }} as date) as bill_month,
    min(reading_date) as first_reading_date,
    cast(count(*) as bigint) as days_read,
    cast(sum(kwh_total) as numeric(16, 3)) as kwh_read,
    cast(sum(kwh_peak) as numeric(16, 3)) as kwh_peak_read,
    cast(sum(kwh_flat) as numeric(16, 3)) as kwh_flat_read,
    cast(sum(kwh_valley) as numeric(16, 3)) as kwh_valley_read

from readings
group by customer_id, cast({{ dbt.date_trunc('month', 'reading_date') }} as date)
