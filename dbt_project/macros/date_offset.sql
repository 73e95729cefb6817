{#
    A date `days` days after (negative: before) a date, still typed date. dbt.dateadd returns a timestamp
    on PostgreSQL (date + interval), which would turn every window bound into a timestamp.
#}
{% macro date_offset(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}
