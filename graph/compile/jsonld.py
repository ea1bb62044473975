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
import re
from functools import lru_cache
from typing import Iterable, Iterator

from graph.model.rdfterms import unescape
from graph.model.resources import ontology_dir

__all__ = ["context", "compact_iri", "write_jsonld", "graph_chunk", "frame", "CONTEXT_FILE"]

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


class _Writer:
    """Compact JSON-LD written from sorted N-Quads, as bytes: what :func:`write_jsonld` and :func:`graph_chunk`
    write. A line's terms are read off its text: an IRI's compact form is worked out once per IRI and kept
    JSON-encoded; a literal's N-Triples escapes are JSON's (pyoxigraph writes ``\\"``, ``\\\\``, ``\\n``,
    ``\\r``, ``\\t``, ``\\b``, ``\\f`` as ``json.dumps`` does), so its text is copied, but where it has
    another escape (``\\u``: decoded and encoded again)."""

    #: Terms whose JSON is kept at once (emptied when full: most claims are seen once or twice).
    LIMIT = 200_000

    def __init__(self) -> None:
        ctx = context()["@context"]
        self.prefixes = prefixes = _prefixes(ctx)  # longest namespace first
        # one match finds the namespace an IRI starts with (the longest: alternatives are tried in order)
        self.iri_namespaces = re.compile("|".join(f"({re.escape(ns)})" for _, ns in prefixes).encode("utf-8"))
        self.dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.quoted = [b""] + [self.dumps(p + ":")[:-1].encode("utf-8") for p, _ in prefixes]  # '"skg:' by group
        self.values: dict[bytes, bytes] = {}  # an object's N-Triples text -> its JSON value
        self.keys: dict[bytes, bytes] = {}    # a predicate's N-Triples text -> its key ("@type" for rdf:type)
        self.types: dict[bytes, bytes] = {}   # a class's N-Triples text -> its compact form, a JSON string
        self.seen: set[bytes] = set()         # the graphs written so far
        self.graph: bytes | None = None       # the graph being written
        self.nodes = 0                        # nodes of that graph written so far

    def head(self) -> bytes:
        return ('{"@context":' + self.dumps(context()["@context"]) + ',"@graph":[').encode("utf-8")

    def id(self, term: bytes) -> bytes:
        """The JSON string naming a subject, a graph or a class written in N-Triples (``<IRI>`` or ``_:b``).
        An IRI holds nothing JSON escapes (no ``"``, ``\\``, space or control character: pyoxigraph checks)."""
        if term[:1] != b"<" or b"\\" in term:  # a blank node; an IRI's \\u escapes (pyoxigraph writes none)
            text = term.decode("utf-8")
            if text[:1] == "<":
                text = _compact(unescape(text[1:-1]), self.prefixes)
            return self.dumps(text).encode("utf-8")
        m = self.iri_namespaces.match(term, 1)
        if m is not None and term[m.end():m.end() + 2] != b"//":  # "p://x" would read as an absolute IRI
            return self.quoted[m.lastindex] + term[m.end():len(term) - 1] + b'"'  # type: ignore[index]
        return b'"' + term[1:len(term) - 1] + b'"'

    def value(self, text: bytes) -> bytes:
        """The JSON value of an object written in N-Triples: ``{"@id": ...}`` or a literal's."""
        if len(self.values) >= self.LIMIT:
            self.values.clear()
        first = text[:1]
        if first == b"<" or first == b"_":
            r = b'{"@id":' + self.id(text) + b"}"
            self.values[text] = r
            return r
        q = text.rindex(b'"')
        body = text[1:q]
        if b"\\" in body and _NOT_JSON.search(body):
            body = self.dumps(unescape(body.decode("utf-8"))).encode("utf-8")[1:-1]
        value = b'"' + body + b'"'
        rest = text[q + 1:]
        if not rest or rest == _STRING_TYPE:
            return value
        if rest[:1] == b"@":
            language = self.dumps(rest[1:].decode("ascii").lower()).encode()  # (pyoxigraph's tags: lower case)
            return b'{"@value":' + value + b',"@language":' + language + b"}"
        if rest[:3] == b"^^<" and rest[-1:] == b">":
            return b'{"@value":' + value + b',"@type":' + self.id(rest[2:]) + b"}"
        raise ValueError(f"not an N-Triples term: {text[:200]!r}")

    def key(self, predicate: bytes) -> bytes:
        r = self.keys[predicate] = b'"@type"' if predicate == _RDF_TYPE_NT else self.id(predicate)
        return r

    def pieces(self, blocks: Iterable[list[bytes]]) -> Iterator[bytes]:
        """The document's items for N-Quads lines (``blocks`` of lines, each without its new line, every one
        naming its graph, grouped by graph and, within a graph, by subject, as sorted N-Quads are), a node
        (or a graph's opening) at a time; after the last line, :meth:`close` ends the graph open."""
        keys, values, types, value, key = self.keys, self.values, self.types, self.value, self.key
        type_key = b'"@type"'
        subject = None
        node: dict[bytes, list[bytes]] = {}
        sid = b""
        tail, cut = b"\n", 0  # the current graph's name, as every line of it ends (" <graph> .")
        for lines in blocks:
            for line in lines:
                if not line.endswith(tail):  # another graph (its name: the line's last term)
                    g = line.rindex(b" ", 0, len(line) - 2)
                    tail, cut = line[g:], len(line) - g
                    if node:
                        yield self._node(sid, node)
                        node = {}
                    subject = None
                    yield from self._graph(line[g + 1:len(line) - 2])
                s, p, o = line.split(b" ", 2)  # (a subject and a predicate hold no space)
                o = o[:len(o) - cut]
                if s != subject:
                    if node:
                        yield self._node(sid, node)
                        node = {}
                    subject = s
                    sid = self.id(s)
                k = keys.get(p) or key(p)
                if k is type_key:
                    if o[0] == 60:  # (60: "<")
                        v = types.get(o)
                        if v is None:
                            v = types[o] = self.id(o)
                    else:  # (a literal or a blank node as a class: rdf:type's own key)
                        k = self.id(_RDF_TYPE_NT)
                        v = value(o)
                else:
                    v = values.get(o) or value(o)
                vs = node.get(k)
                if vs is None:
                    node[k] = [v]
                else:
                    vs.append(v)
        if node:
            yield self._node(sid, node)

    def _node(self, sid: bytes, node: dict[bytes, list[bytes]]) -> bytes:
        text = b'{"@id":' + sid + b"," + b",".join([k + b":[" + b",".join(v) + b"]" for k, v in node.items()]) + b"}"
        self.nodes += 1
        return text if self.nodes == 1 else b"," + text

    def _graph(self, graph: bytes) -> Iterator[bytes]:
        name = self.id(graph)
        if graph in self.seen:
            raise ValueError(f"the quads of graph {name.decode()} are not together")
        first = self.graph is None
        if not first:
            yield b"]}"
        self.seen.add(graph)
        self.graph, self.nodes = graph, 0
        yield (b"" if first else b",") + b'{"@id":' + name + b',"@graph":['

    def close(self) -> bytes:
        """What ends the graph open (if any)."""
        return b"]}" if self.graph is not None else b""


