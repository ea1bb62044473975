"""Several sources, one fact: the article's and SIPRI's transfers linked, candidates, and conflicts."""

from __future__ import annotations

import itertools
import json
import shutil
import sys

import pytest
from click.testing import CliRunner
from rdflib.namespace import PROV

import graph
from graph.compile.build import build, compile_corpus
from graph.cli import main
from graph.compile import corroboration
from graph.compile.corroboration import (LINKS, Corroboration, conflicts, corroborate, fact_groups,
                                           independent_sources)
from graph.importers.sipri import import_sipri
from graph.model.terms import SKG, SOURCE

from conftest import EXTERNAL, REPO, SEED_CORPUS, SEED_ID
from test_sipri import FICTION, write_fiction

sys.path.insert(0, str(REPO / "scripts"))
from generate_corpus import generate  # noqa: E402

SAMPLE_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"
SAMPLE_ORDERS = EXTERNAL / "sipri_trade_register_2025_orders" / "serbia_yugoslavia_imports_orders.csv"
needs_samples = pytest.mark.skipif(not SAMPLE_2026.is_file() or not SAMPLE_ORDERS.is_file(),
                                   reason=f"SIPRI samples not found in {EXTERNAL} (CI has ../shared beside the checkout)")

ARTICLE = "The Freedonian Gazette reports that Freedonia has delivered {n} Zephyr-9 fighters to Sylvania."


def claim_iri(ds, claim_id):
    found = [s for s, _, o, _ in ds.quads((None, SKG.claimId, None, None)) if str(o) == claim_id]
    assert len(found) == 1, claim_id
    return found[0]


def linked(ds, prop, a):
    return sorted(str(ds.value(o, SKG.claimId)) for _, _, o, _ in ds.quads((a, prop, None, LINKS)))


def fiction_corpus(tmp_path, make_corpus, n):
    corpus = make_corpus(f"""\
        claims:
          - id: zephyr-9-to-sylvania
            type: transfer
            supplier: Freedonia
            recipient: Sylvania
            system: Zephyr-9
            quantity: {n}
            status: delivered
            quote: "Freedonia has delivered {n} Zephyr-9 fighters to Sylvania"
          - id: air-defence-to-sylvania
            type: transfer
            supplier: Freedonia
            recipient: Sylvania
            category: air-defence-system
            status: purchased
            quote: "The Freedonian Gazette reports"
        """, text=ARTICLE.format(n=n))
    import_sipri(write_fiction(tmp_path), corpus)
    return corpus


def test_numbers_adding_up_across_deals_are_the_same_fact(tmp_path, make_corpus):
    ds = compile_corpus(fiction_corpus(tmp_path, make_corpus, 6)).dataset  # SIPRI: 1 + 3 (deal 900001) + 2 (900004)
    article = claim_iri(ds, "zephyr-9-to-sylvania")
    assert linked(ds, SKG.sameFactAs, article) == ["deal-900001-freedonia-sylvania-zephyr-9",
                                                   "deal-900004-freedonia-sylvania-zephyr-9"]
    assert linked(ds, SKG.conflictsWith, article) == []
    assert conflicts(ds) == []
    # a kind of system only: a candidate, never the same fact
    kind = claim_iri(ds, "air-defence-to-sylvania")
    assert linked(ds, SKG.possiblySameFactAs, kind) == ["deal-900002-freedonia-sylvania-quasar-ad"]
    assert linked(ds, SKG.sameFactAs, kind) == []


def test_supplies_shows_one_row_with_the_number_both_sources_agree_on(tmp_path, make_corpus):
    kg = graph.from_sources(fiction_corpus(tmp_path, make_corpus, 6))
    [row] = kg.supplies(to="Sylvania", system="Zephyr-9")
    assert row["quantity"] == 6 and row["quantities"] is None  # the article's 6 = SIPRI's 1 + 3 and 2
    assert {s["source"] for s in row["sources"]} == {"fixture-source", "sipri-2030-04-01-fiction-register"}


def test_supplies_keeps_each_source_s_number_when_they_disagree(tmp_path, make_corpus):
    kg = graph.from_sources(fiction_corpus(tmp_path, make_corpus, 7))
    rows = kg.supplies(to="Sylvania", system="Zephyr-9")
    article = next(r for r in rows if "fixture-source" in {s["source"] for s in r["sources"]})
    assert article["quantity"] == 7  # not merged with SIPRI's deals: they conflict


