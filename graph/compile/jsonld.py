"""Compact JSON-LD of the dataset: the published ``@context`` (``ontology/context.jsonld``), ``@type``.

Each named graph is one object ``{"@id": graph, "@graph": [nodes]}``; a node's keys are compact
IRIs (``skg:supplier``) declared by the context's prefixes, ``rdf:type`` is ``@type``, IRIs are
``{"@id": "ent:russia"}``, plain strings are JSON strings, other literals ``{"@value", "@type"}`` or
``{"@value", "@language"}``. The context is written inline (the file reads offline) and is the same
object as the published one, so ``{"@type": "skg:ArmsTransfer"}`` frames the transfers.

>>> ctx = context()["@context"]
>>> ctx["skg"]
'https://w3id.org/serbia-kg/ontology#'
>>> compact_iri("https://w3id.org/serbia-kg/id/russia", ctx)
'ent:russia'
"""

from __future__ import annotations

import json
from functools import lru_cache

import pyoxigraph as ox

from graph.model.resources import ontology_dir

__all__ = ["context", "compact_iri", "write_jsonld", "CONTEXT_FILE"]

CONTEXT_FILE = "context.jsonld"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@lru_cache(maxsize=1)
def context() -> dict:
    """The published context (``ontology/context.jsonld``): the project's prefixes."""
    return json.loads((ontology_dir() / CONTEXT_FILE).read_text(encoding="utf-8"))


def _prefixes(ctx: dict) -> list[tuple[str, str]]:
    # longest namespace first, so that a namespace inside another picks the more specific prefix
    return sorted(((p, ns) for p, ns in ctx.items() if isinstance(ns, str) and not p.startswith("@")),
                  key=lambda item: (-len(item[1]), item[0]))


def compact_iri(iri: str, ctx: dict, _cache: dict | None = None) -> str:
    """``prefix:local`` when a prefix of ``ctx`` covers ``iri`` (and the result cannot be misread)."""
    return _compact(iri, _prefixes(ctx))


def _compact(iri: str, prefixes: list[tuple[str, str]]) -> str:
    for prefix, ns in prefixes:
        if iri.startswith(ns):
            local = iri[len(ns):]
            if not local.startswith("//"):  # "p://x" would read as an absolute IRI
                return f"{prefix}:{local}"
    return iri


def _term(t, cp) -> object:
    kind = type(t).__name__
    if kind == "NamedNode":
        return {"@id": cp(t.value)}
    if kind == "BlankNode":
        return {"@id": f"_:{t.value}"}
    if t.language:
        return {"@value": t.value, "@language": t.language}
    if t.datatype.value == _XSD_STRING:
        return t.value
    return {"@value": t.value, "@type": cp(t.datatype.value)}


def write_jsonld(quads, out) -> None:
    """Write compact JSON-LD of pyoxigraph ``quads`` to the binary file ``out``, node by node.

    The quads must come grouped by graph and, within a graph, by subject, as sorted N-Quads do
    (what a build writes): each node is written when its subject's quads end, so only one node is
    held at a time. The bytes are those of ``json.dumps`` of the whole document (compact
    separators, UTF-8): sorted quads give the same bytes.

    Raises
    ------
    ValueError
        When a graph's quads come in two groups.
    """
    ctx = context()["@context"]
    prefixes = _prefixes(ctx)  # sorted once, not for each IRI
    cache: dict[str, str] = {}
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def cp(iri: str) -> str:
        r = cache.get(iri)
        if r is None:
            r = cache[iri] = _compact(iri, prefixes)
        return r

    parts: list[str] = ['{"@context":', dumps(ctx), ',"@graph":[']
    size = 0
    seen: set[str] = set()
    gname: str | None = None
    node: dict | None = None
    items = 0  # items of the document's @graph written so far
    nodes = 0  # nodes of the current graph written so far

    def emit(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > 1 << 20:
            out.write("".join(parts).encode("utf-8"))
            parts.clear()
            size = 0

    def end_node() -> None:
        nonlocal node, nodes, items
        if node is None:
            return
        if gname == "@default":
            emit(("," if items else "") + dumps(node))
            items += 1
        else:
            emit(("," if nodes else "") + dumps(node))
            nodes += 1
        node = None

    def end_graph() -> None:
        end_node()
        if gname is not None and gname != "@default":
            emit("]}")

    named_node, blank_node = ox.NamedNode, ox.BlankNode
    last_g: object = None
    last_s: object = None
    for q in quads:
        g = q.graph_name
        if g != last_g:  # (pyoxigraph's terms compare by value)
            last_g, last_s = g, None
            name = "@default" if type(g).__name__ == "DefaultGraph" else (
                f"_:{g.value}" if type(g) is blank_node else cp(g.value))
            if name != gname:
                end_graph()
                if name in seen:
                    raise ValueError(f"the quads of graph {name} are not together")
                seen.add(name)
                gname, nodes = name, 0
                if name != "@default":
                    emit(("," if items else "") + '{"@id":' + dumps(name) + ',"@graph":[')
                    items += 1
        s = q.subject
        if s != last_s:
            last_s = s
            sid = f"_:{s.value}" if type(s) is blank_node else cp(s.value)
            if node is None or node["@id"] != sid:
                end_node()
                node = {"@id": sid}
        assert node is not None
        p = q.predicate.value
        o = q.object
        if type(o) is named_node:
            iri = o.value
            c = cache.get(iri)
            if c is None:
                c = cp(iri)
            if p == _RDF_TYPE:
                node.setdefault("@type", []).append(c)
                continue
            value: object = {"@id": c}
        else:
            value = _term(o, cp)
        key = cache.get(p)
        if key is None:
            key = cp(p)
        node.setdefault(key, []).append(value)
    end_graph()
    emit("]}\n")
    out.write("".join(parts).encode("utf-8"))
