with

source as (

    select * from {{ source('crm', 'raw_crm__service_tickets') }}

),

versions as (

    select
        *,
        -- A ticket is delivered again on every day its state changes: the latest delivery day wins.
        -- Ties (a day loaded twice) go to the latest load, then the later line of the file.
        row_number() over (
            partition by ticket_id
            order by _delivery_date desc nulls last, _loaded_at desc nulls last, _source_line desc
        ) as version_rank,
        count(*) over (partition by ticket_id) as delivery_count

    from source

),

renamed as (

    select
        ticket_id,
        customer_id,
        channel,
        ticket_type,
        created_at,
        cast(created_at as date) as created_date,
        dispatched_at,
        arrived_at,
        resolved_at,
        status,
        worker_id,
        satisfaction,
        callback_at,
        description,
        _delivery_date as last_delivery_date,
        delivery_count

    from versions
    where version_rank = 1

)

select * from renamed
