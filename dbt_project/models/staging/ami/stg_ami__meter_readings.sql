with

source as (

    select * from {{ source('ami', 'raw_ami__meter_readings') }}

),

renamed as (

    select
        customer_id,
        reading_date,
        -- Meters round each register to 0.001 kWh, and raw holds doubles. As decimals, sums are exact
        -- and identical on DuckDB and PostgreSQL, so thresholds such as a valley share of exactly 0.35
        -- decide the same way on both engines.
        cast(kwh_total as numeric(14, 3)) as kwh_total,
        cast(kwh_peak as numeric(14, 3)) as kwh_peak,
        cast(kwh_flat as numeric(14, 3)) as kwh_flat,
        cast(kwh_valley as numeric(14, 3)) as kwh_valley,
        is_unknown_customer,
        _delivery_date as delivery_date

    from source

)

select * from renamed
