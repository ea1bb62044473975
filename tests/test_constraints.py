"""The shapes compiled into Python checks and into SPARQL queries (graph/compile/constraints.py).

That the ``compiled`` engine gives shacl-rust's and pySHACL's verdicts is tested with the other
engines in tests/test_shapes.py; here: what it refuses, its reading of literals, and the SPARQL
queries made from the same records, run in a pyoxigraph store.
"""

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.compile import constraints, shapes
from graph.model.rdfterms import nt_converter
from graph.model.resources import ontology_dir, ontology_graph

EXAMPLES = sorted((ontology_dir() / "examples").glob("*/*.ttl"))
XSD = "http://www.w3.org/2001/XMLSchema#"

HEAD = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
"""


def test_every_shape_of_the_project_is_read_with_its_messages():
    shapes_ = constraints.compiled()
    assert len(shapes_) >= 20
    assert all(s.targets for s in shapes_)
    assert all(p.message for s in shapes_ for p in s.props)
    names = {s.name.rsplit("#", 1)[1] for s in shapes_}
    assert {"ClaimShape", "ArmsTransferShape", "VoteShape"} <= names


@pytest.mark.parametrize("text, refused", [
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:pattern \"^a\" ] .", "sh:pattern"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .", "sh:closed"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .",
     "a path other than"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .",
     "sequence path"),
])
def test_a_part_of_shacl_not_implemented_is_refused_not_skipped(text, refused):
    with pytest.raises(constraints.Unsupported, match=refused):
        constraints.read_shapes(Graph().parse(data=HEAD + text, format="turtle"))


@pytest.mark.parametrize("lex, datatype, ok", [
    ("2021-02-28", "date", True), ("2021-02-29", "date", False), ("2020-02-29", "date", True),
    ("2021-1-5", "date", False), ("2021-01-05Z", "date", True),
    ("6", "nonNegativeInteger", True), (" 6 ", "nonNegativeInteger", True), ("-0", "nonNegativeInteger", True),
    ("-1", "nonNegativeInteger", False), ("1.5", "nonNegativeInteger", False),
    ("1.5", "decimal", True), (".5", "decimal", True), ("1e3", "decimal", False),
    ("true", "boolean", True), ("yes", "boolean", False),
    ("abc", "gYear", True),  # as shacl-rust and pySHACL: a year's text is not checked
])
def test_lexical_forms(lex, datatype, ok):
    assert constraints.well_formed(lex, XSD + datatype) is ok


def test_literals_are_read_from_their_ntriples_text():
    assert constraints.literal('"a \\"b\\"\\n"') == ('a "b"\n', XSD + "string")
    assert constraints.literal('"6"^^<' + XSD + 'integer>') == ("6", XSD + "integer")
    assert constraints.literal('"x"@en')[1].endswith("#langString")
    assert constraints.literal("<http://example.org/a>") is None


def _lines(g: Graph) -> list[str]:
    nt = nt_converter()
    return [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in g] + [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in ontology_graph()]


def _store(lines: list[str]) -> ox.Store:
    store = ox.Store()
    store.load("".join(f"{t} .\n" for t in lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_sparql_queries_find_what_the_python_checks_find(path):
    lines = _lines(Graph().parse(path))
    python = sorted(constraints.check_lines(lines))
    assert bool(python) == (path.parent.name == "invalid")
    # Oxigraph reads "-6"^^xsd:nonNegativeInteger back as "-6"^^xsd:integer: compared without the values
    assert sorted(v[:3] for v in constraints.check_store(_store(lines))) == [v[:3] for v in python]


def test_oxigraph_cannot_tell_an_integer_from_a_non_negative_one():
    """Why the SPARQL engine is not one of the build's: a store reads the datatype back as xsd:integer,
    so "6"^^xsd:integer, which SHACL refuses where a non-negative integer is required, passes there."""
    g = Graph().parse(ontology_dir() / "examples" / "valid" / "transfer.ttl")
    lines = [t.replace(f'"6"^^<{XSD}nonNegativeInteger>', f'"6"^^<{XSD}integer>') for t in _lines(g)]
    assert [v[1] for v in constraints.check_lines(lines)] == ["a quantity is one non-negative whole number"]
    assert shapes.check_ntriples("".join(f"{t} .\n" for t in lines), engine="shacl-rust") != []
    assert constraints.check_store(_store(lines)) == []


def test_only_the_own_nodes_are_reported():
    g = Graph().parse(ontology_dir() / "examples" / "invalid" / "transfer-without-recipient.ttl")
    lines = _lines(g)
    assert constraints.check_lines(lines, own={"<https://w3id.org/serbia-kg/claim/t1>"})
    assert constraints.check_lines(lines, own={"<https://w3id.org/serbia-kg/claim/other>"}) == []


def test_a_nested_shape_is_checked_by_both_once_per_value():
    """sh:node: the evidence without its quote's words (a sequence path in the nested shape) and
    without its source: one violation of the claim's evidence, from the Python checks and from SPARQL."""
    g = Graph().parse(ontology_dir() / "examples" / "valid" / "transfer.ttl")
    lines = [t for t in _lines(g) if "#exact>" not in t and "#hasSource>" not in t]
    python = constraints.check_lines(lines)
    assert [(v[1], v[3]) for v in python] == [
        ("a claim needs evidence: the quote it rests on, located in its source",
         "<https://w3id.org/serbia-kg/claim/t1#evidence>")]
    assert constraints.check_store(_store(lines)) == python
    assert shapes.check_ntriples("".join(f"{t} .\n" for t in lines), engine="shacl-rust") == \
        shapes.check_lines(lines)
