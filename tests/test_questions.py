"""The questions API on the real first source, and on small corpora where the right answer is known."""

from __future__ import annotations

import pytest

from graph.model.errors import InputError, NotBuilt, UnknownName
import graph
from graph.ask.questions import KnowledgeGraph, NoPath


@pytest.fixture(scope="module")
def kg(seed_out) -> KnowledgeGraph:
    return KnowledgeGraph.load(seed_out)


def _sourced(row: dict) -> bool:
    return bool(row["sources"]) and all(s["source"] and s["title"] and s["quote"] for s in row["sources"])


def test_suppliers_to_serbia_with_quantities_and_quotes(kg):
    rows = kg.supplies(to="Serbia")
    assert {r["supplier"] for r in rows} == {"Russia", "Belarus", "China"}
    by = {(r["supplier"], r["system"] or r["category"]): r for r in rows}
    assert by[("Russia", "MiG-29")]["quantity"] == 6
    assert by[("Russia", "T-72")]["quantity"] == 30
    assert by[("Russia", "armoured vehicle")]["quantity"] == 30
    assert by[("Belarus", "MiG-29")]["quantity"] == 4
    assert by[("Belarus", "MiG-29")]["sources"][0]["quote"] == "Serbia has also procured 4 MiG-29s from Belarus"
    assert by[("Russia", "Kornet")]["date"] == "2022-01"
    assert by[("Russia", "MiG-29")]["status"] == "delivered"
    assert all(_sourced(r) for r in rows)
    assert all(r["sources"][0]["title"] == "Time for Serbia to Scale Back Military Ties with Russia" for r in rows)


def test_china_supplies_an_air_defence_system_and_armed_drones(kg):
    rows = kg.supplies(to="Republic of Serbia", supplier="PRC")
    assert sorted(r["category"] for r in rows) == ["air-defence system", "armed drone"]
    assert all(r["system"] is None and r["quantity"] is None for r in rows)
    assert all("armed military drones from Beijing" in r["sources"][0]["quote"] for r in rows)


def test_supplies_filters(kg):
    assert [r["supplier"] for r in kg.supplies(system="mig 29")] == ["Belarus", "Russia"]
    # a category matches its narrower ones: aircraft takes in fighters and armed drones
    aircraft = kg.supplies(to="Serbia", category="aircraft")
    assert sorted(r["category"] for r in aircraft) == ["armed drone", "fighter aircraft", "fighter aircraft"]
    assert [r["system"] for r in kg.supplies(category="anti-tank missile")] == ["Kornet"]
    assert [r["system"] for r in kg.supplies(to="Serbia", since=2022)] == ["Kornet"]
    assert kg.supplies(to="Serbia", until=2021) == []  # undated ones were reported in 2022
    assert kg.supplies(to="Montenegro") == []


def test_unknown_supplier_stays_unknown(kg):
    croatia, = kg.supplies(to="Croatia")
    assert croatia["supplier"] is None and croatia["supplier_id"] is None
    assert croatia["category"] == "fighter aircraft" and croatia["value"] == 1000000000


def test_as_of_before_the_source_leaves_nothing(kg):
    assert kg.supplies(to="Serbia", as_of="2022-03-03") == []
    assert len(kg.supplies(to="Serbia", as_of="2022-03-04")) == 8


def test_path_serbia_belarus_names_the_mig29_transfer(kg):
    chain, = kg.path("Serbia", "Belarus")
    assert chain["length"] == 1
    hop, = chain["hops"]
    assert (hop["relation"], hop["direction"]) == ("supplies", "backward")
    assert "MiG-29" in hop["says"] and hop["says"].startswith("Belarus supplies Serbia")
    assert hop["sources"][0]["quote"] == "Serbia has also procured 4 MiG-29s from Belarus"


