"""The schema (graph/model/schema.py) is the one declaration of the claim types and node kinds:
it agrees with the ontology, and what reads it (the projection, the view, the questions) has no
list of its own."""

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph.ask.projection import EDGE_RULES as PROJECTION_RULES
from graph.ask.projection import NODE_KINDS as PROJECTION_KINDS
from graph.ask.projection import project
from graph.ask.questions import HOP_PRIORITY
from graph.model import schema
from graph.model.registry import ACTOR_TYPES
from graph.model.resources import ontology_graph
from graph.model.terms import CLAIM, ENTITY, SKG
from graph.present.view import NODE_STYLES, RELATION_COLOURS

ONTOLOGY = ontology_graph()


def _subclasses(cls: URIRef) -> set[URIRef]:
    return set(ONTOLOGY.subjects(RDFS.subClassOf, cls))


def test_the_claim_types_are_the_ontologys_claim_classes():
    declared = [t.rdf_class for t in schema.CLAIM_TYPES.values()]
    assert len(declared) == len(set(declared))  # one claim type per class
    assert set(declared) == _subclasses(SKG.Claim)


def test_every_field_is_a_property_of_the_ontology_of_its_kind():
    objects = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty))
    datatypes = set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    kinds = {c.kind for c in schema.NODE_CLASSES} - {"source"}
    for t in schema.CLAIM_TYPES.values():
        assert len({f.key for f in t.fields}) == len(t.fields), t.name
        assert set(t.one_of) <= {f.key for f in t.fields}, t.name
        for f in t.fields:
            if f.prop == RDFS.label:
                continue
            if f.kind in ("entity", "speaker", "concept", "deliveries"):
                assert f.prop in objects, (t.name, f.key)
            else:
                assert f.prop in datatypes, (t.name, f.key)
            assert set(f.kinds) <= kinds, (t.name, f.key)
            assert (f.scheme is not None) == (f.kind == "concept"), (t.name, f.key)


def test_node_kinds_come_from_the_ontology():
    classes = [c.rdf_class for c in schema.NODE_CLASSES]
    assert len(classes) == len(set(classes))
    # the actors: exactly the direct subclasses of skg:Actor, which the registry accepts as a type
    assert {c.rdf_class for c in schema.NODE_CLASSES if c.kind == "actor"} == _subclasses(SKG.Actor)
    assert set(ACTOR_TYPES.values()) == _subclasses(SKG.Actor)
    # every class of entities (not a claim, not a part of one) is a node class, and nothing else is
    others = {SKG.Actor, SKG.Claim, SKG.Delivery, SKG.Tie} | _subclasses(SKG.Claim)
    entity_classes = {c for c in ONTOLOGY.subjects(RDF.type, OWL.Class) if str(c).startswith(str(SKG))} - others
    assert set(classes) == entity_classes
    # a subclass has its superclass's kind, and comes after it (the first class of an entity gives its kind)
    for i, c in enumerate(schema.NODE_CLASSES):
        for parent in ONTOLOGY.objects(c.rdf_class, RDFS.subClassOf):
            if parent in classes:
                assert schema.NODE_KINDS[parent] == c.kind
                assert classes.index(parent) < i
    assert PROJECTION_KINDS is schema.NODE_KINDS


def test_edge_rules_are_the_claim_types_edges():
    relations = [r.relation for r in schema.EDGE_RULES]
    assert len(relations) == len(set(relations))
    assert PROJECTION_RULES is schema.EDGE_RULES
    assert set(schema.RELATIONS) | set(schema.SYSTEM_RELATIONS) == set(relations)
    with_edges = {r.claim_class for r in schema.EDGE_RULES if r.claim_class is not None}
    assert with_edges == {t.rdf_class for t in schema.CLAIM_TYPES.values() if t.edges}
    hubs = {r.claim_class for r in schema.EDGE_RULES if r.target == schema.HUB}
    assert hubs == {t.rdf_class for t in schema.CLAIM_TYPES.values() if t.node is not None}


def test_what_reads_the_schema_has_no_list_of_its_own():
    # every relation has a place in the path's order of preference
    assert set(HOP_PRIORITY) == set(schema.RELATIONS) | set(schema.SYSTEM_RELATIONS)
    # the view's styles are the schema's
    assert {r.relation: r.colour for r in schema.EDGE_RULES if r.colour} == RELATION_COLOURS
    assert set(NODE_STYLES) == {schema.local_name(c.rdf_class) for c in schema.NODE_CLASSES} | {
        schema.local_name(t.rdf_class) for t in schema.CLAIM_TYPES.values() if t.node}


