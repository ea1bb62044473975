"""A build is one generation: written beside the previous one, switched in by one rename, under a lock.

Also issue 18 item 4: a store knows which build it holds, and says so when it is stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SEED_CORPUS, SEED_ID
from graph.cli import main
from graph.compile.build import OUTPUTS, build
from graph.model import generation
from graph.model.errors import CorpusInvalid, StaleStore


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def errors(result) -> list[str]:
    return [x for x in result.stderr.splitlines() if x.startswith("error:")]


def warnings_of(result) -> list[str]:
    return [x for x in result.stderr.splitlines() if x.startswith("warning:")]


def check_generation(out: Path) -> dict:
    """The current generation is whole: every file its record lists is there, with the recorded digest,
    and every name in out/ leads to it."""
    cur = generation.current(out)
    assert cur is not None
    record = json.loads((cur / generation.STAMP).read_text())
    for name in record["files"]:
        assert (out / name).exists(), name
        assert Path(os.path.realpath(out / name)).parent in (cur, *cur.parent.iterdir())
        if name in record["sha256"]:
            assert hashlib.sha256((out / name).read_bytes()).hexdigest() == record["sha256"][name], name
    assert record["build"] == record["sha256"]["serbia-kg.nq"]
    return record


def two_source_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    second = corpus / "second-copy"
    shutil.copytree(corpus / SEED_ID, second)
    meta = second / "source.yaml"
    meta.write_text(re.sub(r"^id: .*$", "id: second-copy", meta.read_text(), flags=re.M))
    return corpus


def test_a_build_is_one_generation_switched_in_by_one_link(tmp_path):
    out = tmp_path / "out"
    build(SEED_CORPUS, out)
    first = check_generation(out)
    build(SEED_CORPUS, out)
    second = check_generation(out)
    # the outputs keep their names (links through out/.current); the previous generation stays
    # until the next build (a reader that began on it finishes), older ones are removed
    assert all((out / name).is_symlink() and os.readlink(out / name) == f".current/{name}" for name in OUTPUTS)
    assert second["generation"] != first["generation"] and first["build"] == second["build"]
    assert sorted(p.name for p in (out / generation.BUILDS).iterdir()) == [first["generation"], second["generation"]]
    build(SEED_CORPUS, out)
    third = check_generation(out)
    assert sorted(p.name for p in (out / generation.BUILDS).iterdir()) == [second["generation"], third["generation"]]


def test_a_failing_build_leaves_the_current_generation_and_no_litter(make_corpus, tmp_path):
    corpus = make_corpus("claims: []\n")
    out = tmp_path / "out"
    build(corpus, out)
    before = check_generation(out)
    (corpus / "fixture-source" / "claims.yaml").write_text("claims:\n  - id: x\n    type: nosuch\n")
    with pytest.raises(CorpusInvalid):
        build(corpus, out)
    assert check_generation(out) == before
    assert sorted(p.name for p in (out / generation.BUILDS).iterdir()) == [before["generation"]]  # none half-written


def test_a_second_build_of_the_same_folder_is_refused_with_one_line(tmp_path):
    out = tmp_path / "out"
    with generation.locked(out):  # what a running build holds
        res = run("build", "-q", "--no-view", "--sources", SEED_CORPUS, "--out", out)
    assert res.exit_code == 2
    assert errors(res) == [f"error: {out}: another build is writing this folder (pid {os.getpid()}); "
                           "wait for it to end or give another --out"]
    assert generation.current(out) is None


def test_litter_of_killed_builds_is_removed_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    store = tmp_path / "store"
    build(SEED_CORPUS, out)
    half = out / generation.BUILDS / "000099"  # a build killed while writing
    half.mkdir()
    (half / "serbia-kg.trig").write_text("half")
    litter = [half, out / ".serbia-kg.trig.x1y2.tmp", out / ".current.123.tmp", tmp_path / ".store.old",
              tmp_path / ".store.k2j3h4"]
    for p in litter[1:3]:
        p.write_text("")
    for p in litter[3:]:
        p.mkdir()
    res = run("build", "-q", "--no-view", "--sources", SEED_CORPUS, "--out", out, "--store", store)
    assert res.exit_code == 0, res.output
    assert [p for p in litter if os.path.lexists(p)] == []
    check_generation(out)


def test_an_output_folder_of_the_older_layout_becomes_a_generation(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_text("an older build")
    legacy_store = out / "oxigraph"
    legacy_store.mkdir()
    (legacy_store / "CURRENT").write_text("")
    res = run("build", "-q", "--no-view", "--sources", SEED_CORPUS, "--out", out, "--store", legacy_store)
    assert res.exit_code == 0, res.output
    check_generation(out)
    assert legacy_store.is_symlink() and (legacy_store / generation.STORE_STAMP).is_file()


def test_a_store_knows_its_build_and_says_when_it_is_stale(tmp_path):
    """Issue 18 item 4: build --store, remove a source, build without --store."""
    corpus = two_source_corpus(tmp_path)
    out, store = tmp_path / "out", tmp_path / "store"
    res = run("build", "-q", "--no-view", "--sources", corpus, "--out", out, "--store", store)
    assert res.exit_code == 0 and warnings_of(res) == []
    ask = ["sparql", "--sources", corpus, "--out", out, "--format", "csv", "SELECT (COUNT(*) AS ?n) {?s ?p ?o}"]
    assert warnings_of(run(*ask, "--store", store)) == []
    shutil.rmtree(corpus / "second-copy")

    res = run("build", "-q", "--no-view", "--sources", corpus, "--out", out)
    assert res.exit_code == 0
    assert warnings_of(res) == [f"warning: the Oxigraph store {store} was not rebuilt and still holds the previous "
                                f"build; refresh it with 'serbia-kg build --store {store}'"]
    # the store still answers (from the older build), and says so in one line
    mem, old = run(*ask), run(*ask, "--store", store)
    assert mem.stdout != old.stdout
    lines = warnings_of(old)
    assert len(lines) == 1 and lines[0].startswith(f"warning: the Oxigraph store at {store} holds an older build (")
    assert lines[0].endswith(f"its answers may be stale; refresh it with 'serbia-kg build --store {store}'")
    sup = run("supplies", "--to", "Serbia", "--sources", corpus, "--out", out, "--store", store, "--format", "csv")
    assert len(warnings_of(sup)) == 1
    with pytest.warns(StaleStore):
        from graph.store.native import open_store

        open_store(store)

    res = run("build", "-q", "--no-view", "--sources", corpus, "--out", out, "--store", store)
    assert warnings_of(res) == []
    fresh = run(*ask, "--store", store)
    assert warnings_of(fresh) == [] and fresh.stdout == mem.stdout


def test_a_server_answers_from_one_generation_until_it_is_restarted(tmp_path):
    from graph.store.server import Endpoint

    corpus = two_source_corpus(tmp_path)
    out = tmp_path / "out"
    build(corpus, out)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def ask(endpoint):
        return endpoint.answer(endpoint.job(count, lambda kind: "csv", [], []))

    endpoint = Endpoint(out, workers=1)
    try:
        before = ask(endpoint)
        shutil.rmtree(corpus / "second-copy")
        build(corpus, out)
        build(corpus, out)  # the server's generation is pinned: no build removes it
        assert endpoint._pin.folder is not None and endpoint._pin.folder.is_dir()
        assert ask(endpoint) == before
        endpoint._replace(endpoint._idle.get())  # a new worker opens the same generation
        assert ask(endpoint) == before
    finally:
        endpoint.close()
    endpoint = Endpoint(out, workers=1)
    try:
        assert ask(endpoint) != before
    finally:
        endpoint.close()
    build(corpus, out)
    assert len(list((out / generation.BUILDS).iterdir())) == 2  # unpinned, the older generations went
