"""The build's VoID/DCAT description (out/void.ttl), and the endpoint serving it."""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from graph.compile.void import describe
from graph.model.resources import DATASET
from graph.model.terms import GRAPH, SOURCE

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SEED = "gmf-2022-03-04-time-for-serbia-to-scale-back-military-ties-with-russia"


def test_void_counts_graphs_and_names_sources_as_they_state_themselves(seed_out):
    g = Graph().parse(seed_out / "void.ttl", format="turtle")
    ds = URIRef(DATASET)
    nquads = (seed_out / "serbia-kg.nq").read_text(encoding="utf-8").splitlines()
    assert (ds, RDF.type, VOID.Dataset) in g and (ds, RDF.type, DCAT.Dataset) in g
    assert g.value(ds, VOID.triples).toPython() == len(nquads)
    subsets = set(g.objects(ds, VOID.subset))
    per_graph = {str(s): g.value(s, VOID.triples).toPython() for s in subsets}
    assert sum(per_graph.values()) == len(nquads)
    assert per_graph[str(GRAPH[SEED])] == sum(1 for line in nquads if line.endswith(f"<{GRAPH[SEED]}> ."))
    assert g.value(URIRef(GRAPH[SEED]), DCTERMS.source) == URIRef(SOURCE[SEED])
    assert g.value(URIRef(GRAPH[SEED]), DCTERMS.title) == Literal("Time for Serbia to Scale Back Military Ties with Russia")
    assert "German Marshall Fund" in str(g.value(URIRef(GRAPH[SEED]), DCTERMS.rights))
    assert g.value(URIRef(GRAPH.ontology), DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    files = {str(g.value(d, DCTERMS.title)) for d in g.objects(ds, DCAT.distribution)}
    assert {"serbia-kg.trig", "serbia-kg.nq", "serbia-kg.jsonld"} <= files
    assert (ds, VOID.exampleResource, None) in g


def test_void_is_the_same_bytes_for_the_same_quads(seed_out):
    text = (seed_out / "serbia-kg.nq").read_text(encoding="utf-8")
    first = describe(text, ["b", "a"])
    assert first == describe("\n".join(reversed(text.splitlines())), ["a", "b"])


def test_void_from_each_graphs_summary_is_the_void_of_the_whole_file(seed_out, sipri_out):
    from itertools import groupby

    from graph.compile.void import describe_graphs, summarise

    for out in (seed_out, sipri_out):
        data = (out / "serbia-kg.nq").read_bytes()
        lines = data.splitlines(keepends=True)
        graphs = {g.decode()[1:-1]: summarise(g.decode()[1:-1], b"".join(group))
                  for g, group in groupby(lines, key=lambda line: line[line.rindex(b" <") + 1:-3])}
        assert len(graphs) > 4
        assert describe_graphs(graphs, ["a", "b"]) == describe(data.decode(), ["a", "b"])
        assert (out / "void.ttl").read_bytes() == describe(data.decode(), ["serbia-kg.trig", "serbia-kg.nq",
                                                                          "serbia-kg.ttl", "serbia-kg.jsonld"])


def test_a_graphs_lines_of_a_source_are_found_wherever_they_lie():
    from graph.compile.void import summarise

    src, other = f"<{SOURCE}s> <p> \"x\"", "<https://w3id.org/serbia-kg/claim/c> <p> \"y\""
    for lines in ([], [other], [src], [src, other], [other, src], [src, src + "2", other, src + "3"],
                  [other, other + "2", src, other + "3"]):
        for end in ("\n", ""):
            text = "\n".join(lines) + (end if lines else "")
            want = tuple(line for line in text.split("\n") if line.startswith(f"<{SOURCE}"))
            assert summarise("g", text.encode()).meta == want, (lines, end)
