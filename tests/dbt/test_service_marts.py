"""The assistant's conversations folded into the contact models, and the 智能客服 and 主动服务 marts, on crafted
rows, on each engine.

The service tables are created by the service's own code (assistant.store.ddl, the notifications' outbox),
as on a warehouse where the assistant ran and notices were built; the landed tables as the other dbt tests do.
"""

from __future__ import annotations

import pytest

from tests.dbt import crafted_service as crafted

MARTS = (
    "+customer_contact_timeline +channel_kpis +assistant_kpis +assistant_answers "
    "+notification_kpis +notification_opt_outs"
)


def _insert(warehouse, table: str, rows: list[dict]) -> None:
    names = list(rows[0])
    sql = f"insert into {table} ({', '.join(names)}) values ({', '.join(['%s'] * len(names))})"
    for row in rows:
        warehouse.execute(sql, params=tuple(row[n] for n in names))


@pytest.fixture(scope="module")
def built(warehouse):
    """The warehouse with the crafted rows in raw and serving, and the contact and service marts built."""
    from assistant.store import ddl
    from orchestration.serving.notifications.store import notification_outbox
    from orchestration.warehouse import Warehouse as PlatformWarehouse

    warehouse.insert(crafted.dataset())
    warehouse.execute(*ddl(warehouse.dialect, lake=warehouse.engine == "ducklake"))
    notification_outbox(PlatformWarehouse(warehouse.url)).ensure()
    _insert(warehouse, "raw.raw_assistant__messages", crafted.assistant_messages(warehouse.engine == "ducklake"))
    _insert(warehouse, "raw.raw_oms__outages", crafted.OMS_OUTAGES)
    _insert(warehouse, "serving.notifications", crafted.NOTIFICATIONS)
    warehouse.dbt("build", "--select", MARTS, "--indirect-selection", "cautious")
    return warehouse


def _table(warehouse, relation: str, key: tuple[str, ...], columns: tuple[str, ...]) -> dict:
    return {
        tuple(r[k] for k in key): tuple(r[c] for c in columns) for r in warehouse.query(f"select * from {relation}")
    }


def test_assistant_kpis_per_day_and_channel(built):
    got = _table(built, "marts.assistant_kpis", ("message_date", "channel"), crafted.ASSISTANT_KPI_COLUMNS)
    assert got == crafted.EXPECTED_ASSISTANT_KPIS


def test_assistant_answers_by_kind_and_reason(built):
    rows = built.query("select * from marts.assistant_answers")
    got = {
        (r["message_date"], r["channel"], r["answer_kind"], r["answer_reason"], r["is_contained"], r["messages"])
        for r in rows
    }
    assert (got, len(rows)) == (crafted.EXPECTED_ASSISTANT_ANSWERS, len(crafted.EXPECTED_ASSISTANT_ANSWERS))


def test_timeline_shows_the_bot_conversations(built):
    timeline = built.query(
        "select * from marts.customer_contact_timeline where customer_id = 'CA1' order by contact_seq"
    )
    got = [
        (
            r["contact_id"],
            r["channel"],
            r["handled_by"],
            r["topic"],
            r["answer_kind"],
            r["previous_channel"],
            r["is_repeat_contact"],
        )
        for r in timeline
    ]
    assert got == crafted.EXPECTED_CA1_TIMELINE
    assert [r["topic_source"] for r in timeline] == ["agent_label", "assistant_intent", "assistant_intent"]


def test_channel_kpis_count_the_assistant(built):
    got = _table(built, "marts.channel_kpis", ("contact_date", "channel", "district"), crafted.CHANNEL_KPI_COLUMNS)
    assert got == crafted.EXPECTED_CHANNEL_KPIS


def test_notification_kpis_with_minutes_from_outage_record_to_notice(built):
    got = _table(built, "marts.notification_kpis", ("notice_date", "kind", "channel"), crafted.NOTIFICATION_KPI_COLUMNS)
    assert got == crafted.EXPECTED_NOTIFICATION_KPIS


def test_opt_outs_per_channel_and_kind(built):
    got = _table(
        built,
        "marts.notification_opt_outs",
        ("channel", "kind"),
        ("customers_with_preferences", "opted_out_customers", "opt_out_rate"),
    )
    assert got == crafted.EXPECTED_OPT_OUTS


def test_no_personal_data_leaves_raw_and_staging(built):
    """The messages' text and phone numbers (a mobile number in the text) stay in raw and staging."""
    from orchestration.warehouse import Warehouse as PlatformWarehouse
    from orchestration.warehouse.privacy import scan

    assert [str(f) for f in scan(PlatformWarehouse(built.url))] == []
    # ... and the scan would see them: the staging view holds them.
    assert [str(f) for f in scan(PlatformWarehouse(built.url), exclude_schemas=("raw",)) if "stg_assistant" in f.table]


def test_empty_when_the_service_never_ran(warehouse_without_service):
    rows = warehouse_without_service.query("select count(*) as n from marts.assistant_kpis")
    assert rows == [{"n": 0}]


@pytest.fixture
def warehouse_without_service(built):
    """The same warehouse with the service's tables dropped and the assistant's marts rebuilt: they build, empty.
    Last in the module: the warehouse keeps the dropped tables afterwards."""
    cascade = " cascade" if built.engine == "postgres" else ""  # PostgreSQL keeps the staging views' dependency
    built.execute(f"drop table raw.raw_assistant__messages{cascade}", f"drop table raw.raw_oms__outages{cascade}")
    built.dbt("build", "--select", "stg_assistant__messages+ stg_oms__outages+", "--indirect-selection", "cautious")
    return built
