{#
    Continuous median (the mean of the two middle values for an even count) as an aggregate.
    DuckDB has median(); PostgreSQL only the ordered-set percentile_cont. Cast the result where the
    type matters: DuckDB keeps the input type, PostgreSQL returns double precision.
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'gridcare')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
