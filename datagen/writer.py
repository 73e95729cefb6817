"""Writing landing files: CSV through polars with hand-made bad lines spliced in, JSON lines, encodings.

A `Patch` replaces a row of the frame, or inserts a line before it, with text values; the writer returns the
file line of every patch (header = line 1), which is what the manifest records. No value contains a line
break, so a record's line number is also its physical line.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Patch:
    """A hand-written line at `position` of the frame: replaces that row, or is inserted before it."""

    position: int
    values: dict[str, str]
    insert: bool = False


def _csv_bytes(frame: pl.DataFrame, patches: list[Patch], lines: list[int], order: list[int]) -> bytes:
    """Render the frame once, then splice the patch lines in at the byte offsets of their rows."""
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    data = buffer.getvalue()
    if not patches:
        return data
    # Values never contain line breaks, so newline k ends line k+1: row r starts at starts[r].
    starts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
    rendered = io.BytesIO()
    pl.DataFrame(
        [[patches[k].values[c] for c in frame.columns] for k in order],
        schema={c: pl.Utf8 for c in frame.columns},
        orient="row",
    ).write_csv(rendered, include_header=False)
    view = memoryview(data)
    pieces = [view[: starts[0]]]
    row, line = 0, 1
    for k, text in zip(order, rendered.getvalue().splitlines(keepends=True)):
        patch = patches[k]
        pieces.append(view[starts[row] : starts[patch.position]])
        line += patch.position - row + 1
        lines[k] = line
        pieces.append(text)
        row = patch.position if patch.insert else patch.position + 1
    pieces.append(view[starts[row] :])
    return b"".join(pieces)


def write_csv(
    path: Path, frame: pl.DataFrame, patches: list[Patch] | None = None, encoding: str = "utf-8"
) -> list[int]:
    """Write `frame` (plus patches) as CSV in `encoding`; return each patch's line number, in input order."""
    patches = patches or []
    order = sorted(range(len(patches)), key=lambda k: (patches[k].position, not patches[k].insert))
    lines = [0] * len(patches)
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "gb18030":
        # polars writes UTF-8 only; GB18030 covers all of Unicode, so transcoding never fails.
        data = _csv_bytes(frame, patches, lines, order).decode("utf-8").encode("gb18030")
        path.write_bytes(data)
        return lines
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}")
    with path.open("wb") as f:
        if encoding == "utf-8-sig":
            f.write(_BOM)
        f.write(_csv_bytes(frame, patches, lines, order))
    return lines


def write_jsonl(path: Path, records: list[dict], encoding: str = "utf-8") -> None:
    """Write one JSON object per line, non-ASCII characters kept as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_bytes(text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding))
