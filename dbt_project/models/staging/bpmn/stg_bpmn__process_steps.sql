with

source as (

    select * from {{ source('bpmn', 'raw_bpmn__process_steps') }}

),

renamed as (

    select
        cast(process_id as {{ dbt.type_string() }}) as process_id,
        cast(process_name as {{ dbt.type_string() }}) as process_name,
        cast(ticket_type as {{ dbt.type_string() }}) as ticket_type,
        cast(step_id as {{ dbt.type_string() }}) as step_id,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(step_order as integer) as step_order,
        cast(timestamp_column as {{ dbt.type_string() }}) as timestamp_column,
        cast(is_optional as boolean) as is_optional,
        cast(branch_id as {{ dbt.type_string() }}) as branch_id,
        cast(commitment_minutes as integer) as commitment_minutes,
        cast(commitment_ref as {{ dbt.type_string() }}) as commitment_ref,
        cast(skip_deviation as {{ dbt.type_string() }}) as skip_deviation,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(value_column as {{ dbt.type_string() }}) as value_column,
        cast(commitment_from_step_id as {{ dbt.type_string() }}) as commitment_from_step_id,
        cast(late_deviation as {{ dbt.type_string() }}) as late_deviation,
        cast(missing_deviation as {{ dbt.type_string() }}) as missing_deviation

    from source

)

select * from renamed
