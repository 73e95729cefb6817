-- customer_360 repeats customer_tags as a list and as booleans: fails on every customer where they differ.
-- Reads more than one model: `ref` names the one it checks, so Dagster shows it as that asset's check.
{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}

with

tags as (

    select customer_id, tag from {{ ref('customer_tags') }}

),

flags as (

    {%- for tag in customer_tag_codes() %}
        select customer_id, '{{ tag }}' as tag, is_{{ tag }} as is_held, tags from {{ ref('customer_360') }}
        {{ "union all" if not loop.last }}
    {%- endfor %}

)

select flags.customer_id, flags.tag, flags.is_held
from flags
left join tags
    on flags.customer_id = tags.customer_id
    and flags.tag = tags.tag
where flags.is_held <> (tags.tag is not null)
    or flags.is_held <> (flags.tags like '%' || flags.tag || '%')
