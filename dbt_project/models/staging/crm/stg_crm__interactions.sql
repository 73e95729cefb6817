with

source as (

    select * from {{ source('crm', 'raw_crm__interactions') }}

),

renamed as (

    select
        interaction_id,
        customer_id,
        channel,
        ts as interaction_at,
        cast(ts as date) as interaction_date,
        text as message_text,
        intent as agent_intent,
        phone,
        _delivery_date as delivery_date

    from source

)

select * from renamed
