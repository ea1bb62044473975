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

    import pyoxigraph as ox

    from graph.compile.jsonld import write_jsonld

    g1, g2 = ox.NamedNode("https://w3id.org/serbia-kg/graph/a"), ox.NamedNode("https://w3id.org/serbia-kg/graph/b")
    s, p = ox.NamedNode("https://w3id.org/serbia-kg/id/x"), ox.NamedNode("http://purl.org/dc/terms/title")
    grouped = [ox.Quad(s, p, ox.Literal("one"), g1), ox.Quad(s, p, ox.Literal("two"), g2)]
    out = io.BytesIO()
    write_jsonld(grouped, out)
    body = json.loads(out.getvalue())["@graph"]
    assert [g["@id"] for g in body] == ["kgg:a", "kgg:b"] and out.getvalue().endswith(b"]}\n")
    with pytest.raises(ValueError, match="kgg:a"):
        write_jsonld(grouped + [ox.Quad(s, p, ox.Literal("three"), g1)], io.BytesIO())
