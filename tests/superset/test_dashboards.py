"""Superset from its own venv reading the lake where it lies (read-only, no copy): every chart returns rows
through the REST API, every dashboard renders in headless Chromium without chart errors, and another process
committing to the lake meanwhile breaks no query. Screenshots go to data/test-artifacts/superset/.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml

from orchestration.bi.publish import BI_SCHEMAS, superset_connection
from orchestration.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
SUPERSET_BIN = ROOT / "superset" / ".venv" / "bin"
CHROMIUM = Path("/usr/bin/chromium")
ASSETS = ROOT / "superset" / "assets"
ARTIFACTS = ROOT / "data" / "test-artifacts" / "superset"
# What Superset draws where a chart failed: its error alert, or an error message in the chart's place.
CHART_ERRORS = '[data-test="chart-error"], .ant-alert-error, [role="alert"], .alert-danger'
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _require(path: Path, how: str) -> None:
    if path.exists():
        return
    why = f"{path} is missing ({how})"
    if os.environ.get("CI") == "true":
        pytest.fail(why + " (CI=true: the Superset tests must run)")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assets(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS / kind).glob("*.yaml"))]


class Superset:
    """A running Superset and an API session logged in as its admin."""

    def __init__(self, url: str, user: str, password: str, warehouse: str):
        self.url, self.user, self.password, self.warehouse = url, user, password, warehouse
        self.api = requests.Session()
        token = self.api.post(
            f"{url}/api/v1/security/login",
            json={"username": user, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        token.raise_for_status()
        self.api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def charts(self) -> dict[str, int]:
        """Chart title -> id."""
        r = self.api.get(f"{self.url}/api/v1/chart/", params={"q": "(page_size:100)"}, timeout=30)
        r.raise_for_status()
        return {c["slice_name"]: c["id"] for c in r.json()["result"]}

    def chart_rows(self, chart_id: int) -> list[dict]:
        r = self.api.get(f"{self.url}/api/v1/chart/{chart_id}/data/", timeout=60)
        assert r.status_code == 200, f"chart {chart_id}: HTTP {r.status_code} {r.text[:300]}"
        return r.json()["result"][0]["data"]


def _working_lake(built_platform, folder: Path) -> str:
    """A lake of the built warehouse's marts and ML tables (what Superset may read) and one raw table (what it
    must not), for this module to write while Superset reads."""
    built = Warehouse(built_platform.settings.warehouse_url)
    url = f"ducklake:///{folder}"
    lake = Warehouse(url)
    tables = built.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        f"AND table_schema IN ({', '.join('?' * len(BI_SCHEMAS))}) ORDER BY 1, 2",
        BI_SCHEMAS,
    )
    for schema, table in [*tables, ("raw", "raw_cis__customers")]:
        lake.replace_table(schema, table, built.frame(f'SELECT * FROM {schema}."{table}"'))
    return url


@pytest.fixture(scope="module")
def superset(built_platform, tmp_path_factory):
    """Superset provisioned like `make superset` (temp metadata DB, random port) on a working lake."""
    _require(SUPERSET_BIN / "superset", "run `make superset-venv`")
    work = tmp_path_factory.mktemp("superset")
    warehouse = _working_lake(built_platform, work / "lake")
    connection = superset_connection(Warehouse(warehouse).url)
    password = secrets.token_urlsafe(12)
    env = {
        **os.environ,
        **connection,
        "SUPERSET_CONFIG_PATH": str(ROOT / "superset" / "superset_config.py"),
        "SUPERSET_METADATA_URI": f"sqlite:///{work / 'superset.db'}",
        "SUPERSET_SECRET_KEY": secrets.token_urlsafe(32),
        "SUPERSET_ADMIN_USER": "admin",
        "SUPERSET_ADMIN_PASSWORD": password,
    }
    # The log stays open for the server's lifetime, across the fixture's yield.
    files = contextlib.ExitStack()
    log = files.enter_context(open(work / "superset.log", "w", encoding="utf-8"))  # noqa: SIM115 (closed by `files`)
    for step in (
        [SUPERSET_BIN / "superset", "db", "upgrade"],
        [SUPERSET_BIN / "superset", "init"],
        [
            SUPERSET_BIN / "python",
            ROOT / "superset" / "provision.py",
            "--warehouse-uri",
            connection["SUPERSET_WAREHOUSE_URI"],
        ],
    ):
        done = subprocess.run([str(a) for a in step], env=env, cwd=ROOT, stdout=log, stderr=log, timeout=300)
        assert done.returncode == 0, f"{step[1:]} failed, see {work / 'superset.log'}"
    port = _free_port()
    server = subprocess.Popen(
        [
            str(SUPERSET_BIN / "gunicorn"),
            "-w",
            "1",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "superset.app:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                pass
            assert server.poll() is None and time.monotonic() < deadline, f"Superset did not start: {work}"
            time.sleep(0.5)
        yield Superset(url, "admin", password, warehouse)
    finally:
        server.terminate()
        server.wait(timeout=30)
        files.close()


def _bi(warehouse: str, sql: str):
    return Warehouse(warehouse).query(sql)


def test_every_chart_returns_rows(superset):
    charts = superset.charts()
    assert set(charts) == {c["slice_name"] for c in _assets("charts")}
    rows = {title: superset.chart_rows(cid) for title, cid in charts.items()}
    assert [t for t, r in rows.items() if not r] == []
    # The numbers are the marts' own: tickets per day and channel add up to the tickets in the mart ...
    (tickets,) = _bi(superset.warehouse, "SELECT count(*) FROM marts.fct_service_tickets")[0]
    assert sum(r["工单量"] for r in rows["每日工单量（按渠道）"]) == tickets
    assert sum(r["工单量"] for r in rows["工单量：区县 × 时段"]) == tickets
    # ... the TOU list is exactly the tagged customers, and the heat map spans hours of the day.
    tou = {r[0] for r in _bi(superset.warehouse, "SELECT customer_id FROM marts.customer_360 WHERE is_tou_candidate")}
    assert {r["customer_id"] for r in rows["分时电价潜在用户"]} == tou
    assert {r["created_hour"] for r in rows["工单量：区县 × 时段"]} <= set(range(24))
    assert {r["channel_zh"] for r in rows["每日工单量（按渠道）"]} <= {"掌上电力App", "微信", "电话（IVR）", "营业厅"}


def test_assistant_and_notice_dashboards_show_their_marts(superset):
    """智能客服 and 主动服务 on the night that folded the assistant's traffic (tests/doubles/assistant_traffic.py:
    7 answers on each of 3 days) and built the notices, among them the OMS outage's."""
    charts = superset.charts()
    rows = {
        title: superset.chart_rows(charts[title]) for title in ("智能客服消息量", "答复类型", "转人工原因", "通知条数")
    }
    assert rows["智能客服消息量"] == [{"消息量": 21}]
    assert {r["answer_kind_zh"]: r["消息量"] for r in rows["答复类型"]} == {
        "账户答复": 3,
        "区域停电告知": 3,
        "生成抢修工单": 3,
        "知识库答复": 3,
        "转人工": 6,
        "澄清追问": 3,
    }
    assert {r["answer_reason_zh"]: r["消息量"] for r in rows["转人工原因"]} == {"客户投诉": 3, "客户要求人工服务": 3}
    (notices,) = _bi(superset.warehouse, "SELECT sum(notices) FROM marts.notification_kpis")[0]
    (outage_notices,) = _bi(superset.warehouse, "SELECT sum(outage_notices) FROM marts.notification_kpis")[0]
    assert rows["通知条数"] == [{"通知条数": notices}] and outage_notices > 0


