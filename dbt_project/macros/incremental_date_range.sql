{#
    Day-by-day incremental loading for facts that grow with the daily files.

    The orchestrator runs one daily partition range at a time with GRIDCARE_MIN_DATE / GRIDCARE_MAX_DATE in
    the environment (by hand: `--vars '{min_date: 2026-05-01, max_date: 2026-05-03}'`, which wins; vars
    that change make dbt re-parse the whole project, changed environment variables only the files that
    read them, about 2 s less per nightly run): those days are deleted (pre-hook) and
    rebuilt, so a re-delivered day replaces what was built from its earlier delivery, even rows that
    are gone from the new file. Without vars an incremental run appends every day newer than the
    newest day the table holds. --full-refresh ignores the vars and rebuilds every day.
#}

{#- A bound of the requested range: the var, else the orchestrator's environment variable, else none. -#}
{% macro requested_date(name) -%}
    {{ return(var(name) or env_var('GRIDCARE_' ~ (name | upper), '') or none) }}
{%- endmacro %}

{#- True when this run restricts itself to a min_date/max_date range (either may be given alone). -#}
{% macro incremental_range_requested() -%}
    {{ return((gridcare.requested_date('min_date') is not none or gridcare.requested_date('max_date') is not none)
              and not should_full_refresh()) }}
{%- endmacro %}

{#- The requested range as a SQL condition on a date expression; open ends default to the calendar's ends. -#}
{% macro requested_date_range_condition(date_expression) -%}
    {{ date_expression }} between cast('{{ gridcare.requested_date('min_date') or '0001-01-01' }}' as date)
        and cast('{{ gridcare.requested_date('max_date') or '9999-12-31' }}' as date)
{%- endmacro %}

{#-
    A boolean SQL condition selecting the days this run builds: the requested range, else (incremental
    run) the days after the newest `this_date_column` in the table, else every day.
-#}
{% macro incremental_date_filter(date_expression, this_date_column) -%}
    {%- if gridcare.incremental_range_requested() -%}
        {{ gridcare.requested_date_range_condition(date_expression) }}
    {%- elif is_incremental() -%}
        {#- coalesce: a table left empty takes every day again instead of none. -#}
        {{ date_expression }} > coalesce(
            (select max({{ this_date_column }}) from {{ this }}), cast('0001-01-01' as date))
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: delete the requested days from the existing table; renders nothing otherwise (hook skipped). -#}
{% macro delete_incremental_date_range(date_column) -%}
    {%- if is_incremental() and gridcare.incremental_range_requested() -%}
        delete from {{ this }} where {{ gridcare.requested_date_range_condition(date_column) }}
    {%- endif -%}
{%- endmacro %}

{#-
    Month-grain incremental loading for aggregates by calendar month of a daily fact (e.g. kWh per customer
    and month). A month is rebuilt whole from its days, so that a re-delivered day changes its month's total
    and never adds to it: with a requested range, every month the range touches is deleted (pre-hook) and
    rebuilt; without, the newest month the table holds is deleted and rebuilt, and newer months appended.
-#}

{#- The first day of the month of a date literal, as SQL. -#}
{% macro month_start_of(date_literal) -%}
    cast({{ dbt.date_trunc('month', "cast('" ~ date_literal ~ "' as date)") }} as date)
{%- endmacro %}

{#- A boolean SQL condition selecting the days whose months this run builds. -#}
{% macro incremental_month_filter(date_expression, this_month_column) -%}
    {%- if gridcare.incremental_range_requested() -%}
        {{ date_expression }} >= {{ gridcare.month_start_of(gridcare.requested_date('min_date') or '0001-01-01') }}
        and {{ date_expression }} < cast({{ dbt.dateadd(
            'month', 1, gridcare.month_start_of(gridcare.requested_date('max_date') or '9999-12-31')) }} as date)
    {%- elif is_incremental() -%}
        {#- The pre-hook has just deleted the newest month: the month after the newest one left is where the
            rebuild starts (every month, when none is left). -#}
        {{ date_expression }} >= coalesce(
            (select cast({{ dbt.dateadd('month', 1, 'max(' ~ this_month_column ~ ')') }} as date) from {{ this }}),
            cast('0001-01-01' as date))
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: delete the months this run rebuilds (see incremental_month_filter); nothing on a full build. -#}
{% macro delete_incremental_month_range(month_column) -%}
    {%- if is_incremental() and gridcare.incremental_range_requested() -%}
        delete from {{ this }}
        where {{ month_column }} between {{ gridcare.month_start_of(gridcare.requested_date('min_date') or '0001-01-01') }}
            and {{ gridcare.month_start_of(gridcare.requested_date('max_date') or '9999-12-31') }}
    {%- elif is_incremental() -%}
        delete from {{ this }} where {{ month_column }} = (select max({{ month_column }}) from {{ this }})
    {%- endif -%}
{%- endmacro %}
