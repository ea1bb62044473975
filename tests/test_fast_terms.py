"""The terms the build makes by its shortcuts are rdflib's own: their N-Triples
(:func:`graph.model.rdfterms.nt_converter`)."""

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph.model.rdfterms import nt_converter, nt_lines, to_oxigraph

TEXTS = ["", "a", " spaced \n", "“typographic” — ünïcödé", 'quote " and \\ backslash', "\t\r\x00\x1f\x7f",
         "2021-05-03", "12", "true", "😀 astral"]


TERMS = [URIRef("https://example.org/a"), URIRef("https://example.org/ü?x=1#f"), BNode("b1"),
         *(Literal(t) for t in TEXTS), Literal("x", lang="sr-Latn"), Literal("7", datatype=XSD.integer),
         Literal(5, datatype=XSD.nonNegativeInteger), Literal("2021", datatype=XSD.gYear), Literal(True),
         Literal("61.0", datatype=XSD.decimal), Literal("a", datatype=XSD.string)]


def test_nt_converter_writes_as_pyoxigraph():
    nt = nt_converter()
    for term in TERMS:
        assert nt(term) == str(to_oxigraph(term))
        assert nt(term) == str(to_oxigraph(term))  # from its cache


def test_nt_lines_as_one_by_one():
    triples = [(s, URIRef("https://example.org/p"), o) for s in TERMS[:3] for o in TERMS]
    terms: dict = {}
    nt = nt_converter(terms)
    expected = [f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)}" for s, p, o in triples]
    assert nt_lines(triples, nt, terms) == expected
    assert nt_lines(triples, nt, terms) == expected  # every term cached
