"""An incremental build's Oxigraph store (graph/pipeline.py, graph.store.backends.update_store): made from the
previous build's store by a checkpoint (hard links) with only what changed replaced (the graphs of the
sources added, changed and removed, kgg:links, the lines gone and come of kgg:ties and kgg:pages), it holds
the quads a full build's store holds, its caches hold the same rows, and questions asked of it give the same
answers; the previous build's store is left as it was."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import REPO
from graph.cli import main
from graph.model import generation
from graph.pipeline import build

sys.path.insert(0, str(REPO / "scripts"))
from generate_corpus import generate  # noqa: E402

UPDATED = "updating the previous build's Oxigraph store"
WHOLE = "loading the whole dataset into a new Oxigraph store"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("store-inc") / "corpus"
    generate(12000, corpus, seed=7)
    return corpus


def quads(store: Path) -> list[str]:
    """Every quad of the store at ``store`` (opened read-only), as sorted N-Quads lines."""
    st = ox.Store.read_only(str(store))
    try:
        return sorted(f"{q} ." for q in st)
    finally:
        del st


def caches(store: Path) -> dict[str, list[str]]:
    """Every row of every table of the caches kept beside a store (SQLite files), and its record."""
    found = {}
    for path in sorted(Path(store).resolve().iterdir()):
        if path.suffix == ".sqlite":
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                found[path.name] = sorted(db.iterdump())
            db.close()
    found[generation.STORE_STAMP] = [(Path(store).resolve() / generation.STORE_STAMP).read_text()]
    return found


def answers(out: Path, store: Path) -> list[str]:
    """A few questions asked of the store through the command: saved questions, supplies, centrality."""
    asked = [["sparql", "--saved", "claims-per-source", "--format", "json"],
             ["sparql", "--saved", "transfers-by-supplier", "--param", "recipient=freedonia", "--format", "json"],
             ["sparql", "--saved", "single-source-ties", "--param", "actor=freedonia", "--format", "json"],
             ["sparql", "--saved", "claims-about-entity", "--param", "entity=freedonia", "--format", "nt"],
             ["sparql", "--saved", "tie-sources", "--param", "a=freedonia", "--param", "b=latveria",
              "--format", "json"],
             ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "json"],
             ["supplies", "--format", "json"],
             ["centrality", "--measure", "degree", "--top", "10", "--format", "json"]]
    got = []
    for args in asked:
        result = CliRunner().invoke(main, [*args, "--out", str(out), "--store", str(store)])
        assert result.exit_code == 0, (args, result.output)
        got.append(result.output)
    return got


def built(corpus: Path, out: Path, store: Path, *, full: bool = False) -> list[str]:
    lines: list[str] = []
    build(corpus, out, store=store, view=False, progress=lines.append, full=full)
    return lines


def test_an_incremental_store_holds_what_a_full_build_s_store_holds(synthetic, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out, store = tmp_path / "out", tmp_path / "store"
    lines = built(corpus, out, store)
    assert not any(UPDATED in x for x in lines)  # the first build: loaded whole
    names = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())

    def changed(step: int) -> None:
        if step == 0:  # added: a copy of a source under another id (kgg:links, ties and pages change too)
            shutil.copytree(corpus / names[0], corpus / "zz-added-copy")
            meta = corpus / "zz-added-copy" / "source.yaml"
            meta.write_text(re.sub(r"^id: .*$", "id: zz-added-copy", meta.read_text(), flags=re.M))
        elif step == 1:  # changed: a claim dropped and the title edited (the same number of quads but one)
            claims = corpus / names[1] / "claims.yaml"
            text = claims.read_text()
            claims.write_text(text[:text.rindex("\n  - id:")] + "\n")
            meta = corpus / names[1] / "source.yaml"
            meta.write_text(re.sub(r"^title: .*$", 'title: "An edited title"', meta.read_text(), count=1, flags=re.M))
        else:  # removed: one source, and the copy
            shutil.rmtree(corpus / names[2])
            shutil.rmtree(corpus / "zz-added-copy")

    for step in range(3):
        before = generation.current(out)
        assert before is not None
        held_before = quads(before / generation.STORE)
        changed(step)
        lines = built(corpus, out, store)
        assert any(x.startswith("incremental build:") for x in lines)
        assert any(UPDATED in x for x in lines) and not any(WHOLE in x for x in lines), lines
        full_out, full_store = tmp_path / f"full-{step}", tmp_path / f"full-store-{step}"
        full_lines = built(corpus, full_out, full_store, full=True)
        assert not any(UPDATED in x for x in full_lines)
        held = quads(store)
        assert held == quads(full_store), step
        assert held != held_before
        assert caches(store) == caches(full_store)
        assert answers(out, store) == answers(full_out, full_store)
        # the previous build's store is as it was: it opens and holds its quads (the new one shares its files)
        assert quads(before / generation.STORE) == held_before
        assert generation.verify(out) == []
    assert b"An edited title" in "\n".join(held).encode()
    assert not any(names[2] in line for line in held)


def test_a_build_with_nothing_changed_is_up_to_date_only_with_the_store_asked_for(synthetic, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out, store = tmp_path / "out", tmp_path / "store"
    built(corpus, out, store)
    first = generation.current(out)
    lines = built(corpus, out, store)
    assert any(x.startswith("up to date:") for x in lines) and generation.current(out) == first
    assert generation.store_status(store) is None and generation.verify(out) == []
    # the store at another path, or none: built (and the one left behind said so)
    lines = built(corpus, out, tmp_path / "other")
    assert not any(x.startswith("up to date:") for x in lines) and generation.current(out) != first
    assert quads(tmp_path / "other") == quads(store)
    assert not build(corpus, out, view=False)[0].up_to_date


def test_without_a_store_of_the_previous_build_the_store_is_loaded_whole(synthetic, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out, store = tmp_path / "out", tmp_path / "store"
    build(corpus, out, view=False)  # no store
    claims = next(p for p in sorted(corpus.iterdir()) if (p / "claims.yaml").is_file()) / "claims.yaml"
    text = claims.read_text()
    claims.write_text(text[:text.rindex("\n  - id:")] + "\n")
    lines = built(corpus, out, store)
    assert any(x.startswith("incremental build:") for x in lines)
    assert f"{WHOLE} (the previous build has no store of its own)" in lines
    built(corpus, tmp_path / "full", tmp_path / "full-store", full=True)
    assert quads(store) == quads(tmp_path / "full-store")


def test_a_store_that_cannot_be_updated_is_loaded_whole(synthetic, tmp_path, monkeypatch):
    """Anything unexpected while the previous store is copied and updated: the store is loaded whole, and
    the build says why."""
    from graph.store import backends

    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out, store = tmp_path / "out", tmp_path / "store"
    built(corpus, out, store)
    claims = next(p for p in sorted(corpus.iterdir()) if (p / "claims.yaml").is_file()) / "claims.yaml"
    text = claims.read_text()
    claims.write_text(text[:text.rindex("\n  - id:")] + "\n")
    real = backends.update_store

    def failing(folder, previous, changes, *args, **kwargs):
        changes.replaced = []  # the changed source's graph left as it was: the copy holds too many quads
        return real(folder, previous, changes, *args, **kwargs)

    monkeypatch.setattr(backends, "update_store", failing)
    lines = built(corpus, out, store)
    assert any(UPDATED in x for x in lines)
    assert any(x.startswith(f"{WHOLE} (updating the previous one failed: the store updated holds ") for x in lines)
    built(corpus, tmp_path / "full", tmp_path / "full-store", full=True)
    assert quads(store) == quads(tmp_path / "full-store")
    assert json.loads((Path(store).resolve() / generation.STORE_STAMP).read_text())["build"] == \
        (generation.stamp(generation.current(out)) or {})["build"]


def test_a_build_killed_while_it_updates_the_store_leaves_the_previous_one_whole(synthetic, tmp_path, monkeypatch):
    """The copy is written to, never the previous store: a build stopped after the copy was changed leaves
    the previous generation current, and its store holding what it held."""
    from graph.store import backends

    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic, corpus)
    out, store = tmp_path / "out", tmp_path / "store"
    built(corpus, out, store)
    before = generation.current(out)
    held = quads(store)
    shutil.rmtree(next(p for p in sorted(corpus.iterdir()) if (p / "claims.yaml").is_file()))
    real = backends.update_store

    def killed(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # (not caught by the fallback: the build stops, its generation removed)

    monkeypatch.setattr(backends, "update_store", killed)
    with pytest.raises(KeyboardInterrupt):
        built(corpus, out, store)
    assert generation.current(out) == before and quads(store) == held
    assert [p.name for p in (out / generation.BUILDS).iterdir()] == [before.name]
