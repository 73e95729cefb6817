"""No file in the repository holds something that looks like a credential: tokens and passwords come from the
environment only (issue 10). Scans every file git tracks or would add (untracked, not ignored)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What a credential looks like in a file. Reading one from the environment (env_var(...), os.environ,
# {env: ...}, ${VAR}) is the allowed form, so values that are such references are not matches.
PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"),
    "bearer token": re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{20,}"),
    "password in a URL": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"\[]+:([^/\s@'\"{}$\]]+)@([^/\s:'\"]+)"),
    "assigned secret": re.compile(
        r"(?i)\b[a-z_]*?(password|passwd|pwd|secret|secret_key|token|api_key|apikey|access_key)\b[\"']?\s*[:=]\s*"
        r"[\"']([^\"'\s]{8,})[\"']"
    ),
}
# Values of an assignment that are not credentials: environment reads and obvious placeholders.
NOT_A_VALUE = re.compile(r"env_var|environ|\{\{|\$\{|^<.*>$|^\*+$|^(changeme|example|placeholder)", re.I)
# In a URL: placeholder passwords, RabbitMQ's local default account, and the host names reserved for documentation
# and tests (RFC 2606: .test, .example, .invalid, .localhost; and mDNS .local).
PLACEHOLDER_PASSWORD = re.compile(r"^(pw|pass|password|secret|guest|<[^>]*>|\*+|\.\.\.|…)$", re.I)
RESERVED_HOST = re.compile(r"(\.(test|example|invalid|localhost|local)|example\.(com|org|net))(:\d+)?$", re.I)
SKIP_SUFFIXES = {".png", ".jpg", ".ico", ".parquet", ".duckdb", ".ipynb_checkpoints", ".gz", ".zip", ".whl"}


def repo_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [ROOT / p for p in out.splitlines() if (ROOT / p).is_file() and (ROOT / p).suffix not in SKIP_SUFFIXES]


def credentials_in(text: str) -> list[tuple[int, str]]:
    """(line, kind) of everything in `text` that looks like a credential."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in PATTERNS.items():
            for m in pattern.finditer(line):
                if kind == "assigned secret" and NOT_A_VALUE.search(m.group(2)):
                    continue
                if kind == "password in a URL" and (
                    PLACEHOLDER_PASSWORD.match(m.group(1)) or RESERVED_HOST.search(m.group(2))
                ):
                    continue
                hits.append((number, kind))
    return hits


def test_the_scanner_finds_planted_credentials():
    # Built from pieces so this file itself holds none.
    planted = "\n".join(
        [
            "db_password = '" + "hunter2hunter2" + "'",
            "url = 'postgresql://app:" + "s3cr3tpass" + "@db.prod.internal/prod'",
            "docs = 'postgresql://user:pw@host:port/db or postgresql://etl:s%40cret@db.local:6543/x'",  # fine
            "headers = {'Authorization': 'Bearer " + "abcdefghijklmnopqrstuvwxyz012345" + "'}",
            "-----BEGIN RSA " + "PRIVATE KEY-----",
            "password: \"{{ env_var('GRIDCARE_PG_PASSWORD', '') }}\"",  # an env read: fine
            "broker = 'amqp://guest:guest@127.0.0.1:5672//'",  # RabbitMQ's local default account: fine
            "token = os.environ['TICKETING_TOKEN']",  # fine
        ]
    )
    assert credentials_in(planted) == [
        (1, "assigned secret"),
        (2, "password in a URL"),
        (4, "bearer token"),
        (5, "private key"),
    ]


def test_no_file_in_the_repo_holds_a_credential():
    files = repo_files()
    assert len(files) > 100
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}:{line}: {kind}" for line, kind in credentials_in(text)]
    assert found == []
