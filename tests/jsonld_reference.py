"""The JSON-LD the build writes, made the plain way: every quad read by pyoxigraph, the whole document built as
dicts and dumped once (``json.dumps``, compact separators). The reference the streamed writer
(``graph.compile.jsonld``), which reads N-Quads lines, must match byte for byte."""

from __future__ import annotations

import json

import pyoxigraph as ox

from graph.compile.jsonld import compact_iri, context

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def whole_jsonld(quads) -> bytes:
    """The compact JSON-LD document of pyoxigraph ``quads``: one object per named graph, one node per subject."""
    ctx = context()["@context"]

    def name(t) -> str:
        return f"_:{t.value}" if isinstance(t, ox.BlankNode) else compact_iri(t.value, ctx)

    def term(t) -> object:
        if isinstance(t, (ox.NamedNode, ox.BlankNode)):
            return {"@id": name(t)}
        if t.language:
            return {"@value": t.value, "@language": t.language}
        if t.datatype.value == XSD_STRING:
            return t.value
        return {"@value": t.value, "@type": compact_iri(t.datatype.value, ctx)}

    graphs: dict[str, dict[str, dict]] = {}
    for q in quads:
        nodes = graphs.setdefault(name(q.graph_name), {})
        node = nodes.setdefault(name(q.subject), {"@id": name(q.subject)})
        if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode):
            node.setdefault("@type", []).append(name(q.object))
        else:
            node.setdefault(name(q.predicate), []).append(term(q.object))
    body = [{"@id": g, "@graph": list(nodes.values())} for g, nodes in graphs.items()]
    return (json.dumps({"@context": ctx, "@graph": body}, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