def test_exercises_connect_serbia_and_russia_through_their_armed_forces(kg):
    chains = kg.path("Serbia", "Russian Federation", relations=["participates_in", "part_of"], all_paths=True)
    assert len(chains) == 2
    for chain in chains:
        assert [h["relation"] for h in chain["hops"]] == ["part_of", "participates_in", "participates_in", "part_of"]
        assert [h["direction"] for h in chain["hops"]] == ["backward", "forward", "backward", "forward"]
        assert chain["hops"][1]["sources"][0]["quote"].startswith("Last year, the Serbian military")
    assert {c["hops"][1]["to"] for c in chains} == {"Joint Response 2021", "Slavic Shield 2021"}


def test_every_hop_has_evidence(kg):
    for chain in kg.path("Vucic", "Turkey", all_paths=True):
        for hop in chain["hops"]:
            assert hop["sources"]
            if hop["relation"] != "part_of":
                assert _sourced(hop)


def test_no_path_and_max_hops(kg):
    with pytest.raises(NoPath, match="no connection between Serbia and German Marshall Fund"):
        kg.path("Serbia", "GMF")
    with pytest.raises(NoPath, match="within 1 hop"):
        kg.path("Belarus", "Turkey", max_hops=1)
    with pytest.raises(InputError, match="same actor"):
        kg.path("Serbia", "Srbija")
    assert NoPath("x").exit_code == 1


def test_unknown_names_suggest_close_ones(kg):
    with pytest.raises(UnknownName) as err:
        kg.supplies(to="Serbija")
    assert str(err.value) == "unknown actor 'Serbija'; did you mean 'Serbia'?"
    assert err.value.exit_code == 2
    with pytest.raises(UnknownName, match="unknown system 'MiG-31'"):
        kg.supplies(system="MiG-31")
    with pytest.raises(UnknownName, match="unknown category 'aircrafts'; did you mean 'aircraft'"):
        kg.supplies(category="aircrafts")
    # a system is not an actor
    with pytest.raises(UnknownName, match="unknown actor 'MiG-29'"):
        kg.ties("MiG-29")


def test_names_fold_case_and_diacritics(kg):
    assert kg.resolve("VUCIC").label == "Aleksandar Vučić"
    assert kg.resolve("Russian Federation").id == "russia"
    assert kg.resolve("türkiye").id == "turkey"
    # separators do not matter
    assert kg.resolve("MiG29", "system").id == kg.resolve("mig 29", "system").id == "mig-29"
    assert kg.resolve("S400", "system").id == "s-400"