def test_quantity_conflict_reported_with_both_sides(tmp_path, make_corpus):
    corpus = fiction_corpus(tmp_path, make_corpus, 7)
    ds = compile_corpus(corpus).dataset
    article = claim_iri(ds, "zephyr-9-to-sylvania")
    assert linked(ds, SKG.sameFactAs, article) == []
    assert len(linked(ds, SKG.conflictsWith, article)) == 2
    [conflict] = conflicts(ds)
    assert (conflict.field, conflict.supplier, conflict.recipient, conflict.system) == \
        ("number delivered", "Freedonia", "Sylvania", "Zephyr-9")
    article_side, sipri_side = conflict.sides
    assert (article_side.source, article_side.value) == ("fixture-source", "7")
    assert article_side.quotes == ["Freedonia has delivered 7 Zephyr-9 fighters to Sylvania"]
    assert sipri_side.value == "6" and sipri_side.estimated  # SIPRI marks one year's number as an estimate
    assert sorted(sipri_side.quotes) == [FICTION[4] + "\n" + FICTION[7], FICTION[8]]
    # the command reads the built dataset
    out = tmp_path / "out"
    build(corpus, out)
    runner = CliRunner()
    shown = runner.invoke(main, ["conflicts", "--sources", str(corpus), "--out", str(out), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert [s["value"] for s in json.loads(shown.output)[0]["sides"]] == ["7", "6"]
    table = runner.invoke(main, ["conflicts", "--sources", str(corpus), "--out", str(out)])
    assert "Freedonia -> Sylvania: Zephyr-9" in table.output and "number delivered" in table.output


def test_conflicts_needs_a_build(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    result = CliRunner().invoke(main, ["conflicts", "--sources", str(corpus), "--out", str(tmp_path / "none")])
    assert result.exit_code == 2 and "serbia-kg build" in result.output


def test_a_deal_ordered_after_the_article_is_another_deal(tmp_path, make_corpus):
    # the article (2022-01-01) says 1 Zephyr-9 was delivered; SIPRI's deals are 2018 (4) and 2020 (2)
    corpus = make_corpus("""\
        claims:
          - id: later
            type: transfer
            supplier: Freedonia
            recipient: Sylvania
            system: Zephyr-9
            quantity: 2
            status: delivered
            quote: "Freedonia has delivered 2 Zephyr-9 fighters"
        """, text=ARTICLE.format(n=2))
    lines = FICTION[:4] + [FICTION[4].replace("2018", "2023").replace(",2019,", ",2024,"), FICTION[8]]
    import_sipri(write_fiction(tmp_path, lines), corpus)
    ds = compile_corpus(corpus).dataset
    assert linked(ds, SKG.sameFactAs, claim_iri(ds, "later")) == ["deal-900004-freedonia-sylvania-zephyr-9"]
    assert conflicts(ds) == []


@needs_samples
def test_real_article_and_sipri_agree_on_russia_s_mig_29s(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    import_sipri(SAMPLE_2026, corpus)
    ds = compile_corpus(corpus).dataset
    mig = claim_iri(ds, "mig-29-russia-to-serbia")  # "It has received 6 MiG-29 fighters from Russia"
    assert linked(ds, SKG.sameFactAs, mig) == ["deal-51965-russia-serbia-mig-29", "deal-60612-russia-serbia-mig-29s"]
    group = next(g for g in fact_groups(ds) if mig in g)
    assert len(group) == 3 and all(ds.value(c, SKG.evidence) is not None for c in group)
    derived = {str(o) for c in group for o in ds.objects(c, PROV.wasDerivedFrom)}
    assert derived == {str(SOURCE[SEED_ID]), str(SOURCE["sipri-2026-02-12-serbia-imports-1995-2024"])}
    assert independent_sources(ds, derived) == 2
    belarus = claim_iri(ds, "mig-29-belarus-to-serbia")
    assert linked(ds, SKG.sameFactAs, belarus) == ["deal-60885-belarus-serbia-mig-29"]
    for article, deal in (("t-72-russia-to-serbia", "deal-60580-russia-serbia-t-72"),
                          ("pantsir-s1-russia-to-serbia", "deal-63126-russia-serbia-pantsyr")):
        assert linked(ds, SKG.sameFactAs, claim_iri(ds, article)) == [deal]
    # China's "air-defense system": the HQ-22 deal is a candidate, not the same fact; HQ-17A (2023) is too late
    china = claim_iri(ds, "china-air-defence-to-serbia")
    assert linked(ds, SKG.possiblySameFactAs, china) == ["deal-63743-china-serbia-hq-22"]
    assert linked(ds, SKG.sameFactAs, china) == []
    # the article dates the Kornet shipment January 2022; SIPRI to 2021: a conflict, each side with its quote
    [kornet] = conflicts(ds)
    assert (kornet.field, kornet.system, kornet.sides[0].value, kornet.sides[1].value) == \
        ("delivery year", "Kornet", "2022-01", "2021")
    assert kornet.sides[0].quotes == ["In January, a shipment of Kornet anti-tank missiles arrived from Russia."]
    assert kornet.sides[1].quotes[0].startswith("64877,Russia,Serbia,Kornet,")


@needs_samples
@pytest.mark.slow
def test_two_releases_of_sipri_link_and_count_once(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    import_sipri(SAMPLE_2026, corpus)
    import_sipri(SAMPLE_ORDERS, corpus, release="2025-03")
    ds = compile_corpus(corpus).dataset
    mig = claim_iri(ds, "mig-29-russia-to-serbia")
    group = next(g for g in fact_groups(ds) if mig in g)
    assert len(group) == 5  # the article, and SIPRI's two deals in each of two releases
    derived = {o for c in group for o in ds.objects(c, PROV.wasDerivedFrom)}
    assert len(derived) == 3 and independent_sources(ds, derived) == 2
    assert corroborate(ds).same == corroborate(ds).same  # a pure function: same input, same links
    # the article's January 2022 against SIPRI's 2021: listed once (was once per release), its SIPRI
    # side naming both releases, and a possible date discrepancy (a January shipment may be another
    # delivery), not a proven conflict
    [kornet] = conflicts(ds)
    assert (kornet.field, kornet.kind, kornet.sides[0].value, kornet.sides[1].value) == \
        ("delivery year", "possible date discrepancy", "2022-01", "2021")
    assert kornet.sides[1].sources == ["sipri-2025-03-serbia-yugoslavia-imports-orders",
                                       "sipri-2026-02-12-serbia-imports-1995-2024"]
    assert len(kornet.sides[1].quotes) == 2
    article = claim_iri(ds, "kornet-russia-to-serbia")
    links = corroborate(ds)
    assert not [p for p in links.conflicting if article in p]
    assert len([p for p in links.possibly_conflicting if article in p]) == 2


def _every_pair(indexes, up):
    """The reference: every pair of sources compared, as before the links were found through their keys."""
    return itertools.combinations(range(len(indexes)), 2)


def _links_both_ways(ds, monkeypatch) -> tuple[Corroboration, Corroboration, int, int]:
    """The links as built (pairs found through the keys that make claims comparable) and as every pair
    of sources compared gives them, with how many pairs of sources each compared."""
    calls = []
    pair = corroboration._pair
    monkeypatch.setattr(corroboration, "_pair", lambda *a, **k: calls.append(1) or pair(*a, **k))
    indexed = corroborate(ds)
    n_indexed = len(calls)
    monkeypatch.setattr(corroboration, "_pairs", _every_pair)
    every = corroborate(ds)
    return indexed, every, n_indexed, len(calls) - n_indexed


def _same_links(a: Corroboration, b: Corroboration) -> None:
    assert list(a.triples()) == list(b.triples())  # the kgg:links graph, triple for triple, in order
    assert [c.as_dict() for c in a.conflicts] == [c.as_dict() for c in b.conflicts]


def test_links_found_through_keys_equal_every_pair_compared_on_the_seed_and_fiction(
        seed_compilation, tmp_path, make_corpus, monkeypatch):
    for ds in (seed_compilation.dataset, compile_corpus(fiction_corpus(tmp_path, make_corpus, 6)).dataset):
        indexed, every, n, n_every = _links_both_ways(ds, monkeypatch)
        monkeypatch.undo()
        _same_links(indexed, every)
        assert n <= n_every
    assert every.same and every.possible  # the fiction: a sum of deals, and a kind of system


@pytest.mark.slow
def test_links_found_through_keys_equal_every_pair_compared_with_sipri(sipri_both_out, monkeypatch):
    ds = compile_corpus(sipri_both_out.parent / "corpus").dataset
    indexed, every, n, n_every = _links_both_ways(ds, monkeypatch)
    _same_links(indexed, every)
    assert every.same and every.possible and every.conflicts and n < n_every


@pytest.mark.slow
def test_links_found_through_keys_equal_every_pair_compared_on_a_synthetic_corpus(tmp_path, monkeypatch):
    generate(40_000, tmp_path / "corpus", seed=3, claims_per_source=4)
    ds = compile_corpus(tmp_path / "corpus").dataset
    indexed, every, n, n_every = _links_both_ways(ds, monkeypatch)
    _same_links(indexed, every)
    assert every.conflicts
    assert n < n_every / 4  # most pairs of sources share a party but nothing comparable


def test_triples_index_every_pattern_with_a_base():
    """corroboration.Triples (its by_po and by_p made at their first use): each pattern's quads, the base's first;
    _View's values sorted and distinct, one value or none without a set."""
    from rdflib import Literal, URIRef

    a, b, c, p, q = (URIRef(f"https://example.org/{x}") for x in "abcpq")
    base = corroboration.Triples([(a, p, b), (a, p, b), (c, q, Literal("x"))])
    assert list(base.quads((a, p, None, None))) == [(a, p, b, None)]  # without a base, each triple once
    more = corroboration.Triples(iter([(a, p, c), (a, p, b), (b, q, Literal("2")), (b, q, Literal("1"))]), base=base)
    assert [t[2] for t in more.quads((a, p, None, None))] == [b, c, b]
    assert [t[0] for t in more.quads((None, p, b, None))] == [a, a]
    assert [t[2] for t in more.quads((None, q, None, None))] == [Literal("x"), Literal("2"), Literal("1")]
    view = corroboration._View(more)
    assert view.objects(a, p) == [b, c] and view.objects(b, q) == [Literal("1"), Literal("2")]
    assert view.objects(c, q) == [Literal("x")] and view.value(c, q) == Literal("x") and view.objects(c, p) == []
    assert view.subjects(q, Literal("x")) == [c]
