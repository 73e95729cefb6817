"""The service's own tables and its connections to the warehouse.

* `raw.raw_assistant__messages` — the conversation log: one row per message and its answer. It holds the
  customer's words and phone number, so it lives in the raw (personal-data) zone like the CRM's interactions;
  the nightly run folds it into interactions, the contact timeline and the channel KPIs. Its primary key is
  the message_id: it is also what makes a repeated message return the stored answer.
* `raw.raw_oms__outages` — transformer outages as the outage management system (OMS) reports them, and their
  restoration.

The batch platform opens a connection per operation (`Warehouse`), which costs a PostgreSQL backend start per
query; an online service answering within milliseconds keeps connections instead: a small thread-safe pool on
PostgreSQL, and on DuckDB one read-write connection whose cursors the threads share (a read-only and a
read-write connection to one file cannot coexist in a process, and the service writes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from orchestration.warehouse import PG_DDL_LOCK, Warehouse
from orchestration.warehouse.postgres_warehouse import committed

MESSAGES = "raw.raw_assistant__messages"
OUTAGES = "raw.raw_oms__outages"

_MESSAGE_COLUMNS = (
    ("message_id", "text", "PRIMARY KEY"),
    ("conversation_id", "text", ""),
    ("channel", "text", "NOT NULL"),
    ("customer_id", "text", ""),
    ("identity_resolution", "text", "NOT NULL"),
    ("phone", "text", ""),  # as the channel sent it: personal data, raw zone only
    ("message_text", "text", "NOT NULL"),  # personal data, raw zone only
    ("received_at", "timestamp", "NOT NULL"),  # Beijing time, naive like the data
    ("intent", "text", ""),
    ("confidence", "double", ""),
    ("out_of_scope", "double", ""),
    ("model_version", "text", ""),
    ("answer_kind", "text", "NOT NULL"),
    ("answer_reason", "text", ""),  # why handoff / clarify (asked_for_agent, out_of_scope, low_confidence, ...)
    ("kb_article_id", "text", ""),
    ("work_order_id", "text", ""),
    ("response", "text", "NOT NULL"),  # the JSON answered, returned as is when the message comes again
    ("latency_ms", "double", ""),
)
_OUTAGE_COLUMNS = (
    ("outage_id", "text", "PRIMARY KEY"),
    ("transformer_id", "text", "NOT NULL"),
    ("kind", "text", "NOT NULL"),  # fault | planned
    ("cause", "text", "NOT NULL"),
    ("started_at", "timestamp", "NOT NULL"),  # Beijing time
    ("estimated_restore_at", "timestamp", ""),
    ("restored_at", "timestamp", ""),
    ("reported_at", "timestamp", "NOT NULL"),  # UTC, bookkeeping
)
_TYPES = {
    "duckdb": {"text": "VARCHAR", "double": "DOUBLE", "timestamp": "TIMESTAMP"},
    "postgres": {"text": "TEXT", "double": "DOUBLE PRECISION", "timestamp": "TIMESTAMP"},
}


def ddl(engine: str, lake: bool = False) -> list[str]:
    """CREATE statements of the service's tables in an engine's types.

    The lake (DuckLake) admits no key, index or constraint but NOT NULL: there the key is kept by
    `ServiceWarehouse.insert_new`, and lookups scan (the tables hold a day's messages per Parquet file)."""
    types = _TYPES[engine]
    stmts = ["CREATE SCHEMA IF NOT EXISTS raw"]
    for table, columns in ((MESSAGES, _MESSAGE_COLUMNS), (OUTAGES, _OUTAGE_COLUMNS)):
        cols = ", ".join(
            f"{n} {types[t]} {'NOT NULL' if lake and extra == 'PRIMARY KEY' else extra}".strip()
            for n, t, extra in columns
        )
        stmts.append(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
    if not lake:
        stmts.append(
            f"CREATE INDEX IF NOT EXISTS raw_assistant__messages_customer ON {MESSAGES} (customer_id, received_at)"
        )
        stmts.append(f"CREATE INDEX IF NOT EXISTS raw_oms__outages_transformer ON {OUTAGES} (transformer_id)")
        # History.read looks a conversation up by its id: without the index, every message scanned the log.
        stmts.append(f"CREATE INDEX IF NOT EXISTS raw_assistant__messages_conversation ON {MESSAGES} (conversation_id)")
    return stmts


class ServiceWarehouse:
    """The warehouse with kept connections: `query` and `execute` take `?` parameters on every engine.

    It offers what `orchestration.serving` asks of a `Warehouse` (`engine`, `query`, `pg`, `connect`), so the
    nightly job's order building and outbox run on it unchanged.
    """

    def __init__(self, url: str, max_connections: int = 8):
        self.warehouse = Warehouse(url)
        self.engine = self.warehouse.engine
        self.url = self.warehouse.url
        self._lock = threading.Lock()
        if self.engine == "postgres":
            from psycopg2.pool import ThreadedConnectionPool

            self._free = threading.BoundedSemaphore(max_connections)
            u = self.url
            self._pool = ThreadedConnectionPool(
                1,
                max_connections,
                host=u.host,
                port=u.port,
                user=u.user,
                password=u.password,
                dbname=u.dbname,
                application_name="gridcare-assistant",
            )
        else:
            self._duck = self.warehouse.connect()

    def close(self) -> None:
        """Close every connection (the service's shutdown)."""
        if self.engine == "postgres":
            self._pool.closeall()
        else:
            self._duck.close()

    @contextlib.contextmanager
    def pg(self):
        """A pooled psycopg2 connection, committed on success and rolled back on error.

        psycopg2's pool raises when all its connections are out instead of waiting, and the API answers from
        up to 40 threads: the semaphore makes a request wait for a free connection instead of failing.
        """
        with self._free, committed(self._pool.getconn(), release=self._pool.putconn) as con:
            yield con

    def connect(self, read_only: bool = False):
        """A DuckDB cursor of the kept connection (closing it leaves the connection open)."""
        return self.warehouse.cursor(self._duck)

    def transaction(self, con, work):
        """`work(con)` in one transaction on DuckDB, retried on the lake's commit conflicts (the outbox's path)."""
        return self.warehouse.transaction(con, work)

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run one statement (read, or a write in its own transaction) and return its rows, if any."""
        if self.engine == "postgres":
            with self._free:
                con = self._pool.getconn()
                # One statement is its own transaction: autocommit spares the COMMIT round trip that psycopg2's
                # implicit transaction costs after every read (a third of a message's database time).
                con.autocommit = True
                try:
                    with con.cursor() as cur:
                        cur.execute(sql.replace("?", "%s"), tuple(params))
                        return cur.fetchall() if cur.description else []
                finally:
                    con.autocommit = False
                    self._pool.putconn(con)
        cur = self.warehouse.cursor(self._duck)
        try:
            cur.execute(sql, list(params))
            return cur.fetchall() if cur.description else []
        finally:
            cur.close()

    execute = query

    def insert_new(self, table: str, key: str, row: dict) -> bool:
        """Insert `row` unless a row with its `key` exists; returns whether it was inserted.

        PostgreSQL and a DuckDB file keep the key themselves (ON CONFLICT DO NOTHING). The lake has no keys:
        the check and the insert share one transaction, retried when another writer committed meanwhile, and
        this process's threads take turns. Two processes inserting the same new key at the same instant could
        still both insert (DuckLake lets concurrent appends to one table commit); the readers take the first.
        """
        names = list(row)
        insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        if not self.url.lake:
            return bool(self.execute(f"{insert} ON CONFLICT ({key}) DO NOTHING RETURNING {key}", list(row.values())))

        def work(con) -> bool:
            if con.execute(f"SELECT 1 FROM {table} WHERE {key} = ? LIMIT 1", [row[key]]).fetchone():
                return False
            con.execute(insert, list(row.values()))
            return True

        with self._lock:
            cur = self.warehouse.cursor(self._duck)
            try:
                return self.warehouse.transaction(cur, work)
            finally:
                cur.close()

    def ensure(self) -> None:
        """Create the service's tables where missing."""
        if self.engine == "postgres":
            with self.pg() as con, con.cursor() as cur:
                cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")  # racing CREATE SCHEMA fails otherwise
                for s in ddl(self.engine):
                    cur.execute(s)
        else:
            for s in ddl(self.engine, lake=bool(self.url.lake)):
                self.query(s)


@dataclass(frozen=True)
class LoggedMessage:
    """A message of the log as the answer composition looks back at it (no text, no phone)."""

    message_id: str
    conversation_id: str | None
    channel: str
    received_at: dt.datetime
    intent: str | None
    answer_kind: str
    answer_reason: str | None
    work_order_id: str | None


_LOGGED = "message_id, conversation_id, channel, received_at, intent, answer_kind, answer_reason, work_order_id"
# What a message needs from the log before it is answered, in one round trip: its own earlier answer (a replay;
# the first recorded, should the lake hold two), the customer's messages since a time, and the latest earlier
# message of its conversation. Each part is one index lookup on PostgreSQL and a DuckDB file.
HISTORY_SQL = f"""
SELECT * FROM (SELECT 'answer' AS part, {_LOGGED}, response FROM {MESSAGES}
               WHERE message_id = ? ORDER BY received_at LIMIT 1) a
UNION ALL
SELECT 'recent' AS part, {_LOGGED}, NULL AS response FROM {MESSAGES}
WHERE customer_id = ? AND received_at >= ? AND message_id <> ?
UNION ALL
SELECT * FROM (SELECT 'conversation' AS part, {_LOGGED}, NULL AS response FROM {MESSAGES}
               WHERE conversation_id = ? AND message_id <> ?
               ORDER BY received_at DESC, message_id DESC LIMIT 1) c
"""


@dataclass(frozen=True)
class History:
    """What the log holds about a message before it is answered (`MessageLog.history`)."""

    answer: dict | None  # the answer already given to this message_id (a replay), else None
    recent: list[LoggedMessage]  # the customer's messages since the time asked, oldest first
    last_in_conversation: LoggedMessage | None  # the latest earlier message of its conversation


class MessageLog:
    """raw.raw_assistant__messages."""

    def __init__(self, db: ServiceWarehouse):
        self.db = db

    def answer_of(self, message_id: str) -> dict | None:
        """The answer already given to this message_id, or None."""
        rows = self.db.query(
            f"SELECT response FROM {MESSAGES} WHERE message_id = ? ORDER BY received_at LIMIT 1", (message_id,)
        )
        return json.loads(rows[0][0]) if rows else None

    def record(self, row: dict) -> dict:
        """Insert a message and its answer; returns the answer that stands (an earlier one if the same
        message_id was recorded meanwhile by another worker)."""
        names = [n for n, _, _ in _MESSAGE_COLUMNS]
        if self.db.insert_new(MESSAGES, "message_id", {n: row.get(n) for n in names}):
            return json.loads(row["response"])
        return self.answer_of(row["message_id"])

    def history(
        self, message_id: str, customer_id: str | None, since: dt.datetime, conversation_id: str | None
    ) -> History:
        """The message's earlier answer, the customer's messages received at or after `since` and the latest
        earlier message of the conversation (each part empty when its key is None), in one statement."""
        rows = self.db.query(HISTORY_SQL, (message_id, customer_id, since, message_id, conversation_id, message_id))
        answer, recent, last = None, [], None
        for part, *logged, response in rows:
            if part == "answer":
                answer = json.loads(response)
            elif part == "recent":
                recent.append(LoggedMessage(*logged))
            else:
                last = LoggedMessage(*logged)
        recent.sort(key=lambda m: (m.received_at, m.message_id))
        return History(answer, recent, last)


@contextlib.contextmanager
def opened(url: str) -> Iterator[ServiceWarehouse]:
    """A ServiceWarehouse with its tables ensured, closed on exit (scripts and tests)."""
    db = ServiceWarehouse(url)
    try:
        db.ensure()
        yield db
    finally:
        db.close()
