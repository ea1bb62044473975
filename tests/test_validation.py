"""What a build checks against the shapes (graph/compile/validation.py): every source and the registry
in a full build, only the sources that changed in an incremental one."""

from __future__ import annotations

import shutil
import sys

import pytest

from conftest import REPO
from graph.compile import build as build_mod
from graph.compile import validation
from graph.compile.build import build

sys.path.insert(0, str(REPO / "scripts"))
from generate_corpus import generate  # noqa: E402


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("val") / "corpus"
    generate(8000, corpus, seed=3)
    return corpus


def test_an_incremental_build_checks_only_the_sources_that_changed(synthetic, tmp_path, monkeypatch):
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(synthetic, corpus)
    checked: list[set[str]] = []
    registry: list[int] = []
    slice_results, registry_results = validation.slice_results, validation.registry_results

    def spy_slice(ctx, triples, engine="compiled"):
        checked.append({t.split(" ", 1)[0] for t in triples})
        return slice_results(ctx, triples, engine)

    def spy_registry(ctx, engine="compiled"):
        registry.append(len(ctx.registry))
        return registry_results(ctx, engine)

    monkeypatch.setattr(build_mod, "cores", lambda: 1)  # the slices in this process, where the spies are
    monkeypatch.setattr(validation, "slice_results", spy_slice)
    monkeypatch.setattr(validation, "registry_results", spy_registry)
    build(corpus, out)
    sources = sorted(p.name for p in corpus.iterdir() if (p / "source.yaml").is_file())
    assert len(sources) >= 3 and len(registry) == 1 and checked
    every = set().union(*checked)
    assert sum(1 for s in every if "/source/" in s) == len(sources)

    checked.clear()
    registry.clear()
    claims = corpus / sources[1] / "claims.yaml"
    claims.write_text(claims.read_text().replace("quote:", "quote:", 1) + "\n")  # same claims, another digest
    build(corpus, out)
    assert registry == []  # the registry is the previous build's, checked then
    sources_checked = {s for part in checked for s in part if "/source/" in s}
    assert len(sources_checked) == 1 and len(checked) == 1
