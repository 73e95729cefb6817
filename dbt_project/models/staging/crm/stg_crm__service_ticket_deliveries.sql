-- Every delivered state of every ticket (stg_crm__service_tickets keeps the latest only): the history a
-- reopening and the process event log are read from.

with

source as (

    select * from {{ source('crm', 'raw_crm__service_tickets') }}

),

renamed as (

    select
        ticket_id,
        customer_id,
        channel,
        ticket_type,
        created_at,
        dispatched_at,
        arrived_at,
        resolved_at,
        status,
        {{ ticket_status_rank('status') }} as status_rank,
        worker_id,
        satisfaction,
        callback_at,
        _delivery_date as delivery_date,
        -- Same tie-break as stg_crm__service_tickets: a day loaded twice counts once, the later load.
        row_number() over (
            partition by ticket_id
            order by _delivery_date, _loaded_at, _source_line
        ) as delivery_seq

    from source

)

select * from renamed
