with

workers as (

    select * from {{ ref('stg_crm__workers') }}

)

select
    worker_id,
    cast({{ mask_name('worker_name') }} as {{ dbt.type_string() }}) as name_masked,
    team,
    district,
    lat,
    lon,
    is_on_duty

from workers
