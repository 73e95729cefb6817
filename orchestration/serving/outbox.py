"""The outbox: every work order and its delivery state, durable in the warehouse (serving.work_order_outbox).

An order enters once (its external_id is the primary key; a re-run's same prediction is ignored) as
`pending`, and leaves `pending` only when the ticketing system answered: `delivered` on 2xx, `dead_letter` on a
4xx that retrying cannot fix. Delivery results are written in batches, so a process killed between the
ticketing system's answer and the write leaves the order `pending`: the next run sends it again under the same
Idempotency-Key, and the ticketing system keeps one order (docs/serving.md, “exactly once”).

An outbox whose items carry a bound (`expires_by`: the notifications' `send_before`) moves an item still pending
past it to `expired`, never sent and never retried. Work orders have none: they never expire.

Bookkeeping times (created_at, last_attempt_at, delivered_at) are UTC.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import duckdb
import pandas as pd

from orchestration.serving.work_order import WorkOrder
from orchestration.warehouse import PG_DDL_LOCK, Warehouse

SCHEMA = "serving"
TABLE = f"{SCHEMA}.work_order_outbox"
PENDING, DELIVERED, DEAD_LETTER, EXPIRED = "pending", "delivered", "dead_letter", "expired"
STATES = (PENDING, DELIVERED, DEAD_LETTER)  # every outbox's; EXPIRED only where items carry a bound
T = TypeVar("T")

_COLUMNS = (
    ("external_id", "text", "PRIMARY KEY"),
    ("kind", "text", "NOT NULL"),
    ("subject_id", "text", "NOT NULL"),
    ("payload", "text", "NOT NULL"),  # the JSON body sent, fixed at insert: a resend is byte-for-byte the same
    ("state", "text", "NOT NULL"),
    ("attempts", "integer", "NOT NULL"),
    ("last_error", "text", ""),
    ("response_status", "integer", ""),
    ("response_body", "text", ""),
    ("created_at", "timestamp", "NOT NULL"),
    ("last_attempt_at", "timestamp", ""),
    ("delivered_at", "timestamp", ""),
)
_TYPES = {
    "duckdb": {"text": "VARCHAR", "integer": "INTEGER", "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"},
    "postgres": {"text": "TEXT", "integer": "INTEGER", "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"},
}


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt series of one order ended in, to be recorded."""

    external_id: str
    state: str  # pending (still failing), delivered, dead_letter
    attempts: int  # requests sent this run
    last_error: str | None = None
    response_status: int | None = None
    response_body: str | None = None
    at: dt.datetime | None = None  # when the last attempt ended (UTC)


