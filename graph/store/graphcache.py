"""The graph cache of an Oxigraph store: the projection, computed once when the store is filled.

``serbia-kg path A B --store PATH`` and ``serbia-kg centrality --store PATH`` answer from a cold
shell. Projecting a 1M-triple store takes seconds (reading every claim and merging its facts);
the projection does not change until the store is filled again, so
:func:`graph.store.backends.load_store` has it computed (by the engine:
:func:`graph.ask.questions.write_store_caches`, the same :meth:`KnowledgeGraph.graph
<graph.ask.questions.KnowledgeGraph.graph>` an uncached question reads) and written here, in the
store's own folder, beside the supplies index (:mod:`graph.store.index`), before the folder is
switched in. A question then reads the nodes and the ends of every tie (a few columns) and, for the
hops of its answer only, their facts' attributes.

One SQLite file: ``nodes`` (key, label, type, kind, in the graph's order), ``edges`` (both ends,
key, relation, weight, direction, pieces of evidence and sources, in the order ``G.edges(keys=True)`` gives
them: a few columns, so that a reader of every edge scans no text it does not want), ``attrs`` (each edge's
attributes as JSON, by the edge's id) and ``meta`` (the format's version, the build of the store it was
computed from, the categories' labels). A cache of another version, or computed from another build than
the one the store's record names (:data:`graph.model.generation.STORE_STAMP`), is ignored: the question is computed.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> nodes = [("ent:a", {"label": "A", "type": "State", "kind": "actor"}),
...          ("ent:b", {"label": "B", "type": "State", "kind": "actor"})]
>>> write(folder, nodes, [("ent:a", "ent:b", "supplies:x", {"relation": "supplies", "weight": 1.0})], {})
1
>>> cache = GraphCache.open(folder)
>>> cache.label("ent:b"), [(e[0], e[1], e[2]) for e in cache.between("ent:b", "ent:a")]
('B', [('ent:a', 'ent:b', 'supplies:x')])
>>> GraphCache.open(folder / "elsewhere") is None
True
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import orjson

from graph.model import generation
from graph.model.attributes import attributes
from graph.store.sqlitefile import open_read_only, writing

__all__ = ["FILE", "VERSION", "GraphCache", "write"]

#: The cache's file name in the store's folder.
FILE = "serbia-kg-graph.sqlite"
#: The format of what is kept; a cache of another version is ignored.
VERSION = "3"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE nodes (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, label TEXT, type TEXT, kind TEXT);
CREATE TABLE edges (id INTEGER PRIMARY KEY, u INTEGER NOT NULL, v INTEGER NOT NULL, key TEXT NOT NULL,
                    relation TEXT NOT NULL, weight REAL NOT NULL, directed INTEGER NOT NULL,
                    evidence INTEGER NOT NULL, sources TEXT NOT NULL);
CREATE TABLE attrs (id INTEGER PRIMARY KEY, attrs TEXT NOT NULL);
CREATE INDEX by_u ON edges (u);
CREATE INDEX by_v ON edges (v);
"""


def _build_of(folder: Path) -> str | None:
    record = generation.stamp(folder, generation.STORE_STAMP)
    return record.get("build") if record else None


