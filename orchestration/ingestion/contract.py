"""The landing contract in code: datasets, columns, types and domains (docs/landing_contract.md in prose).

Everything that reads or writes landing files — ingestion, validation, the synthetic generator, the
benchmarks — takes names and rules from here, so the prose contract, the loader and the generator agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.codes import (  # noqa: F401  (the contract's codes, re-exported for its readers)
    AREA_TYPES,
    CATEGORIES,
    CHANNELS,
    INTENTS,
    NOTIFY_CHANNELS,
    TARIFFS,
    TICKET_STATUSES,
    TICKET_TYPES,
)
from domain.notices import OPTIONAL_KINDS

# Tolerance for peak + flat + valley = total: meters round each register to 0.001 kWh.
KWH_SUM_TOLERANCE = 0.01

# Identifiers (text columns named `*_id`) are codes a system generated: the longest any source system issues is
# well under this, so a longer one is damage (a swallowed line, a paste of a whole record), not an ID.
ID_MAX_LENGTH = 64

# Formatting variants the loader accepts and normalises to the contract's canonical form, each counted per file
# and column in raw.load_log (docs/landing_contract.md, "Accepted variants").
VARIANTS = {
    "spaces": "spaces (or ideographic spaces) around a value",
    "fullwidth": "full-width digits and punctuation (１２３，．：／－)",
    "single_digit": "a one-digit month, day or hour (2026-6-1 9:15:00)",
    "slash_separator": "/ between year, month and day (2026/06/01)",
    "no_seconds": "a time without seconds (09:15)",
    "thousands_separator": "thousands separated by commas (1,234.5)",
    "yes_no": "a flag written yes/no, y/n or t/f",
    "chinese_yes_no": "a flag written 是/否",
}


@dataclass(frozen=True)
class Column:
    """One column of a landing file and the type it is loaded as in `raw`."""

    name: str
    type: str  # text | code | decimal | integer | date | timestamp | boolean
    required: bool = True  # must be present in the header
    nullable: bool = False  # may be empty
    domain: tuple[str, ...] = ()  # allowed codes for type == "code"
    min_value: float | None = None  # inclusive lower bound for numbers
    max_value: float | None = None
    exclusive_min: bool = False

    @property
    def is_identifier(self) -> bool:
        """A generated ID (`*_id` text): no control characters, at most ID_MAX_LENGTH characters."""
        return self.type == "text" and self.name.endswith("_id")


@dataclass(frozen=True)
class Dataset:
    """A landing dataset: where its files are, its columns, its key, and the raw table it loads into."""

    name: str
    source: str  # source system, the middle part of the raw table name
    entity: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    daily: bool
    description: str
    extensions: tuple[str, ...] = (".csv", ".parquet", ".xlsx")
    # Columns whose values may hold a line break (free text typed by people). In every other column, and in
    # every column of a dataset without any, a line break is damage: each physical line of a CSV is then
    # exactly one record, which is how a stray double quote is contained to its own line.
    line_breaks: tuple[str, ...] = ()
    date_column: str | None = None  # for daily data: the column that must fall on the file's day
    sum_check: tuple[str, tuple[str, ...]] | None = None  # total column == sum of parts
    extra_checks: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        """Raw table name, equal to the Dagster asset key (`raw_<source>__<entity>`)."""
        return f"raw_{self.source}__{self.entity}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _c(name, type_="text", **kw) -> Column:
    return Column(name, type_, **kw)


_KWH = dict(min_value=0.0)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="customers",
            source="cis",
            entity="customers",
            description="Customer file (用户档案): one row per customer, personal data unmasked.",
            daily=False,
            key=("customer_id",),
            columns=(
                _c("customer_id"),
                _c("name"),
                _c("phone"),
                _c("id_card_no"),
                _c("address"),
                _c("district"),
                _c("area_type", "code", domain=AREA_TYPES),
                _c("category", "code", domain=CATEGORIES),
                _c("tariff", "code", domain=TARIFFS),
                _c("transformer_id"),
                _c("lat", "decimal", min_value=-90, max_value=90),
                _c("lon", "decimal", min_value=-180, max_value=180),
                _c("opened_on", "date"),
            ),
        ),
        Dataset(
            name="transformers",
            source="scada",
            entity="transformers",
            description="Distribution transformers: one row per transformer.",
            daily=False,
            key=("transformer_id",),
            columns=(
                _c("transformer_id"),
                _c("district"),
                _c("lat", "decimal", min_value=-90, max_value=90),
                _c("lon", "decimal", min_value=-180, max_value=180),
                _c("rated_kva", "decimal", min_value=0, exclusive_min=True),
                _c("installed_on", "date"),
            ),
        ),
        Dataset(
            name="workers",
            source="crm",
            entity="workers",
            description="Field crew members: one row per worker, with home base and duty state.",
            daily=False,
            key=("worker_id",),
            columns=(
                _c("worker_id"),
                _c("name"),
                _c("team"),
                _c("district"),
                _c("lat", "decimal", min_value=-90, max_value=90),
                _c("lon", "decimal", min_value=-180, max_value=180),
                _c("on_duty", "boolean"),
            ),
        ),
        Dataset(
            name="equipment_faults",
            source="scada",
            entity="equipment_faults",
            description="Recorded transformer faults: one row per fault (ground truth for fault-risk backtests).",
            daily=False,
            key=("fault_id",),
            columns=(
                _c("fault_id"),
                _c("transformer_id"),
                _c("fault_at", "timestamp"),
                _c("fault_type"),
                # When the supply came back. Optional: fault logs before it was exported lack the column;
                # empty while the outage is under way (the restored notice waits for it).
                _c("restored_at", "timestamp", required=False, nullable=True),
            ),
        ),
        Dataset(
            name="notification_preferences",
            source="crm",
            entity="notification_preferences",
            description=(
                "Customers' notification preferences (消息订阅设置): one row per customer who set them — the "
                "channel, the service notices refused, the quiet hours."
            ),
            daily=False,
            key=("customer_id",),
            columns=(
                _c("customer_id"),
                _c("channel", "code", domain=NOTIFY_CHANNELS),
                # One flag per kind a customer may refuse (domain.notices.OPTIONAL_KINDS): outage notices are
                # about safety and have no flag, so refusing them cannot even be written down.
                *(_c(f"opt_out_{kind}", "boolean") for kind in OPTIONAL_KINDS),
                # Quiet hours [start, end) in whole local hours, wrapping midnight (22 and 7: 22:00-07:00);
                # start = end means none.
                _c("quiet_start_hour", "integer", min_value=0, max_value=23),
                _c("quiet_end_hour", "integer", min_value=0, max_value=23),
                _c("updated_at", "timestamp"),
            ),
        ),
        Dataset(
            name="meter_readings",
            source="ami",
            entity="meter_readings",
            description="Daily smart-meter readings: one row per customer and day, kWh by time-of-use register.",
            daily=True,
            key=("customer_id", "reading_date"),
            date_column="reading_date",
            sum_check=("kwh_total", ("kwh_peak", "kwh_flat", "kwh_valley")),
            columns=(
                _c("customer_id"),
                _c("reading_date", "date"),
                _c("kwh_total", "decimal", **_KWH),
                _c("kwh_peak", "decimal", **_KWH),
                _c("kwh_flat", "decimal", **_KWH),
                _c("kwh_valley", "decimal", **_KWH),
            ),
        ),
        Dataset(
            name="service_tickets",
            source="crm",
            entity="service_tickets",
            description=(
                "Service tickets (工单) as delivered: one row per ticket and delivery day; a ticket reappears "
                "in a later day's file with its updated state."
            ),
            daily=True,
            key=("ticket_id",),
            line_breaks=("description",),
            columns=(
                _c("ticket_id"),
                _c("customer_id"),
                _c("channel", "code", domain=CHANNELS),
                _c("ticket_type", "code", domain=TICKET_TYPES),
                _c("created_at", "timestamp"),
                _c("dispatched_at", "timestamp", nullable=True),
                _c("arrived_at", "timestamp", nullable=True),
                _c("resolved_at", "timestamp", nullable=True),
                _c("status", "code", domain=TICKET_STATUSES),
                _c("worker_id", nullable=True),
                _c("satisfaction", "integer", nullable=True, min_value=1, max_value=5),
                _c("description", nullable=True),
                # The callback (回访) after resolution. Optional: CRM exports before it was added lack the
                # column, and their tickets' callbacks are unknown, not missing (docs/process/README.md).
                _c("callback_at", "timestamp", required=False, nullable=True),
            ),
        ),
        Dataset(
            name="interactions",
            source="crm",
            entity="interactions",
            description="Customer messages from every channel: one row per message, with the agent's intent label if any.",
            daily=True,
            key=("interaction_id",),
            extensions=(".jsonl", ".csv", ".parquet", ".xlsx"),
            line_breaks=("text",),
            columns=(
                _c("interaction_id"),
                _c("customer_id", nullable=True),
                _c("channel", "code", domain=CHANNELS),
                _c("ts", "timestamp"),
                _c("text"),
                _c("intent", "code", nullable=True, domain=INTENTS),
                _c("phone", required=False, nullable=True),
            ),
        ),
        Dataset(
            name="transformer_telemetry",
            source="scada",
            entity="transformer_telemetry",
            description="Hourly transformer telemetry: one row per transformer and hour.",
            daily=True,
            key=("transformer_id", "ts"),
            columns=(
                _c("transformer_id"),
                _c("ts", "timestamp"),
                _c("oil_temp_c", "decimal", min_value=-50, max_value=200),
                _c("load_pct", "decimal", min_value=0),
                _c("voltage_v", "decimal", min_value=0),
                _c("ambient_temp_c", "decimal", min_value=-60, max_value=60),
            ),
        ),
    )
}

SNAPSHOTS = tuple(d for d in DATASETS.values() if not d.daily)
DAILY = tuple(d for d in DATASETS.values() if d.daily)

# Columns every raw table carries besides the contract's, so any row leads back to its file and line.
LINEAGE_COLUMNS = (
    ("_source_file", "text"),  # path relative to LANDING_DIR
    ("_source_line", "integer"),  # 1-based line of the record in the file (the header is line 1)
    ("_delivery_date", "date"),  # the file's day (daily data); null for snapshots
    ("_loaded_at", "timestamp"),
)
