with

transformers as (

    select * from {{ ref('stg_scada__transformers') }}

),

connected as (

    select transformer_id, count(*) as customers_connected
    from {{ ref('stg_cis__customers') }}
    group by transformer_id

),

faults as (

    select
        transformer_id,
        count(*) as faults_recorded,
        max(fault_at) as last_fault_at

    from {{ ref('stg_scada__equipment_faults') }}
    group by transformer_id

)

select
    transformers.transformer_id,
    transformers.district,
    transformers.lat,
    transformers.lon,
    cast(transformers.rated_kva as numeric(10, 1)) as rated_kva,
    transformers.installed_date,
    cast(coalesce(connected.customers_connected, 0) as bigint) as customers_connected,
    cast(coalesce(faults.faults_recorded, 0) as bigint) as faults_recorded,
    faults.last_fault_at

from transformers
left join connected
    on transformers.transformer_id = connected.transformer_id
left join faults
    on transformers.transformer_id = faults.transformer_id
