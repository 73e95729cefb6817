"""The notification-preferences snapshot on a crafted file: which rows load, which are quarantined and why.

Runs on DuckDB and on PostgreSQL (the `warehouse_url` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

HEADER = (
    "customer_id,channel,opt_out_high_bill,opt_out_tariff_advice,opt_out_repair_progress,"
    "quiet_start_hour,quiet_end_hour,updated_at"
)


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    return Warehouse(warehouse_url)


def test_the_contract_has_a_refusal_flag_for_each_service_notice_and_none_for_outages():
    from domain.notices import OPTIONAL_KINDS, SAFETY_KINDS

    flags = [c for c in DATASETS["notification_preferences"].column_names if c.startswith("opt_out_")]
    assert flags == ["opt_out_high_bill", "opt_out_tariff_advice", "opt_out_repair_progress"]
    assert [f.removeprefix("opt_out_") for f in flags] == list(OPTIONAL_KINDS)
    assert not set(SAFETY_KINDS) & set(OPTIONAL_KINDS)


def test_bad_preference_rows_are_quarantined_naming_file_line_and_field(wh, tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = [
        HEADER,
        "C001,wechat,false,false,false,22,7,2026-10-01 09:00:00",  # line 2: good
        "C002,email,false,false,false,22,7,2026-10-01 09:00:00",  # 3: no such channel
        "C003,sms,maybe,false,false,22,7,2026-10-01 09:00:00",  # 4: not a flag
        "C004,app,true,否,false,24,7,2026-10-01 09:00:00",  # 5: hour 24 (是/否 is an accepted flag)
        "C005,sms,false,false,false,22,-1,2026-10-01 09:00:00",  # 6: negative hour
        "C006,app,false,false,false,0,0,2026-10-01 09:00:00",  # 7: good, no quiet hours
        "C001,sms,false,false,false,22,7,2026-10-02 09:00:00",  # 8: the same customer again
        ",sms,false,false,false,22,7,2026-10-01 09:00:00",  # 9: no customer
    ]
    (landing / "notification_preferences.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = load_dataset(wh, DATASETS["notification_preferences"], landing)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 2, 6)
    assert wh.query(
        "SELECT customer_id, channel, opt_out_high_bill, quiet_start_hour, quiet_end_hour "
        "FROM raw.raw_crm__notification_preferences ORDER BY 1"
    ) == [("C001", "wechat", False, 22, 7), ("C006", "app", False, 0, 0)]
    assert wh.query(
        "SELECT source_file, line, column_name, reason FROM raw.rejects WHERE dataset = 'notification_preferences' "
        "ORDER BY line"
    ) == [
        ("notification_preferences.csv", 3, "channel", "channel: 'email' is not one of wechat, sms, app"),
        ("notification_preferences.csv", 4, "opt_out_high_bill", "opt_out_high_bill: 'maybe' is not true/false"),
        ("notification_preferences.csv", 5, "quiet_start_hour", "quiet_start_hour: '24' is above the maximum 23"),
        ("notification_preferences.csv", 6, "quiet_end_hour", "quiet_end_hour: '-1' is below the minimum 0"),
        (
            "notification_preferences.csv",
            8,
            "customer_id",
            "duplicate key (customer_id) within the delivery, first at line 2",
        ),
        ("notification_preferences.csv", 9, "customer_id", "customer_id: missing value"),
    ]
