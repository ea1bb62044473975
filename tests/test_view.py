"""The network view: an offline page, escaped data, stable bytes, a legend, the projection's counts."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.ask.projection import attributes, project
from graph.store.backends import open_dataset
from graph.present.view import MAX_NODES, focus, layout, limit, make_view, render, resolve_node, ties, write_view
from view_sample import ENT, NASTY_QUOTE, sample_graph


class _Refs(HTMLParser):
    """Every URL a page would load: script src, link href, img/iframe/source src, CSS url() and @import."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.scripts = 0
        self._tag = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._tag = tag
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href", "data"):
            if key in a and tag in ("script", "link", "img", "iframe", "source", "embed", "object", "audio", "video"):
                self.loads.append(a[key])
        if "style" in a:
            self.loads += _css_urls(a["style"])

    def handle_data(self, data):
        if self._tag == "style":
            self.loads += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    urls += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return [u for u in urls if not u.startswith("data:")]


def _page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="skg-data">(.*?)</script>', page, re.S)
    assert m, "the page has no data block"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def sample_page() -> str:
    return render(sample_graph()).html


def test_page_loads_nothing_from_the_network(sample_page):
    refs = _Refs()
    refs.feed(sample_page)
    assert refs.scripts == 3  # data block, vis-network inlined, our code
    assert refs.loads == []
    assert not re.search(r"<(script|link)[^>]+(src|href)\s*=\s*['\"]?(https?:)?//", sample_page, re.I)
    assert "cdn" not in " ".join(re.findall(r"<(?:script|link)[^>]*>", sample_page)).lower()
    assert "vis.Network" in sample_page and "vis-network" in sample_page  # the library itself is inlined


def test_a_nasty_quote_is_escaped(sample_page):
    # the raw quote never reaches the markup ...
    assert NASTY_QUOTE not in sample_page
    assert "<script>alert" not in sample_page
    assert "<b>isn't</b>" not in sample_page
    # ... and once the data block is parsed, the claim holds it whole (the page shows it as text)
    data = _page_data(sample_page)
    assert sum(c.get("quote") == NASTY_QUOTE for c in data["claims"]) == 1
    assert "Time for Serbia to Scale Back & <More>" in {s["title"] for s in data["sources"]}
    # the page's own markup is intact: exactly one data block, closed once; texts are set as text
    assert sample_page.count('id="skg-data"') == 1
    script = sample_page[sample_page.rindex("<script>"):]
    assert "innerHTML" not in script


