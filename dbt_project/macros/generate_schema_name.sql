{#
    Schemas are exactly the layer names (staging, intermediate, marts) on every target, instead of dbt's
    default `<target schema>_<custom schema>`: DuckDB's default schema is `main` and PostgreSQL's `public`,
    so the default would give different names per engine, and Superset, the ML code and the Dagster
    translator address marts as `marts.<table>`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
