{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ gridcare.delete_incremental_month_range('bill_month') }}"
    )
}}

-- Heating and cooling degree days per transformer and calendar month, from its hourly ambient temperature:
-- what explains a bill's change with the weather. Cooling above 24 °C and heating below 12 °C of the day's
-- mean, the temperatures at which air conditioning and heating switch on. Incremental by month like
-- int_meter_readings_aggregated_to_months: a year of hourly telemetry is the largest table a night reads.

with

daily as (

    select
        transformer_id,
        measured_date,
        avg(ambient_temp_c) as ambient_temp_c

    from {{ ref('stg_scada__transformer_telemetry') }}
    where
        ambient_temp_c is not null
        and {{ gridcare.incremental_month_filter('measured_date', 'bill_month') }}
    group by transformer_id, measured_date

)

select
    transformer_id,
    cast({{ dbt.date_trunc('month', 'measured_date') }} as date) as bill_month,
    cast(count(*) as bigint) as days_with_temperature,
    -- Left unrounded: the estimate rounds degree days per day, once.
    sum(
        case when ambient_temp_c > 24 then ambient_temp_c - 24 else 0 end
        + case when ambient_temp_c < 12 then 12 - ambient_temp_c else 0 end
    ) as degree_days

from daily
group by transformer_id, cast({{ dbt.date_trunc('month', 'measured_date') }} as date)
