with

source as (

    select * from {{ source('cis', 'raw_cis__customers') }}

),

renamed as (

    select
        customer_id,
        name as customer_name,
        phone,
        id_card_no,
        address,
        district,
        area_type,
        category,
        -- The tariff table prices residential and non-residential (一般工商业及其他) customers apart.
        case when category = 'residential' then 'residential' else 'non_residential' end as tariff_class,
        tariff,
        transformer_id,
        lat,
        lon,
        opened_on as opened_date,
        _loaded_at as loaded_at

    from source

)

select * from renamed
