"""The dossier: its data agrees with the questions it gathers, and the page is one offline file."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from graph.ask.dossier import _deliveries
from graph.ask.questions import KnowledgeGraph
from graph.cli import main
from graph.compile.corroboration import conflicts
from graph.model.errors import InputError
from graph.model.errors import UnknownName
from graph.present.dossier import charts


def agrees(kg: KnowledgeGraph, actor: str, **window) -> dict:
    """Assert that the dossier says what supplies, conflicts and centrality say; return it."""
    d = kg.dossier(actor, **window)
    me = d["actor"]["label"]
    imports = kg.supplies(to=actor, **window)
    exports = kg.supplies(supplier=actor, **window)
    assert [(r["supplier"], r["system"], r["quantity"], r["claims"]) for r in imports] == \
        [(r["supplier"], r["system"], r["quantity"], r["claims"]) for r in d["arms"]["imports"]]
    assert len(exports) == len(d["arms"]["exports"])
    for way, rows, key in (("imports", imports, "supplier"), ("exports", exports, "recipient")):
        want: Counter = Counter()
        for r in rows:
            for year, units in _deliveries(r, window.get("since"), window.get("until")):
                want[(year, r[key] or "(not named)")] += units or 0
        got = Counter({(c["year"], c["partner"]): c["units"] for c in d["arms"][f"{way}_by_year"]})
        assert +got == +want
    mine = [c.as_dict() for c in conflicts(kg._dataset()) if me in (c.supplier, c.recipient)]
    assert d["disagreements"] == mine
    found = kg.votes(actor, d["votes"]["compare"], as_of=window.get("as_of"))
    since, until = window.get("since"), window.get("until")
    in_window = [r for r in found["resolutions"]
                 if r["date"] is None and since is None and until is None
                 or r["date"] and (since is None or int(r["date"][:4]) >= since)
                 and (until is None or int(r["date"][:4]) <= until)]
    assert d["votes"]["resolutions"] == in_window and d["votes"]["agreement"] == found["agreement"]
    series = {(o["indicator_label"], int(o["period"][:4]), float(o["value"])) for o in kg.series(actor, as_of=window.get("as_of"))
              if (since is None or int(o["period"][:4]) >= since) and (until is None or int(o["period"][:4]) <= until)}
    assert {(s["indicator"], s["year"], s["value"]) for s in d["spending"]} == series
    for measure in ("degree", "pagerank"):
        [row] = [r for r in kg.centrality(measure, top=None, as_of=window.get("as_of")) if r["actor"] == me]
        assert d["network"][measure] == {"rank": row["rank"], "score": row["score"]}
    return d


def test_seed_dossier_agrees_with_the_questions(seed_out):
    kg = KnowledgeGraph.load(seed_out)
    d = agrees(kg, "Serbia")
    assert d["actor"]["id"] == "serbia" and "Srbija" in d["actor"]["names"]
    assert d["actor"]["sources"] >= 1 and d["actor"]["claims"] >= len(d["timeline"])
    # the article's alignment rate: 61 % in 2021, measured by the European Commission
    assert {(a["year"], a["rate"], a["measured_by"]) for a in d["alignment"]} >= {(2021, 61, "European Commission")}
    assert all(item["sources"] and item["sources"][0]["quote"] for item in d["timeline"])
    assert d["votes"]["resolutions"], "the article's votes"
    assert set(charts(d)) >= {"alignment", "votes"}


def test_default_corpus_dossier_has_votes_beside_suppliers_and_spending(tmp_path):
    """The default corpus (the article and the open tables): votes beside Russia and China, and the
    World Bank's series."""
    from conftest import REPO
    from graph.compile.build import build

    build(REPO / "sources", tmp_path / "out")
    kg = KnowledgeGraph.load(tmp_path / "out")
    d = agrees(kg, "Serbia")
    assert d["votes"]["compare"] == ["Russia", "China"]  # its two main suppliers on the seed
    es11 = [r for r in d["votes"]["resolutions"] if r["date"] == "2022-03-02"]
    assert es11 and es11[0]["votes"]["Serbia"]["position"] == "in-favour"
    assert {"armed forces personnel"} <= {s["indicator"] for s in d["spending"]}
    assert {"votes", "spending"} <= set(charts(d))