_RDF_TYPE_NT = f"<{_RDF_TYPE}>".encode()
_STRING_TYPE = f"^^<{_XSD_STRING}>".encode()
_NOT_JSON = re.compile(rb'\\[^tbnrf"\\]')  # an escape of N-Triples that JSON writes otherwise (\\u, \\U, \\')


def lines_of(blocks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The lines (without their new line) of ``blocks`` of N-Quads, a list of them a block (a line may be cut
    between two blocks)."""
    rest = b""
    for block in blocks:
        data = rest + block if rest else block
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut > 1:
            lines = data[:cut - 1].split(b"\n")
            yield [line for line in lines if line] if b"\n\n" in data[:cut] else lines
    if rest.strip():
        yield [rest.strip()]


def write_jsonld(blocks: Iterable[bytes], out) -> None:
    """Write compact JSON-LD of sorted N-Quads (``blocks`` of their bytes, in order) to the binary file ``out``,
    node by node.

    The quads must come grouped by graph and, within a graph, by subject, as sorted N-Quads do
    (what a build writes): each node is written when its subject's quads end, so only one node is
    held at a time. The bytes are those of ``json.dumps`` of the whole document (compact
    separators, UTF-8), with its keys in the order of the quads (``tests/test_jsonld.py`` checks this
    against the document made whole from pyoxigraph's quads).

    Raises
    ------
    ValueError
        When a graph's quads come in two groups, or a line is not N-Quads as pyoxigraph writes them.
    """
    writer = _Writer()
    buf = [writer.head()]
    size = 0
    for piece in writer.pieces(lines_of(blocks)):
        buf.append(piece)
        size += len(piece)
        if size > 1 << 20:
            out.write(b"".join(buf))
            buf.clear()
            size = 0
    buf.append(writer.close() + b"]}\n")
    out.write(b"".join(buf))


def frame() -> tuple[bytes, bytes, bytes]:
    """The head, the separator of graphs and the tail of the document (what :func:`graph_chunk` goes between)."""
    return _Writer().head(), b",", b"]}\n"


@lru_cache(maxsize=1)
def _chunk_writer() -> _Writer:
    return _Writer()


def graph_chunk(blocks: Iterable[bytes], out) -> int:
    """Write the item of the document's ``@graph`` for one named graph (``{"@id": graph, "@graph": [...]}``),
    its sorted N-Quads given as ``blocks`` of bytes, to ``out``; return its length. (The terms' JSON worked out
    for one graph is kept for the next: a build's graphs name the same entities and classes.)"""
    writer = _chunk_writer()
    writer.seen.clear()
    writer.graph, writer.nodes = None, 0
    buf: list[bytes] = []
    size = length = 0
    for piece in writer.pieces(lines_of(blocks)):
        buf.append(piece)
        size += len(piece)
        if size > 1 << 20:
            data = b"".join(buf)
            out.write(data)
            length += len(data)
            buf.clear()
            size = 0
    buf.append(writer.close())
    data = b"".join(buf)
    out.write(data)
    return length + len(data)
