with

source as (

    select * from {{ source('scada', 'raw_scada__equipment_faults') }}

),

renamed as (

    select
        fault_id,
        transformer_id,
        fault_at,
        cast(fault_at as date) as fault_date,
        fault_type,
        restored_at

    from source

)

select * from renamed