def test_the_lake_connection_offers_no_sql_lab(superset):
    """The lake also holds raw (personal) data, which no role hides: Superset may not run typed SQL on it."""
    r = superset.api.get(f"{superset.url}/api/v1/database/", params={"q": "(page_size:100)"}, timeout=30)
    r.raise_for_status()
    assert [(d["database_name"], d["expose_in_sqllab"]) for d in r.json()["result"]] == [("gridcare 数据仓库", False)]


def test_dashboards_render_in_chromium_without_chart_errors(superset):
    from playwright.sync_api import sync_playwright

    _require(CHROMIUM, "run `make chromium`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dashboards = _assets("dashboards")
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1400}, locale="zh-CN")
            # Nothing may leave the machine: record and refuse any request that is not to Superset itself.
            context.route(
                lambda url: not url.startswith(superset.url),
                lambda route: (outside.append(route.request.url), route.abort()),
            )
            page = context.new_page()
            # Log in by posting the login form with its CSRF token: typing into the React form races its
            # hydration on a loaded machine.
            page.goto(f"{superset.url}/login/")
            csrf = page.locator("#csrf_token").input_value()
            context.request.post(
                f"{superset.url}/login/",
                form={"csrf_token": csrf, "username": superset.user, "password": superset.password},
            )
            assert context.request.get(f"{superset.url}/api/v1/me/").status == 200, "browser login failed"
            for dash in dashboards:
                expected = sum(1 for n in dash["position"].values() if isinstance(n, dict) and n.get("type") == "CHART")
                page.goto(f"{superset.url}/superset/dashboard/{dash['slug']}/")
                # Done = every chart container holds a drawing (canvas/svg), a table or a big number and none is
                # loading, or some chart shows an error.
                page.wait_for_function(
                    """([n, errors]) => {
                        const cs = [...document.querySelectorAll('[data-test="chart-container"]')];
                        const drawn = cs.length === n && !document.querySelector('.loading')
                            && cs.every(c => c.querySelector('canvas, svg, table, .header-line'));
                        return drawn || document.querySelector(errors) !== null;
                    }""",
                    arg=[expected, CHART_ERRORS],
                    timeout=90_000,
                )
                state = page.evaluate(
                    """errors => ({
                        errors: [...document.querySelectorAll(errors)].map(e => e.innerText.slice(0, 200)),
                        charts: document.querySelectorAll('[data-test="chart-container"]').length,
                        empty: [...document.querySelectorAll('[data-test="chart-container"]')]
                            .filter(c => c.getBoundingClientRect().height < 20).length,
                    })""",
                    CHART_ERRORS,
                )
                shot = ARTIFACTS / f"{dash['slug']}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
                assert state["errors"] == [], f"{dash['dashboard_title']}: {state['errors']}"
                assert (state["charts"], state["empty"]) == (expected, 0), dash["dashboard_title"]
        finally:
            browser.close()
    # Offline by design: no map tiles, fonts or telemetry fetched from the internet.
    assert outside == []


