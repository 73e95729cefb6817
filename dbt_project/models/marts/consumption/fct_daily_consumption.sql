{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ gridcare.delete_incremental_date_range('reading_date') }}"
    )
}}

-- Grows by one day of readings per customer every night: incremental by reading_date (see
-- macros/incremental_date_range.sql). Customer attributes stay out so that a later change to the
-- customer file cannot make incremental and full-refresh builds disagree; join dim_customers instead.

with

readings as (

    select * from {{ ref('stg_ami__meter_readings') }}
    where {{ gridcare.incremental_date_filter('reading_date', 'reading_date') }}

)

select
    customer_id,
    reading_date,
    kwh_total,
    kwh_peak,
    kwh_flat,
    kwh_valley,
    is_unknown_customer,
    delivery_date

from readings
