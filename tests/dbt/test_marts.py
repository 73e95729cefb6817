"""`dbt build` of the whole project on crafted raw data, and the exact mart outcomes, on each engine.

One build per engine (module-scoped fixture); the tests then read the marts. Expected values come
from crafted.py, where each crafted row says which case it covers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.dbt import crafted
from tests.dbt.crafted import D, at, day
from tests.dbt.test_project import MODEL_COUNT

UNIT_TESTS = {
    "test_consumption_windows_include_d_and_stop_at_d_minus_89",
    "test_repair_arrival_commitment_verdicts",
    "test_repair_and_complaint_windows_count_back_from_d",
    "test_tou_saving_prices_flat_and_prorated_tiers",
    "test_tag_thresholds_and_boundaries",
    "test_complaint_sensitive_from_the_model_and_the_rule",
    "test_deviation_rules_follow_the_process_steps",
}


@pytest.fixture(scope="module")
def built(warehouse):
    """The warehouse after loading the crafted raw data and one `dbt build` (seeds, models, tests)."""
    warehouse.insert(crafted.dataset())
    run = warehouse.dbt("build")
    return warehouse, run


def rows(warehouse, sql):
    return warehouse.query(sql)


def test_build_runs_every_node_green(built):
    _, run = built
    statuses = run.statuses()
    assert set(statuses.values()) <= {"success", "pass"}, {
        k: v for k, v in statuses.items() if v not in ("success", "pass")
    }
    kinds = {}
    for unique_id in statuses:
        kinds[unique_id.split(".")[0]] = kinds.get(unique_id.split(".")[0], 0) + 1
    assert kinds["model"] == MODEL_COUNT
    assert kinds["seed"] == 2
    assert kinds["test"] >= 70
    unit_tests = {uid.rsplit(".", 1)[-1] for uid in run.statuses("unit_test")}
    assert unit_tests == UNIT_TESTS


def test_schemas_are_exactly_the_layers(built):
    warehouse, _ = built
    schemas = {
        r["table_schema"]
        for r in rows(warehouse, "select distinct table_schema from information_schema.tables")
        if r["table_schema"] not in ("information_schema", "pg_catalog", "main", "public")
    }
    assert schemas == {"raw", "staging", "intermediate", "marts"}


def test_mart_row_counts(built):
    warehouse, _ = built
    counts = {
        table: rows(warehouse, f"select count(*) as n from marts.{table}")[0]["n"]
        for table in (
            "dim_customers",
            "customer_360",
            "customer_tags",
            "fct_service_tickets",
            "daily_service_kpis",
            "fct_daily_consumption",
            "transformer_daily_load",
            "dim_transformers",
            "dim_workers",
        )
    }
    assert counts == {
        "dim_customers": 27,
        "customer_360": 27,
        "customer_tags": 8,
        # 22 distinct tickets (SDEDUP delivered three times counts once).
        "fct_service_tickets": 22,
        "daily_service_kpis": 16,
        "fct_daily_consumption": len(crafted.meter_readings()),
        # TR1: readings on D-89 .. D (90 days); TR2: TOU35's extra reading on D-90 makes 91.
        "transformer_daily_load": 181,
        "dim_transformers": 3,
        "dim_workers": 2,
    }


def test_tags_are_exactly_the_expected_ones(built):
    warehouse, _ = built
    tags = {(r["customer_id"], r["tag"]) for r in rows(warehouse, "select customer_id, tag from marts.customer_tags")}
    assert tags == crafted.EXPECTED_TAGS


def test_tag_evidence(built):
    warehouse, _ = built
    evidence = {
        (r["customer_id"], r["tag"]): (r["evidence_value"], r["tou_yearly_saving_yuan"], r["as_of_date"])
        for r in rows(warehouse, "select * from marts.customer_tags")
    }
    assert evidence[("TOU35", "tou_candidate")] == (Decimal("0.3500"), crafted.EXPECTED_TOU35_SAVING, D)
    assert evidence[("VAC25", "vacant")] == (Decimal("0.9500"), None, D)
    assert evidence[("C10", "high_consumption")] == (Decimal("10.0000"), None, D)
    assert evidence[("C11", "high_consumption")] == (Decimal("10.0000"), None, D)
    assert evidence[("REP3", "frequent_repair")] == (Decimal("3.0000"), None, D)
    assert evidence[("CMP2", "complaint_sensitive")] == (Decimal("2.0000"), None, D)


def test_sla_verdicts_per_ticket(built):
    warehouse, _ = built
    verdicts = {
        r["ticket_id"]: (r["arrival_commitment_minutes"], r["minutes_to_arrival"], r["sla_met"])
        for r in rows(warehouse, "select * from marts.fct_service_tickets")
    }
    assert {t: verdicts[t] for t in crafted.EXPECTED_SLA} == crafted.EXPECTED_SLA


def test_ticket_dedup_keeps_latest_delivery(built):
    warehouse, _ = built
    (ticket,) = rows(warehouse, "select * from marts.fct_service_tickets where ticket_id = 'SDEDUP'")
    assert (ticket["status"], ticket["worker_id"], ticket["satisfaction"]) == ("resolved", "W1", 5)
    assert ticket["minutes_to_dispatch"] == Decimal("10.00")
    assert ticket["minutes_to_resolution"] == Decimal("120.00")
    (staged,) = rows(warehouse, "select * from staging.stg_crm__service_tickets where ticket_id = 'SDEDUP'")
    assert (staged["delivery_count"], staged["last_delivery_date"]) == (3, D)


def test_personal_data_is_masked(built):
    warehouse, _ = built
    profiles = {
        r["customer_id"]: (r["name_masked"], r["phone_masked"], r["id_card_no_masked"], r["address_masked"])
        for r in rows(warehouse, "select * from marts.customer_360")
    }
    assert profiles["TOU35"] == ("张*", "138****1234", "**************002X", "朝阳区****")
    assert profiles["TOU34"] == ("欧阳**", "136****5432", "**************0011", "海淀区****")
    assert profiles["ONTOU"][0] == "李**"
    workers = {r["worker_id"]: r["name_masked"] for r in rows(warehouse, "select * from marts.dim_workers")}
    assert workers == {"W1": "王*", "W2": "欧阳*"}


def test_no_clear_personal_data_in_any_mart_column(built):
    """Every text value of every mart, searched for each customer's clear name, phone, ID and address."""
    warehouse, _ = built
    clear = set()
    for customer in crafted.CUSTOMERS:
        clear |= {customer["name"], customer["phone"], customer["id_card_no"], customer["address"]}
    text_columns = rows(
        warehouse,
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' "
        "and data_type in ('VARCHAR', 'text', 'character varying')",
    )
    assert len(text_columns) > 20
    found = []
    for column in text_columns:
        values = rows(warehouse, f'select distinct "{column["column_name"]}" as v from marts.{column["table_name"]}')
        found += [(column["table_name"], column["column_name"], r["v"]) for r in values if r["v"] in clear]
    assert found == []