def test_a_rule_added_to_the_schema_is_what_the_projection_draws(monkeypatch):
    """The projection has no edge rule of its own: a claim type's edge, changed in the schema, changes it."""
    g = Graph()
    a, b, c = ENTITY.a, ENTITY.b, CLAIM.x
    for e in (a, b):
        g.add((e, RDF.type, SKG.State))
        g.add((e, SKOS.prefLabel, Literal(str(e)[-1])))
    g.add((c, RDF.type, SKG.Dispute))
    g.add((c, SKG.party, a))
    g.add((c, SKG.party, b))
    g.add((c, SKG.topic, Literal("a border")))
    G = project(g)
    assert [(d["relation"], d["directed"], d["topic"]) for _, _, d in G.edges(data=True)] == [
        ("disputes_with", False, "a border")]
    # the schema's rule renamed: the projection follows, it has no rule of its own
    rules = tuple(schema.EdgeRule("quarrels_with", "quarrels with", SKG.Dispute, SKG.party)
                  if r.relation == "disputes_with" else r for r in schema.EDGE_RULES)
    monkeypatch.setattr("graph.ask.projection.EDGE_RULES", rules)
    monkeypatch.setattr("graph.ask.projection.RELATIONS", {r.relation: r.label for r in rules})
    G = project(g)
    assert isinstance(G, nx.MultiDiGraph)
    assert [(d["relation"], d["label"], "topic" in d) for _, _, d in G.edges(data=True)] == [
        ("quarrels_with", "quarrels with", False)]


def test_the_data_model_page_lists_every_relation():
    from conftest import REPO

    text = (REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("| claim class | relation | from → to | extras |")
    table = lines[start + 2:lines.index("", start)]
    named = {rel for line in table for rel in schema.RELATIONS.keys() | set(schema.SYSTEM_RELATIONS)
             if f"`{rel}`" in line.split("|")[2]}
    assert named == set(schema.RELATIONS) | set(schema.SYSTEM_RELATIONS)


# --- the SHACL shapes of the claim types are generated from the schema ---------------------------

def test_the_shapes_file_is_generated_from_the_schema():
    import subprocess
    import sys

    from conftest import REPO

    result = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_shapes.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _claim(g: Graph, cls: URIRef, name: str) -> URIRef:
    """A claim of class ``cls`` with what every claim has (source, id, evidence)."""
    from rdflib.namespace import PROV

    from graph.model.terms import OA, SOURCE

    c, src, ev, sel = CLAIM[name], SOURCE.s, URIRef(CLAIM[name] + "#evidence"), URIRef(CLAIM[name] + "#quote")
    g.add((src, RDF.type, SKG.Source))
    g.add((src, DCTERMS.title, Literal("A source")))
    g.add((c, RDF.type, cls))
    g.add((c, PROV.wasDerivedFrom, src))
    g.add((c, SKG.claimId, Literal(name)))
    g.add((c, SKG.evidence, ev))
    g.add((ev, OA.hasSource, src))
    g.add((ev, OA.hasSelector, sel))
    g.add((sel, OA.exact, Literal("the words")))
    return c


def test_every_required_field_is_required_by_the_shapes():
    """Each claim type with one required field left out is refused, for that field, by both SHACL
    engines; the shapes written by hand before the schema missed eight of these (a position's stance
    and topic, an office's holder and office, the parties of an agreement or a dispute, the
    organisation of a conference, the participants of a training)."""
    from rdflib.namespace import QB

    from graph.compile import shapes

    g, expected = Graph(), set()
    for t in schema.CLAIM_TYPES.values():
        for f in t.fields:
            if not f.required:
                continue
            c = _claim(g, t.rdf_class, f"{t.name}-without-{f.key}")
            expected.add((c, f.prop))
            for other in t.fields:  # every other required field given (and the first of one_of), fitting
                if other is f or not (other.required or other.key == (t.one_of or ("",))[0]):
                    continue
                for i in range(other.least):
                    g.add((c, other.prop, _value(g, other, i)))
            if t.rdf_class == SKG.Observation:
                g.add((c, QB.dataSet, URIRef("https://w3id.org/serbia-kg/source/s")))
    results = shapes.check(g)
    assert {(r.focus, r.path) for r in results} == expected
    assert len(results) == len(expected)
    assert results == shapes.check(g, engine="pyshacl")


def _value(g: Graph, f: schema.Field, i: int):
    from rdflib.namespace import XSD

    from graph.model.terms import SKV

    if f.kind in ("entity", "speaker"):
        cls = f.range or (SKG.State if "actor" in f.kinds else
                          next(c.rdf_class for c in schema.NODE_CLASSES if c.kind == f.kinds[0]))
        e = ENTITY[f"{f.key}-{i}"]
        g.add((e, RDF.type, cls))
        g.add((e, SKOS.prefLabel, Literal(f"{f.key} {i}")))
        if cls == SKG.WeaponsSystem:
            g.add((e, SKG.category, SKV.aircraft))
        return e
    if f.kind == "concept":
        return next(ONTOLOGY.subjects(SKOS.inScheme, SKV[f.scheme]))
    if f.kind == "date":
        return Literal("2020", datatype=XSD.gYear)
    if f.kind in ("decimal", "percent"):
        return Literal("50.0", datatype=XSD.decimal)
    if f.kind == "count":
        return Literal(3, datatype=XSD.nonNegativeInteger)
    return Literal(f"{f.key} {i}")


def test_the_dossiers_timeline_names_relations_of_the_schema():
    from graph.ask.dossier import TIMELINE_RELATIONS

    assert set(TIMELINE_RELATIONS) <= set(schema.RELATIONS)