def write(folder: Path, nodes: Iterable[tuple[str, dict]], edges: Iterable[tuple[str, str, str, dict]],
          categories: dict[str, str], entity_base: str = "", transfer_relations: Iterable[str] = ()) -> int:
    """Write the graph's nodes and edges (in order), the categories' labels and the base of the entities'
    IRIs (an IRI less it is an entity's id) and the relations of arms transfers (the schema's, so that a
    question told in words from the cache need not import it) as the cache in ``folder``; return the
    number of edges.
    Written under a temporary name, renamed when complete."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    number: dict[str, int] = {}
    n = 0
    with writing(Path(folder) / FILE, _SCHEMA) as con:
        con.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("version", VERSION), ("build", _build_of(folder)), ("categories", dumps(categories)),
            ("entity_base", entity_base), ("transfer_relations", dumps(sorted(transfer_relations)))])
        for i, (key, attrs) in enumerate(nodes):
            number[key] = i
            con.execute("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)",
                        (i, key, attrs.get("label"), attrs.get("type"), attrs.get("kind")))
        for n, (u, v, key, attrs) in enumerate(edges, 1):  # noqa: B007 - n counts the edges
            evidence, sources = _evidence_of(attrs)
            con.execute("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (n, number[u], number[v], key, attrs["relation"], attrs["weight"],
                         bool(attrs.get("directed", True)), evidence, sources))
            con.execute("INSERT INTO attrs VALUES (?, ?)", (n, dumps(attrs)))
    return n


def _evidence_of(attrs: dict) -> tuple[int, str]:
    """A fact's pieces of evidence and its claims' sources as JSON text (:meth:`GraphCache.summaries`): one piece a
    claim, and an identity fact of the registry (no claim) one piece, naming the registry, whose sources are
    ``"[]"``. ``attrs`` are flat (:func:`graph.model.attributes.flat_attributes`: lists as JSON text) or not."""
    claims, sources = attrs.get("claims"), attrs.get("sources")
    count = len(json.loads(claims) if isinstance(claims, str) else claims or ())
    if not count:
        return 1, "[]"
    if sources is None:
        return count, "[]"
    return count, sources if isinstance(sources, str) else json.dumps(list(sources), ensure_ascii=False,
                                                                      separators=(",", ":"))


def _loads(text: str) -> Any:
    """JSON text decoded by orjson (2-3 times faster than json), by json what orjson refuses (``NaN``)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class GraphCache:
    """An open graph cache (read-only). :meth:`open` gives ``None`` where there is none to use."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con
        self._nodes: list[tuple[str, str, str, str]] | None = None
        self._number: dict[str, int] | None = None
        self._categories: dict[str, str] | None = None
        self._base: str | None = None

    @classmethod
    def open(cls, folder: Path) -> "GraphCache | None":
        """The cache in ``folder``; ``None`` if there is none, one of another version or build, or it cannot be read."""
        con = open_read_only(Path(folder) / FILE, VERSION, _build_of(Path(folder)), check_build=True)
        if con is None:  # none, not ours, damaged, or of another version or build: the question is computed
            return None
        return cls(con)

    def close(self) -> None:
        self._con.close()

    def nodes(self) -> list[tuple[str, str, str, str]]:
        """Every node as ``(key, label, type, kind)``, in the graph's order."""
        if self._nodes is None:
            self._nodes = self._con.execute("SELECT key, label, type, kind FROM nodes ORDER BY id").fetchall()
            self._number = {n[0]: i for i, n in enumerate(self._nodes)}
        return self._nodes

    def ends(self) -> list[tuple[str, str, float]]:
        """Every edge as ``(u, v, weight)``, in the order ``G.edges(keys=True)`` gives them."""
        keys = [n[0] for n in self.nodes()]
        return [(keys[u], keys[v], w) for u, v, w in self._con.execute("SELECT u, v, weight FROM edges ORDER BY id")]

    def _node(self, key: str) -> tuple[str, str, str, str] | None:
        self.nodes()
        assert self._number is not None
        i = self._number.get(key)
        return self._nodes[i] if i is not None and self._nodes is not None else None

    def label(self, key: str) -> str | None:
        """A node's label (``None``: no such node)."""
        node = self._node(key)
        return node[1] if node else None

    def kind(self, key: str) -> str | None:
        """A node's kind (``actor``, ``exercise``, ``source`` ...; ``None``: no such node)."""
        node = self._node(key)
        return node[3] if node else None

    def entity_id(self, key: str) -> str:
        """An entity's id: its IRI less the entities' base (another IRI as it is)."""
        if self._base is None:
            (self._base,) = self._con.execute("SELECT value FROM meta WHERE key = 'entity_base'").fetchone()
        return key[len(self._base):] if self._base and key.startswith(self._base) else key

    def transfer_relations(self) -> frozenset[str]:
        """The relations of arms transfers, as the schema declared them when the cache was written."""
        (text,) = self._con.execute("SELECT value FROM meta WHERE key = 'transfer_relations'").fetchone()
        return frozenset(json.loads(text))

    def category(self, cid: str) -> str | None:
        """A weapons-system category's preferred label (``None``: unknown)."""
        if self._categories is None:
            (text,) = self._con.execute("SELECT value FROM meta WHERE key = 'categories'").fetchone()
            self._categories = json.loads(text)
        return self._categories.get(cid)

    def between(self, x: str, y: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The edges from ``x`` to ``y``, then from ``y`` to ``x``, as ``(u, v, key, attributes)``, each
        direction in the graph's order (``G.get_edge_data``)."""
        self.nodes()
        assert self._number is not None
        ix, iy = self._number.get(x), self._number.get(y)
        if ix is None or iy is None:
            return []
        found = []
        for a, b, u, v in ((ix, iy, x, y), (iy, ix, y, x)):
            for key, attrs in self._con.execute("SELECT key, attrs FROM edges JOIN attrs USING (id) "
                                                "WHERE u = ? AND v = ? ORDER BY id",
                                                (a, b)):
                found.append((u, v, key, json.loads(attrs)))
        return found

    def incident(self, key: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The edges with ``key`` at either end, as ``(u, v, key, attributes)``, in the graph's order."""
        self.nodes()
        assert self._number is not None and self._nodes is not None
        i = self._number.get(key)
        if i is None:
            return []
        keys = [n[0] for n in self._nodes]
        rows = self._con.execute("SELECT u, v, key, attrs FROM edges JOIN attrs USING (id) "
                                 "WHERE u = ? OR v = ? ORDER BY id", (i, i))
        return [(keys[u], keys[v], k, json.loads(attrs)) for u, v, k, attrs in rows]

    def summaries(self) -> list[tuple[int, str, str, str, bool, int]]:
        """Every edge in the graph's order, without its attributes but for what choosing among them takes:
        ``(id, u, v, relation, directed, pieces of evidence)``. The projection gives a fact one piece of evidence
        per claim, and an identity fact of the registry (no claim) one piece naming the registry. Plain columns,
        written with the cache (reading them from the attributes' JSON with SQLite's JSON functions took 0.45 s
        for the 53,270 facts of a 1M-triple build). :meth:`facts_of` gives the key and attributes of the edges
        chosen, :meth:`sources_of` their sources."""
        names = [n[0] for n in self.nodes()]
        rows = self._con.execute("SELECT id, u, v, relation, directed, evidence FROM edges ORDER BY id")
        return [(i, names[u], names[v], rel, bool(d), n) for i, u, v, rel, d, n in rows]

    def sources_of(self, ids: Iterable[int] | None = None) -> set[str]:
        """The sources of the claims of the edges of ``ids`` (:meth:`summaries`' first column; ``None``: every
        edge), an identity fact of the registry naming none."""
        if ids is None:
            rows = self._con.execute("SELECT DISTINCT sources FROM edges")
        else:
            rows = self._con.execute("SELECT DISTINCT sources FROM edges WHERE id IN (SELECT value FROM json_each(?))",
                                     (json.dumps(sorted(set(ids))),))
        return set().union(*(json.loads(text) for text, in rows))

    def facts_of(self, ids: Iterable[int], leave_out: Iterable[str] = ()) -> dict[int, tuple[str, dict[str, Any]]]:
        """The key and the attributes of the edges of ``ids`` (:meth:`summaries`' first column), as
        :func:`graph.model.attributes.attributes` gives them (``evidence`` and the other lists decoded), less
        the attributes named in ``leave_out``, which are not read. SQLite takes the evidence out of the
        attributes' JSON (where it is JSON text in a string): one parse of it in Python instead of two, 0.45 s
        instead of 0.65 s of CPU for the 13,156 facts of the 1M-triple default view."""
        leave_out = tuple(leave_out)
        drop = ", ".join(f"'$.{name}'" for name in (*leave_out, "evidence") if name.isidentifier())
        rows = self._con.execute(f"SELECT id, key, json_remove(attrs, {drop}), json_extract(attrs, '$.evidence') "
                                 "FROM edges JOIN attrs USING (id) WHERE id IN (SELECT value FROM json_each(?))",
                                 (json.dumps(sorted(set(ids))),))
        found = {}
        for i, key, text, evidence in rows:
            d = _loads(text)
            if evidence is not None:
                d["evidence"] = _loads(evidence) if isinstance(evidence, str) else evidence
            found[i] = (key, attributes(d, leave_out))
        return found

    def among(self, keys: Iterable[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The edges between nodes of ``keys`` (both ends among them), as ``(u, v, key, attributes)``, in the
        graph's order."""
        self.nodes()
        assert self._number is not None and self._nodes is not None
        wanted = sorted({self._number[k] for k in keys if k in self._number})
        if not wanted:
            return []
        names = [n[0] for n in self._nodes]
        rows = self._con.execute("SELECT u, v, key, attrs FROM edges JOIN attrs USING (id) "
                                 "WHERE u IN (SELECT value FROM json_each(?1)) "
                                 "AND v IN (SELECT value FROM json_each(?1)) ORDER BY id", (json.dumps(wanted),))
        return [(names[u], names[v], k, json.loads(attrs)) for u, v, k, attrs in rows]