def test_same_graph_same_bytes(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_view(sample_graph(), a)
    g = sample_graph()
    shuffled = nx.MultiDiGraph()  # the same graph, built in another order
    shuffled.add_nodes_from(reversed(list(g.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(g.edges(keys=True, data=True))))
    write_view(shuffled, b)
    assert a.read_bytes() == b.read_bytes()


def test_layout_is_seeded_and_positions_are_in_the_page():
    g = sample_graph()
    assert layout(g) == layout(g)
    assert layout(g, seed=1) != layout(g, seed=2)
    data = _page_data(render(g).html)
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False


def test_legend_lists_types_and_relations(sample_page):
    legend = sample_page[sample_page.index('id="skg-relations"'):]
    for words in ("state", "international organisation", "person", "weapons system", "military exercise"):
        assert f"> {words} <" in legend  # the counts are the page's (they follow the filters)
    types = re.findall(r'class="skg-type" value="([^"]+)"', sample_page)
    assert sorted(types) == ["InternationalOrganisation", "MilitaryExercise", "Person", "State", "WeaponsSystem"]
    boxes = re.findall(r'class="skg-relation" value="([^"]+)"', sample_page)
    assert sorted(boxes) == sorted({"supplies", "participates_in", "states_about", "partner_of", "sanctions",
                                    "member_of"})


def test_counts_and_attributes_follow_the_graph(sample_page):
    g = sample_graph()
    data = _page_data(sample_page)
    drawn = ties(g)
    assert len(data["nodes"]) == g.number_of_nodes() and len(data["edges"]) == len(drawn) == g.number_of_edges() - 1
    assert len(data["facts"]) == g.number_of_edges()  # every fact, under its tie
    by_iri = {n["iri"]: n for n in data["nodes"]}
    assert set(by_iri) == set(g.nodes)
    assert by_iri[ENT + "serbia"]["size"] > by_iri[ENT + "china"]["size"]  # more ties, bigger
    assert by_iri[ENT + "mig-29"]["shape"] != by_iri[ENT + "serbia"]["shape"]
    ids = {n["id"]: n["iri"] for n in data["nodes"]}
    supplies = [e for e in data["edges"] if e["relation"] == "supplies"]
    assert sorted((ids[e["from"]], ids[e["to"]]) for e in supplies) == sorted(
        {(u, v) for u, v, d in g.edges(data=True) if d["relation"] == "supplies"})
    russia = next(e for e in supplies if ids[e["from"]] == ENT + "russia")
    facts = [data["facts"][i] for i in russia["facts"]]
    assert sorted(f["key"] for f in facts) == ["supplies:mig29", "supplies:pantsir"]  # two facts, one tie
    mig = next(f for f in facts if f["key"] == "supplies:mig29")
    assert (mig["q"], mig["y0"], len(mig["s"]), mig["ind"]) == (6, 2017, 2, 2)
    titles = {data["sources"][data["claims"][c]["src"]]["title"] for c in mig["c"]}
    assert titles == {"Time for Serbia to Scale Back", "SIPRI Arms Transfers Database"}
    assert len({e["color"] for e in data["edges"]}) == 6  # one colour per relation


def test_one_tie_per_pair_relation_and_direction():
    g = sample_graph()
    g.add_edge(ENT + "serbia", ENT + "russia", key="supplies:back", relation="supplies", evidence=[])
    g.add_edge(ENT + "china", ENT + "nato", key="cooperates_with:a", relation="cooperates_with", directed=False)
    g.add_edge(ENT + "nato", ENT + "china", key="cooperates_with:b", relation="cooperates_with", directed=False)
    drawn = ties(g)
    keys = [(t.source, t.target, t.relation, t.directed) for t in drawn]
    assert len(keys) == len(set(keys))
    assert sorted(k for t in drawn for k in t.keys) == sorted(k for _, _, k in g.edges(keys=True))
    back = [t for t in drawn if t.relation == "supplies" and {t.source, t.target} == {ENT + "russia", ENT + "serbia"}]
    assert sorted((t.source, len(t.keys)) for t in back) == [(ENT + "russia", 2), (ENT + "serbia", 1)]  # direction kept
    coop = [t for t in drawn if t.relation == "cooperates_with"]
    assert [(t.source, t.target, t.keys) for t in coop] == [  # undirected: one tie, lower key first
        (ENT + "china", ENT + "nato", ("cooperates_with:a", "cooperates_with:b"))]


def test_focus_and_limit():
    g = sample_graph()
    near = focus(g, ENT + "aleksandar-vucic", 1)
    assert set(near) == {ENT + "aleksandar-vucic", ENT + "nato"}
    assert ENT + "serbia" in focus(g, ENT + "aleksandar-vucic", 2)
    kept, note = limit(g, 3)
    assert kept.number_of_nodes() == 3 and ENT + "serbia" in kept and "3 most connected" in note
    assert limit(g, MAX_NODES) == (g, None)
    page = render(g, max_nodes=3)
    assert page.nodes == 3 and page.warnings and "most connected" in page.html


def test_the_view_read_from_the_store_graph_cache_is_the_projected_view(seed_store, tmp_path):
    """With a store's graph cache, or the facts its caches were computed from, the whole graph is read from them
    (not projected again: a 1M-triple build projected twice, once for the store's caches and once for the view),
    and the page is the same, byte for byte, as the one projected: whole, cut by the node and tie limits,
    focused; a filtered view is projected."""
    from graph.store.graphcache import GraphCache
    from graph.store.native import open_store

    from graph.ask.questions import KnowledgeGraph

    store, cache = open_store(seed_store), GraphCache.open(seed_store)
    assert cache is not None
    computed = KnowledgeGraph(store).facts()  # what a build hands the view after filling the store's caches
    for i, options in enumerate([{}, {"max_nodes": 30, "max_ties": 25}, {"focus_on": "Serbia", "hops": 2},
                                 {"relations": ["supplies"]}]):
        lines: list[str] = []
        projected = make_view(store, tmp_path / f"p{i}.html", **options)
        cached = make_view(store, tmp_path / f"c{i}.html", cache=cache, progress=lines.append, **options)
        handed = make_view(store, tmp_path / f"h{i}.html", projected=computed, progress=lines.append, **options)
        assert (tmp_path / f"p{i}.html").read_bytes() == (tmp_path / f"c{i}.html").read_bytes(), options
        assert (tmp_path / f"p{i}.html").read_bytes() == (tmp_path / f"h{i}.html").read_bytes(), options
        assert (cached.nodes, cached.edges, cached.facts) == (projected.nodes, projected.edges, projected.facts)
        assert (handed.nodes, handed.edges, handed.facts) == (projected.nodes, projected.edges, projected.facts)
        assert ("reading the graph from the store's cache" in lines) == ("relations" not in options), lines
        assert ("drawing the graph projected for the store" in lines) == ("relations" not in options), lines
        if "max_ties" in options:
            assert cached.edges == 25 and cached.nodes <= 30 and "--max-ties" in cached.warnings[0]
    # the sources counted are those of claims (not the registry's identity facts), as before the cache
    whole = project(store)
    claimed = {ev["source"] for *_, d in whole.edges(data=True) for ev in attributes(d)["evidence"] if ev["claim"]}
    assert f"<p>{len(claimed)} source(s) · " in (tmp_path / "c0.html").read_text(encoding="utf-8")
    assert "registry" in {s for *_, d in whole.edges(data=True) for s in attributes(d)["sources"]}


def test_a_build_with_a_store_projects_once_and_writes_the_same_view(tmp_path, monkeypatch):
    """`build --store` projected the graph twice: for the view, then for the store's caches. Now it fills the
    store first and the view draws the facts the store's caches were computed from (it read them back from the
    graph cache before); the page is the one a build without a store writes."""
    import graph.ask.projection as projection
    from conftest import SEED_CORPUS
    from graph.pipeline import build

    build(SEED_CORPUS, tmp_path / "plain")
    calls, lines = [], []
    real = projection._facts
    monkeypatch.setattr(projection, "_facts", lambda *a, **k: calls.append(k) or real(*a, **k))
    build(SEED_CORPUS, tmp_path / "out", store=tmp_path / "store", progress=lines.append)
    assert len(calls) == 1, calls
    assert "drawing the graph projected for the store" in lines, lines
    assert "reading the graph from the store's cache" not in lines and "projecting the graph" not in lines
    assert (tmp_path / "out" / "serbia-kg.html").read_bytes() == (tmp_path / "plain" / "serbia-kg.html").read_bytes()


def test_large_graph_warns_and_stays_drawable():
    g = nx.MultiDiGraph()
    for i in range(60):
        g.add_node(f"n{i}", label=f"Actor {i}", type="State", kind="actor", iri=f"n{i}")
    for i in range(1, 60):
        g.add_edge(f"n{i}", f"n{(i * 7) % i}", key=f"r:{i}", relation="cooperates_with", label="cooperates with",
                   sources=["s"], evidence=[], weight=1.0, date=None, quantity=None)
    result = render(g, max_nodes=40)
    assert (result.nodes, result.total_nodes) == (40, 60)
    assert 'id="skg-warning"' in result.html and "40 most connected" in result.html


def test_resolve_node_by_label_suggests():
    g = sample_graph()
    assert resolve_node(g, "NATO") == ENT + "nato"
    assert resolve_node(g, "aleksandar vucic") == ENT + "aleksandar-vucic"
    with pytest.raises(Exception, match=r"unknown actor 'Vucic'; did you mean 'Aleksandar Vučić'\?"):
        resolve_node(g, "Vucic")


# --- on the real seed source ---------------------------------------------------------------------

def test_view_of_the_seed_source_holds_the_projection(seed_out, tmp_path):
    ds = open_dataset(seed_out)
    g = project(ds)
    result = make_view(ds, tmp_path / "v.html")
    data = _page_data((tmp_path / "v.html").read_text(encoding="utf-8"))
    assert (result.nodes, result.edges, result.facts) == (g.number_of_nodes(), len(ties(g)), g.number_of_edges())
    assert (len(data["nodes"]), len(data["edges"]), len(data["facts"])) == (
        g.number_of_nodes(), len(ties(g)), g.number_of_edges())
    quotes = {ev["quote"] for _, _, d in g.edges(data=True) for ev in attributes(d)["evidence"] if ev["quote"]}
    assert quotes == {c["quote"] for c in data["claims"] if c.get("quote")}  # every quote reaches the page
    gmf = next(s for s in data["sources"] if s["id"].startswith("gmf-"))
    assert gmf["url"] == "https://www.gmfus.org/news/time-serbia-scale-back-military-ties-russia" and gmf["date"]


def test_cli_view(seed_out, tmp_path):
    runner = CliRunner()
    out = tmp_path / "page.html"
    r = runner.invoke(main, ["view", "--data", str(seed_out), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.output and out.is_file()
    r = runner.invoke(main, ["view", "--data", str(seed_out), "--out", str(tmp_path / "s.html"), "--focus", "Serbia",
                             "--relation", "supplies", "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    g = project(open_dataset(seed_out), relations=["supplies"])
    tied = {n for e in g.edges() for n in e}
    assert 0 < report["edges"] == len({(u, v) for u, v in g.edges() if ENT + "serbia" in (u, v)})
    assert report["nodes"] <= len(tied)


@pytest.mark.parametrize("args, message", [
    (["--focus", "Rusia"], "unknown actor 'Rusia'; did you mean 'Russia'?"),
    (["--relation", "suplies"], "unknown relation 'suplies'; did you mean 'supplies'?"),
    (["--since", "2021-13"], "bad date '2021-13': month 13 does not exist"),
])
def test_cli_view_bad_input(seed_out, tmp_path, args, message):
    out = tmp_path / "page.html"
    out.write_text("previous", encoding="utf-8")
    r = CliRunner().invoke(main, ["view", "--sources", str(Path(__file__).parent.parent / "sources"),
                                  "--data", str(seed_out), "--out", str(out), "-q", *args])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [f"error: {message}"]
    assert out.read_text(encoding="utf-8") == "previous"  # nothing lost


def test_cli_view_without_a_build(tmp_path):
    r = CliRunner().invoke(main, ["view", "--data", str(tmp_path / "nothing"), "-q"])
    assert r.exit_code == 2 and "run 'serbia-kg build' first" in r.stderr


@pytest.mark.slow
def test_installed_command_writes_the_page(seed_out, tmp_path):
    out = tmp_path / "v.html"
    p = subprocess.run(["serbia-kg", "view", "--data", str(seed_out), "--out", str(out)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "laying out" in p.stderr and out.stat().st_size > 400_000


def test_too_many_ties_keeps_those_with_the_most_evidence_and_says_so():
    g = nx.MultiDiGraph()
    for i in range(12):
        g.add_node(f"n{i}", label=f"Actor {i}", type="State", kind="actor", iri=f"n{i}")
    for i in range(12):
        for j in range(i + 1, 12):
            g.add_edge(f"n{i}", f"n{j}", key=f"r:{i}:{j}", relation="cooperates_with", label="cooperates with",
                       sources=["s"], evidence=[{"claim": "c"}] * (1 + (i + j) % 4), weight=1.0, date=None,
                       quantity=None)
    kept, note = limit(g, max_nodes=100, max_ties=20)
    assert kept.number_of_nodes() == 12 and len(ties(kept)) == kept.number_of_edges() == 20 and g.number_of_edges() == 66
    weakest_kept = min(len(d["evidence"]) for *_, d in kept.edges(data=True))
    strongest_dropped = max(len(d["evidence"]) for u, v, k, d in g.edges(keys=True, data=True)
                            if not kept.has_edge(u, v, k))
    assert weakest_kept >= strongest_dropped
    assert "20 of the ties with the most evidence among the 12 most connected nodes" not in note  # 12 is all
    assert "showing 20 of the ties with the most evidence, and the 12 nodes they tie" in note
    assert limit(g, max_nodes=100, max_ties=100) == (g, None)


def test_the_tie_limit_holds_when_facts_share_a_key():
    """An exercise's participants each have a tie to it, all with the exercise fact's one key: keeping the
    strongest ties must keep ties, not keys (the 1M view drew 15,052 ties of 10,000 allowed)."""
    g = nx.MultiDiGraph()
    for i in range(30):
        g.add_node(f"p{i}", label=f"Actor {i}", type="State", kind="actor", iri=f"p{i}")
    g.add_node("x", label="Drill", type="MilitaryExercise", kind="exercise", iri="x")
    for i in range(30):
        g.add_edge(f"p{i}", "x", key="participates_in:x", relation="participates_in", evidence=[{"claim": "c"}])
    kept, note = limit(g, max_nodes=100, max_ties=10)
    assert len(ties(kept)) == 10 and note and "10 of the ties with the most evidence, and the 11 nodes they tie" in note
    assert kept.number_of_nodes() == 11  # the participants left without a tie are not drawn


# --- layout: seeded at every size, sources out of the actors' way -----------------------------------

_LAYOUT_HASH = """
import hashlib, json, sys
sys.path.insert(0, {scripts!r})
from bench_view import synthetic
from graph.present.view import layout
print(hashlib.sha256(json.dumps(sorted(layout(synthetic({n})).items())).encode()).hexdigest())
"""


@pytest.mark.slow
def test_same_graph_same_layout_at_a_thousand_nodes():
    """From 500 nodes on the layout starts from the spectral one: ARPACK's start must be seeded too
    (it was not: 3 different files in 4 builds)."""
    import sys

    code = _LAYOUT_HASH.format(scripts=str(Path(__file__).parent.parent / "scripts"), n=1000)
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(3)}
    assert len(runs) == 1


def test_sources_are_laid_out_around_the_actors():
    g = sample_graph()
    for i in range(3):
        g.add_node(f"src{i}", label=f"An article {i}", type="Source", kind="source", iri=f"src{i}")
        g.add_edge(f"src{i}", ENT + "serbia", key=f"states_about:s{i}", relation="states_about", evidence=[])
    pos = layout(g)
    actors = [p for v, p in pos.items() if not str(v).startswith("src")]
    cx, cy = sum(x for x, _ in actors) / len(actors), sum(y for _, y in actors) / len(actors)
    reach = max(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for x, y in actors)
    for i in range(3):
        x, y = pos[f"src{i}"]
        assert ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 > reach + 100
    assert len({pos[f"src{i}"] for i in range(3)}) == 3


# --- the SIPRI samples imported: one tie per pair, rows as labelled fields ---------------------------

@pytest.mark.slow
def test_sipri_view_draws_one_tie_per_pair_and_reads_rows_as_fields(sipri_both_out, tmp_path):
    ds = open_dataset(sipri_both_out)
    g = project(ds)
    result = make_view(ds, tmp_path / "v.html")
    data = _page_data((tmp_path / "v.html").read_text(encoding="utf-8"))
    ids = {n["id"]: n["full"] for n in data["nodes"]}
    drawn = [(ids[e["from"]], ids[e["to"]], e["relation"], e["directed"]) for e in data["edges"]]
    assert len(drawn) == len(set(drawn)) == result.edges < result.facts == g.number_of_edges()
    soviet = [e for e in data["edges"] if (ids[e["from"]], ids[e["to"]]) == ("Soviet Union", "Yugoslavia")]
    assert len(soviet) == 1 and len(soviet[0]["facts"]) == sum(
        1 for u, v in g.edges() if (g.nodes[u]["label"], g.nodes[v]["label"]) == ("Soviet Union", "Yugoslavia"))
    belarus = next(e for e in data["edges"] if (ids[e["from"]], ids[e["to"]], e["relation"]) == ("Belarus", "Serbia", "supplies"))
    claims = [data["claims"][c] for f in belarus["facts"] for c in data["facts"][f]["c"]]
    rows = [dict(c["fields"]) for c in claims if "fields" in c]
    assert rows and all("quote" not in c for c in claims if "fields" in c)  # never the raw CSV line
    assert {(r["Supplier"], r["Recipient"], r["Delivered"]) for r in rows} == {("Belarus", "Serbia", "2021 (4)")}
    assert any(c.get("quote") for c in claims)  # the article's words stay a quote
    fact = data["facts"][belarus["facts"][0]]
    assert fact["tiv"] == 54.52 and fact["ind"] < len(fact["s"])  # two SIPRI releases count once


def test_the_layout_does_not_depend_on_the_hash_seed():
    """A graph of several components is laid out the same in every process (each Python process
    hashes strings with its own seed; networkx's subgraph view iterated small components in set order)."""
    import sys

    code = (
        "import json, networkx as nx\n"
        "from graph.present.view import layout\n"
        "G = nx.MultiDiGraph()\n"
        "for i in range(12): G.add_edge(f'hub', f'spoke-{i}')\n"
        "for c in 'abcde':\n"
        "    G.add_edge(f'{c}-1', f'{c}-2'); G.add_edge(f'{c}-2', f'{c}-3'); G.add_edge(f'{c}-3', f'{c}-4')\n"
        "print(json.dumps(sorted(layout(G).items())))\n")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3", "4")}
    assert len(outs) == 1
