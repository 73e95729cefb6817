{#
    The customer tag codes of customer_tags, in alphabetical order (the order of customer_360.tags).
    customer_360 has one is_<tag> column per code, so the list lives in one place.
#}
{% macro customer_tag_codes() -%}
    {{ return(['complaint_sensitive', 'frequent_repair', 'high_consumption', 'tou_candidate', 'vacant']) }}
{%- endmacro %}
