"""The lean path (graph.native): pyoxigraph alone gives the same supplies rows as the projection."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from graph import native
from graph.build import build
from graph.importers.sipri import import_sipri
from graph.output import to_json
from graph.questions import KnowledgeGraph
from graph.store import load_store

from conftest import EXTERNAL, SEED_CORPUS

SAMPLE_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"

ASKS = [{}, {"to": "Serbia"}, {"to": "serbia", "supplier": "Russia"}, {"supplier": "Russian Federation"},
        {"system": "MiG-29"}, {"to": "Serbia", "system": "mig-29"}, {"supplier": "China"}]


def same_rows(out, store):
    kg = KnowledgeGraph.load(out)
    ox = native.open_store(store)
    for ask in ASKS:
        lean = json.loads(to_json(native.supplies(ox, **ask)))
        full = json.loads(to_json(kg.supplies(**ask)))
        assert lean == full, ask
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
    with pytest.raises(native.Fallback):
        native.supplies(native.open_store(seed_store), to="Rusia")


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
