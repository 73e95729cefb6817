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
