{#
    The ticket timestamps a process step can be marked by: the timestamp columns of service_tickets in
    the landing contract (orchestration/ingestion/contract.py; the BPMN parser checks against it).
#}
{% macro ticket_timestamp_columns() -%}
    {{ return(['created_at', 'dispatched_at', 'arrived_at', 'resolved_at', 'callback_at']) }}
{%- endmacro %}

{#-
    Timestamp columns the contract makes optional: files from before the column existed leave it empty, so
    a step it marks is judged only once deliveries carry it (docs/process/README.md, "Unknown steps").
-#}
{% macro optional_ticket_timestamp_columns() -%}
    {{ return(['callback_at']) }}
{%- endmacro %}

{#- Ticket columns whose value marks a step besides its timestamp (gridcare:valueColumn; the parser's VALUE_COLUMNS). -#}
{% macro ticket_value_columns() -%}
    {{ return(['satisfaction']) }}
{%- endmacro %}

{#- The lifecycle order of the CRM's status codes: a later delivery with a lower rank is a reopening. -#}
{% macro ticket_status_rank(column) -%}
    case {{ column }}
        when 'open' then 1
        when 'dispatched' then 2
        when 'resolved' then 3
        when 'closed' then 4
    end
{%- endmacro %}

{#- Intents the self-service channels answer without an agent (knowledge base, bill and payment bots). -#}
{% macro self_service_intents() -%}
    {{ return(['bill_inquiry', 'payment', 'outage_inquiry', 'tariff_policy']) }}
{%- endmacro %}

{#-
    A phone number reduced to its digits, without the +86/86 country code, so '+86 138-1234-1234' and
    '13812341234' match. regexp_replace with the 'g' flag means the same on DuckDB and PostgreSQL.
-#}
{% macro phone_key(column) -%}
    case
        when length(regexp_replace({{ column }}, '[^0-9]', '', 'g')) = 13
            and regexp_replace({{ column }}, '[^0-9]', '', 'g') like '86%'
            then substr(regexp_replace({{ column }}, '[^0-9]', '', 'g'), 3)
        else nullif(regexp_replace({{ column }}, '[^0-9]', '', 'g'), '')
    end
{%- endmacro %}

{#-
    Answer kinds of the assistant that serve the customer without a person (docs/assistant.md, containment):
    answered from their own data, told about the outage, given a work order, or given an article's steps.
    handoff and clarify are not contained.
-#}
{% macro contained_answer_kinds() -%}
    {{ return(['account', 'area_outage', 'work_order', 'knowledge']) }}
{%- endmacro %}
