"""A build without a store draws its view from values its workers collected while compiling (each slice's
graphs read as they were made), not from its N-Quads loaded back into a store: the projection read that way
is the projection of the whole RDF graph, and the page is the same, byte for byte.

Checked on the first source, the default corpus, the seed with both SIPRI samples imported and a synthetic
corpus, each compiled in small slices (several workers) so that the values of many slices are merged."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import graph.compile.build as build_mod
from graph.ask.projection import deferred_facts, facts, reads as projection_reads
from graph.model.terms import SKG
from graph.present.view import make_view, reads
from graph.store.native import StoreReader, ValuesReader

from conftest import DEFAULT_CORPUS, SEED_CORPUS


def _store(out: Path):
    store = ox.Store()
    store.bulk_load(path=str(out / "serbia-kg.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def _built(corpus: Path, out: Path, monkeypatch):
    """``corpus`` built as `serbia-kg build` builds it (the view's values collected), in slices of a few sources."""
    from graph.pipeline import build

    monkeypatch.setattr(build_mod, "SLICE_BYTES", 20_000)
    comp, _ = build(corpus, out)
    assert comp.read is not None
    return comp


@pytest.fixture(params=["seed", "default", "sipri", "synthetic"])
def corpus(request, sipri_both_out, synthetic_built) -> Path:
    return {"seed": SEED_CORPUS, "default": DEFAULT_CORPUS, "sipri": sipri_both_out.parent / "corpus",
            "synthetic": synthetic_built / "corpus"}[request.param]


def test_the_values_collected_per_slice_are_the_whole_graphs(corpus, tmp_path, monkeypatch):
    """Every property the view reads, merged over the slices, is what reading the whole built dataset gives;
    every class's instances too; the projection read from them is the whole graph's, and so is the page."""
    comp = _built(corpus, tmp_path / "out", monkeypatch)
    assert len({p.file for p in comp.spooled.parts}) > 2 or corpus == SEED_CORPUS  # several slices merged
    props, classes = reads()
    collected, whole = ValuesReader(comp.read, props, classes), StoreReader(_store(tmp_path / "out"))
    for p in props:
        assert collected.prop(p) == whole.prop(p), p
    for c in classes:
        assert collected.instances(c) == whole.instances(c), c
    quote = (str(SKG.evidence), "http://www.w3.org/ns/oa#hasSelector", "http://www.w3.org/ns/oa#exact")
    assert collected.quotes(*quote) == whole.quotes(*quote)
    lookup = ValuesReader(comp.read, props, classes).quote_lookup(*quote)  # each claim's when asked (the projection's)
    claims = [c for table in (whole.prop(quote[0]), whole.quotes(*quote)) for c in table]
    assert {c: lookup(c) for c in claims if lookup(c) is not None} == whole.quotes(*quote)
    for options in ({}, {"include_systems": True, "open_ends": True}):
        mine = facts(ValuesReader(comp.read, props, classes), **options)
        theirs = facts(_store(tmp_path / "out"), **options)
        assert list(mine.nodes.items()) == list(theirs.nodes.items())
        assert mine.edges == theirs.edges
    make_view(_store(tmp_path / "out"), tmp_path / "projected.html")
    assert (tmp_path / "out" / "serbia-kg.html").read_bytes() == (tmp_path / "projected.html").read_bytes()


def test_the_build_reads_no_n_quads_back_for_its_view(tmp_path, monkeypatch):
    """The view of a plain build is drawn from the collected values: no store is made in memory."""
    monkeypatch.setattr(build_mod.Compilation, "oxigraph_store",
                        lambda self: pytest.fail("the N-Quads were loaded into a store for the view"))
    _built(SEED_CORPUS, tmp_path / "out", monkeypatch)
    assert (tmp_path / "out" / "serbia-kg.html").is_file()


def test_a_property_not_collected_is_an_error_not_an_empty_answer():
    props, classes = projection_reads()
    r = ValuesReader({}, props, classes)
    assert r.prop(SKG.claimId) == {}
    with pytest.raises(LookupError, match="no property"):
        r.prop(SKG.pageItem)
    with pytest.raises(LookupError, match="no instances"):
        r.instances(SKG.Delivery)


@pytest.mark.parametrize("options", [{}, {"relations": ["supplies", "member_of"]}, {"since": 2015},
                                     {"until": "2020-06", "as_of": 2022}, {"include_systems": True},
                                     {"open_ends": True}])
def test_deferred_facts_are_the_facts(options, sipri_both_out, synthetic_built):
    """A fact's attributes made when asked for (what the view reads) are those facts() makes, in its order."""
    for out in (sipri_both_out, synthetic_built / "out"):
        store = _store(out)
        whole, deferred = facts(store, **options), deferred_facts(store, **options)
        assert list(whole.nodes.items()) == list(deferred.nodes.items())
        assert [(u, v, k) for u, v, k, _ in whole.edges] == [row[:3] for row in deferred.rows]
        assert [d for *_, d in whole.edges] == [deferred.attributes(i) for i in range(len(deferred.rows))]
        assert [(d["relation"], d["directed"], len(d["evidence"])) for *_, d in whole.edges] == \
            [row[3:] for row in deferred.rows]
        assert deferred.sources() == {s for *_, d in whole.edges if d["claims"] for s in d["sources"]}


def test_an_incremental_build_draws_its_view_from_the_values_it_kept(synthetic_built, tmp_path, monkeypatch):
    """A source an incremental build reuses brings the values its first build collected (kept with its records):
    the view of a changed corpus is drawn from them, with no store made in memory, and it is the page of the
    whole graph; a source reused from a build that collected none (``--no-view``) makes the view load the
    N-Quads instead, with the same page."""
    import re
    import shutil

    from graph.pipeline import build

    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic_built / "corpus", corpus)
    build(corpus, tmp_path / "out")
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    meta = corpus / names[1] / "source.yaml"
    meta.write_text(re.sub(r"^title: .*$", 'title: "An edited title"', meta.read_text(), count=1, flags=re.M))
    shutil.rmtree(corpus / names[2])
    loaded: list = []
    real = build_mod.Compilation.oxigraph_store
    monkeypatch.setattr(build_mod.Compilation, "oxigraph_store", lambda self: loaded.append(1) or real(self))
    lines: list[str] = []
    comp, _ = build(corpus, tmp_path / "out", progress=lines.append)
    assert any(line.startswith("incremental build: 1 source(s) changed") for line in lines), lines
    assert comp.read is not None and not loaded
    make_view(_store(tmp_path / "out"), tmp_path / "projected.html")
    page = (tmp_path / "out" / "serbia-kg.html").read_bytes()
    assert page == (tmp_path / "projected.html").read_bytes() and b"An edited title" in page

    build(corpus, tmp_path / "plain", view=False)  # no values kept for the view
    meta.write_text(re.sub(r"^title: .*$", 'title: "Edited again"', meta.read_text(), count=1, flags=re.M))
    comp, _ = build(corpus, tmp_path / "plain")
    assert comp.read is None and loaded
    make_view(_store(tmp_path / "plain"), tmp_path / "projected-2.html")
    assert (tmp_path / "plain" / "serbia-kg.html").read_bytes() == (tmp_path / "projected-2.html").read_bytes()