WRITER = """
import sys

from orchestration.warehouse import Warehouse
wh = Warehouse(sys.argv[1])
tickets = wh.frame("SELECT * FROM marts.fct_service_tickets")
kpis = wh.frame("SELECT * FROM marts.daily_service_kpis")
for _ in range(int(sys.argv[2])):  # each replacement is one commit: a new snapshot of the same rows
    wh.replace_table("marts", "fct_service_tickets", tickets)
    wh.replace_table("marts", "daily_service_kpis", kpis)
"""


def test_queries_keep_working_while_another_process_commits_to_the_lake(superset):
    charts = superset.charts()
    (tickets,) = _bi(superset.warehouse, "SELECT count(*) FROM marts.fct_service_tickets")[0]
    by_channel = next(cid for title, cid in charts.items() if title == "每日工单量（按渠道）")
    stop, answered, failures, totals = threading.Event(), [], [], set()

    def query_all():
        while not stop.is_set():
            for title, cid in charts.items():
                try:
                    rows = superset.chart_rows(cid)
                    (answered if rows else failures).append(title)
                    if cid == by_channel:
                        totals.add(sum(r["工单量"] for r in rows))
                except Exception as exc:  # a failed query is what this test looks for
                    failures.append(f"{title}: {exc}")

    before = Warehouse(superset.warehouse).snapshot_id()
    reader = threading.Thread(target=query_all)
    reader.start()
    try:
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, superset.warehouse, "10"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        time.sleep(2)  # queries against the last snapshot, too
    finally:
        stop.set()
        reader.join(timeout=120)
    assert writer.returncode == 0, writer.stderr[-2000:]
    assert Warehouse(superset.warehouse).snapshot_id() >= before + 20, "the writer did not commit its snapshots"
    assert failures == []
    # Every answer read one whole snapshot: the tickets per day and channel always add up to the mart's.
    assert totals == {tickets}
    assert len(answered) >= len(charts)
