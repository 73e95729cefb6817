with

source as (

    select * from {{ source('scada', 'raw_scada__transformers') }}

),

renamed as (

    select
        transformer_id,
        district,
        lat,
        lon,
        rated_kva,
        installed_on as installed_date

    from source

)

select * from renamed
