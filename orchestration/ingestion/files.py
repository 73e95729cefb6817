"""Finding landing files, fingerprinting them, and getting their bytes into UTF-8 for the reader."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingestion.contract import Dataset

_DAY_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
_CHUNK = 1 << 22


class FileRejected(Exception):
    """A landing file that cannot be loaded at all; its message names the file (and line/column if known)."""


@dataclass(frozen=True)
class LandingFile:
    """One delivered file of a dataset."""

    dataset: Dataset
    path: Path
    relpath: str  # relative to LANDING_DIR, as recorded in raw tables and the load log
    day: dt.date | None  # the day a daily file covers

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".").lower()


def discover(
    landing_dir: Path, dataset: Dataset, days: set[dt.date] | None = None
) -> tuple[list[LandingFile], list[str]]:
    """Landing files of a dataset (restricted to `days` for daily data) and the names it cannot take.

    Returns (files, problems): a daily file whose name is not a day is a problem, reported and skipped.
    Files starting with `_` or `.` are not deliveries (the generator's manifest, editors' temp files).
    """
    landing_dir = Path(landing_dir)
    if not dataset.daily:
        files = []
        for ext in dataset.extensions:
            p = landing_dir / f"{dataset.name}{ext}"
            if p.is_file():
                files.append(LandingFile(dataset, p, p.relative_to(landing_dir).as_posix(), None))
        return files[:1], [f"{f.relpath}: ignored, {files[0].relpath} is also delivered" for f in files[1:]]
    folder = landing_dir / dataset.name
    if not folder.is_dir():
        return [], []
    files, problems = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(("_", ".")) or not p.is_file():
            continue
        rel = p.relative_to(landing_dir).as_posix()
        if p.suffix.lower() not in dataset.extensions:
            problems.append(f"{rel}: not a {'/'.join(dataset.extensions)} file, skipped")
            continue
        m = _DAY_NAME.match(p.stem)
        day = _parse_day(m.group(1)) if m else None
        if day is None:
            problems.append(f"{rel}: file name is not a day (YYYY-MM-DD{p.suffix}), skipped")
            continue
        if days is None or day in days:
            files.append(LandingFile(dataset, p, rel, day))
    return files, problems


def _parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def sha256(path: Path) -> str:
    """Content fingerprint of a file, the load log's test for 'already loaded'."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: Path) -> str:
    """Encoding of a text landing file: utf-8, utf-8-sig, utf-16 (with BOM) or gb18030.

    Utility exports come as UTF-8 or as GB18030 from Windows tools, and carry no flag saying which: a strict
    UTF-8 decode decides, and GB18030 is tried only when UTF-8 fails. A file that is neither is rejected
    with the line and column of the first byte that decodes in neither.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(path, "utf-8-sig") is None else _fail(path, "utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16" if _decodes(path, "utf-16") is None else _fail(path, "utf-16")
    if _decodes(path, "utf-8") is None:
        return "utf-8"
    if _decodes(path, "gb18030") is None:
        return "gb18030"
    return _fail(path, "utf-8")


def _decodes(path: Path, encoding: str) -> tuple[int, int] | None:
    """None if the whole file decodes, else the (line, column) where decoding fails.

    Whole ASCII chunks are valid in every accepted encoding but UTF-16 and need no decoding; lines are only
    counted once a failure is found (a second pass), so the common clean file is one fast read.
    """
    ascii_ok = encoding != "utf-16"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            if ascii_ok and chunk and chunk.isascii() and decoder.getstate()[0] == b"":
                continue
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                return _failure_position(path, encoding)
            if final:
                return None


def _failure_position(path: Path, encoding: str) -> tuple[int, int]:
    """(line, column) of the first byte of `path` that does not decode as `encoding`."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, col = 1, 1
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                text = codecs.decode(chunk[: max(exc.start, 0)], encoding, errors="ignore")
                nl = text.count("\n")
                line += nl
                col = (len(text) - text.rfind("\n")) if nl else col + len(text)
                return line, col
            nl = text.count("\n")
            if nl:
                line += nl
                col = len(text) - text.rfind("\n")
            else:
                col += len(text)
            if final:  # pragma: no cover - only called on a file that failed to decode
                return line, col


def _fail(path: Path, encoding: str) -> str:
    where = _decodes(path, encoding) or (1, 1)
    raise FileRejected(
        f"{path.name}: line {where[0]}, column {where[1]}: bytes that are neither UTF-8 nor GB18030 "
        f"(the landing contract's encodings); the file was not loaded"
    )


def as_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """The file itself if it is plain UTF-8, else a UTF-8 copy in `workdir` that DuckDB can read."""
    if encoding == "utf-8":
        return path
    out = Path(workdir) / (path.stem + ".utf8" + path.suffix)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with open(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out
