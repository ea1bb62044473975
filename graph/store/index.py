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

It keeps the names too (each actor's and system's id, label and folded names), and is a
:class:`graph.model.names.NameTable`: a name resolves by the one lookup
(:func:`graph.model.names.resolve`, the registry's rules and error) with one query rather than
a read of every label.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> names = [("a", "actor", "ent:a", "Alpha", ["a", "alpha"]), ("b", "actor", "ent:b", "B", ["b"])]
>>> write_rows(folder, [("ent:a", "ent:b", None, {"supplier": "B", "recipient": "A"})], names)
1
>>> index = Index.open(folder)
>>> index.resolve("Alpha", "actor")
'ent:a'
>>> index.resolve("Alpah", "actor")
Traceback (most recent call last):
    ...
graph.model.errors.UnknownName: unknown actor 'Alpah'; did you mean 'Alpha'?
>>> index.rows(to="ent:a")
[{'supplier': 'B', 'recipient': 'A'}]
>>> index.rows(to="ent:a", system="ent:mig-29")
[]
>>> Index.open(folder / "elsewhere") is None
True
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from graph.model.names import resolve
from graph.store.sqlitefile import open_read_only, writing

__all__ = ["FILE", "VERSION", "Index", "write_rows"]

#: The index's file name in the store's folder.
FILE = "serbia-kg-supplies.sqlite"
#: The format of what is kept, names folded as :func:`graph.model.names.fold` folds them (2: without
#: separators; 3: rows with ordered, delivered, deliveries, order_year, estimated; 4: Cyrillic read as
#: Latin, labels kept for suggestions); an index of another version is ignored (the rows are computed).
VERSION = "4"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entities (id TEXT PRIMARY KEY, kind TEXT NOT NULL, iri TEXT NOT NULL, label TEXT NOT NULL);
CREATE TABLE names (folded TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX by_name ON names (folded);
CREATE TABLE supplies (recipient TEXT, supplier TEXT, system TEXT, row TEXT NOT NULL);
CREATE INDEX by_recipient ON supplies (recipient);
CREATE INDEX by_supplier ON supplies (supplier);
CREATE INDEX by_system ON supplies (system);
"""

#: An entity as the index keeps it: (id, kind, IRI, label, its folded names).
Named = tuple[str, str, str, str, Iterable[str]]
#: A row with the IRIs it is asked by: (recipient, supplier, system, row).
Keyed = tuple[Any, Any, Any, Any]


def write_rows(folder: Path, rows: Iterable[Keyed], names: Iterable[Named]) -> int:
    """Write the rows, in order, and the names as the index in ``folder``; return the number of rows.

    The file is written under a temporary name and renamed into place when complete.
    """
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    n = 0
    with writing(Path(folder) / FILE, _SCHEMA) as con:
        con.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
        for eid, kind, iri, label, folded in names:
            con.execute("INSERT INTO entities VALUES (?, ?, ?, ?)", (eid, kind, iri, label))
            con.executemany("INSERT INTO names VALUES (?, ?)", ((f, eid) for f in folded))
        for n, (to, supplier, system, row) in enumerate(rows, 1):  # noqa: B007 - n counts the rows
            con.execute("INSERT INTO supplies VALUES (?, ?, ?, ?)", (to, supplier, system, dumps(row)))
    return n


class Index:
    """An open supplies index (read-only). :meth:`open` gives ``None`` where there is none to use.

    It is a :class:`graph.model.names.NameTable` of the store's actors and weapons systems.
    """

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    @classmethod
    def open(cls, folder: Path) -> "Index | None":
        """The index in ``folder``; ``None`` if there is none, or one of another version, or it cannot be read."""
        con = open_read_only(Path(folder) / FILE, VERSION)
        if con is None:  # none, not ours, damaged, or of another version: the rows are computed
            return None
        return cls(con)

    def close(self) -> None:
        self._con.close()

    def resolve(self, name: str, kind: str) -> str:
        """The IRI of the ``kind`` (actor or system) ``name`` denotes, by :func:`graph.model.names.resolve`.

        Raises
        ------
        UnknownName
            As the registry does.
        """
        eid = resolve(self, name, [kind], what=kind)
        return self._one("SELECT iri FROM entities WHERE id = ?", eid)

    def rows(self, to: str | None = None, supplier: str | None = None, system: str | None = None) -> list[Any]:
        """The rows whose recipient, supplier and system are the given IRIs (each ``None`` for any), in order."""
        where = [(col, v) for col, v in (("recipient", to), ("supplier", supplier), ("system", system))
                 if v is not None]
        text = "SELECT row FROM supplies" + (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in where)
                                             if where else "") + " ORDER BY rowid"
        loads = json.loads
        return [loads(r) for (r,) in self._con.execute(text, [v for _, v in where])]

    # --- the NameTable the resolver reads ---------------------------------------------------------
    def _one(self, text: str, *args: str) -> Any:
        found = self._con.execute(text, args).fetchone()
        return found[0] if found is not None else None

    def kind_of(self, eid: str) -> str | None:
        return self._one("SELECT kind FROM entities WHERE id = ?", eid)

    def label_of(self, eid: str) -> str:
        return self._one("SELECT label FROM entities WHERE id = ?", eid)

    def iri_of(self, eid: str) -> str:
        return self._one("SELECT iri FROM entities WHERE id = ?", eid)

    def named(self, folded: str) -> list[str]:
        return [eid for (eid,) in self._con.execute("SELECT DISTINCT id FROM names WHERE folded = ? ORDER BY id",
                                                     (folded,))]

    def candidates(self, kinds: frozenset[str] | None) -> dict[str, str]:
        found: dict[str, str] = {}
        text = "SELECT n.folded, e.label, e.kind FROM names n JOIN entities e ON e.id = n.id ORDER BY n.rowid"
        for folded, label, kind in self._con.execute(text):
            if kinds is None or kind in kinds:
                found.setdefault(folded, label)
        return found