def _connect_when_free(wh: Warehouse, wait_s: float = 10.0) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file for writing, waiting while another process briefly holds it (a notebook's or the
    dashboard's read): losing a delivery batch to a lock would only cost resends, but failing the run is worse."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return wh.connect()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def utcnow() -> dt.datetime:
    """Now in UTC, naive like every timestamp column of the warehouse."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Outbox:
    """An outbox table on the warehouse's engine: serving.work_order_outbox unless told another.

    `extra_columns` ((name, type, constraint) like _COLUMNS) are stored beside the delivery state, filled from
    each item's `outbox_values()` dict: the notifications keep their text, channel and hold times there.
    `expires_by` names an extra timestamp column after which a pending item must not be sent (`expire`); work
    orders have none and never expire.
    """

    def __init__(
        self, warehouse: Warehouse, table: str = TABLE, extra_columns: tuple = (), expires_by: str | None = None
    ):
        self.wh = warehouse
        self.table = table
        self.extra_columns = tuple(extra_columns)
        self.expires_by = expires_by
        self.states = STATES + ((EXPIRED,) if expires_by else ())

    def _duck(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """`work(con)` in one DuckDB transaction, run again if a concurrent writer of the lake got there first."""
        con = _connect_when_free(self.wh)
        try:
            return self.wh.transaction(con, work)
        finally:
            con.close()

    def ensure(self) -> None:
        """Create the schema and table where missing, and add the extra columns a table created before them
        lacks (empty for its rows, so nullable whatever their constraint)."""
        types = _TYPES[self.wh.engine]
        # The lake has no PRIMARY KEY (DuckLake refuses constraints other than NOT NULL): on DuckDB the key is
        # kept by `add`, which inserts only the IDs absent in its own transaction.
        key = "PRIMARY KEY" if self.wh.engine == "postgres" else "NOT NULL"
        cols = ", ".join(
            f"{n} {types[t]} {key if extra == 'PRIMARY KEY' else extra}".strip()
            for n, t, extra in _COLUMNS + self.extra_columns
        )
        schema, table = self.table.split(".")
        stmts = [f"CREATE SCHEMA IF NOT EXISTS {schema}", f"CREATE TABLE IF NOT EXISTS {self.table} ({cols})"]
        stmts += [self.wh.add_column_sql(schema, table, n, types[t]) for n, t, _ in self.extra_columns]
        if self.wh.engine == "duckdb":
            self._duck(lambda con: [con.execute(s) for s in stmts])
        else:
            with self.wh.pg() as con, con.cursor() as cur:
                cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")  # concurrent CREATE SCHEMA races otherwise
                for s in stmts:
                    cur.execute(s)

    def add(self, orders: Iterable[WorkOrder], now: dt.datetime | None = None) -> list[str]:
        """Insert the items whose external_id is new, as pending; returns the external_ids inserted."""
        now = now or utcnow()
        extra = [n for n, _, _ in self.extra_columns]
        rows = []
        for o in orders:
            values = o.outbox_values() if extra else {}
            body = json.dumps(o.payload(), ensure_ascii=False, sort_keys=True)
            rows.append((o.external_id, o.kind, o.subject_id, body, PENDING, 0, now, *(values[n] for n in extra)))
        if not rows:
            return []
        cols = ", ".join(["external_id", "kind", "subject_id", "payload", "state", "attempts", "created_at", *extra])
        if self.wh.engine == "duckdb":
            # The lake supports neither ON CONFLICT nor RETURNING: the new IDs are found, then inserted, in one
            # transaction (the first of an ID repeated in `orders` wins, as ON CONFLICT DO NOTHING would keep).
            frame = pd.DataFrame(rows, columns=cols.split(", ")).drop_duplicates("external_id")

            def insert_new(con: duckdb.DuckDBPyConnection) -> set[str]:
                con.register("_given", frame)
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE _new AS
                        SELECT * FROM _given WHERE external_id NOT IN (SELECT external_id FROM {self.table})"""
                )
                con.execute(f"INSERT INTO {self.table} ({cols}) SELECT {cols} FROM _new")
                return {r[0] for r in con.execute("SELECT external_id FROM _new").fetchall()}

            inserted = self._duck(insert_new)
            return [i for i in frame["external_id"] if i in inserted]
        from psycopg2.extras import execute_values

        with self.wh.pg() as con, con.cursor() as cur:
            inserted = execute_values(
                cur,
                f"INSERT INTO {self.table} ({cols}) VALUES %s ON CONFLICT (external_id) DO NOTHING RETURNING external_id",
                rows,
                fetch=True,
            )
        return [r[0] for r in inserted]

    def pending(self, limit: int | None = None, where: str = "", params: tuple = ()) -> list[tuple[str, str]]:
        """(external_id, payload JSON) of pending items, oldest first; `where` (SQL with `?` for `params`)
        narrows them to those due now."""
        sql = (
            f"SELECT external_id, payload FROM {self.table} WHERE state = ?"
            + (f" AND ({where})" if where else "")
            + " ORDER BY created_at, external_id"
        )
        return self.wh.query(sql + (f" LIMIT {int(limit)}" if limit else ""), (PENDING, *params))

    def payloads(self, since: dt.datetime | None = None) -> list[dict]:
        """Payloads of the orders not dead-lettered, created at or after `since` (UTC) if given."""
        sql = f"SELECT payload FROM {self.table} WHERE state <> ?" + (" AND created_at >= ?" if since else "")
        return [json.loads(p) for (p,) in self.wh.query(sql, (DEAD_LETTER, since) if since else (DEAD_LETTER,))]

    def counts(self) -> dict[str, int]:
        """Orders per state (every state of this outbox present, zeros included)."""
        found = dict(self.wh.query(f"SELECT state, count(*) FROM {self.table} GROUP BY state"))
        return {s: int(found.get(s, 0)) for s in self.states}

    def expire(self, at: dt.datetime) -> int:
        """Move the pending items whose bound (`expires_by`, in the column's own clock, as `at` is) is not after
        `at` to `expired`; returns how many. Items without a bound, and outboxes without one, stay as they are."""
        if not self.expires_by:
            return 0
        where = f"state = '{PENDING}' AND {self.expires_by} IS NOT NULL AND {self.expires_by} <= ?"
        update = (
            f"UPDATE {self.table} SET state = '{EXPIRED}', last_error = 'expired: past {self.expires_by}' WHERE {where}"
        )
        if self.wh.engine == "duckdb":

            def apply(con: duckdb.DuckDBPyConnection) -> int:
                (n,) = con.execute(f"SELECT count(*) FROM {self.table} WHERE {where}", (at,)).fetchone()
                con.execute(update, (at,))
                return int(n)

            return self._duck(apply)
        with self.wh.pg() as con, con.cursor() as cur:
            cur.execute(update.replace("?", "%s"), (at,))
            return cur.rowcount

    def record(self, outcomes: list[Outcome]) -> None:
        """Write a batch of outcomes in one transaction; only pending rows change (a delivered order stays so)."""
        if not outcomes:
            return
        rows = [
            (
                o.external_id,
                o.state,
                o.attempts,
                o.last_error,
                o.response_status,
                o.response_body,
                o.at,
                o.at if o.state == DELIVERED else None,
            )
            for o in outcomes
        ]
        cols = [
            "external_id",
            "state",
            "attempts",
            "last_error",
            "response_status",
            "response_body",
            "attempt_at",
            "delivered_at",
        ]
        update = f"""
            UPDATE {self.table} AS o SET
                state = v.state,
                attempts = o.attempts + v.attempts,
                last_error = v.last_error,
                response_status = v.response_status,
                response_body = v.response_body,
                last_attempt_at = v.attempt_at,
                delivered_at = v.delivered_at
            FROM {{values}}
            WHERE o.external_id = v.external_id AND o.state = '{PENDING}'"""
        if self.wh.engine == "duckdb":
            frame = pd.DataFrame(rows, columns=cols).astype(
                {
                    "attempts": "int64",
                    "response_status": "Int64",
                    "attempt_at": "datetime64[us]",
                    "delivered_at": "datetime64[us]",
                    "last_error": "object",
                    "response_body": "object",
                }
            )

            def apply(con: duckdb.DuckDBPyConnection) -> None:
                con.register("_outcomes", frame)
                con.execute(update.format(values="_outcomes AS v"))

            self._duck(apply)
            return
        from psycopg2.extras import execute_values

        with self.wh.pg() as con, con.cursor() as cur:
            execute_values(
                cur,
                update.format(values=f"(VALUES %s) AS v ({', '.join(cols)})"),
                rows,
                template="(%s, %s, %s::integer, %s, %s::integer, %s, %s::timestamp, %s::timestamp)",
                page_size=1000,
            )
