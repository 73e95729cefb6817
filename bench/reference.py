"""Run bench/reference.sql: the same customer tags as the platform, by hand in one DuckDB database file.

The only Python is getting the CIS/CRM exports that come in GB18030 into UTF-8 (DuckDB reads UTF-8 only
without the `encodings` extension, which would be a download); the readings, the bulk, are read as delivered.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

SQL = Path(__file__).with_name("reference.sql")


def _utf8(path: Path, workdir: Path) -> Path:
    """`path` itself when it decodes as UTF-8, else a UTF-8 copy of its GB18030 text in `workdir`."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return path
    except UnicodeDecodeError:
        out = workdir / f"{path.parent.name}-{path.name}"
        out.write_text(data.decode("gb18030"), encoding="utf-8")
        return out


def stages(sql: str) -> list[tuple[str, str]]:
    """(name, statements) of each `-- stage: name` block of the script."""
    out: list[tuple[str, str]] = []
    for block in sql.split("-- stage: ")[1:]:
        name, _, body = block.partition("\n")
        out.append((name.strip(), body))
    return out


def run_reference(landing: Path, db: Path) -> dict:
    """Run the script over `landing` into the database file `db`; seconds per stage and the tag count."""
    landing = Path(landing).resolve()
    db.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gridcare-reference-") as tmp:
        start = time.perf_counter()
        tickets = [_utf8(p, Path(tmp)) for p in sorted((landing / "service_tickets").glob("*.csv"))]
        customers = _utf8(landing / "customers.csv", Path(tmp))
        timings["transcode"] = round(time.perf_counter() - start, 3)
        sql = (
            SQL.read_text(encoding="utf-8")
            .replace("{landing}", str(landing))
            .replace("{customers}", str(customers))
            .replace("{tickets}", "[" + ", ".join(f"'{p}'" for p in tickets) + "]")
        )
        con = duckdb.connect(str(db))
        try:
            for name, body in stages(sql):
                start = time.perf_counter()
                con.execute(body)
                timings[name] = round(time.perf_counter() - start, 3)
            counts = dict(
                zip(
                    ("readings_read", "readings_valid", "tags"),
                    con.execute(
                        "SELECT (SELECT count(*) FROM readings_text), (SELECT count(*) FROM readings), "
                        "(SELECT count(*) FROM reference_tags)"
                    ).fetchone(),
                )
            )
        finally:
            con.close()
    return {"stages": timings, **counts}