def test_as_of_holds_for_the_votes_and_the_spending_too(tmp_path):
    """--as-of 2021: no vote cast, and no year of a series, after it (the votes ran to 2025 before)."""
    from conftest import REPO
    from graph.compile.build import build

    build(REPO / "sources", tmp_path / "out")
    kg = KnowledgeGraph.load(tmp_path / "out")
    whole, then = kg.dossier("Serbia"), agrees(kg, "Serbia", as_of="2021")
    assert max(r["date"] for r in whole["votes"]["resolutions"]) > "2022"
    assert then["votes"]["resolutions"] and all(r["date"] <= "2021-12-31" for r in then["votes"]["resolutions"])
    assert max(s["year"] for s in whole["spending"]) > 2021 >= max(s["year"] for s in then["spending"])
    assert kg.votes("Serbia", as_of="2000")["resolutions"] == [] and kg.series("Serbia", as_of="1980") == []
    with pytest.raises(InputError, match="bad date 'soon'"):
        kg.votes("Serbia", as_of="soon")
    # the window's years as the library takes them: a year's text is a year, and a wrong one is an input error
    assert kg.dossier("Serbia", since="2021")["window"]["since"] == 2021
    with pytest.raises(InputError, match="--since 'x' is not a year"):
        kg.dossier("Serbia", since="x")


def test_an_actor_s_claims_are_counted_by_source_and_id(synthetic_built):
    """Claim ids are unique within one claims.yaml only: the synthetic corpus reuses `transfer-1` in many
    sources, and the summary counted distinct ids (807 of some 6,900 at 1M), and the registry as a source."""
    kg = KnowledgeGraph.load(synthetic_built / "out")
    busiest = kg.centrality("degree", top=1)[0]["id"]
    d = kg.dossier(busiest)
    ties = kg.ties(busiest)["relations"]
    pairs = {(e["source"], e["claim_id"]) for rows in ties.values() for r in rows for e in r["sources"]
             if e["source"] != "registry"}
    assert len({i for _, i in pairs}) < len(pairs)  # ids repeat across sources here
    assert d["actor"]["claims"] >= len(pairs) and d["actor"]["claims"] > len({i for _, i in pairs})
    folders = {p.name for p in (synthetic_built / "corpus").iterdir() if (p / "source.yaml").is_file()}
    assert d["actor"]["sources"] == len({src for src, _ in pairs} | {
        s["source"] for r in d["arms"]["imports"] + d["arms"]["exports"] for s in r["sources"]}) <= len(folders)


def test_units_delivered_are_never_an_order_s_units(sipri_out):
    """The 2025 register's orders not yet delivered (Rafale F4, FZ-275: delivered 0) were drawn as delivered
    in their year of order, 931 units in all."""
    kg = KnowledgeGraph.load(sipri_out)
    rows = kg.supplies(to="Serbia")
    ordered = {r["system"] for r in rows if r["delivered"] == 0 and not r["deliveries"]}
    delivered = {r["system"] for r in rows if r["delivered"] or r["deliveries"]}
    assert {"Rafale F4", "FZ-275"} <= ordered - delivered
    cells = kg.dossier("Serbia")["arms"]["imports_by_year"]
    drawn = {deal.split(": ")[0] for c in cells for deal in c["deals"]}
    assert not (ordered - delivered) & drawn
    for r in rows:  # a deal is drawn with no more units than it delivered
        if r["delivered"] is not None and not r["deliveries"]:
            assert sum(u or 0 for _, u in _deliveries(r)) <= r["delivered"], r


def test_sipri_dossier_agrees_and_charts_each_year(sipri_out):
    kg = KnowledgeGraph.load(sipri_out)
    d = agrees(kg, "Serbia")
    native = KnowledgeGraph.load(sipri_out, native=True)  # pyoxigraph, as the command reads it
    assert agrees(native, "Serbia") == d
    years = {c["year"] for c in d["arms"]["imports_by_year"]}
    assert len(years) > 5 and {"Russia", "China"} <= {c["partner"] for c in d["arms"]["imports_by_year"]}
    assert {"imports-units", "exports-units"} <= set(charts(d))
    windowed = agrees(kg, "Serbia", since=2019, until=2021)
    assert windowed["arms"]["imports_by_year"] and \
        all(2019 <= c["year"] <= 2021 for c in windowed["arms"]["imports_by_year"])
    assert agrees(kg, "Belarus")["arms"]["exports"]


