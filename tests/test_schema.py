"""The schema (graph/model/schema.py) is the one declaration of the claim types and node kinds:
it agrees with the ontology, and what reads it (the projection, the view, the questions) has no
list of its own."""

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

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
