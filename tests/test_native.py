"""The lean path (graph.store.native): pyoxigraph alone gives the same supplies rows as the projection."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from graph.store import native
from graph.compile.build import build
from graph.importers.sipri import import_sipri
from graph.store.index import FILE, Index
from graph.present.output import to_json
from graph.ask.questions import KnowledgeGraph
from graph.store.backends import load_store

from conftest import EXTERNAL, SEED_CORPUS

SAMPLE_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"

ASKS = [{}, {"to": "Serbia"}, {"to": "serbia", "supplier": "Russia"}, {"supplier": "Russian Federation"},
        {"system": "MiG-29"}, {"to": "Serbia", "system": "mig-29"}, {"supplier": "China"}]


def same_rows(out, store):
    """The full path's rows equal the lean path's, computed and read from the store's index."""
    kg = KnowledgeGraph.load(out)
    ox = native.open_store(store)
    assert Index.open(store) is not None  # load_store wrote it
    for ask in ASKS:
        lean = json.loads(to_json(native.supplies(ox, **ask)))
        full = json.loads(to_json(kg.supplies(**ask)))
        indexed = json.loads(to_json(native.supplies(ox, index=store, **ask)))
        assert lean == full == indexed, ask
    return json.loads(to_json(native.supplies(ox, to="Serbia")))


def test_lean_supplies_gives_the_projection_s_rows_on_the_seed(seed_out, seed_store):
    rows = same_rows(seed_out, seed_store)
    assert {(r["supplier"], r["system"]) for r in rows} >= {("Russia", "MiG-29"), ("Belarus", "MiG-29")}


@pytest.mark.skipif(not SAMPLE_2026.is_file(), reason=f"SIPRI sample not found in {EXTERNAL}")
def test_lean_supplies_gives_the_projection_s_rows_with_sipri(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    import_sipri(SAMPLE_2026, corpus)
    out, store = tmp_path / "out", tmp_path / "ox"
    build(corpus, out)
    load_store(out, store)
    rows = same_rows(out, store)
    mig = [r for r in rows if r["supplier"] == "Russia" and r["system"] == "MiG-29"]
    assert any(len(r["sources"]) > 1 for r in mig)  # the article's and SIPRI's claims merged in one row


def test_unknown_or_ambiguous_names_fall_back_to_the_full_path(seed_store):
    for index in (None, seed_store):
        with pytest.raises(native.Fallback):
            native.supplies(native.open_store(seed_store), to="Rusia", index=index)
        with pytest.raises(native.Fallback):  # an actor's id asked for as a system: no such system
            native.supplies(native.open_store(seed_store), system="russia", index=index)


def test_the_index_resolves_names_as_the_store_does(seed_store):
    ox, index = native.open_store(seed_store), Index.open(seed_store)
    for kind in ("actor", "system"):
        names = native.names_of(ox, kind)
        assert len(names["ids"]) >= 5
        for eid, iri in names["ids"].items():
            assert index.resolve(eid, kind) == iri
        for name in list(names["index"]) + ["Srbija", "MiG 29", "nowhere"]:
            try:
                expected = native._resolve(ox, name, kind, {})
            except native.Fallback:
                expected = None
            assert index.resolve(name, kind) == expected, name
    assert index.resolve("Srbija", "actor") == index.resolve("serbia", "actor") == native.names_of(ox, "actor")["ids"]["serbia"]


def test_a_store_without_a_usable_index_computes_its_rows(seed_store, tmp_path):
    import sqlite3

    store = tmp_path / "store"
    shutil.copytree(seed_store, store)
    ox = native.open_store(store)
    rows = native.supplies(ox, to="Serbia", index=store)
    with sqlite3.connect(store / FILE) as con:  # an index of another format: ignored, never misread
        con.execute("UPDATE meta SET value = '0' WHERE key = 'version'")
        con.execute("DELETE FROM supplies")
    con.close()
    assert Index.open(store) is None
    assert native.supplies(ox, to="Serbia", index=store) == rows != []
    (store / FILE).write_text("not a database")
    assert Index.open(store) is None
    assert native.supplies(ox, to="Serbia", index=store) == rows
    (store / FILE).unlink()
    assert Index.open(store) is None
    assert native.supplies(ox, to="Serbia", index=store) == rows


def test_lean_values_are_escaped_terms_not_pasted_text(seed_store):
    ox = native.open_store(seed_store)
    with pytest.raises(native.Fallback):  # no entity has this name: nothing reaches a query
        native.supplies(ox, to='x> } } ; DROP ALL ; SELECT * { "')


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


def test_node_kinds_agree_with_the_projection():
    from graph.ask.projection import NODE_KINDS

    assert list(native.NODE_KINDS) == [(str(c).rsplit("#", 1)[-1], k) for c, k in NODE_KINDS.items()]


def test_an_id_and_a_label_resolve_alike(seed_store):
    ox = native.open_store(seed_store)
    assert native.supplies(ox, to="serbia") == native.supplies(ox, to="Serbia") == native.supplies(ox, to="srbija")
    assert native.supplies(ox, system="mig-29") == native.supplies(ox, system="MiG-29") \
        == native.supplies(ox, system="MiG29") == native.supplies(ox, system="MiG29", index=seed_store) != []
    with pytest.raises(native.Fallback):  # an actor's id asked for as a system: not a system
        native.supplies(ox, system="russia")


def _seed_trig(seed_out) -> str:
    return (seed_out / "serbia-kg.trig").read_text(encoding="utf-8")


def test_links_and_several_quotes_on_both_paths(seed_out):
    """A second source linked to the seed's MiG-29 transfer (sameFactAs, another recipient named), and a
    claim with two quotes (the one whose evidence IRI sorts first is shown): the lean rows equal the full path's."""
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
    for ask in ASKS + [{"to": "Belarus"}]:
        assert json.loads(to_json(native.supplies(store, **ask))) == json.loads(to_json(full.supplies(**ask))), ask
    merged, = [r for r in native.supplies(store, to="Serbia") if r["fact"] == mig["fact"]]
    assert sorted(s["source"] for s in merged["sources"]) == sorted(s["source"] for s in mig["sources"])
    assert any(s["quote"] == "an earlier quote" for r in native.supplies(store) for s in r["sources"])
    other, = native.supplies(store, to="Belarus")
    assert other["fact"] == mig["fact"] and other["quantity"] == 5


def test_lean_supplies_gives_the_projection_s_rows_on_a_synthetic_corpus(synthetic_built):
    synthetic = synthetic_built
    focus = json.loads((synthetic / "corpus" / "corpus.json").read_text())["focus"]
    kg = KnowledgeGraph.load(synthetic / "out")
    ox = native.open_store(synthetic / "store")
    label = kg.names.get(focus["hub"]).label
    asks = [{"to": focus["hub"]}, {"to": label}, {"supplier": focus["hub"]},
            {"to": focus["hub"], "supplier": focus["partners"][0]}, {"system": focus["system"]}, {}]
    for ask in asks:
        lean = json.loads(to_json(native.supplies(ox, **ask)))
        assert lean == json.loads(to_json(kg.supplies(**ask))), ask
        assert lean == json.loads(to_json(native.supplies(ox, index=synthetic / "store", **ask))), ask
    assert len(native.supplies(ox, to=focus["hub"])) > 10
