with

customers as (

    select * from {{ ref('stg_cis__customers') }}

)

select
    customer_id,
    cast({{ mask_name('customer_name') }} as {{ dbt.type_string() }}) as name_masked,
    cast({{ mask_phone('phone') }} as {{ dbt.type_string() }}) as phone_masked,
    cast({{ mask_id_card_no('id_card_no') }} as {{ dbt.type_string() }}) as id_card_no_masked,
    cast({{ mask_address('address', 'district') }} as {{ dbt.type_string() }}) as address_masked,
    district,
    area_type,
    category,
    tariff_class,
    tariff,
    transformer_id,
    -- Two decimals (about 1 km): enough for maps by area, too coarse to point at a home, since the
    -- exact supply point would undo the masking of the address.
    cast(lat as numeric(8, 2)) as lat_approx,
    cast(lon as numeric(8, 2)) as lon_approx,
    opened_date

from customers
