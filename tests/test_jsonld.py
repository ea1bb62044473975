"""The built JSON-LD: compact, with the published @context (ontology/context.jsonld) and @type,
read back by pyld (expand, compact, frame by @type) and by rdflib as the same dataset as the TriG."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset

from graph.model.resources import ontology_dir
from graph.model.terms import PREFIXES

pyld = pytest.importorskip("pyld", reason="PyLD (the test extra) is not installed")
from pyld import jsonld  # noqa: E402


@pytest.fixture(scope="module")
def doc(seed_out) -> dict:
    return json.loads((seed_out / "serbia-kg.jsonld").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published() -> dict:
    return json.loads((ontology_dir() / "context.jsonld").read_text(encoding="utf-8"))


def test_the_context_is_the_published_one_and_declares_the_project_prefixes(doc, published):
    assert doc["@context"] == published["@context"]
    assert published["@context"] == {p: str(ns) for p, ns in PREFIXES.items()}, (
        "ontology/context.jsonld is stale: rewrite it from graph.model.terms.PREFIXES "
        "(json.dumps({'@context': PREFIXES as strings}, indent=2))")


def _quads(ds: Dataset) -> set:
    return {(str(s), str(p), str(o), str(g)) for s, p, o, g in ds.quads((None, None, None, None))}


def test_it_is_the_same_dataset_as_the_trig(seed_out):
    from_jsonld, from_trig = Dataset(), Dataset()
    from_jsonld.parse(seed_out / "serbia-kg.jsonld", format="json-ld")
    from_trig.parse(seed_out / "serbia-kg.trig", format="trig")
    assert _quads(from_jsonld) == _quads(from_trig) and _quads(from_trig)


def test_pyld_expands_compacts_and_frames_by_type(doc, published, seed_out):
    from rdflib import RDF

    from graph.model.terms import SKG

    trig = Dataset()
    trig.parse(seed_out / "serbia-kg.trig", format="trig")
    want = {str(s) for s, _, _, _ in trig.quads((None, RDF.type, SKG.ArmsTransfer, None))}
    assert want  # the seed has transfers
    expanded = jsonld.expand(doc)
    assert expanded and all("@graph" in g for g in expanded)  # one object per named graph
    # the N-Quads pyld makes of our JSON-LD hold the dataset's quads
    back = Dataset()
    back.parse(data=jsonld.to_rdf(doc, {"format": "application/n-quads"}), format="nquads")
    assert _quads(back) == _quads(trig)
    compacted = jsonld.compact(expanded, published)
    assert compacted["@context"] == published["@context"]
    framed = jsonld.frame(doc, {"@context": published["@context"], "@type": "skg:ArmsTransfer"})
    nodes = framed["@graph"]
    assert {n["@id"].replace("claim:", PREFIXES["claim"]) for n in nodes} == want
    assert all("skg:ArmsTransfer" in (n["@type"] if isinstance(n["@type"], list) else [n["@type"]]) for n in nodes)


def test_the_streamed_writer_refuses_a_graph_whose_quads_come_in_two_groups():
    """Node by node is right only for quads grouped by graph (sorted N-Quads are): a graph seen
    again after another would be split in two objects, so the writer says so instead."""
    import io

    from graph.compile.jsonld import write_jsonld

    s, p = "<https://w3id.org/serbia-kg/id/x>", "<http://purl.org/dc/terms/title>"
    g1, g2 = "<https://w3id.org/serbia-kg/graph/a>", "<https://w3id.org/serbia-kg/graph/b>"
    grouped = [f'{s} {p} "one" {g1} .\n', f'{s} {p} "two" {g2} .\n']
    out = io.BytesIO()
    write_jsonld(["".join(grouped).encode()], out)
    body = json.loads(out.getvalue())["@graph"]
    assert [g["@id"] for g in body] == ["kgg:a", "kgg:b"] and out.getvalue().endswith(b"]}\n")
    with pytest.raises(ValueError, match="kgg:a"):
        write_jsonld(["".join(grouped + [f'{s} {p} "three" {g1} .\n']).encode()], io.BytesIO())


def _nquads(quads) -> bytes:
    """N-Quads lines of pyoxigraph ``quads`` as the build writes them: graph by graph, each graph's lines sorted."""
    lines = sorted((str(q.graph_name), f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n") for q in quads)
    return "".join(line for _, line in lines).encode()


def _awkward_quads() -> list:
    """Quads with what the writer reads off the text of a line with care: every escape of a literal, a
    backslash before a u, language tags, datatypes in and out of the context, blank nodes, IRIs that do
    not compact (no prefix; a local part starting with //), non-ASCII IRIs, classes as literals."""
    import pyoxigraph as ox

    from graph.model.terms import PREFIXES

    ent, skg = str(PREFIXES["ent"]), str(PREFIXES["skg"])
    xsd = "http://www.w3.org/2001/XMLSchema#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    g1, g2 = ox.NamedNode(str(PREFIXES["kgg"]) + "one"), ox.BlankNode("g2")
    a, b = ox.NamedNode(ent + "vu\u010di\u0107"), ox.BlankNode("b1")
    p, q = ox.NamedNode(skg + "note"), ox.NamedNode("https://example.org/other#p")
    texts = ['a"b\\c\nd\te\x01f\x7fg\u2028h\'i\x08\x0c\r', "C:\\users\\u1234", "plain", "",
             "Vu\u010di\u0107 \U0001f600", "\\\\\"", "tab\tonly"]
    out = [ox.Quad(a, p, ox.Literal(t), g) for t in texts for g in (g1, g2)]
    out += [ox.Quad(a, rdf_type, ox.NamedNode(skg + c), g1) for c in ("Actor", "State")]
    out += [ox.Quad(a, rdf_type, ox.Literal("a class as text"), g1), ox.Quad(a, rdf_type, b, g1),
            ox.Quad(a, q, ox.Literal("x", language="EN-gb"), g1),
            ox.Quad(a, q, ox.Literal("3", datatype=ox.NamedNode(xsd + "integer")), g1),
            ox.Quad(a, q, ox.Literal("x", datatype=ox.NamedNode(xsd + "string")), g1),
            ox.Quad(a, q, ox.Literal("2020", datatype=ox.NamedNode(xsd + "gYear")), g1),
            ox.Quad(a, q, ox.Literal("t", datatype=ox.NamedNode("https://example.org/dt")), g1),
            ox.Quad(a, q, ox.NamedNode(ent + "//odd"), g1), ox.Quad(a, q, ox.NamedNode("urn:x:y"), g1),
            ox.Quad(b, p, a, g1), ox.Quad(b, p, ox.BlankNode("b2"), g2),
            ox.Quad(ox.NamedNode("https://example.org/s"), q, ox.Literal("no prefix"), g2)]
    return out


def test_the_writer_of_lines_writes_the_document_json_dumps_writes():
    """The JSON-LD written from N-Quads lines (literals' escapes copied, IRIs compacted off their text) is the
    document made whole from pyoxigraph's quads and dumped once, byte for byte, however the lines are cut
    into blocks; and a graph's chunks, framed, are that document too."""
    import io

    import pyoxigraph as ox

    from graph.compile.jsonld import frame, graph_chunk, write_jsonld
    from jsonld_reference import whole_jsonld

    data = _nquads(_awkward_quads())
    expected = whole_jsonld(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    json.loads(expected)
    for size in (len(data), 1, 7, 100):
        out = io.BytesIO()
        write_jsonld([data[i:i + size] for i in range(0, len(data), size)], out)
        assert out.getvalue() == expected, size
    head, sep, tail = frame()
    graphs: dict[bytes, list[bytes]] = {}
    for line in data.splitlines(keepends=True):
        graphs.setdefault(line.rsplit(b" ", 2)[1], []).append(line)
    chunks = []
    for lines in graphs.values():
        buf = io.BytesIO()
        assert graph_chunk([b"".join(lines)], buf) == len(buf.getvalue())
        chunks.append(buf.getvalue())
    assert head + sep.join(chunks) + tail == expected


def test_the_built_json_ld_is_the_document_made_whole_from_the_quads(seed_out):
    """The seed's built JSON-LD against the reference, on the seed's own N-Quads."""
    import pyoxigraph as ox

    from jsonld_reference import whole_jsonld

    quads = ox.parse(path=str(seed_out / "serbia-kg.nq"), format=ox.RdfFormat.N_QUADS)
    assert (seed_out / "serbia-kg.jsonld").read_bytes() == whole_jsonld(quads)
