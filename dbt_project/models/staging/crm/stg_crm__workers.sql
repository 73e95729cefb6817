with

source as (

    select * from {{ source('crm', 'raw_crm__workers') }}

),

renamed as (

    select
        worker_id,
        name as worker_name,
        team,
        district,
        lat,
        lon,
        on_duty as is_on_duty

    from source

)

select * from renamed
