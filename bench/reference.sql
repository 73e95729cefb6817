-- The reference: the customer tags of dbt_project/models/marts/customers/customer_tags.sql computed by hand
-- in one DuckDB script over the same landing files, with the same rules of the landing contract that can
-- change a tag (numbers, dates, ranges, sums, duplicates, codes). It is what the platform's heavy steps
-- would cost without the platform: no per-file bookkeeping, quarantine table, lineage columns or dbt.
-- {landing} and {tickets} are filled in by bench/reference.py; each `-- stage:` block is timed on its own.

-- stage: load
CREATE OR REPLACE TABLE readings_text AS
SELECT row_number() OVER () AS _row, *
FROM read_csv('{landing}/meter_readings/*.csv', header = true, all_varchar = true, filename = true,
              auto_detect = false,
              columns = {'customer_id': 'VARCHAR', 'reading_date': 'VARCHAR', 'kwh_total': 'VARCHAR',
                         'kwh_peak': 'VARCHAR', 'kwh_flat': 'VARCHAR', 'kwh_valley': 'VARCHAR'});

CREATE OR REPLACE TABLE tickets_text AS
SELECT row_number() OVER () AS _row, *
FROM read_csv({tickets}, header = true, all_varchar = true, filename = true, union_by_name = true);

CREATE OR REPLACE TABLE customers AS
SELECT trim(customer_id) AS customer_id, trim(category) AS category, trim(tariff) AS tariff
FROM read_csv('{customers}', header = true, all_varchar = true)
WHERE trim(category) IN ('residential', 'commercial', 'industrial', 'agricultural')
  AND trim(tariff) IN ('flat', 'tiered', 'tou');

