"""The front door: graph.build, validate, build_store, open_graph and the errors, without heavy imports."""

from __future__ import annotations

import subprocess
import sys

import graph
from graph.store.index import Index


def test_every_name_of_the_facade_resolves():
    for name in graph.__all__:
        assert getattr(graph, name) is not None, name
    assert issubclass(graph.UnknownName, graph.KGError) and issubclass(graph.UnknownRelation, ValueError)


def test_import_graph_loads_neither_rdflib_nor_networkx():
    code = "import sys, graph; print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'networkx')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_build_store_and_open_graph_answer_as_the_build_does(seed_out, tmp_path):
    assert graph.build_store(seed_out, tmp_path / "store") > 1000
    assert Index.open(tmp_path / "store") is not None
    stored = graph.open_graph(store=tmp_path / "store")
    assert stored.supplies(to="Serbia") == graph.open_graph(seed_out).supplies(to="Serbia") != []
