{#
    Small generic tests written here instead of installing dbt_utils: the platform builds offline
    (no `dbt deps` from the hub), and these two are all the project needs.
#}

{#- Fails on every combination of the columns that occurs more than once (nulls compare equal). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Fails on every row where the boolean SQL expression is false or null. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
