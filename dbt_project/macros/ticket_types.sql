{#
    The ticket types of the CRM (orchestration/ingestion/contract.py TICKET_TYPES), in contract
    order. customer_360 has one count column per type, so the list lives in one place.
#}
{% macro ticket_types() -%}
    {{ return([
        'bill_inquiry', 'payment', 'outage_inquiry', 'fault_repair', 'service_application',
        'tariff_policy', 'complaint', 'praise_suggestion', 'preventive_maintenance'
    ]) }}
{%- endmacro %}