def test_customer_360_profile(built):
    warehouse, _ = built
    c360 = {r["customer_id"]: r for r in rows(warehouse, "select * from marts.customer_360")}
    vac25 = c360["VAC25"]
    assert (vac25["tags"], vac25["is_vacant"], vac25["is_frequent_repair"], vac25["is_high_consumption"]) == (
        "frequent_repair,vacant",
        True,
        True,
        False,
    )
    assert (vac25["readings_30d"], vac25["kwh_30d"]) == (25, Decimal("0.950"))
    tou35 = c360["TOU35"]
    # The D-90 reading stays out of the 90-day figures.
    assert (tou35["readings_90d"], tou35["kwh_90d"], tou35["avg_daily_kwh"]) == (
        90,
        Decimal("900.000"),
        Decimal("10.0000"),
    )
    assert (tou35["peak_share_90d"], tou35["flat_share_90d"], tou35["valley_share_90d"]) == (
        Decimal("0.3000"),
        Decimal("0.3500"),
        Decimal("0.3500"),
    )
    assert (tou35["kwh_30d"], tou35["tags"], tou35["tou_yearly_saving_yuan"]) == (
        Decimal("300.000"),
        "tou_candidate",
        crafted.EXPECTED_TOU35_SAVING,
    )
    assert tou35["last_interaction_at"] == at(-3, "20:00")
    urb = c360["URB"]
    assert (urb["fault_repair_tickets"], urb["bill_inquiry_tickets"], urb["tickets_total"]) == (2, 1, 3)
    assert (urb["service_types_used"], urb["rated_tickets"], urb["satisfaction_rate"]) == (2, 3, Decimal("0.6667"))
    assert (urb["last_interaction_at"], urb["tags"], urb["is_vacant"]) == (at(0, "08:00"), "", False)
    assert {c["as_of_date"] for c in c360.values()} == {D}
    assert "X999" not in c360


