"""BI: the copy of `marts` and `ml` that Superset reads, the read-only role on PostgreSQL, and the Superset
dashboards (kept as code in superset/assets/) as assets downstream of the tables their charts read."""