-- stage: validate
CREATE OR REPLACE TABLE readings AS
WITH typed AS (
    SELECT _row, nullif(trim(customer_id), '') AS customer_id,
           try_cast(CASE WHEN regexp_full_match(trim(reading_date), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                         THEN trim(reading_date) END AS DATE) AS reading_date,
           CAST(regexp_extract(filename, '([0-9]{4}-[0-9]{2}-[0-9]{2})\.csv$', 1) AS DATE) AS file_day,
           try_cast(CASE WHEN regexp_full_match(trim(kwh_total), '[+-]?[0-9]+(\.[0-9]+)?') THEN trim(kwh_total) END AS DOUBLE) AS t,
           try_cast(CASE WHEN regexp_full_match(trim(kwh_peak), '[+-]?[0-9]+(\.[0-9]+)?') THEN trim(kwh_peak) END AS DOUBLE) AS p,
           try_cast(CASE WHEN regexp_full_match(trim(kwh_flat), '[+-]?[0-9]+(\.[0-9]+)?') THEN trim(kwh_flat) END AS DOUBLE) AS f,
           try_cast(CASE WHEN regexp_full_match(trim(kwh_valley), '[+-]?[0-9]+(\.[0-9]+)?') THEN trim(kwh_valley) END AS DOUBLE) AS v
    FROM readings_text
),
valid AS (
    SELECT * FROM typed
    WHERE customer_id IS NOT NULL AND reading_date IS NOT NULL AND reading_date = file_day
      AND t >= 0 AND p >= 0 AND f >= 0 AND v >= 0 AND abs(t - (p + f + v)) <= 0.01
)
-- A key sent twice in a file: the first occurrence counts.
SELECT customer_id, reading_date,
       CAST(arg_min(t, _row) AS DECIMAL(14, 3)) AS kwh_total,
       CAST(arg_min(v, _row) AS DECIMAL(14, 3)) AS kwh_valley
FROM valid GROUP BY customer_id, reading_date;

CREATE OR REPLACE TABLE tickets AS
WITH typed AS (
    SELECT _row, filename, nullif(trim(ticket_id), '') AS ticket_id, nullif(trim(customer_id), '') AS customer_id,
           trim(channel) AS channel, trim(ticket_type) AS ticket_type, trim(status) AS status,
           CAST(regexp_extract(filename, '([0-9]{4}-[0-9]{2}-[0-9]{2})\.[a-z0-9]+$', 1) AS DATE) AS file_day,
           nullif(trim(created_at), '') AS created_text,
           try_cast(CASE WHEN regexp_full_match(trim(created_at), '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}')
                         THEN trim(created_at) END AS TIMESTAMP) AS created_at,
           list_filter([dispatched_at, arrived_at, resolved_at], lambda x: nullif(trim(x), '') IS NOT NULL
               AND try_cast(CASE WHEN regexp_full_match(trim(x), '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}')
                                 THEN trim(x) END AS TIMESTAMP) IS NULL) AS bad_stamps,
           nullif(trim(satisfaction), '') AS satisfaction_text,
           try_cast(CASE WHEN regexp_full_match(trim(satisfaction), '[+-]?[0-9]+') THEN trim(satisfaction) END AS INTEGER) AS satisfaction
    FROM tickets_text
),
valid AS (
    SELECT * FROM typed
    WHERE ticket_id IS NOT NULL AND customer_id IS NOT NULL AND created_at IS NOT NULL AND len(bad_stamps) = 0
      AND channel IN ('app', 'wechat', 'ivr', 'counter')
      AND ticket_type IN ('bill_inquiry', 'payment', 'outage_inquiry', 'fault_repair', 'service_application',
                          'tariff_policy', 'complaint', 'praise_suggestion', 'preventive_maintenance')
      AND status IN ('open', 'dispatched', 'resolved', 'closed')
      AND (satisfaction_text IS NULL OR satisfaction BETWEEN 1 AND 5)
),
first_in_file AS (
    SELECT ticket_id, file_day, arg_min(customer_id, _row) AS customer_id, arg_min(ticket_type, _row) AS ticket_type,
           arg_min(created_at, _row) AS created_at, min(_row) AS _row
    FROM valid GROUP BY ticket_id, file_day
)
-- A ticket comes again on every day its state changes: the latest delivery wins.
SELECT ticket_id, arg_max(customer_id, file_day) AS customer_id, arg_max(ticket_type, file_day) AS ticket_type,
       CAST(arg_max(created_at, file_day) AS DATE) AS created_date
FROM first_in_file GROUP BY ticket_id;

-- stage: tags
CREATE OR REPLACE TABLE reference_tags AS
WITH as_of AS (SELECT max(reading_date) AS d FROM readings),
consumption AS (
    SELECT customer_id,
           count(*) FILTER (WHERE reading_date >= d - 29) AS readings_30d,
           sum(kwh_total) FILTER (WHERE reading_date >= d - 29) AS kwh_30d,
           count(*) AS readings_90d, sum(kwh_total) AS kwh_90d, sum(kwh_valley) AS kwh_valley_90d
    FROM readings, as_of WHERE reading_date BETWEEN d - 89 AND d GROUP BY customer_id
),
ranked AS (
    SELECT c.customer_id,
           percent_rank() OVER (PARTITION BY c.category
                                ORDER BY CAST(k.kwh_90d / k.readings_90d AS DECIMAL(14, 4))) AS pr
    FROM customers c JOIN consumption k USING (customer_id) WHERE k.readings_90d >= 30
),
service AS (
    SELECT customer_id,
           count(*) FILTER (WHERE ticket_type = 'fault_repair' AND created_date BETWEEN d - 89 AND d) AS repairs_90d,
           count(*) FILTER (WHERE ticket_type = 'complaint' AND created_date BETWEEN d - 179 AND d) AS complaints_180d
    FROM tickets, as_of GROUP BY customer_id
)
SELECT customer_id, 'high_consumption' AS tag FROM ranked WHERE pr >= 0.9
UNION ALL
SELECT customer_id, 'frequent_repair' FROM service JOIN customers USING (customer_id) WHERE repairs_90d >= 3
UNION ALL
SELECT customer_id, 'complaint_sensitive' FROM service JOIN customers USING (customer_id) WHERE complaints_180d >= 2
UNION ALL
SELECT customer_id, 'tou_candidate' FROM consumption JOIN customers USING (customer_id)
WHERE category = 'residential' AND tariff <> 'tou' AND kwh_90d > 0 AND kwh_valley_90d >= 0.35 * kwh_90d
UNION ALL
SELECT customer_id, 'vacant' FROM consumption JOIN customers USING (customer_id)
WHERE readings_30d >= 25 AND kwh_30d < 1.0;