def test_example_query_of_the_system_design(built):
    warehouse, _ = built
    result = {
        r["customer_id"]: (r["avg_daily_kwh"], r["service_types_used"])
        for r in rows(warehouse, "select customer_id, avg_daily_kwh, service_types_used from marts.customer_360")
    }
    assert result["BIG"] == (Decimal("30.0000"), 0)
    assert result["URB"] == (None, 2)
    assert result["VAC25"] == (Decimal("0.0380"), 1)


def test_daily_service_kpis(built):
    warehouse, _ = built
    kpis = {
        (r["created_date"], r["district"], r["channel"], r["ticket_type"]): r
        for r in rows(warehouse, "select * from marts.daily_service_kpis")
    }
    urban = kpis[(day(-5), "海淀区", "app", "fault_repair")]
    assert (urban["tickets"], urban["sla_evaluated_tickets"], urban["sla_met_tickets"]) == (2, 2, 1)
    assert (urban["sla_compliance_rate"], urban["median_minutes_to_arrival"], urban["satisfaction_rate"]) == (
        Decimal("0.5000"),
        Decimal("45.50"),
        Decimal("0.5000"),
    )
    remote = kpis[(D, "延庆区", "ivr", "fault_repair")]
    assert (remote["tickets"], remote["sla_evaluated_tickets"], remote["sla_compliance_rate"]) == (
        2,
        1,
        Decimal("0.0000"),
    )
    assert (remote["median_minutes_to_arrival"], remote["satisfaction_rate"]) == (None, None)
    bill = kpis[(day(-1), "海淀区", "counter", "bill_inquiry")]
    assert (bill["tickets"], bill["sla_compliance_rate"], bill["satisfaction_rate"]) == (1, None, Decimal("1.0000"))


def test_transformer_daily_load(built):
    warehouse, _ = built
    load = {
        (r["transformer_id"], r["load_date"]): r for r in rows(warehouse, "select * from marts.transformer_daily_load")
    }
    tr2 = load[("TR2", D)]
    assert (tr2["customers_served"], tr2["kwh_total"], tr2["telemetry_hours"]) == (2, Decimal("20.000"), 2)
    assert (tr2["max_oil_temp_c"], tr2["max_load_pct"]) == (Decimal("51.00"), Decimal("70.50"))
    assert load[("TR2", day(-90))]["customers_served"] == 1
    assert load[("TR1", day(-1))]["max_oil_temp_c"] == Decimal("51.00")
    assert ("TR3", D) not in load
    transformers = {r["transformer_id"]: r for r in rows(warehouse, "select * from marts.dim_transformers")}
    assert (transformers["TR1"]["faults_recorded"], transformers["TR1"]["last_fault_at"]) == (2, at(-2, "14:05"))
    assert (transformers["TR2"]["customers_connected"], transformers["TR3"]["customers_connected"]) == (2, 0)


def test_docs_generate(built):
    warehouse, _ = built
    warehouse.dbt("docs", "generate")
    catalog = (warehouse.workdir / "target" / "catalog.json").read_text()
    assert "model.gridcare.customer_360" in catalog


def test_docs_persisted_on_postgres(built):
    warehouse, _ = built
    if warehouse.engine != "postgres":
        pytest.skip("persist_docs is on for PostgreSQL only")
    (comment,) = rows(
        warehouse,
        "select obj_description('marts.customer_360'::regclass) as relation, "
        "col_description('marts.customer_360'::regclass, 1) as first_column",
    )
    assert comment["relation"].startswith("Customer 360")
    assert comment["first_column"] == "Customer account number (户号)."