def test_centrality_degree_ranks_serbia_then_russia(kg):
    rows = kg.centrality("degree", top=3)
    assert [r["actor"] for r in rows[:2]] == ["Serbia", "Russia"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["score"] == rows[0]["ties"] > rows[1]["ties"]
    assert all(r["sampled"] is None for r in rows)


@pytest.mark.parametrize("measure", ["pagerank", "betweenness", "eigenvector"])
def test_other_measures(kg, measure):
    rows = kg.centrality(measure, top=None)
    assert rows[0]["actor"] == "Serbia"
    assert all(r["measure"] == measure for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_centrality_by_relation_and_bad_input(kg):
    rows = kg.centrality("degree", relations=["supplies"], top=2)
    assert [(r["actor"], r["ties"]) for r in rows] == [("Serbia", 8), ("Russia", 6)]
    with pytest.raises(InputError, match="unknown measure"):
        kg.centrality("closeness")
    with pytest.raises(InputError, match="unknown relation"):
        kg.centrality("degree", relations=["sells"])


def test_betweenness_samples_large_graphs(kg, monkeypatch):
    import graph.ask.questions as q

    monkeypatch.setattr(q, "BETWEENNESS_EXACT_MAX", 10)
    monkeypatch.setattr(q, "BETWEENNESS_SAMPLE", 5)
    rows = KnowledgeGraph(kg.data).centrality("betweenness", backend="networkx")
    assert rows[0]["sampled"] == 5 and rows[0]["backend"] == "networkx"
    rows = KnowledgeGraph(kg.data).centrality("betweenness", backend="igraph")  # exact at any size
    assert rows[0]["sampled"] is None and rows[0]["backend"] == "igraph"


def test_ties_of_a_person_list_their_statements(kg):
    answer = kg.ties("Vucic")
    assert (answer["actor"], answer["type"]) == ("Aleksandar Vučić", "Person")
    assert list(answer["relations"]) == ["states_about", "holds_office_in"]  # his statements, his office
    assert [r["says"] for r in answer["relations"]["holds_office_in"]] == ["Aleksandar Vučić: President of Serbia (2021)"]
    statements = answer["relations"]["states_about"]
    assert len(statements) == 3 and all(s["direction"] == "outgoing" for s in statements)
    assert {s["claims"][0] for s in statements} == {"vucic-on-china", "vucic-on-eu-accession",
                                                   "vucic-halts-drills-with-foreign-troops"}
    china = next(s for s in statements if s["claims"] == ["vucic-on-china"])
    assert china["with"] == ["China", "Serbia"]  # one statement about two actors: one row
    assert "steel" in china["details"]["words"] and _sourced(china)


def test_ties_of_serbia_grouped_and_sourced(kg):
    answer = kg.ties("Serbia")
    assert list(answer["relations"])[0] == "supplies"
    assert {"member_of", "votes_on", "cooperates_with", "part_of", "states_about"} <= set(answer["relations"])
    for rows in answer["relations"].values():
        for row in rows:
            assert row["sources"]
            if row["relation"] != "part_of":
                assert _sourced(row)
    only = kg.ties("Serbia", relations=["votes_on"])
    vote, = only["relations"]["votes_on"]
    assert vote["details"]["position"] == "against"
    assert kg.ties("GMF")["count"] == 0


def test_load_without_a_build(tmp_path):
    with pytest.raises(NotBuilt, match="no built dataset"):
        KnowledgeGraph.load(tmp_path / "out")


def test_from_sources_and_same_fact_merging(make_corpus):
    corpus = make_corpus("""\
        claims:
          - id: jets
            type: transfer
            supplier: russia
            recipient: serbia
            system: mig-29
            quantity: 6
            quote: "Russia gave Serbia six MiG-29s."
        """, text="Russia gave Serbia six MiG-29s. Nobody else did.")
    kg = graph.from_sources(corpus)
    row, = kg.supplies(to="Serbia")
    assert (row["supplier"], row["system"], row["quantity"]) == ("Russia", "MiG-29", 6)
    # a second claim linked as the same fact: still one row, now with both sources
    from rdflib import URIRef
    from graph.model.terms import GRAPH, SKG

    from graph.ask.projection import union_view

    ds = kg.data
    first = next(iter(union_view(ds).subjects(SKG.claimId, None)))
    ds.graph(GRAPH.other).add((URIRef(str(first) + "-copy"), SKG.sameFactAs, first))
    for p, o in list(union_view(ds).predicate_objects(first)):
        ds.graph(GRAPH.other).add((URIRef(str(first) + "-copy"), p, o))
    row, = KnowledgeGraph(ds).supplies(to="Serbia")
    assert len(row["sources"]) == 2 and sorted(row["claims"]) == ["jets"]


def test_same_answers_from_an_oxigraph_store(own_out, tmp_path, kg):
    from graph.store.backends import load_store

    load_store(own_out, tmp_path / "store")
    on_disk = KnowledgeGraph.load(own_out, store=tmp_path / "store")
    import pyoxigraph

    assert isinstance(on_disk.data, pyoxigraph.Store)  # read natively: no rdflib Dataset over the store
    assert on_disk.supplies(to="Serbia") == kg.supplies(to="Serbia")
    assert on_disk.supplies(category="aircraft", since=2000) == kg.supplies(category="aircraft", since=2000)
    assert on_disk.path("Serbia", "Belarus") == kg.path("Serbia", "Belarus")
    assert on_disk.path("Serbia", "Russia", all_paths=True) == kg.path("Serbia", "Russia", all_paths=True)
    for measure in ("degree", "pagerank", "betweenness", "eigenvector"):
        assert on_disk.centrality(measure, top=None) == kg.centrality(measure, top=None), measure
    assert on_disk.ties("Serbia") == kg.ties("Serbia")
    assert on_disk.ties("Vucic", as_of="2022") == kg.ties("Vucic", as_of="2022")