def test_cli_writes_the_page_and_json(seed_out, tmp_path):
    runner = CliRunner()
    page = tmp_path / "serbia.html"
    result = runner.invoke(main, ["dossier", "Serbia", "--out", str(seed_out), "--html", str(page), "-q"])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert "<h1>Serbia</h1>" in text and "vegaEmbed" in text and "srcdoc=" in text
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', text)  # nothing remote
    result = runner.invoke(main, ["dossier", "Srbija", "--out", str(seed_out), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["actor"]["label"] == "Serbia"


def test_unknown_actor_and_an_empty_window(seed_out, tmp_path):
    result = CliRunner().invoke(main, ["dossier", "Rusia", "--out", str(seed_out)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: unknown actor 'Rusia'; did you mean 'Russia'?"]
    with pytest.raises(UnknownName):
        KnowledgeGraph.load(seed_out).dossier("Nowhere")
    result = CliRunner().invoke(main, ["dossier", "Serbia", "--out", str(seed_out), "--since", "2030",
                                       "--until", "2020"])
    assert result.exit_code == 2 and result.output.strip() == "error: --since 2030 is after --until 2020"
    page = tmp_path / "empty.html"
    result = CliRunner().invoke(main, ["dossier", "Serbia", "--out", str(seed_out), "--since", "1900",
                                       "--until", "1901", "--html", str(page), "-q"])
    assert result.exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "No imports known." in text and "No exercise, statement, sanction, membership or vote known." in text


# --- the summary's identifiers; the disagreements read from the build's kgg:links ------------------------------

def test_summary_shows_the_wikidata_id_of_the_registry(seed_out, tmp_path):
    from conftest import SEED_CORPUS
    from graph.model.registry import load_registry

    registry = load_registry(SEED_CORPUS / "registry")
    qid = registry.get("serbia").wikidata
    assert qid, "the registry gives Serbia's Wikidata id"
    for kg in (KnowledgeGraph.load(seed_out), KnowledgeGraph.load(seed_out, native=True)):
        assert kg.dossier("Serbia")["actor"]["identifiers"] == {"wikidata": qid}
    without = next(e for e in registry.entities.values() if e.kind == "actor" and not e.wikidata)
    assert KnowledgeGraph.load(seed_out).dossier(without.id)["actor"]["identifiers"] == {}
    page = tmp_path / "serbia.html"
    result = CliRunner().invoke(main, ["dossier", "Serbia", "--out", str(seed_out), "--html", str(page), "-q"])
    assert result.exit_code == 0, result.output
    assert f'Wikidata: <a class="wikidata" href="https://www.wikidata.org/wiki/{qid}">{qid}</a>' in \
        page.read_text(encoding="utf-8")


CONFLICTING = """\
    claims:
      - id: zephyr-9-to-sylvania
        type: transfer
        supplier: Freedonia
        recipient: Sylvania
        system: Zephyr-9
        quantity: 7
        status: delivered
        quote: "Freedonia has delivered 7 Zephyr-9 fighters to Sylvania"
      - id: quasar-to-sylvania
        type: transfer
        supplier: Freedonia
        recipient: Sylvania
        system: Quasar AD
        quantity: 3
        status: delivered
        quote: "three Quasar AD systems"
      - id: nimbus-to-sylvania
        type: transfer
        supplier: Rebels of Nowhere
        recipient: Sylvania
        system: Nimbus
        quantity: 4
        status: delivered
        delivered: 2019
        quote: "four Nimbus drones arrived in 2019"
    """
CONFLICTING_TEXT = ("The Freedonian Gazette reports that Freedonia has delivered 7 Zephyr-9 fighters to Sylvania, "
                    "with three Quasar AD systems; four Nimbus drones arrived in 2019.")


@pytest.fixture
def conflicting(tmp_path, make_corpus):
    """An article that disagrees with a fictional SIPRI register on three transfers, built with a store."""
    from test_sipri import write_fiction

    from graph.ask.questions import write_store_caches
    from graph.compile.build import build
    from graph.importers.sipri import import_sipri
    from graph.store.backends import load_store

    corpus = make_corpus(CONFLICTING, text=CONFLICTING_TEXT)
    import_sipri(write_fiction(tmp_path), corpus)
    build(corpus, tmp_path / "out")
    load_store(tmp_path / "out", tmp_path / "store", index=write_store_caches)
    return tmp_path


def test_disagreements_come_from_the_build_s_links_on_every_opening(conflicting):
    """The dossier reads the conflicting claims from kgg:links and describes them as `conflicts` does:
    the same list for each actor, from out/ through rdflib, natively, and from a store (where it said
    "not computed" before)."""
    out, store = conflicting / "out", conflicting / "store"
    everything = conflicts(KnowledgeGraph.load(out).data)
    assert len({(c.supplier, c.system, c.field) for c in everything}) >= 3, everything
    openings = [KnowledgeGraph.load(out), KnowledgeGraph.load(out, native=True), KnowledgeGraph.load(store=store)]
    assert openings[2].cache is not None, "the store's graph cache answers the facts about the actor"
    for actor in ("Sylvania", "Freedonia", "Rebels of Nowhere", "Serbia"):
        want = [c.as_dict() for c in everything if actor in (c.supplier, c.recipient)]
        whole = openings[0].dossier(actor)
        assert whole["disagreements"] == want
        for kg in openings[1:]:
            assert kg.dossier(actor) == whole, (actor, type(kg.data))  # every section, not only this one
    page = conflicting / "sylvania.html"
    result = CliRunner().invoke(main, ["dossier", "Sylvania", "--store", str(store), "--out", str(out),
                                       "--html", str(page), "-q"])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert "Not computed" not in text and "number delivered" in text and "Zephyr-9" in text


# --- the charts: Altair's specifications kept beside the template; many partners summed as "others" -------------

def test_chart_specifications_are_what_altair_builds():
    """The page's charts are filled from graph/present/templates/dossier-charts.vl.json; it must be what
    Altair builds from graph/present/dossier.py now (``python scripts/gen_dossier_charts.py`` rewrites it).
    The ``$schema`` line names Altair's Vega-Lite version and is left out of the comparison."""
    from graph.present.dossier import CHARTS_FILE, chart_templates

    def bare(specs):
        return {name: {k: v for k, v in spec.items() if k != "$schema"} for name, spec in specs.items()}

    assert bare(json.loads(CHARTS_FILE.read_text(encoding="utf-8"))) == bare(chart_templates()), \
        "stale: run python scripts/gen_dossier_charts.py"


def test_many_partners_are_drawn_as_the_top_ones_and_others(sipri_out, tmp_path, monkeypatch):
    from graph.present import dossier as page

    d = KnowledgeGraph.load(sipri_out, native=True).dossier("Serbia")
    cells = d["arms"]["imports_by_year"]
    partners = {c["partner"] for c in cells}
    assert len(partners) > 4
    drawn, summed = page.top_partners(cells, "units", n=3)
    assert {c["partner"] for c in drawn} - {page.OTHERS} == partners - set(summed) and len(partners - set(summed)) == 3
    for year in {c["year"] for c in cells}:  # nothing lost: each year's units add up as before
        assert sum(c["units"] for c in drawn if c["year"] == year) == sum(c["units"] for c in cells if c["year"] == year)
    monkeypatch.setattr(page, "TOP_PARTNERS", 3)
    spec = page.charts(d)["imports-units"]
    assert {r["partner"] for r in spec["data"]["values"]} == partners - set(summed) | {page.OTHERS}
    text = page.render(d)
    assert f"the other {len(summed)} are summed as “others”" in text
    assert f'id="chart-imports-units" data-marks="{len(spec["data"]["values"])}"' in text


def test_neighbourhood_is_the_view_s_1_hop_focus_from_the_graph_or_its_cache(conflicting):
    """The 1-hop view of the page: the induced graph of the actor and the nodes it is tied to (the view's
    ``focus``), read from the store's graph cache when there is one; ``most`` keeps the most tied."""
    from graph.present.view import focus

    from_out, from_store = KnowledgeGraph.load(conflicting / "out"), KnowledgeGraph.load(store=conflicting / "store")
    node = str(from_out.resolve("Sylvania").iri)
    want = focus(from_out.graph(), node, 1)
    for kg in (from_out, from_store):
        graph, tied = kg.neighbourhood(node)
        assert sorted(graph.nodes(data=True)) == sorted(want.nodes(data=True))
        assert sorted((u, v, k) for u, v, k in graph.edges(keys=True)) == sorted(want.edges(keys=True))
        assert tied == want.number_of_nodes() - 1 > 1
        most = kg.neighbourhood(node, most=1)[0]
        assert most.number_of_nodes() == 2 and node in most


# --- speed that a test can check: what is read, not how long it takes ------------------------------------------

def test_a_store_with_its_graph_cache_is_never_projected(seed_store, seed_out, tmp_path, monkeypatch):
    """With the store's graph cache, the dossier and its page read the actor's facts from the cache: the
    whole projection (11 s of the 1M corpus's busiest actor) is never made. An alignment rate's measurer,
    already a label in the facts, was looked up as a node and projected the whole graph to find none."""
    from graph.present.dossier import write_dossier

    kg = KnowledgeGraph.load(store=seed_store)
    assert kg.cache is not None

    def projected(*args, **kwargs):
        raise AssertionError("the dossier projected the whole graph")

    monkeypatch.setattr(kg, "facts", projected)
    d = kg.dossier("Serbia")
    assert (2021, 61, "European Commission") in {(a["year"], a["rate"], a["measured_by"]) for a in d["alignment"]}
    write_dossier(d, tmp_path / "serbia.html", kg=kg)
    monkeypatch.undo()
    assert d == KnowledgeGraph.load(seed_out).dossier("Serbia")


def test_the_page_lists_the_first_rows_of_a_long_table_and_says_how_many_more(sipri_out, monkeypatch):
    """Tables are bounded (the 1M busiest actor's page was 17 MB); what a table leaves out is counted,
    with the command that gives everything. Charts still draw every value."""
    from graph.present import dossier as page

    d = KnowledgeGraph.load(sipri_out, native=True).dossier("Serbia")
    whole = page.render(d)
    assert "class=\"note more\"" not in whole, "Serbia's tables are under the bounds: every row listed"
    assert whole.count("<blockquote>") == sum(len(r["sources"]) for r in d["arms"]["imports"] + d["arms"]["exports"]
                                              + d["timeline"] + d["alignment"]) + \
        sum(len(s["quotes"]) for c in d["disagreements"] or [] for s in c["sides"])
    monkeypatch.setattr(page, "ROWS", {k: 1000 if k == "by_year" else 3 for k in page.ROWS})
    monkeypatch.setattr(page, "CELL_DEALS", 2)
    text = page.render(d)
    n = len(d["arms"]["imports"])
    assert n > 3 and f"The table lists the first 3 of {n} deals; <code>serbia-kg dossier serbia --format json</code>" \
        in text
    assert f"The timeline lists the first 3 of {len(d['timeline'])} items" in text
    deals = re.search(r'<table class="deals">(.*?)</table>', text, re.S).group(1)
    assert deals.count("<tr>") == 1 + 3
    assert re.search(r"and \d+ more</td>", text), "a cell of the table by year lists its first deals"
    assert f"and {len(d['network']['neighbours']) - 3} more." in text
    assert page.charts(d) == page.charts(KnowledgeGraph.load(sipri_out, native=True).dossier("Serbia"))
    assert re.search(r'id="chart-imports-units" data-marks="(\d+)"', text).group(1) == \
        re.search(r'id="chart-imports-units" data-marks="(\d+)"', whole).group(1)


def test_the_neighbourhood_keeps_the_most_tied_while_its_facts_stay_under_the_bound(sipri_out, monkeypatch):
    from graph.present import dossier as page

    kg = KnowledgeGraph.load(sipri_out, native=True)
    node = str(kg.resolve("Serbia").iri)
    want, tied = kg.neighbourhood(node, most=page.NEIGHBOURS)
    graph, tied_too, bounded = page.neighbourhood(kg, "serbia")
    assert (tied_too, bounded) == (tied, False) and want.number_of_edges() <= page.NEIGHBOURHOOD_FACTS
    assert list(graph.nodes(data=True)) == list(want.nodes(data=True))
    assert list(graph.edges(keys=True, data=True)) == list(want.edges(keys=True, data=True))
    monkeypatch.setattr(page, "NEIGHBOURHOOD_FACTS", 40)
    graph, _, bounded = page.neighbourhood(kg, "serbia")
    kept = graph.number_of_nodes() - 1
    assert bounded and 1 <= kept < want.number_of_nodes() - 1 and graph.number_of_edges() <= 40
    most = kg.neighbourhood(node, most=kept)[0]  # the most tied, with every fact among them
    assert list(graph.nodes) == list(most.nodes) and list(graph.edges(keys=True)) == list(most.edges(keys=True))
    assert kg.neighbourhood(node, most=kept + 1)[0].number_of_edges() > 40, "as many as the bound allows"
