{#
    Minutes elapsed from one timestamp to another, as numeric(12, 2), negative when `end_ts` is earlier.
    dbt.datediff('minute') counts minute boundaries crossed on DuckDB, so 10:00:59 -> 10:01:00 would be
    one minute there; repair commitments need elapsed time, hence seconds / 60 on both engines.
#}
{% macro minutes_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('minutes_between', 'gridcare')(start_ts, end_ts)) }}
{%- endmacro %}

{#- PostgreSQL has no date_diff: take the seconds of the interval between the two. -#}
{% macro default__minutes_between(start_ts, end_ts) -%}
    cast(extract(epoch from ({{ end_ts }} - {{ start_ts }})) / 60 as numeric(12, 2))
{%- endmacro %}

{#- DuckDB counts whole seconds between the timestamps directly (they carry no fractions). -#}
{% macro duckdb__minutes_between(start_ts, end_ts) -%}
    cast(date_diff('second', {{ start_ts }}, {{ end_ts }}) / 60.0 as numeric(12, 2))
{%- endmacro %}
