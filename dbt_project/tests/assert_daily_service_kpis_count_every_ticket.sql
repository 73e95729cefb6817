-- Every ticket is counted once in the KPIs: fails when the KPI volume differs from the ticket fact.
-- Reads more than one model: `ref` names the one it checks, so Dagster shows it as that asset's check.
{{ config(meta={'dagster': {'ref': {'name': 'daily_service_kpis'}}}) }}

select kpis.tickets, facts.tickets as fact_tickets
from (select coalesce(sum(tickets), 0) as tickets from {{ ref('daily_service_kpis') }}) as kpis
cross join (select count(*) as tickets from {{ ref('fct_service_tickets') }}) as facts
where kpis.tickets <> facts.tickets
