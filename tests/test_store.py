"""The stores: memory, Oxigraph on disk, and a remote SPARQL 1.1 server give the same dataset."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.model.errors import InputError, NotBuilt
from graph.store.backends import load_store, open_dataset, push, remote_graphs
from graph.model.terms import ENTITY, GRAPH, SKG

from conftest import SEED_ID, TEST_PASSWORD, TEST_USER

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _count(ds) -> int:
    return int(next(iter(ds.query(COUNT)))[0])


def test_memory_default_union_sees_every_named_graph(seed_out):
    ds = open_dataset(seed_out)
    graphs = {str(r[0]) for r in ds.query(GRAPHS)}
    assert graphs == {str(GRAPH.ontology), str(GRAPH.registry), str(GRAPH[SEED_ID]), str(GRAPH.ties),
                      str(GRAPH.pages)}
    assert _count(ds) > 1000


def test_oxigraph_store_holds_the_same_triples(seed_out, seed_store):
    mem, ox = open_dataset(seed_out), open_dataset(store=seed_store)
    assert _count(ox) == _count(mem)
    assert {str(r[0]) for r in ox.query(GRAPHS)} == {str(r[0]) for r in mem.query(GRAPHS)}
    # the rdflib Graph API works on it: triples, objects
    transfers = set(ox.subjects(SKG.supplier, ENTITY.russia))
    assert transfers and transfers == set(mem.subjects(SKG.supplier, ENTITY.russia))


def test_oxigraph_store_is_opened_without_the_build_output(own_out, tmp_path):
    path = tmp_path / "store"
    assert load_store(own_out, path) > 1000
    ds = open_dataset(tmp_path / "no-such-out", store=path)  # out/ is not read
    assert (None, SKG.recipient, ENTITY.serbia) in ds


def test_reloading_a_store_replaces_it(own_out, tmp_path):
    path = tmp_path / "store"
    first = load_store(own_out, path)
    assert load_store(own_out, path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["store"]  # no temporary folders left


def test_store_errors(tmp_path, own_out):
    with pytest.raises(NotBuilt, match="build --store"):
        open_dataset(store=tmp_path / "missing")
    with pytest.raises(NotBuilt, match="serbia-kg build"):
        open_dataset(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not an Oxigraph store"):
        load_store(own_out, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(InputError, match="either"):
        open_dataset(own_out, store=tmp_path, endpoint="http://127.0.0.1:1/sparql")


def test_build_store_option_loads_once(tmp_path):
    from conftest import SEED_CORPUS

    store = tmp_path / "oxigraph"
    res = CliRunner().invoke(main, ["build", "--sources", str(SEED_CORPUS), "--out", str(tmp_path / "out"),
                                    "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "loaded" in res.stderr and "quads into the Oxigraph store" in res.stderr
    res = CliRunner().invoke(main, ["sparql", "--store", str(store), "--format", "csv",
                                    "SELECT ?q WHERE { ?t skg:supplier ent:russia ; skg:system ent:mig-29 ; "
                                    "skg:quantity ?q }"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["q", "6"]


def test_a_build_s_own_store_answers_the_commands_given_no_store(seed_out, tmp_path, monkeypatch):
    """`build --store` keeps a store in out/; the question commands read it, not the dataset parsed again
    (at 1M: 31-40 s each without it, 0.2 s with it), and give the same bytes as a build without a store."""
    from rdflib import Dataset

    from conftest import SEED_CORPUS

    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", "-q", "--no-view", "--sources", str(SEED_CORPUS), "--out", str(out),
                                     "--store", str(tmp_path / "store")]).exit_code == 0
    asked = [["supplies", "--to", "Serbia", "--format", "json"], ["path", "Serbia", "Belarus", "--format", "json"],
             ["centrality", "--format", "csv"], ["ties", "Vucic", "--format", "json"],
             ["votes", "--actor", "Serbia", "--format", "json"], ["conflicts", "--format", "json"],
             ["sparql", "--saved", "claims-per-source", "--format", "csv"]]
    plain = [CliRunner().invoke(main, [*args, "--sources", str(SEED_CORPUS), "--out", str(seed_out)]).output
             for args in asked]

    def parsed(*args, **kwargs):
        raise AssertionError("the dataset was parsed though the build's store holds it")

    monkeypatch.setattr(Dataset, "parse", parsed)
    for args, want in zip(asked, plain):
        res = CliRunner().invoke(main, [*args, "--sources", str(SEED_CORPUS), "--out", str(out)])
        assert res.exit_code == 0 and res.output == want, (args, res.output[-500:])


def test_unreachable_endpoint_is_one_clear_error():
    res = CliRunner().invoke(main, ["sparql", "--endpoint", "http://127.0.0.1:9/sparql", "ASK {}"])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: cannot reach http://127.0.0.1:9/sparql")


@pytest.mark.server
def test_push_puts_one_named_graph_per_source(seed_out, seed_endpoint):
    graphs = remote_graphs(seed_endpoint)
    assert graphs == sorted([str(GRAPH.ontology), str(GRAPH.registry), str(GRAPH[SEED_ID]), str(GRAPH.ties),
                           str(GRAPH.pages)])
    remote, mem = open_dataset(endpoint=seed_endpoint), open_dataset(seed_out)
    assert _count(remote) == _count(mem)
    # the server's own graphs stay out of the answers
    other = remote.query(f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), \"{GRAPH}\")) }}")
    assert other.askAnswer is False


@pytest.mark.server
def test_push_again_is_idempotent_and_removes_stale_graphs(seed_out, seed_endpoint):
    from conftest import TEST_GRAPH_STORE

    gsp = TEST_GRAPH_STORE or seed_endpoint.rstrip("/") + "-graph-crud-auth"
    from graph.store.backends import _http

    stale = str(GRAPH["stale-test-graph"])
    _http(gsp + "?graph=" + stale, method="PUT", data=b"<urn:a> <urn:b> <urn:c> .\n",
          headers={"Content-Type": "application/n-triples"}, user=TEST_USER, password=TEST_PASSWORD)
    assert stale in remote_graphs(seed_endpoint)
    done = push(seed_out, gsp, endpoint=seed_endpoint, user=TEST_USER, password=TEST_PASSWORD)
    assert done["removed"] == [stale]
    assert stale not in remote_graphs(seed_endpoint)
    assert _count(open_dataset(endpoint=seed_endpoint)) == _count(open_dataset(seed_out))


@pytest.mark.server
def test_push_with_a_wrong_password_fails_clearly(seed_out, seed_endpoint):
    res = CliRunner().invoke(main, ["push", "--endpoint", seed_endpoint, "--user", "dba", "--password",
                                    "wrong-password", "--out", str(seed_out), "-q"])
    assert res.exit_code == 2
    assert "HTTP 401" in res.stderr
    assert str(GRAPH.registry) in remote_graphs(seed_endpoint)
