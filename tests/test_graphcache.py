"""Graph questions at size: the store's graph cache (graph.store.graphcache), the search without networkx
(graph.ask.paths), the projection made once per question, and betweenness by igraph.

Every answer read from the cache equals the answer computed from the store without it and from the
dataset in memory; every chain the search finds is the one networkx finds.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import subprocess
import sys

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.ask.paths import adjacency, every_shortest, shortest
from graph.ask.projection import closed, facts
from graph.ask.questions import KnowledgeGraph, NoPath
from graph.cli import main
from graph.model import generation
from graph.present.output import to_json
from graph.store import graphcache
from graph.store.graphcache import GraphCache


def _json(value) -> object:
    return json.loads(to_json(value))


def _networkx_ties(G) -> nx.Graph:
    """The undirected graph of ties as `path` built it with networkx before graph.ask.paths."""
    U = nx.Graph()
    U.add_nodes_from(n for n, d in G.nodes(data=True) if d["kind"] != "source")
    U.add_edges_from((u, v) for u, v in G.edges() if u != v and u in U and v in U)
    return U


def _actors(kg: KnowledgeGraph) -> list[str]:
    G = kg.graph()
    return sorted(n for n, d in G.nodes(data=True) if d["kind"] == "actor")


# --- the search ------------------------------------------------------------------------------------

def _same_search(nodes: list, edges: list, pairs) -> int:
    """graph.ask.paths on the nodes and edges gives what networkx gives on a Graph built from them alike."""
    U = nx.Graph()
    U.add_nodes_from(nodes)
    U.add_edges_from((u, v) for u, v in edges if u != v)
    adj = adjacency(nodes, edges)
    checked = 0
    for a, b in pairs:
        try:
            want = nx.shortest_path(U, a, b)
            every = sorted(nx.all_shortest_paths(U, a, b))
        except nx.NetworkXNoPath:
            want, every = None, []
        assert shortest(adj, a, b) == want, (a, b)
        assert every_shortest(adj, a, b) == every, (a, b)
        checked += 1
    return checked


def test_the_search_finds_the_chain_networkx_finds_on_random_graphs():
    rng = random.Random(7)
    for trial in range(40):
        n = rng.randint(2, 40)
        nodes = [f"n{i:02d}" for i in rng.sample(range(n), n)]  # in a shuffled order
        edges = [(f"n{rng.randrange(n):02d}", f"n{rng.randrange(n):02d}") for _ in range(rng.randint(0, 3 * n))]
        assert _same_search(nodes, edges, itertools.permutations(nodes[:12], 2)) > 0, trial


def test_the_search_finds_the_chain_networkx_finds_on_a_corpus(synthetic_built):
    kg = KnowledgeGraph.load(synthetic_built / "out")
    G = kg.graph()
    U = _networkx_ties(G)  # as `path` built it before
    actors = _actors(kg)
    assert len(actors) > 50
    assert _same_search(list(U.nodes), list(G.edges()), itertools.permutations(actors[:40], 2)) == 40 * 39
    assert adjacency(U.nodes, G.edges()) == {n: dict.fromkeys(U.adj[n]) for n in U}  # in the same order
    assert all(list(adjacency(U.nodes, G.edges())[n]) == list(U.adj[n]) for n in U)


# --- the projection, once ----------------------------------------------------------------------------

def test_facts_without_open_ends_are_the_open_facts_with_both_ends(seed_out, synthetic_built):
    for out in (seed_out, synthetic_built / "out"):
        data = KnowledgeGraph.load(out).data
        for window in ({}, {"as_of": "2022-03-04"}, {"since": 2010}):
            assert facts(data, **window) == closed(facts(data, open_ends=True, **window)), (out, window)


def test_the_graph_order_of_edges_is_networkx_order(seed_out, synthetic_built):
    from graph.ask.projection import graph_edges, graph_of

    for out in (seed_out, synthetic_built / "out"):
        F = KnowledgeGraph.load(out).facts()
        assert [(u, v, k) for u, v, k, _ in graph_edges(F)] == list(graph_of(F).edges(keys=True))


def test_path_projects_the_graph_once(seed_out, monkeypatch):
    import graph.ask.projection as projection

    calls = []
    real = projection.facts
    monkeypatch.setattr(projection, "facts", lambda *a, **k: calls.append(k) or real(*a, **k))
    kg = KnowledgeGraph.load(seed_out)
    kg.path("Serbia", "Belarus")
    kg.ties("Serbia")
    kg.centrality("degree")
    assert len(calls) == 1


# --- the graph cache -----------------------------------------------------------------------------------

def _three(out, store) -> tuple[KnowledgeGraph, KnowledgeGraph, KnowledgeGraph]:
    """The store with its caches, the same store without them, and the dataset in memory."""
    cached = KnowledgeGraph.load(store=store)
    assert cached.cache is not None  # load_store wrote it
    return cached, KnowledgeGraph(cached.data), KnowledgeGraph.load(out)


def _answer(call):
    try:
        return _json(call())
    except NoPath as exc:
        return f"NoPath: {exc}"


def _same_paths(kgs, pairs, **kwargs) -> int:
    n = 0
    for a, b in pairs:
        answers = [_answer(lambda kg=kg: kg.path(a, b, **kwargs)) for kg in kgs]
        assert answers[0] == answers[1] == answers[2], (a, b, kwargs)
        n += not isinstance(answers[0], str)
    return n


def test_the_cache_answers_path_as_the_store_and_memory_do_on_the_seed(seed_out, seed_store):
    kgs = _three(seed_out, seed_store)
    pairs = [("Serbia", "Belarus"), ("Vucic", "Putin"), ("Serbia", "GMF"), ("China", "Croatia"), ("EU", "Russia")]
    assert _same_paths(kgs, pairs) >= 3
    assert _same_paths(kgs, pairs, all_paths=True) >= 3
    assert _same_paths(kgs, pairs, max_hops=1) >= 1
    # not the whole graph of today: computed, alike
    assert _same_paths(kgs, pairs, relations=["supplies", "participates_in", "part_of"]) >= 1
    assert _same_paths(kgs, pairs, as_of="2022-03-04") >= 1


def test_the_cache_answers_path_and_centrality_as_computed_on_a_corpus(synthetic_built):
    kgs = _three(synthetic_built / "out", synthetic_built / "store")
    actors = [iri.rsplit("/", 1)[-1] for iri in _actors(kgs[2])]  # their ids
    rng = random.Random(3)
    pairs = [tuple(rng.sample(actors, 2)) for _ in range(25)]
    assert _same_paths(kgs, pairs) >= 10  # connected pairs (the rest: the same NoPath line)
    assert _same_paths(kgs, pairs[:8], all_paths=True) >= 3
    for measure in ("degree", "pagerank", "betweenness", "eigenvector"):
        for backend in ("networkx", "igraph"):
            answers = [_json(kg.centrality(measure, top=None, backend=backend)) for kg in kgs]
            assert answers[0] == answers[1] == answers[2], (measure, backend)


def test_the_cache_holds_the_projection(synthetic_built):
    kg = KnowledgeGraph.load(synthetic_built / "out")
    G = kg.graph()
    cache = GraphCache.open(synthetic_built / "store")
    assert cache is not None
    assert [n[0] for n in cache.nodes()] == list(G.nodes)
    assert [(u, v) for u, v, _ in cache.ends()] == list(G.edges())
    u, v = next(iter(G.edges()))
    stored = {key: attrs for _, _, key, attrs in cache.between(u, v)}
    assert _json(stored) == _json({**(G.get_edge_data(u, v) or {}), **(G.get_edge_data(v, u) or {})})


def test_a_cache_of_another_build_version_or_a_damaged_one_is_ignored(seed_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(seed_store.resolve(), store)
    assert GraphCache.open(store) is not None
    record = generation.stamp(store, generation.STORE_STAMP)
    (store / generation.STORE_STAMP).write_text(json.dumps({**record, "build": "another"}))
    assert GraphCache.open(store) is None  # the store holds another build than the cache was computed from
    (store / generation.STORE_STAMP).write_text(json.dumps(record))
    import sqlite3

    con = sqlite3.connect(store / graphcache.FILE)
    with con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'version'")
    con.close()
    assert GraphCache.open(store) is None
    (store / graphcache.FILE).write_bytes(b"not a database")
    assert GraphCache.open(store) is None
    kg = KnowledgeGraph.load(store=store)  # answered without it, alike
    assert kg.cache is None
    assert _json(kg.path("Serbia", "Belarus")) == _json(KnowledgeGraph.load(store=seed_store).path("Serbia", "Belarus"))


def test_path_degree_and_pagerank_from_a_store_import_neither_rdflib_nor_networkx(seed_out, seed_store):
    code = ("import sys; from graph.cli import main\n"
            "try:\n    main(sys.argv[2:])\n"
            "except SystemExit: pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'networkx', 'scipy'))\n"
            "print(repr(heavy), file=sys.stderr)")
    for args, expected in (
            (["path", "Serbia", "Belarus"], KnowledgeGraph.load(seed_out).path("Serbia", "Belarus")),
            (["centrality", "--measure", "degree"], KnowledgeGraph.load(seed_out).centrality("degree")),
            (["centrality", "--measure", "pagerank"], KnowledgeGraph.load(seed_out).centrality("pagerank"))):
        p = subprocess.run([sys.executable, "-c", code, str(seed_store), *args, "--store", str(seed_store),
                            "--format", "json"], capture_output=True, text=True, check=True)
        assert p.stderr.strip().splitlines()[-1] == "[]", args
        assert json.loads(p.stdout) == _json(expected), args


# --- betweenness by igraph -------------------------------------------------------------------------------

@pytest.mark.parametrize("corpus", ["seed", "default", "synthetic"])
def test_igraph_betweenness_ranks_as_networkx(corpus, seed_out, default_out, synthetic_built):
    out = {"seed": seed_out, "default": default_out, "synthetic": synthetic_built / "out"}[corpus]
    kg = KnowledgeGraph.load(out)
    by_networkx = kg.centrality("betweenness", top=None, backend="networkx")
    by_igraph = kg.centrality("betweenness", top=None, backend="igraph")
    assert {r["backend"] for r in by_networkx} == {"networkx"} and {r["backend"] for r in by_igraph} == {"igraph"}
    assert all(r["sampled"] is None for r in by_networkx + by_igraph)  # small: both exact
    assert [r["id"] for r in by_igraph] == [r["id"] for r in by_networkx]
    assert [r["score"] for r in by_igraph] == pytest.approx([r["score"] for r in by_networkx], abs=2e-6)
    assert by_igraph[0]["score"] > 0
    assert kg.centrality("betweenness", top=3)[0]["backend"] == "igraph"  # auto: igraph, installed


def test_the_command_says_which_backend_ran(seed_out):
    runner = CliRunner()
    r = runner.invoke(main, ["centrality", "--measure", "betweenness", "--out", str(seed_out), "--top", "3"])
    assert r.exit_code == 0, r.output
    assert "note: betweenness computed exactly by igraph" in r.stderr
    r = runner.invoke(main, ["centrality", "--measure", "betweenness", "--backend", "networkx", "--out",
                             str(seed_out), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "note: betweenness computed exactly by networkx" in r.stderr
    assert {row["backend"] for row in json.loads(r.stdout)} == {"networkx"}
    r = runner.invoke(main, ["centrality", "--backend", "graph-tool", "--out", str(seed_out)])
    assert r.exit_code == 2 and "graph-tool" in r.stderr


# --- PageRank without networkx -----------------------------------------------------------------------------

def test_pagerank_is_networkx_pagerank_to_the_last_bit():
    from graph.ask.questions import _pagerank, _tie_weights

    rng = random.Random(1)
    for trial in range(150):
        nodes = sorted(f"n{i:03d}" for i in range(rng.randint(2, 60)))
        between = [(rng.choice(nodes), rng.choice(nodes), float(rng.randint(1, 4))) for _ in range(rng.randint(1, 200))]
        between = [(u, v, w) for u, v, w in between if u != v]
        if between:
            U = KnowledgeGraph._tie_graph(nodes, between)
            assert _pagerank(nodes, _tie_weights(between)) == nx.pagerank(U, weight="weight"), trial


def test_pagerank_ranks_as_networkx_on_the_corpora(seed_out, default_out, synthetic_built):
    for out in (seed_out, default_out, synthetic_built / "out"):
        kg = KnowledgeGraph.load(out)
        G = kg.graph()
        keep = sorted(n for n, d in G.nodes(data=True) if d["kind"] != "source")
        between = [(u, v, w) for u, v, w in G.edges(data="weight") if u != v and u in keep and v in keep]
        want = nx.pagerank(KnowledgeGraph._tie_graph(keep, between), weight="weight")
        rows = kg.centrality("pagerank", top=None)
        assert {r["backend"] for r in rows} == {"numpy"}
        assert {r["id"]: r["score"] for r in rows} == {
            n.rsplit("/", 1)[-1]: round(want[n], 6) for n in keep if G.nodes[n]["kind"] == "actor"}


def test_the_cache_columns_the_view_chooses_by_agree_with_each_fact(synthetic_built):
    """Direction, pieces of evidence and sources are plain columns of the cache (read by the view's choice
    without parsing JSON); they, and the facts read for the chosen edges, agree with each edge's attributes."""
    from graph.model.attributes import attributes

    cache = GraphCache.open(synthetic_built / "store")
    assert cache is not None
    whole = KnowledgeGraph.load(synthetic_built / "out").graph()
    edges = list(whole.edges(keys=True, data=True))
    rows = cache.summaries()
    assert [(u, v, d["relation"]) for u, v, _, d in edges] == [(u, v, rel) for _, u, v, rel, _, _ in rows]
    for (u, v, key, d), (_, _, _, _, directed, evidence) in zip(edges, rows):
        claims = attributes(d)["claims"]
        assert directed == bool(d.get("directed", True)) and evidence == (len(claims) or 1), key
    ids = [row[0] for row in rows]
    read = cache.facts_of(ids[::7], leave_out=("claims", "claim_ids"))
    for i in ids[::7]:
        key, d = read[i]
        want = attributes(edges[i - 1][3], leave_out=("claims", "claim_ids"))
        assert key == edges[i - 1][2] and d == want, key
    claimed = {s for *_, d in edges if attributes(d)["claims"] for s in attributes(d)["sources"]}
    assert cache.sources_of() == claimed and "registry" not in claimed
    first = attributes(edges[0][3])
    assert cache.sources_of(ids[:1]) == (set(first["sources"]) if first["claims"] else set())
