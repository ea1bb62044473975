"""Exports for network tools: GEXF, GraphML and CSV of the projection, read back by networkx and igraph."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.ask.projection import attributes, project
from graph.cli import main
from graph.present.export import CSV_COLUMNS, writable, write
from graph.store.backends import open_dataset
from view_sample import ENT, NASTY_QUOTE, sample_graph


def test_networkx_writers_refuse_the_projection_but_take_writable(tmp_path):
    g = sample_graph()
    with pytest.raises((nx.NetworkXError, TypeError, ValueError)):  # what a user met: lists on the edges
        nx.write_gexf(g, tmp_path / "raw.gexf")
    with pytest.raises((nx.NetworkXError, TypeError, ValueError)):
        nx.write_graphml(g, tmp_path / "raw.graphml")
    flat = writable(g)
    nx.write_gexf(flat, tmp_path / "flat.gexf")  # networkx's own writers, unchanged
    nx.write_graphml(flat, tmp_path / "flat.graphml")
    for _, _, d in flat.edges(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in d.values())


def test_networkx_writers_take_the_projection_itself_and_lose_nothing(default_out, tmp_path):
    from graph.ask.projection import attributes, facts
    from graph.ask.questions import KnowledgeGraph

    kg = KnowledgeGraph(open_dataset(default_out))
    g = kg.graph()
    nx.write_gexf(g, tmp_path / "kg.gexf")  # networkx's own writers, on the graph as the library gives it
    nx.write_graphml(g, tmp_path / "kg.graphml")
    whole = facts(open_dataset(default_out))
    rich = {key: d for _, _, key, d in whole.edges}
    for read in (nx.read_gexf, nx.read_graphml):
        back = read(tmp_path / ("kg.gexf" if read is nx.read_gexf else "kg.graphml"))
        assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
        for u, v, key, d in back.edges(keys=True, data=True):
            d = attributes(d)
            d.pop("id", None)  # GEXF's own edge id
            want = {k: x for k, x in rich[key].items() if x is not None}
            assert {k: x for k, x in d.items() if x is not None} == want, key
    for n, d in whole.nodes.items():
        assert attributes(g.nodes[n]) == {k: x for k, x in d.items() if x is not None}
    quotes = [e["quote"] for _, _, d in g.edges(data=True) for e in attributes(d)["evidence"] if e["quote"]]
    assert len(quotes) > 100 and all(isinstance(q, str) for q in quotes)  # the evidence really kept


def test_csv_cells_run_no_formula_in_a_spreadsheet(tmp_path):
    g = sample_graph()
    g.nodes[ENT + "china"]["label"] = "=HYPERLINK(\"http://example.org/x\",\"China\")"
    g.edges[ENT + "china", ENT + "serbia", "supplies:cn-drones"]["date"] = "-0044"
    write(g, tmp_path / "g.csv", "csv")
    with open(tmp_path / "g.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    drones = next(r for r in rows if r["Id"] == "supplies:cn-drones")
    assert drones["source_label"] == "'=HYPERLINK(\"http://example.org/x\",\"China\")"
    assert drones["date"] == "-0044"  # a plain number stays as it is


@pytest.mark.parametrize("fmt, read", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_gexf_and_graphml_read_back_with_every_fact_and_its_lists(tmp_path, fmt, read):
    g = sample_graph()
    path = tmp_path / f"g.{fmt}"
    write(g, path, fmt)
    back = read(path)
    assert back.is_directed() and back.is_multigraph()
    assert set(back.nodes) == set(g.nodes)
    assert back.number_of_edges() == g.number_of_edges()
    assert back.nodes[ENT + "serbia"]["label"] == "Serbia"
    edges = {(u, v, k): d for u, v, k, d in back.edges(keys=True, data=True)}  # keyed by the fact's key
    mig = edges[ENT + "russia", ENT + "serbia", "supplies:mig29"]
    assert json.loads(mig["sources"]) == ["gmf", "sipri"]
    assert json.loads(mig["claims"]) == sorted(e["claim"] for e in g.edges[ENT + "russia", ENT + "serbia", "supplies:mig29"]["evidence"])
    assert float(mig["quantity"]) == 6
    vucic = edges[ENT + "aleksandar-vucic", ENT + "nato", "states_about:vucic-nato"]
    assert json.loads(vucic["quotes"]) == [NASTY_QUOTE]  # whole, whatever it holds


def test_igraph_reads_the_graphml(tmp_path):
    igraph = pytest.importorskip("igraph")
    g = sample_graph()
    write(g, tmp_path / "g.graphml", "graphml")
    ig = igraph.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    assert (ig.vcount(), ig.ecount()) == (g.number_of_nodes(), g.number_of_edges())
    assert sorted(ig.vs["label"]) == sorted(d["label"] for _, d in g.nodes(data=True))
    assert sorted(ig.es["relation"]) == sorted(d["relation"] for _, _, d in g.edges(data=True))


def test_csv_one_row_per_fact_and_multi_valued_cells_split_back(tmp_path):
    g = sample_graph()
    write(g, tmp_path / "g.csv", "csv")
    with open(tmp_path / "g.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert sorted((r["Source"], r["Target"], r["Id"]) for r in rows) == sorted(g.edges(keys=True))
    for r in rows:
        d = g.edges[r["Source"], r["Target"], r["Id"]]
        assert json.loads(r["sources"]) == d["sources"]
        assert json.loads(r["claim_ids"]) == d.get("claim_ids", [])
        assert json.loads(r["claims"]) == d["claims"]
        assert json.loads(r["quotes"]) == [e["quote"] for e in d["evidence"]]
    assert {r["Type"] for r in rows} == {"Directed"}


def test_same_graph_same_bytes_in_every_format(tmp_path):
    for fmt in ("gexf", "graphml", "csv"):
        write(sample_graph(), tmp_path / f"a.{fmt}", fmt)
        write(sample_graph(), tmp_path / f"b.{fmt}", fmt)
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    assert b"lastmodifieddate" not in (tmp_path / "a.gexf").read_bytes()  # no date of the day


@pytest.mark.slow
def test_cli_export_of_the_sipri_samples_in_three_formats(sipri_both_out, tmp_path):
    g = project(open_dataset(sipri_both_out))
    quotes = {ev["quote"] for _, _, d in g.edges(data=True) for ev in attributes(d)["evidence"] if ev["quote"]}
    assert any(";" in q and "," in q for q in quotes)  # SIPRI rows hold both separators
    runner = CliRunner()
    for fmt in ("gexf", "graphml", "csv"):
        out = tmp_path / f"kg.{fmt}"
        r = runner.invoke(main, ["export", "--data", str(sipri_both_out), "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert r.stdout.strip() == f"wrote {out}: {g.number_of_nodes()} nodes, {g.number_of_edges()} facts ({fmt})"
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        back = read(tmp_path / f"kg.{fmt}")
        assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    with open(tmp_path / "kg.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == g.number_of_edges()
    assert {q for r in rows for q in json.loads(r["quotes"]) if q} == quotes


def test_cli_export_default_file_and_bad_input(seed_out, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["export", "--data", str(seed_out), "--format", "graphml"])
    assert r.exit_code == 0 and (seed_out / "serbia-kg.graphml").is_file()
    out = tmp_path / "x.csv"
    out.write_text("previous", encoding="utf-8")
    r = runner.invoke(main, ["export", "--data", str(seed_out), "--format", "csv", "--out", str(out), "--since", "2021-13"])
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == ["error: bad date '2021-13': month 13 does not exist"]
    assert out.read_text(encoding="utf-8") == "previous"
    r = runner.invoke(main, ["export", "--data", str(seed_out), "--relation", "suplies", "--out", str(out)])
    assert r.exit_code == 2 and "unknown relation(s) suplies" in r.stderr
