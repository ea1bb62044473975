"""The supplies index of an Oxigraph store (graph.store.index): filled from the engine, read by the library.

A store's rows (read from its index, or computed from the store when it has none) are the rows of
the same dataset held in memory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from graph.compile.build import build
from graph.model.errors import UnknownName
from graph.importers.sipri import import_sipri
from graph.store.index import FILE, Index
from graph.present.output import to_json
from graph.ask.questions import KnowledgeGraph, write_supplies_index
from graph.store.backends import load_store

from conftest import EXTERNAL, SEED_CORPUS

SAMPLE_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"

ASKS = [{}, {"to": "Serbia"}, {"to": "serbia", "supplier": "Russia"}, {"supplier": "Russian Federation"},
        {"system": "MiG-29"}, {"to": "Serbia", "system": "mig-29"}, {"supplier": "China"}]


def _json(rows) -> list:
    return json.loads(to_json(rows))


def same_rows(out, store):
    """The rows of the dataset in memory equal the store's, read from its index and computed without it."""
    memory = KnowledgeGraph.load(out)
    indexed = KnowledgeGraph.load(store=store)
    computed = KnowledgeGraph(indexed.data)  # the same store, without its index
    assert indexed.index is not None and computed.index is None  # load_store wrote it
    for ask in ASKS:
        assert _json(memory.supplies(**ask)) == _json(indexed.supplies(**ask)) == _json(computed.supplies(**ask)), ask
    return _json(indexed.supplies(to="Serbia"))


def test_a_store_answers_as_memory_does_on_the_seed(seed_out, seed_store):
    rows = same_rows(seed_out, seed_store)
    assert {(r["supplier"], r["system"]) for r in rows} >= {("Russia", "MiG-29"), ("Belarus", "MiG-29")}


