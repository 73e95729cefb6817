with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

readings as (

    select * from {{ ref('stg_ami__meter_readings') }}

),

windowed as (

    select
        readings.customer_id,
        readings.kwh_total,
        readings.kwh_peak,
        readings.kwh_flat,
        readings.kwh_valley,
        readings.reading_date >= {{ date_offset('as_of.as_of_date', -29) }} as is_in_30d

    from readings
    cross join as_of
    where readings.reading_date between {{ date_offset('as_of.as_of_date', -89) }} and as_of.as_of_date

),

aggregated as (

    select
        customer_id,
        count(case when is_in_30d then 1 end) as readings_30d,
        sum(case when is_in_30d then kwh_total end) as kwh_30d,
        count(*) as readings_90d,
        sum(kwh_total) as kwh_90d,
        sum(kwh_peak) as kwh_peak_90d,
        sum(kwh_flat) as kwh_flat_90d,
        sum(kwh_valley) as kwh_valley_90d

    from windowed
    group by customer_id

)

select
    customer_id,
    cast(readings_30d as bigint) as readings_30d,
    cast(kwh_30d as numeric(16, 3)) as kwh_30d,
    cast(readings_90d as bigint) as readings_90d,
    cast(kwh_90d as numeric(16, 3)) as kwh_90d,
    cast(kwh_peak_90d as numeric(16, 3)) as kwh_peak_90d,
    cast(kwh_flat_90d as numeric(16, 3)) as kwh_flat_90d,
    cast(kwh_valley_90d as numeric(16, 3)) as kwh_valley_90d,
    -- Averaged over the days with a reading: a missing reading is unknown consumption, not zero.
    cast(kwh_90d / readings_90d as numeric(14, 4)) as avg_daily_kwh_90d,
    case when kwh_90d > 0 then cast(kwh_peak_90d / kwh_90d as numeric(5, 4)) end as peak_share_90d,
    case when kwh_90d > 0 then cast(kwh_flat_90d / kwh_90d as numeric(5, 4)) end as flat_share_90d,
    case when kwh_90d > 0 then cast(kwh_valley_90d / kwh_90d as numeric(5, 4)) end as valley_share_90d

from aggregated
