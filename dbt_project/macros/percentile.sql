{#
    A continuous percentile (interpolated between the two nearest values, like median) as an aggregate.
    DuckDB spells it quantile_cont(x, f); PostgreSQL only has the ordered-set percentile_cont. Cast the result
    where the type matters: PostgreSQL returns double precision.
#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'gridcare')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
