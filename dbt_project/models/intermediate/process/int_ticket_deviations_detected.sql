-- How each ticket left its standard path. The rules are generic over the BPMN steps; which steps exist,
-- their order, which are optional and what skipping one is called all come from the process files.

with

ticket_steps as (

    select * from {{ ref('int_ticket_steps_evaluated') }}

),

deliveries as (

    select * from {{ ref('stg_crm__service_ticket_deliveries') }}

),

branches_taken as (

    select distinct ticket_id, branch_id
    from ticket_steps
    where first_reached_at is not null and branch_id is not null

),

skipped as (

    -- Not reached although a later step was; an optional step only counts when its branch was taken.
    -- The branch test is a join, not an EXISTS under OR: PostgreSQL cannot turn that into a join and ran
    -- it once per step over every ticket's steps (bench/RESULTS.md).
    select
        missing.ticket_id,
        coalesce(missing.skip_deviation, 'skipped_step') as deviation_kind,
        missing.step_id,
        missing.step_name,
        missing.step_order

    from ticket_steps as missing
    left join branches_taken
        on branches_taken.ticket_id = missing.ticket_id
        and branches_taken.branch_id = missing.branch_id
    where missing.first_reached_at is null
        and missing.is_known
        and exists (
            select 1 from ticket_steps as later
            where later.ticket_id = missing.ticket_id
                and later.step_order > missing.step_order
                and later.first_reached_at is not null
        )
        and (not missing.is_optional or branches_taken.ticket_id is not null)

),

out_of_order as (

    -- Reached before a step that comes earlier on the standard path.
    select
        early.ticket_id,
        'out_of_order' as deviation_kind,
        early.step_id,
        early.step_name,
        early.step_order

    from ticket_steps as early
    where early.first_reached_at is not null
        and exists (
            select 1 from ticket_steps as earlier
            where earlier.ticket_id = early.ticket_id
                and earlier.step_order < early.step_order
                and earlier.first_reached_at > early.first_reached_at
        )

),

late as (

    -- Reached after its commitment, for a step whose lateness is a deviation (gridcare:lateDeviation; the
    -- callback), not only a missed commitment.
    select
        ticket_id,
        late_deviation as deviation_kind,
        step_id,
        step_name,
        step_order

    from ticket_steps
    where late_deviation is not null and not is_commitment_met

),

overdue as (

    -- Not reached although its commitment ran out before the as-of time (gridcare:missingDeviation): a
    -- callback never made. Unknown steps (a column older files lack) are never overdue.
    select
        ticket_id,
        missing_deviation as deviation_kind,
        step_id,
        step_name,
        step_order

    from ticket_steps
    where missing_deviation is not null and is_overdue

),

reopened as (

    -- A later delivery moved the ticket back to an earlier status (resolved -> dispatched, ...).
    select
        back.ticket_id,
        'reopened' as deviation_kind,
        cast(null as {{ dbt.type_string() }}) as step_id,
        cast(null as {{ dbt.type_string() }}) as step_name,
        cast(null as integer) as step_order

    from deliveries as back
    where back.ticket_id in (select ticket_id from ticket_steps)
        and exists (
            select 1 from deliveries as before
            where before.ticket_id = back.ticket_id
                and before.delivery_seq < back.delivery_seq
                and before.status_rank > back.status_rank
        )
    group by back.ticket_id

),

deviations as (

    select * from skipped
    union all
    select * from out_of_order
    union all
    select * from late
    union all
    select * from overdue
    union all
    select * from reopened

)

select
    ticket_id,
    cast(deviation_kind as {{ dbt.type_string() }}) as deviation_kind,
    step_id,
    step_name,
    cast(step_order as integer) as step_order,
    cast(deviation_kind || coalesce(':' || step_id, '') as {{ dbt.type_string() }}) as deviation

from deviations
