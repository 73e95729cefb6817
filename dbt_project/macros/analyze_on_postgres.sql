{#-
    Post-hook: fresh planner statistics for a table dbt just (re)built, on PostgreSQL only.

    PostgreSQL plans the next model's joins from its statistics, and a table created moments ago has none
    until autovacuum gets to it: on a year of readings it then guessed billions of join rows and picked nested
    loops (int_customer_months_estimated ran for over 10 minutes). DuckDB keeps its statistics as it writes.
-#}
{% macro analyze_on_postgres() -%}
    {%- if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
