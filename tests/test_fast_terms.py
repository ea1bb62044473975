"""The terms the build makes by its shortcuts are rdflib's own: the claims' texts and offsets
(:mod:`graph.compile.claims`) and their N-Triples (:func:`graph.model.rdfterms.nt_converter`)."""

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph.compile.claims import _count, _iri, _text
from graph.model.rdfterms import nt_converter, nt_lines, to_oxigraph

TEXTS = ["", "a", " spaced \n", "“typographic” — ünïcödé", 'quote " and \\ backslash', "\t\r\x00\x1f\x7f",
         "2021-05-03", "12", "true", "😀 astral"]


def _slots(lit: Literal) -> tuple:
    return (type(lit), str.__str__(lit), lit._language, lit._datatype, type(lit._datatype), lit._value,
            type(lit._value), lit._ill_typed)


@pytest.mark.parametrize("text", TEXTS)
def test_text_is_rdflibs_literal(text):
    made, expected = _text(text), Literal(text)
    assert _slots(made) == _slots(expected)
    assert made == expected and hash(made) == hash(expected) and made.n3() == expected.n3()


@pytest.mark.parametrize("n", [0, 1, 7, 10**6, 2**70, -1])
def test_count_is_rdflibs_literal(n):
    made, expected = _count(n), Literal(n, datatype=XSD.nonNegativeInteger)
    assert _slots(made) == _slots(expected)
    assert made == expected and hash(made) == hash(expected) and made.n3() == expected.n3()


def test_iri_is_rdflibs():
    made = _iri("https://example.org/claim/0123abcd#evidence")
    assert type(made) is URIRef and made == URIRef("https://example.org/claim/0123abcd#evidence")


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


@pytest.mark.parametrize("canonical", [{}, {"b": ["x"], "a": ["z", "y"]}, {"k": TEXTS}, {"date": ["2021"], "ü": ['"']}])
def test_canonical_text_is_json(canonical):
    import json

    from graph.compile.claims import _canonical_text

    expected = json.dumps(["src-ü\\\"", "transfer", sorted((k, sorted(v)) for k, v in canonical.items())],
                          ensure_ascii=False)
    assert _canonical_text("src-ü\\\"", "transfer", canonical) == expected
