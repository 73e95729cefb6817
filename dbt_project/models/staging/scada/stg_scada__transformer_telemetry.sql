with

source as (

    select * from {{ source('scada', 'raw_scada__transformer_telemetry') }}

),

renamed as (

    select
        transformer_id,
        ts as measured_at,
        cast(ts as date) as measured_date,
        oil_temp_c,
        load_pct,
        voltage_v,
        ambient_temp_c

    from source

)

select * from renamed
