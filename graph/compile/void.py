"""The dataset's description of itself (VoID and DCAT), written into the build as ``void.ttl``.

Everything in it is read from the built quads: the triples of the whole and of each named graph
(a ``void:subset`` each), each source graph's source, title and rights statement as the source
states them, the ontology's licence as the ontology states it, an example resource, and the
files of the build as DCAT distributions. The server (``serbia-kg serve``) adds its own
``void:sparqlEndpoint`` when it serves it at ``/void``. Sorted, so the same build gives the same bytes.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

import pyoxigraph as ox

from graph.model.resources import DATASET
from graph.model.terms import ENTITY, GRAPH, PREFIXES, SKG, SOURCE

__all__ = ["describe", "describe_graphs", "summarise", "GraphSummary", "VOID_FILE"]

VOID_FILE = "void.ttl"
_DCT = "http://purl.org/dc/terms/"
_VOID = "http://rdfs.org/ns/void#"
_DCAT = "http://www.w3.org/ns/dcat#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_MEDIA = {"serbia-kg.trig": "application/trig", "serbia-kg.nq": "application/n-quads",
          "serbia-kg.ttl": "text/turtle", "serbia-kg.jsonld": "application/ld+json"}


class GraphSummary(NamedTuple):
    """What the description needs of one named graph: its triples, whether Serbia is a subject in
    it, and its lines that describe a source or the ontology's licence."""

    triples: int
    serbia: bool
    meta: tuple[str, ...]


def summarise(graph: str, data: bytes) -> GraphSummary:
    """The :class:`GraphSummary` of one graph (its IRI, no brackets) from its sorted N-Quads ``data`` (read as
    bytes: only the lines kept are decoded)."""
    source = ("<" + str(SOURCE)).encode("utf-8")
    meta = _lines_starting(data, source)
    if graph == str(GRAPH.ontology):
        licence = f"<{_DCT}license>".encode("utf-8")
        meta += [line for line in data.splitlines() if licence in line and not line.startswith(source)]
    serbia = f"<{ENTITY}serbia> ".encode("utf-8")
    return GraphSummary(data.count(b"\n"), data.startswith(serbia) or b"\n" + serbia in data,
                        tuple(line.decode("utf-8") for line in meta))


def _lines_starting(text: bytes, start: bytes) -> list[bytes]:
    """The lines of ``text`` that start with ``start``, in order (found by ``bytes.find``: a regular
    expression anchored at every line's start read each graph's text at about 100 MB/s; at 1M triples 2 s)."""
    found: list[bytes] = []
    newline = -1 if text.startswith(start) else text.find(b"\n" + start)  # the new line before the next one
    if newline < 0 and not text.startswith(start):
        return found
    while True:
        end = text.find(b"\n", newline + 1)
        found.append(text[newline + 1:] if end < 0 else text[newline + 1:end])
        newline = text.find(b"\n" + start, end) if end >= 0 else -1
        if newline < 0:
            return found


def describe(nquads: str | Iterable[str], files: list[str]) -> bytes:
    """VoID/DCAT Turtle for the dataset whose N-Quads are ``nquads`` (the text, or its lines: an open
    file is read line by line); ``files`` are the build's outputs."""
    counts: dict[str, int] = {}
    meta: list = []
    serbia, has_serbia = f"<{ENTITY}serbia> ", False
    source_ns, ontology_graph = "<" + str(SOURCE), str(GRAPH.ontology)
    for line in nquads.splitlines() if isinstance(nquads, str) else (line.rstrip("\n") for line in nquads):
        if not line.endswith(" ."):
            continue
        g = line[line.rindex(" <") + 2:-3] if line.endswith("> .") else ""
        counts[g] = counts.get(g, 0) + 1
        has_serbia = has_serbia or line.startswith(serbia)
        if line.startswith(source_ns) or (g == ontology_graph and f"<{_DCT}license>" in line):
            meta.append(line)
    return _describe(counts, meta, has_serbia, files)


