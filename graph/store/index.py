"""The supplies index of an Oxigraph store: every ``supplies`` row, computed once when the store is filled.

``serbia-kg supplies --to X --store PATH`` answers from a cold shell. Computing its rows reads
every property, quote, source and label of the transfers it selects, at about 2-3 µs per term
read from the store: 0.5 s for a hub's 2,500 rows at 1M triples, before Python has started. The
rows do not change until the store is filled again, so :func:`graph.store.backends.load_store` has them
all computed (:func:`graph.ask.questions.write_supplies_index`: the engine's rows, the same code as an
unindexed answer) and written here, in the store's own folder, before the folder is swapped in:
the index and the store it was computed from are replaced together, or not at all.
:meth:`graph.ask.questions.KnowledgeGraph.supplies` reads them.

The index is one SQLite file (Python's ``sqlite3``, nothing to install) beside Oxigraph's own
files, which Oxigraph leaves alone; it is not part of the dataset, so SPARQL never sees it. Each
row is kept as its JSON text with the IRIs it is asked by (recipient, supplier, the one weapons
system), in the order the rows are given. A store without an index, or with an index of another
format, is answered without it (the rows are computed).

It keeps the names too (each actor's and system's id, labels and aliases, folded as the registry
folds them), so that a name resolves with one lookup rather than a read of every label.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> names = {"actor": {"ids": {"a": "ent:a", "b": "ent:b"}, "index": {"a": ["a"], "alpha": ["a"], "b": ["b"]}}}
>>> write_rows(folder, [("ent:a", "ent:b", None, {"supplier": "B", "recipient": "A"})], names)
1
>>> index = Index.open(folder)
>>> index.resolve("Alpha", "actor"), index.resolve("zeta", "actor")
('ent:a', None)
>>> index.rows(to="ent:a")
[{'supplier': 'B', 'recipient': 'A'}]
>>> index.rows(to="ent:a", system="ent:mig-29")
[]
>>> Index.open(folder / "elsewhere") is None
True
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from graph.model.names import fold

__all__ = ["FILE", "VERSION", "Index", "write_rows"]

#: The index's file name in the store's folder.
FILE = "serbia-kg-supplies.sqlite"
#: The format of what is kept, names folded as :func:`graph.model.names.fold` folds them (2: without
#: separators; 3: rows with ordered, delivered, deliveries, order_year, estimated); an index of another
#: version is ignored (the rows are computed).
VERSION = "3"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entities (kind TEXT NOT NULL, id TEXT NOT NULL, iri TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE names (kind TEXT NOT NULL, folded TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX by_name ON names (kind, folded);
CREATE TABLE supplies (recipient TEXT, supplier TEXT, system TEXT, row TEXT NOT NULL);
CREATE INDEX by_recipient ON supplies (recipient);
CREATE INDEX by_supplier ON supplies (supplier);
CREATE INDEX by_system ON supplies (system);
"""

Names = dict  # kind -> {"ids": {id: IRI}, "index": {folded name: [id, ...]}}: graph.model.registry.Registry.name_table
Keyed = tuple  # (recipient IRI, supplier IRI, system IRI, row)


def write_rows(folder: Path, rows: Iterable[Keyed], names: Names) -> int:
    """Write the rows, in order, and the names as the index in ``folder``; return the number of rows.

    The file is written under a temporary name and renamed into place when complete.
    """
    path = Path(folder) / FILE
    tmp = path.with_name(f".{FILE}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(_SCHEMA)
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
        with con:
            con.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
            for kind, table in names.items():
                con.executemany("INSERT INTO entities VALUES (?, ?, ?)",
                                ((kind, eid, iri) for eid, iri in table["ids"].items()))
                con.executemany("INSERT INTO names VALUES (?, ?, ?)",
                                ((kind, folded, eid) for folded, ids in table["index"].items() for eid in ids))
            n = 0
            for n, (to, supplier, system, row) in enumerate(rows, 1):
                con.execute("INSERT INTO supplies VALUES (?, ?, ?, ?)", (to, supplier, system, dumps(row)))
        con.close()
        os.replace(tmp, path)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    return n


class Index:
    """An open supplies index (read-only). :meth:`open` gives ``None`` where there is none to use."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    @classmethod
    def open(cls, folder: Path) -> "Index | None":
        """The index in ``folder``; ``None`` if there is none, or one of another version, or it cannot be read."""
        path = Path(folder) / FILE
        if not path.is_file():
            return None
        try:
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error:
            return None
        try:
            version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.Error:  # not an index of ours (or a damaged one): the rows are computed
            version = None
        if version is None or version[0] != VERSION:
            con.close()
            return None
        return cls(con)

    def close(self) -> None:
        self._con.close()

    def resolve(self, name: str, kind: str) -> str | None:
        """The IRI of the ``kind`` (actor or system) whose id is ``name``, else whose one folded name it is; else ``None``.

        The same rules as :meth:`graph.model.registry.Registry.resolve` (an unknown or ambiguous name gives ``None``).
        """

        found = self._con.execute("SELECT iri FROM entities WHERE kind = ? AND id = ?", (kind, name)).fetchone()
        if found is not None:
            return found[0]
        ids = [eid for (eid,) in self._con.execute(
            "SELECT DISTINCT id FROM names WHERE kind = ? AND folded = ?", (kind, fold(name)))]
        if len(ids) != 1:
            return None
        found = self._con.execute("SELECT iri FROM entities WHERE kind = ? AND id = ?", (kind, ids[0])).fetchone()
        return found[0] if found is not None else None

    def rows(self, to: str | None = None, supplier: str | None = None,
             system: str | None = None) -> list[dict[str, Any]]:
        """The rows whose recipient, supplier and system are the given IRIs (each ``None`` for any), in order."""
        where = [(col, v) for col, v in (("recipient", to), ("supplier", supplier), ("system", system))
                 if v is not None]
        text = "SELECT row FROM supplies" + (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in where)
                                             if where else "") + " ORDER BY rowid"
        loads = json.loads
        return [loads(r) for (r,) in self._con.execute(text, [v for _, v in where])]
