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

from graph.model.resources import ontology_dir

__all__ = ["context", "compact_iri", "to_jsonld", "CONTEXT_FILE"]

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
    for prefix, ns in _prefixes(ctx):
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


def to_jsonld(quads) -> bytes:
    """Compact JSON-LD of pyoxigraph ``quads`` (in the order given: sorted quads give the same bytes)."""
    ctx = context()["@context"]
    cache: dict[str, str] = {}

    def cp(iri: str) -> str:
        r = cache.get(iri)
        if r is None:
            r = cache[iri] = compact_iri(iri, ctx)
        return r

    graphs: dict[str, dict[str, dict]] = {}
    for q in quads:
        g = q.graph_name
        gname = "@default" if type(g).__name__ == "DefaultGraph" else (
            f"_:{g.value}" if type(g).__name__ == "BlankNode" else cp(g.value))
        nodes = graphs.setdefault(gname, {})
        s = q.subject
        sid = f"_:{s.value}" if type(s).__name__ == "BlankNode" else cp(s.value)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        if q.predicate.value == _RDF_TYPE and type(q.object).__name__ == "NamedNode":
            node.setdefault("@type", []).append(cp(q.object.value))
        else:
            node.setdefault(cp(q.predicate.value), []).append(_term(q.object, cp))
    body: list[dict] = []
    for gname, nodes in graphs.items():
        if gname == "@default":
            body.extend(nodes.values())
        else:
            body.append({"@id": gname, "@graph": list(nodes.values())})
    doc = {"@context": ctx, "@graph": body}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
