"""The SQLite files kept beside a store (the supplies index, the graph cache): written whole under a
temporary name and renamed into place, opened read-only, and ignored when of another version or build.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.sqlite"
>>> with writing(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);") as con:
...     _ = con.execute("INSERT INTO meta VALUES ('version', '1')")
>>> open_read_only(path, "1") is not None, open_read_only(path, "2")
(True, None)
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["open_read_only", "writing"]


@contextmanager
def writing(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A new file at ``path`` made by ``schema`` and filled by the block in one transaction; renamed
    into place when the block ends, removed (and the old file left) when it fails."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(schema)
        with con:
            yield con
        con.close()
        os.replace(tmp, path)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise


def open_read_only(path: Path, version: str, build: str | None = None,
                   check_build: bool = False) -> sqlite3.Connection | None:
    """The file at ``path`` opened read-only; ``None`` if there is none, it cannot be read (not one of
    ours, or damaged), its ``meta`` table names another ``version`` or, with ``check_build``, another
    ``build``."""
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('version', 'build')").fetchall())
    except sqlite3.Error:
        con.close()
        return None
    if meta.get("version") != version or (check_build and meta.get("build") != build):
        con.close()
        return None
    return con
