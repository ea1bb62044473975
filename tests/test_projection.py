"""The projection on a small hand-made dataset whose nodes and edges are known exactly, and on the seed."""

from __future__ import annotations

import pytest
from rdflib import Dataset

from graph.model.dates import DateError
from graph.ask.projection import EDGE_RULES, RELATIONS, attributes, project

PREFIXES = """\
@prefix skg: <https://w3id.org/serbia-kg/ontology#> .
@prefix skv: <https://w3id.org/serbia-kg/vocab/> .
@prefix ent: <https://w3id.org/serbia-kg/id/> .
@prefix claim: <https://w3id.org/serbia-kg/claim/> .
@prefix src: <https://w3id.org/serbia-kg/source/> .
@prefix kgg: <https://w3id.org/serbia-kg/graph/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# Registry: three states, a state body (part of Alpha), a person, a system. Two sources.
# Claims: one transfer told by both sources (sameFactAs: ONE edge), one transfer with no supplier
# (no edge), an exercise with three participants, a cooperation of two partners, a statement.
FIXTURE = PREFIXES + """
kgg:registry {
  ent:alpha a skg:State ; skos:prefLabel "Alpha"@en .
  ent:beta a skg:State ; skos:prefLabel "Beta"@en ; skos:altLabel "Betaland" .
  ent:gamma a skg:State ; skos:prefLabel "Gamma"@en .
  ent:alpha-army a skg:StateBody ; skos:prefLabel "Alpha Army"@en ; skg:partOf ent:alpha .
  ent:ann a skg:Person ; skos:prefLabel "Ann Šarić"@en .
  ent:jet a skg:WeaponsSystem ; skos:prefLabel "Jet-1"@en ; skg:category skv:fighter-aircraft .
}
kgg:one {
  src:one a skg:Source ; dcterms:title "Source one" ; dcterms:issued "2020-06-01"^^xsd:date .
  claim:t1 a skg:ArmsTransfer ; skg:claimId "jets-one" ; prov:wasDerivedFrom src:one ;
      skg:supplier ent:alpha ; skg:recipient ent:beta ; skg:system ent:jet ; skg:quantity 4 ;
      skg:transferStatus skv:delivered ; skg:deliveryDate "2019"^^xsd:gYear ;
      skg:evidence claim:t1e .
  claim:t1e oa:hasSource src:one ; oa:hasSelector claim:t1q .
  claim:t1q a oa:TextQuoteSelector ; oa:exact "Alpha sent four jets to Beta" .
  claim:x1 a skg:MilitaryExercise ; skg:claimId "drill" ; prov:wasDerivedFrom src:one ;
      rdfs:label "Drill 2019" ; skg:participant ent:alpha-army , ent:beta , ent:gamma ;
      skg:date "2019-05"^^xsd:gYearMonth ; skg:evidence claim:x1e .
  claim:x1e oa:hasSelector claim:x1q . claim:x1q oa:exact "the three trained together" .
  claim:u1 a skg:ArmsTransfer ; skg:claimId "unknown-supplier" ; prov:wasDerivedFrom src:one ;
      skg:recipient ent:gamma ; skg:category skv:armed-drone ; skg:evidence claim:u1e .
  claim:u1e oa:hasSelector claim:u1q . claim:u1q oa:exact "Gamma bought drones" .
}
kgg:two {
  src:two a skg:Source ; dcterms:title "Source two" ; dcterms:issued "2021-03-01"^^xsd:date .
  claim:t2 a skg:ArmsTransfer ; skg:claimId "jets-two" ; prov:wasDerivedFrom src:two ;
      skg:supplier ent:alpha ; skg:recipient ent:beta ; skg:system ent:jet ; skg:quantity 4 ;
      skg:evidence claim:t2e ; skg:sameFactAs claim:t1 .
  claim:t2e oa:hasSelector claim:t2q . claim:t2q oa:exact "four jets from Alpha" .
  claim:c1 a skg:Cooperation ; skg:claimId "coop" ; prov:wasDerivedFrom src:two ;
      skg:partner ent:gamma , ent:alpha ; skg:trend skv:expanding ; skg:evidence claim:c1e .
  claim:c1e oa:hasSelector claim:c1q . claim:c1q oa:exact "Alpha and Gamma work together" .
  claim:s1 a skg:Statement ; skg:claimId "ann-says" ; prov:wasDerivedFrom src:two ;
      skg:speaker ent:ann ; skg:about ent:beta ; skg:statementKind skv:assessment ;
      skg:words "Beta is fine" ; skg:evidence claim:s1e .
  claim:s1e oa:hasSelector claim:s1q . claim:s1q oa:exact "Ann said: Beta is fine" .
}
"""

E = "https://w3id.org/serbia-kg/id/"
C = "https://w3id.org/serbia-kg/claim/"


@pytest.fixture
def fixture_ds() -> Dataset:
    ds = Dataset()  # deliberately without default_union: the projection must still see every graph
    ds.parse(data=FIXTURE, format="trig")
    return ds


def edges(G):
    return sorted((u.rsplit("/", 1)[-1], d["relation"], v.rsplit("/", 1)[-1]) for u, v, d in G.edges(data=True))


def test_nodes_and_edges_exactly(fixture_ds):
    G = project(fixture_ds)
    assert sorted(G.nodes) == sorted([E + "alpha", E + "beta", E + "gamma", E + "alpha-army", E + "ann",
                                      C + "x1"])
    assert edges(G) == sorted([
        ("alpha", "supplies", "beta"),
        ("alpha-army", "participates_in", "x1"),
        ("beta", "participates_in", "x1"),
        ("gamma", "participates_in", "x1"),
        ("alpha", "cooperates_with", "gamma"),
        ("ann", "states_about", "beta"),
        ("alpha-army", "part_of", "alpha"),
    ])
    assert G.nodes[E + "alpha"] == {"label": "Alpha", "type": "State", "kind": "actor", "iri": E + "alpha"}
    assert G.nodes[E + "alpha-army"]["type"] == "StateBody"
    exercise = G.nodes[C + "x1"]
    assert (exercise["type"], exercise["kind"], exercise["label"], exercise["date"]) == (
        "MilitaryExercise", "exercise", "Drill 2019", "2019-05")


def test_same_fact_claims_merge_into_one_edge(fixture_ds):
    G = project(fixture_ds)
    data = G.get_edge_data(E + "alpha", E + "beta")
    assert len(data) == 1
    (key, edge), = data.items()
    edge = attributes(edge)  # lists from their JSON text
    assert key == "supplies:t1"
    assert edge["claims"] == [C + "t1", C + "t2"]
    assert edge["claim_ids"] == ["jets-one", "jets-two"]
    assert edge["sources"] == ["one", "two"]
    assert edge["weight"] == 2.0
    assert [(e["source"], e["quote"], e["date"]) for e in edge["evidence"]] == [
        ("one", "Alpha sent four jets to Beta", "2020-06-01"), ("two", "four jets from Alpha", "2021-03-01")]
    assert (edge["quantity"], edge["system"], edge["category"], edge["status"], edge["date"]) == (
        4, "Jet-1", "fighter-aircraft", "delivered", "2019")
    assert edge["directed"] is True


def test_symmetric_and_identity_edges(fixture_ds):
    G = project(fixture_ds)
    coop, = map(attributes, G.get_edge_data(E + "alpha", E + "gamma").values())
    assert coop["directed"] is False and coop["trend"] == "expanding"
    part, = map(attributes, G.get_edge_data(E + "alpha-army", E + "alpha").values())
    assert part["claims"] == [] and part["sources"] == ["registry"] and part["evidence"][0]["quote"] is None


def test_systems_as_nodes(fixture_ds):
    G = project(fixture_ds, include_systems=True)
    assert G.nodes[E + "jet"]["kind"] == "system"
    assert ("alpha", "supplies_system", "jet") in edges(G)
    assert ("jet", "delivered_to", "beta") in edges(G)
    assert E + "jet" not in project(fixture_ds)


def test_as_of_leaves_out_later_sources_and_facts(fixture_ds):
    # 2020: only source one existed; its transfer (2019) and its exercise (2019-05) stand, with one source
    G = project(fixture_ds, as_of="2020")
    assert ("alpha", "cooperates_with", "gamma") not in edges(G)
    edge, = map(attributes, G.get_edge_data(E + "alpha", E + "beta").values())
    assert edge["sources"] == ["one"] and edge["weight"] == 1.0
    # 2018: nothing dated yet
    assert [r for _, r, _ in edges(project(fixture_ds, as_of="2018"))] == ["part_of"]


def test_since_until_and_relations(fixture_ds):
    # the cooperation is undated: since cannot place it; until counts its source's issue date
    assert ("alpha", "cooperates_with", "gamma") not in edges(project(fixture_ds, since=2000))
    assert ("alpha", "cooperates_with", "gamma") in edges(project(fixture_ds, until=2021))
    assert ("alpha", "cooperates_with", "gamma") not in edges(project(fixture_ds, until=2020))
    assert ("alpha", "supplies", "beta") not in edges(project(fixture_ds, since=2020))
    assert edges(project(fixture_ds, relations=["supplies"])) == [("alpha", "supplies", "beta")]
    with pytest.raises(ValueError, match="unknown relation"):
        project(fixture_ds, relations=["sells"])
    with pytest.raises(DateError):
        project(fixture_ds, as_of="2021-13")


def test_pure_and_deterministic(fixture_ds):
    before = set(fixture_ds.quads((None, None, None, None)))
    a, b = project(fixture_ds), project(fixture_ds)
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert fixture_ds.default_union is False  # the input was not changed
    assert set(fixture_ds.quads((None, None, None, None))) == before


def test_every_claim_class_with_a_rule_is_declared_once():
    classes = [r.claim_class for r in EDGE_RULES if r.claim_class is not None]
    assert len({r.relation for r in EDGE_RULES}) == len(EDGE_RULES)
    from graph.model.schema import SYSTEM_RELATIONS

    assert set(RELATIONS) | set(SYSTEM_RELATIONS) == {r.relation for r in EDGE_RULES}
    from graph.model.schema import CLAIM_TYPES
    from graph.ask.projection import NO_EDGE

    assert {t.rdf_class for t in CLAIM_TYPES.values()} - set(classes) - NO_EDGE == set()


def test_seed_projection(seed_compilation):
    G = project(seed_compilation.dataset)
    supplies = [(G.nodes[u]["label"], d.get("system") or d["category"], d["quantity"])
                for u, v, d in ((u, v, attributes(d)) for u, v, d in G.edges(data=True))
                if d["relation"] == "supplies" and v == E + "serbia"]
    assert ("Russia", "MiG-29", 6) in supplies and ("Belarus", "MiG-29", 4) in supplies
    assert ("China", "armed-drone", None) in supplies
    for _, _, flat in G.edges(data=True):
        d = attributes(flat)
        assert d["evidence"] and d["sources"]
        if d["relation"] != "part_of":
            assert all(e["quote"] for e in d["evidence"])
    # the two Serbia–Russia exercises: exercise nodes joined through the armed forces
    exercises = sorted(d["label"] for _, d in G.nodes(data=True) if d["kind"] == "exercise")
    assert exercises == ["Joint Response 2021", "Slavic Shield 2021"]


def test_open_ends_keep_a_transfer_from_an_unknown_supplier(fixture_ds):
    from graph.ask.projection import facts

    result = facts(fixture_ds, relations=["supplies"], open_ends=True)
    ends = sorted(((u and u.rsplit("/", 1)[-1], v.rsplit("/", 1)[-1], d["category"]) for u, v, _, d in result.edges), key=str)
    assert ends == [("alpha", "beta", "fighter-aircraft"), (None, "gamma", "armed-drone")]
    unknown, = [d for u, _, _, d in result.edges if u is None]
    assert unknown["claim_ids"] == ["unknown-supplier"] and unknown["evidence"][0]["quote"] == "Gamma bought drones"
    # without open_ends, the projection has no such edge
    assert len(facts(fixture_ds, relations=["supplies"]).edges) == 1


# --- the same projection from memory (rdflib) and from Oxigraph (pyoxigraph, natively) ---------------

ASKS = [{}, {"include_systems": True}, {"as_of": "2020"}, {"since": 2000, "until": "2021-06"},
        {"relations": ["supplies", "participates_in", "part_of"]}]


def _canonical(data, **ask) -> str:
    """Nodes and edges, in order, with every attribute: equal text means equal graphs."""
    import json

    from graph.ask.projection import facts

    G = project(data, **ask)
    F = facts(data, open_ends=True, **{k: v for k, v in ask.items() if k != "include_systems"})
    return json.dumps({"nodes": list(G.nodes(data=True)), "edges": list(G.edges(keys=True, data=True)),
                       "facts": [F.nodes, F.edges]}, ensure_ascii=False)


def _oxigraph(trig: str):
    import pyoxigraph as ox

    store = ox.Store()
    store.load(trig.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return store


def _assert_same(memory, store) -> None:
    from graph.store.native import StoreReader
    from graph.ask.projection import reader

    assert isinstance(reader(store), StoreReader)
    for ask in ASKS:
        assert _canonical(memory, **ask) == _canonical(store, **ask), ask


def test_same_projection_from_rdflib_and_oxigraph_on_the_fixture(fixture_ds):
    _assert_same(fixture_ds, _oxigraph(FIXTURE))


def test_a_claim_with_several_quotes_gives_the_first_on_both(fixture_ds):
    # a second piece of evidence for t1, whose IRI sorts first: its quote is the one shown, on both back-ends
    extra = PREFIXES + """
    kgg:one { claim:t1 skg:evidence claim:t1a . claim:t1a oa:hasSelector claim:t1aq .
              claim:t1aq oa:exact "An earlier quote" . }
    """
    fixture_ds.parse(data=extra, format="trig")
    _assert_same(fixture_ds, _oxigraph(FIXTURE + extra[len(PREFIXES):]))
    edge, = map(attributes, project(_oxigraph(FIXTURE + extra[len(PREFIXES):])).get_edge_data(E + "alpha", E + "beta").values())
    assert [e["quote"] for e in edge["evidence"]] == ["An earlier quote", "four jets from Alpha"]


def test_same_projection_from_rdflib_and_oxigraph_on_the_seed(seed_out, seed_store):
    from graph.store.native import open_store
    from graph.store.backends import open_dataset

    _assert_same(open_dataset(seed_out), open_store(seed_store))
    # an rdflib Dataset over the Oxigraph store is read natively too, with the same result
    _assert_same(open_dataset(seed_out), open_dataset(seed_out, store=seed_store))


@pytest.mark.slow
def test_same_projection_from_rdflib_and_oxigraph_on_a_synthetic_corpus(synthetic_built):
    from graph.store.native import open_store
    from graph.store.backends import open_dataset

    out, store = synthetic_built / "out", synthetic_built / "store"
    memory = open_dataset(out)
    _assert_same(memory, open_store(store))
    G = project(open_store(store))
    assert G.number_of_edges() > 100 and len({d["relation"] for _, _, d in G.edges(data=True)}) > 5


def test_flat_attributes_hold_the_json_of_each_fact(sipri_both_out):
    # the projected graph's list and dict attributes are their JSON text as json.dumps writes it (its C
    # encoder is made once: tested here on every fact of a corpus with both SIPRI files, deliveries and all)
    import json

    import pyoxigraph as ox

    from graph.ask.projection import facts
    from graph.model.attributes import flat_attributes

    store = ox.Store()
    store.bulk_load(path=str(sipri_both_out / "serbia-kg.nq"), format=ox.RdfFormat.N_QUADS)
    result = facts(store, include_systems=True)
    seen = set()
    for _, _, _, attrs in result.edges:
        flat = flat_attributes(attrs)
        for key in flat.get("json", "").split():
            assert flat[key] == json.dumps(attrs[key], ensure_ascii=False, separators=(",", ":")), key
            seen.add(key)
        assert attributes(flat) == {k: v for k, v in attrs.items() if v is not None or k in
                                    ("date", "end_date", "quantity")}
    assert {"evidence", "claims", "deliveries", "estimated"} <= seen
