with

source as (

    select * from {{ source('crm', 'raw_crm__notification_preferences') }}

),

renamed as (

    select
        customer_id,
        channel,
        opt_out_high_bill as is_opted_out_high_bill,
        opt_out_tariff_advice as is_opted_out_tariff_advice,
        opt_out_repair_progress as is_opted_out_repair_progress,
        quiet_start_hour,
        quiet_end_hour,
        -- Equal hours mean no quiet hours (docs/landing_contract.md).
        quiet_start_hour <> quiet_end_hour as has_quiet_hours,
        updated_at

    from source

)

select * from renamed