@pytest.mark.skipif(not SAMPLE_2026.is_file(), reason=f"SIPRI sample not found in {EXTERNAL}")
def test_a_store_answers_as_memory_does_with_sipri(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    import_sipri(SAMPLE_2026, corpus)
    out, store = tmp_path / "out", tmp_path / "ox"
    build(corpus, out)
    load_store(out, store, index=write_supplies_index)
    rows = same_rows(out, store)
    mig = [r for r in rows if r["supplier"] == "Russia" and r["system"] == "MiG-29"]
    assert any(len(r["sources"]) > 1 for r in mig)  # the article's and SIPRI's claims merged in one row


def test_unknown_or_ambiguous_names_are_refused_with_suggestions(seed_out, seed_store):
    for kg in (KnowledgeGraph.load(store=seed_store), KnowledgeGraph.load(seed_out)):
        with pytest.raises(UnknownName, match="unknown actor 'Rusia'; did you mean 'Russia'"):
            kg.supplies(to="Rusia")
        with pytest.raises(UnknownName, match="unknown system 'russia'"):  # an actor's id asked for as a system
            kg.supplies(system="russia")


def test_the_index_resolves_names_as_the_registry_does(seed_store):
    kg, index = KnowledgeGraph(KnowledgeGraph.load(store=seed_store).data), Index.open(seed_store)
    assert index is not None
    for kind in ("actor", "system"):
        table = kg.names.names.table([kind])
        assert len(table) >= 5
        for eid, _, label, folded in table:
            assert index.resolve(eid, kind) == str(kg.names.get(eid).iri)
            for name in [label, *folded]:
                assert index.resolve(name, kind) == str(kg.resolve(name, kind).iri), name
        for name in ["Srbija", "Србија", "MiG 29", "nowhere", "Rusia", "mig29s"]:
            try:
                expected = str(kg.resolve(name, kind).iri)
            except UnknownName as exc:
                expected = str(exc)
            try:
                found = index.resolve(name, kind)
            except UnknownName as exc:
                found = str(exc)
            assert found == expected, name
    assert index.resolve("Србија", "actor") == index.resolve("serbia", "actor") == str(kg.resolve("serbia").iri)


def test_a_store_without_a_usable_index_computes_its_rows(seed_store, tmp_path):
    import sqlite3

    store = tmp_path / "store"
    shutil.copytree(seed_store, store)
    rows = KnowledgeGraph.load(store=store).supplies(to="Serbia")
    with sqlite3.connect(store / FILE) as con:  # an index of another format: ignored, never misread
        con.execute("UPDATE meta SET value = '0' WHERE key = 'version'")
        con.execute("DELETE FROM supplies")
    con.close()
    assert Index.open(store) is None
    assert KnowledgeGraph.load(store=store).supplies(to="Serbia") == rows != []
    (store / FILE).write_text("not a database")
    assert Index.open(store) is None
    assert KnowledgeGraph.load(store=store).supplies(to="Serbia") == rows
    (store / FILE).unlink()
    assert Index.open(store) is None
    assert KnowledgeGraph.load(store=store).supplies(to="Serbia") == rows


def test_names_are_looked_up_not_pasted_into_a_query(seed_store):
    with pytest.raises(UnknownName):  # no entity has this name: nothing reaches a query
        KnowledgeGraph.load(store=seed_store).supplies(to='x> } } ; DROP ALL ; SELECT * { "')


def test_supplies_from_a_store_imports_neither_rdflib_nor_networkx(seed_out, seed_store):
    code = ("import sys; from graph.cli import main\n"
            "try:\n    main(['supplies', '--to', 'Serbia', '--store', sys.argv[1], '--format', 'json'])\n"
            "except SystemExit: pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'networkx', 'scipy'))\n"
            "print(repr(heavy), file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code, str(seed_store)], capture_output=True, text=True, check=True)
    assert p.stderr.strip().splitlines()[-1] == "[]"
    rows = json.loads(p.stdout)
    assert rows == json.loads(to_json(KnowledgeGraph.load(seed_out).supplies(to="Serbia")))


def test_an_id_and_a_label_resolve_alike(seed_store):
    kg = KnowledgeGraph.load(store=seed_store)
    assert kg.supplies(to="serbia") == kg.supplies(to="Serbia") == kg.supplies(to="srbija") == kg.supplies(to="Србија")
    assert kg.supplies(system="mig-29") == kg.supplies(system="MiG-29") == kg.supplies(system="MiG29") != []


def _seed_trig(seed_out) -> str:
    return (seed_out / "serbia-kg.trig").read_text(encoding="utf-8")


def test_links_and_several_quotes_in_a_store_and_in_memory(seed_out, tmp_path):
    """A second source linked to the seed's MiG-29 transfer (sameFactAs, another recipient named), and a
    claim with two quotes (the one whose evidence IRI sorts first is shown): a store's rows, computed and
    indexed, equal memory's."""
    import pyoxigraph
    from rdflib import Dataset

    trig = _seed_trig(seed_out)
    kg = KnowledgeGraph.load(seed_out)
    mig = next(r for r in kg.supplies(to="Serbia") if r["supplier"] == "Russia" and r["system"] == "MiG-29")
    claim = next(e["claim"] for e in kg.facts(relations=["supplies"]).edges[0][3]["evidence"])
    first = mig["fact"].split(":", 1)[1]
    extra = f"""
    @prefix skg: <https://w3id.org/serbia-kg/ontology#> . @prefix claim: <https://w3id.org/serbia-kg/claim/> .
    @prefix src: <https://w3id.org/serbia-kg/source/> . @prefix ent: <https://w3id.org/serbia-kg/id/> .
    @prefix prov: <http://www.w3.org/ns/prov#> . @prefix oa: <http://www.w3.org/ns/oa#> .
    @prefix dcterms: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <https://w3id.org/serbia-kg/graph/other> {{
      src:other a skg:Source ; dcterms:title "Another" ; dcterms:issued "2023-01-02"^^xsd:date .
      claim:zz-other a skg:ArmsTransfer ; skg:claimId "other-mig" ; prov:wasDerivedFrom src:other ;
        skg:supplier ent:russia ; skg:recipient ent:belarus ; skg:system ent:mig-29 ; skg:quantity 5 ;
        skg:sameFactAs claim:{first} ; skg:evidence claim:zz-other-e .
      claim:zz-other-e oa:hasSelector claim:zz-other-q . claim:zz-other-q oa:exact "five MiG-29s" .
      <{claim}> skg:evidence <https://w3id.org/serbia-kg/claim/-e> .
      <https://w3id.org/serbia-kg/claim/-e> oa:hasSelector claim:aa-q . claim:aa-q oa:exact "an earlier quote" .
    }}
    """
    store = pyoxigraph.Store()
    store.load((trig + extra).encode("utf-8"), format=pyoxigraph.RdfFormat.TRIG)
    ds = Dataset(default_union=True)
    ds.parse(data=trig + extra, format="trig")
    full = KnowledgeGraph(ds)
    write_supplies_index(store, tmp_path)
    stored = KnowledgeGraph(store)
    indexed = KnowledgeGraph(store, index=Index.open(tmp_path))
    for ask in ASKS + [{"to": "Belarus"}]:
        assert _json(stored.supplies(**ask)) == _json(full.supplies(**ask)) == _json(indexed.supplies(**ask)), ask
    merged, = [r for r in indexed.supplies(to="Serbia") if r["fact"] == mig["fact"]]
    assert sorted(s["source"] for s in merged["sources"]) == sorted(s["source"] for s in mig["sources"])
    assert any(s["quote"] == "an earlier quote" for r in indexed.supplies() for s in r["sources"])
    other, = indexed.supplies(to="Belarus")
    assert other["fact"] == mig["fact"] and other["quantity"] == 5


def test_a_store_answers_as_memory_does_on_a_synthetic_corpus(synthetic_built):
    synthetic = synthetic_built
    focus = json.loads((synthetic / "corpus" / "corpus.json").read_text())["focus"]
    kg = KnowledgeGraph.load(synthetic / "out")
    indexed = KnowledgeGraph.load(store=synthetic / "store")
    assert indexed.index is not None
    label = kg.names.get(focus["hub"]).label
    asks = [{"to": focus["hub"]}, {"to": label}, {"supplier": focus["hub"]},
            {"to": focus["hub"], "supplier": focus["partners"][0]}, {"system": focus["system"]}, {}]
    for ask in asks:
        assert _json(indexed.supplies(**ask)) == _json(kg.supplies(**ask)), ask
    assert len(indexed.supplies(to=focus["hub"])) >= 9  # (not a trivial comparison: 9 rows on this corpus)