def describe_graphs(graphs: dict[str, GraphSummary], files: list[str]) -> bytes:
    """:func:`describe` from each named graph's :class:`GraphSummary` (by IRI, no brackets): the same bytes."""
    counts = {g: s.triples for g, s in graphs.items() if s.triples}
    meta = [line for s in graphs.values() for line in s.meta]
    return _describe(counts, meta, any(s.serbia for s in graphs.values()), files)


def _describe(counts: dict[str, int], meta: list[str], has_serbia: bool, files: list[str]) -> bytes:
    ontology_graph = str(GRAPH.ontology)
    facts = _parsed(meta)
    N, L = ox.NamedNode, ox.Literal
    dataset = N(DATASET)
    out = [ox.Triple(dataset, N(_RDF_TYPE), N(_VOID + "Dataset")),
           ox.Triple(dataset, N(_RDF_TYPE), N(_DCAT + "Dataset")),
           ox.Triple(dataset, N(_DCT + "title"), L("serbia-kg: Serbia's foreign security ties")),
           ox.Triple(dataset, N(_VOID + "triples"), L(str(sum(counts.values())), datatype=N(_XSD_INTEGER))),
           ox.Triple(dataset, N(_VOID + "uriSpace"), L("https://w3id.org/serbia-kg/")),
           ox.Triple(dataset, N(_VOID + "vocabulary"), N(str(SKG)))]
    if has_serbia:
        out.append(ox.Triple(dataset, N(_VOID + "exampleResource"), N(f"{ENTITY}serbia")))
    for g, n in sorted(counts.items()):
        if not g:
            continue
        sub = N(g)
        out += [ox.Triple(dataset, N(_VOID + "subset"), sub), ox.Triple(sub, N(_RDF_TYPE), N(_VOID + "Dataset")),
                ox.Triple(sub, N(_VOID + "triples"), L(str(n), datatype=N(_XSD_INTEGER)))]
    for q in facts:
        g, s, p = q.graph_name.value, q.subject, q.predicate.value
        if p == _RDF_TYPE and q.object.value == str(SKG.Source):
            out.append(ox.Triple(N(g), N(_DCT + "source"), s))
        elif p in (_DCT + "title", _DCT + "rights", _DCT + "license") and s.value.startswith(str(SOURCE)):
            out.append(ox.Triple(N(g), N(p), q.object))
        elif p == _DCT + "license" and g == ontology_graph:
            out.append(ox.Triple(N(g), N(p), q.object))
    for name in sorted(files):
        dist = N(f"{DATASET}/{name}")
        out += [ox.Triple(dataset, N(_DCAT + "distribution"), dist),
                ox.Triple(dist, N(_RDF_TYPE), N(_DCAT + "Distribution")),
                ox.Triple(dist, N(_DCT + "title"), L(name))]
        if name in _MEDIA:
            out.append(ox.Triple(dist, N(_DCAT + "mediaType"),
                                 N("https://www.iana.org/assignments/media-types/" + _MEDIA[name])))
    prefixes = {"void": _VOID, "dcat": _DCAT, "dcterms": _DCT, **{p: str(ns) for p, ns in PREFIXES.items()
                                                                  if p in ("skg", "ent", "src", "kgg")}}
    unique = sorted(set(out), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(unique, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""  # (bytes when no output is given)


def _parsed(lines: list[str]) -> list:
    """The quads of N-Quads ``lines``, parsed by one call into an in-memory store, not by iterating
    pyoxigraph's parser: that lets go of Python's lock for each quad and must take it back, and in a
    build another thread (the record pickled, a digest taken) holds it for up to milliseconds at a
    time, so 6,226 lines (the 1M corpus's) took 0.08-0.34 s instead of 0.01 s; through the store,
    0.02-0.09 s with a thread pickling beside it. The store keeps each quad once and in its own order,
    and writes typed literals in their canonical form; the description is sorted and deduplicated, and
    reads only IRIs and strings (types, titles, rights, licences)."""
    if not lines:
        return []
    store = ox.Store()
    store.load("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    return list(store)


_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
