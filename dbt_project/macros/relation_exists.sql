{#
    Whether a source's table exists in the warehouse. Tables that another system creates on first use (the
    assistant's conversation log, the OMS's outages, the models' predictions, the notices) are missing from a
    warehouse where that system never ran; their staging view is then empty with the same columns, so the
    project builds anywhere. Pass the source() itself, so dbt records the dependency either way.
#}
{% macro relation_exists(relation) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is not none) }}
{%- endmacro %}

{#
    The select list of a staging view guarded by relation_exists: each (name, type, expression) cast to its
    type, or, with as_nulls, typed nulls for the view that stands in while the table is missing; one column
    list serves both.
#}
{% macro typed_columns(columns, as_nulls=false) -%}
    {%- for name, type, expression in columns %}
        cast({{ 'null' if as_nulls else expression }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- A guarded staging view's whole select: its typed columns from the table, or none while it is missing. -#}
{% macro typed_select_or_empty(relation, columns) -%}
    {%- if relation_exists(relation) %}
        select {{ typed_columns(columns) }}
        from {{ relation }}
    {%- else %}
        select {{ typed_columns(columns, as_nulls=true) }}
        where 1 = 0
    {%- endif %}
{%- endmacro %}
