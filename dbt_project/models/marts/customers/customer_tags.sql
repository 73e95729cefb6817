{%- set text = dbt.type_string() -%}

with

as_of as (

    select as_of_date from {{ ref('int_as_of_dates_derived') }}

),

customers as (

    select customer_id, category, tariff from {{ ref('stg_cis__customers') }}

),

consumption as (

    select * from {{ ref('int_meter_readings_aggregated_to_customers') }}

),

service as (

    select * from {{ ref('int_service_tickets_aggregated_to_customers') }}

),

complaint_risks as (

    select customer_id, risk, reasons_zh from {{ ref('stg_ml__complaint_risks') }}

),

tariff_costs as (

    select customer_id, tou_yearly_saving_yuan from {{ ref('int_tariff_costs_estimated') }}

),

ranked_consumption as (

    -- Only customers with at least 30 readings in the 90 days are ranked (and rank the others):
    -- a handful of days says too little about a customer's level.
    select
        customers.customer_id,
        customers.category,
        consumption.readings_90d,
        consumption.avg_daily_kwh_90d,
        percent_rank() over (
            partition by customers.category
            order by consumption.avg_daily_kwh_90d
        ) as consumption_percent_rank

    from customers
    inner join consumption
        on customers.customer_id = consumption.customer_id
    where consumption.readings_90d >= 30

),

high_consumption as (

    select
        customer_id,
        'high_consumption' as tag,
        '高耗能' as tag_label_zh,
        cast(avg_daily_kwh_90d as numeric(14, 4)) as evidence_value,
        'avg ' || cast(avg_daily_kwh_90d as {{ text }}) || ' kWh/day over '
        || cast(readings_90d as {{ text }}) || ' readings in 90 days, percent rank '
        || cast(cast(consumption_percent_rank as numeric(5, 4)) as {{ text }})
        || ' among ' || category || ' customers' as evidence_text,
        cast(null as numeric(12, 2)) as tou_yearly_saving_yuan

    from ranked_consumption
    where consumption_percent_rank >= 0.9

),

frequent_repair as (

    select
        customer_id,
        'frequent_repair' as tag,
        '频繁报修' as tag_label_zh,
        cast(fault_repair_tickets_90d as numeric(14, 4)) as evidence_value,
        cast(fault_repair_tickets_90d as {{ text }}) || ' fault_repair tickets in 90 days' as evidence_text,
        cast(null as numeric(12, 2)) as tou_yearly_saving_yuan

    from service
    where fault_repair_tickets_90d >= 3

),

ranked_complaint_risks as (

    -- The model's top share of scored customers. Equal risks rank equal, so a model that scores everyone
    -- alike (trained on a history without complaints) flags no one.
    select
        customer_id,
        risk,
        reasons_zh,
        percent_rank() over (order by risk) as risk_percent_rank

    from complaint_risks

),

complaint_flagged as (

    select customer_id, risk, reasons_zh
    from ranked_complaint_risks
    where risk_percent_rank >= 1 - {{ var('complaint_sensitive_top_share') }}

),

complaint_rule as (

    select customer_id, complaint_tickets_180d
    from service
    where complaint_tickets_180d >= 2

),

complaint_sensitive as (

    -- Held by customers the early-warning model ranks in its top share (evidence: the risk and its reasons)
    -- and by customers with repeated recent complaints (evidence: the count), whether scored or not.
    select
        coalesce(complaint_flagged.customer_id, complaint_rule.customer_id) as customer_id,
        'complaint_sensitive' as tag,
        '投诉敏感' as tag_label_zh,
        cast(coalesce(complaint_flagged.risk, complaint_rule.complaint_tickets_180d) as numeric(14, 4))
            as evidence_value,
        case
            when complaint_flagged.customer_id is null
                then cast(complaint_rule.complaint_tickets_180d as {{ text }}) || ' complaint tickets in 180 days'
            else '30-day complaint risk ' || cast(complaint_flagged.risk as {{ text }})
                || ' (top ' || cast(cast(100 * {{ var('complaint_sensitive_top_share') }} as integer) as {{ text }})
                || '% of customers)'
                || case when complaint_flagged.reasons_zh <> '' then ': ' || complaint_flagged.reasons_zh else '' end
                || coalesce(
                    '; ' || cast(complaint_rule.complaint_tickets_180d as {{ text }})
                    || ' complaint tickets in 180 days', ''
                )
        end as evidence_text,
        cast(null as numeric(12, 2)) as tou_yearly_saving_yuan

    from complaint_flagged
    full outer join complaint_rule
        on complaint_flagged.customer_id = complaint_rule.customer_id

),

tou_candidate as (

    select
        customers.customer_id,
        'tou_candidate' as tag,
        '分时电价潜在用户' as tag_label_zh,
        cast(consumption.valley_share_90d as numeric(14, 4)) as evidence_value,
        'valley share ' || cast(consumption.valley_share_90d as {{ text }})
        || ' over 90 days, estimated saving on TOU '
        || coalesce(cast(tariff_costs.tou_yearly_saving_yuan as {{ text }}), 'unknown')
        || ' yuan/year' as evidence_text,
        tariff_costs.tou_yearly_saving_yuan

    from customers
    inner join consumption
        on customers.customer_id = consumption.customer_id
    left join tariff_costs
        on customers.customer_id = tariff_costs.customer_id
    where customers.category = 'residential'
        and customers.tariff <> 'tou'
        and consumption.kwh_90d > 0
        -- Compared on the exact sums, not the rounded share: a share of exactly 0.35 qualifies.
        and consumption.kwh_valley_90d >= 0.35 * consumption.kwh_90d

),

vacant as (

    select
        customer_id,
        'vacant' as tag,
        '疑似空置' as tag_label_zh,
        cast(kwh_30d as numeric(14, 4)) as evidence_value,
        cast(kwh_30d as {{ text }}) || ' kWh over ' || cast(readings_30d as {{ text }})
        || ' readings in 30 days' as evidence_text,
        cast(null as numeric(12, 2)) as tou_yearly_saving_yuan

    from consumption
    -- 25 of 30 days read: enough to tell an empty home from a meter that stopped reporting.
    where readings_30d >= 25
        and kwh_30d < 1.0

),

tags as (

    select * from high_consumption
    union all
    select * from frequent_repair
    union all
    select * from complaint_sensitive
    union all
    select * from tou_candidate
    union all
    select * from vacant

)

select
    tags.customer_id,
    cast(tags.tag as {{ text }}) as tag,
    cast(tags.tag_label_zh as {{ text }}) as tag_label_zh,
    as_of.as_of_date,
    tags.evidence_value,
    cast(tags.evidence_text as {{ text }}) as evidence_text,
    tags.tou_yearly_saving_yuan

from tags
-- Tags belong to customers in the customer file: readings of unknown customers carry no profile.
inner join customers
    on tags.customer_id = customers.customer_id
cross join as_of
