"""DuckDB extensions loaded offline, from the wheels pip installed, never downloaded.

DuckDB fetches an extension it lacks from its own extension repository, on `INSTALL` or, by default, on first
use; no machine of this project reaches that repository. The extensions the platform needs come instead as PyPI
packages pinned in constraints.txt, one per extension (`duckdb-extension-ducklake`, ...), each holding the
signed binary of the same DuckDB release; `duckdb_extensions.import_extension` installs that file into DuckDB's
extension directory (~/.duckdb/extensions unless `extension_directory` says otherwise), and `LOAD` loads it.
Signature checks stay on: `allow_unsigned_extensions` is never set.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import duckdb

# The extensions the lake needs (ducklake, and the extension of its catalog database) and their PyPI packages;
# any other name follows the same pattern, `duckdb-extension-<name>`.
LAKE_EXTENSIONS = ("ducklake", "sqlite", "postgres")
# Connection settings under which DuckDB fetches nothing by itself: an extension a query needs and the platform
# did not load is an error, never a download.
OFFLINE = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


class ExtensionUnavailable(RuntimeError):
    """A DuckDB extension whose package is not installed, or was built for another DuckDB release."""


def package_name(name: str) -> str:
    """The PyPI package that ships extension `name`."""
    return f"duckdb-extension-{name.replace('_', '-')}"


def is_loaded(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether `name` (or an extension it is an alias of: sqlite is sqlite_scanner) is loaded in `con`'s database."""
    row = con.execute(
        "SELECT bool_or(loaded) FROM duckdb_extensions() WHERE extension_name = $n OR list_contains(aliases, $n)",
        {"n": name},
    ).fetchone()
    return bool(row and row[0])


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load DuckDB extension `name` into `con` from its PyPI package; a no-op when it is loaded already."""
    # The name goes into SQL and a module name: only what an extension name can be.
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a DuckDB extension name: {name!r}")
    if is_loaded(con, name):
        return
    module = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(
            f"DuckDB extension {name!r} is not installed: its package {package_name(name)} is missing "
            f"(pip install -c constraints.txt {package_name(name)}; it must match duckdb {duckdb.__version__})"
        )
    # import_extension builds the path from the running DuckDB's version and INSTALLs whatever is there; a
    # package of another release would fail with a bare IO error, so say which versions disagree.
    version = con.execute("PRAGMA version").fetchone()[0]
    shipped = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    if not (shipped / version / f"{name}.duckdb_extension").is_file():
        builds = sorted(p.name for p in shipped.iterdir()) if shipped.is_dir() else []
        raise ExtensionUnavailable(
            f"{package_name(name)} has no build of {name!r} for DuckDB {version} (it ships {builds or 'none'}): "
            "pin it to the same version as duckdb in constraints.txt"
        )
    try:
        import duckdb_extensions
    except ModuleNotFoundError as exc:
        raise ExtensionUnavailable(
            f"cannot load DuckDB extension {name!r}: the package duckdb-extensions is missing "
            "(pip install -c constraints.txt duckdb-extensions)"
        ) from exc
    duckdb_extensions.import_extension(name, con=con)
    con.execute(f"LOAD {name}")


def load_extensions(con: duckdb.DuckDBPyConnection, *names: str) -> duckdb.DuckDBPyConnection:
    """Load each of `names` (default: the lake's) into `con`; returns `con` for chaining."""
    for name in names or LAKE_EXTENSIONS:
        load_extension(con, name)
    return con
