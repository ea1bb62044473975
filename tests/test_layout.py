"""The layout of the derived graphs (kgg:links, kgg:ties, kgg:pages): stated by every build, checked by every reader.

The saved questions read the build's derived graphs. When their structure changed (the ninth session's
transfers-by-supplier and alignment-rates lists), a store built before answered some questions with no
rows at all, exit status 0 (ee83ea2's stores of the seed, 10k and 100k corpora: transfers-by-supplier
and alignment-rates empty, every other question the same). So a build states the layout it wrote
(:data:`graph.model.generation.LAYOUT`), and a store, a build or a server of another layout, or of
none, is refused in one line. The structure's fingerprint (:func:`structure`) is recorded beside the
number: changing the structure without raising the number fails here.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import DEFAULT_CORPUS, REPO, SEED_CORPUS, TEST_ENDPOINT, TEST_GRAPH_STORE, TEST_PASSWORD, TEST_USER, write_corpus
from graph.cli import main
from graph.model import generation
from graph.model.resources import DATASET
from graph.model.terms import CLAIM, ENTITY, GRAPH, PAGE, PREFIXES, SKG, SKV, SOURCE, TIE

LAYOUT_LINE = (f"<{DATASET}> <{SKG.derivedLayout}> "
               f"\"{generation.LAYOUT}\"^^<http://www.w3.org/2001/XMLSchema#integer> <{GRAPH.registry}> .\n")
DERIVED = (str(GRAPH.links), str(GRAPH.ties), str(GRAPH.pages))


# --- the fingerprint of the derived graphs' structure ------------------------------------------

#: Segments of a page's IRI after which comes a value (an entity's id, a source's, a concept's).
_MARKERS = {"id", "source", "vocab"}


def shape(term) -> str:
    """A term with what varies from corpus to corpus left out: an entity, claim or source as its kind
    (``id:*``), a tie as ``tie:*/*``, a page's IRI with its keys' values and its number left out
    (``page:transfers-by-supplier/id/*/id/*/N``), a literal as its datatype; classes, properties and
    the questions' own IRIs (``page:alignment-rates``, ``page:any``) as they are."""
    if isinstance(term, ox.Literal):
        return f"literal^^{shape(term.datatype)}" + (f"@{term.language}" if term.language else "")
    if isinstance(term, ox.BlankNode):
        return "_:b"
    iri = term.value
    for ns, name in ((ENTITY, "id"), (CLAIM, "claim"), (SOURCE, "src"), (SKV, "skv")):
        if iri.startswith(str(ns)):
            return f"{name}:*"
    if iri.startswith(str(TIE)):
        return "tie:" + "/".join("*" for _ in iri[len(str(TIE)):].split("/"))
    if iri.startswith(str(PAGE)):
        segments = iri[len(str(PAGE)):].split("/")
        kept = segments[:1]
        for before, seg in zip(segments, segments[1:]):
            kept.append("N" if seg.isdigit() else "*" if before in _MARKERS else seg)
        return "page:" + "/".join(kept)
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


def structure(nquads: Path) -> set[str]:
    """The shapes of the derived graphs' triples in a build's N-Quads: one line per graph, subject shape,
    property and object shape."""
    found = set()
    for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        if q.graph_name.value in DERIVED:
            found.add(f"{shape(q.graph_name)} {shape(q.subject)} {shape(q.predicate)} {shape(q.object)}")
    return found


def fingerprint(lines: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()[:16]


@pytest.fixture(scope="module")
def small_builds(tmp_path_factory):
    """Builds whose derived graphs hold every kind of list, tie and link: pages of 3 claims (so that lists
    of their own, for pairs too, appear in small corpora), of the default corpus, a synthetic one, and
    two fictional ones where an article and a SIPRI register tell of one transfer (agreeing, disagreeing)."""
    from graph.compile import pages
    from graph.compile.build import build

    sys.path.insert(0, str(REPO / "scripts"))
    from generate_corpus import generate

    from test_corroboration import fiction_corpus

    root = tmp_path_factory.mktemp("layout")
    rows = pages.PAGE_ROWS
    pages.PAGE_ROWS = 3
    try:
        generate(12000, root / "synthetic", seed=7)
        corpora = [DEFAULT_CORPUS, root / "synthetic"]
        for n in (6, 7):
            folder = root / f"fiction-{n}"
            folder.mkdir()
            corpora.append(fiction_corpus(folder, functools.partial(write_corpus, folder), n))
        outs = []
        for i, corpus in enumerate(corpora):
            build(corpus, root / f"out-{i}")
            outs.append(root / f"out-{i}")
    finally:
        pages.PAGE_ROWS = rows
    return outs


def test_the_derived_graphs_keep_the_structure_of_their_layout(small_builds):
    """If this fails, the structure of kgg:links, kgg:ties or kgg:pages changed: stores, builds and servers
    made before cannot answer the saved questions rightly. Raise LAYOUT in graph/model/generation.py by one
    and record the fingerprint printed here as LAYOUT_FINGERPRINT (with the lines, to see what changed)."""
    lines = set().union(*(structure(out / "serbia-kg.nq") for out in small_builds))
    got = fingerprint(lines)
    assert got == generation.LAYOUT_FINGERPRINT, (
        f"the structure of the derived graphs changed (fingerprint {got}; layout {generation.LAYOUT} recorded "
        f"{generation.LAYOUT_FINGERPRINT}): in graph/model/generation.py set LAYOUT = {generation.LAYOUT + 1} and "
        f"LAYOUT_FINGERPRINT = {got!r} (every store, build and server made before is then refused until made "
        f"again). The structure now:\n" + "\n".join(sorted(lines)))


def test_the_fingerprint_sees_each_kind_of_list_tie_and_link(small_builds):
    """The small builds hold what the fingerprint is to guard: pair lists, second keys, ties, links of
    both kinds; and a change of one key's form, one property or one datatype changes it."""
    lines = set().union(*(structure(out / "serbia-kg.nq") for out in small_builds))
    text = "\n".join(sorted(lines))
    for expected in ("page:transfers-by-supplier/id/*/id/*/N", "page:exercises-by-partner/id/*/id/*/N",
                     "page:alignment-rates/id/*/N", "page:statements-by-speaker/id/*/vocab/*/N",
                     "skg:pageSecondKey", "kgg:ties tie:*/* rdf:type skg:Tie",
                     "kgg:links claim:* skg:sameFactAs claim:*", "kgg:links claim:* skg:conflictsWith claim:*"):
        assert expected in text, expected
    changed = [
        {line.replace("/id/*/id/*/N", "/id/*/N") for line in lines},  # a pair list gone
        {line.replace("skg:pageStart", "skg:pageBegin") for line in lines},  # a property renamed
        {line.replace("integer", "long") for line in lines},  # a datatype
        lines - {next(line for line in lines if "tie:" in line)},  # one property of the ties
    ]
    assert len({fingerprint(lines), *(fingerprint(c) for c in changed)}) == 1 + len(changed)


def test_the_structure_is_the_same_whatever_the_corpus_values(small_builds):
    """Only structure goes into the fingerprint: no entity's id, claim, number or value of a key."""
    text = "\n".join(sorted(set().union(*(structure(out / "serbia-kg.nq") for out in small_builds))))
    assert not re.search(r"/[0-9]+(/|$| )|freedonia|sylvania|serbia", text)


# --- every build states its layout; every reader checks it --------------------------------------

def test_every_build_states_the_layout_it_wrote(seed_out):
    assert LAYOUT_LINE in (seed_out / "serbia-kg.nq").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plain_out(tmp_path_factory) -> Path:
    """The seed corpus built into an out/ of this module's own, without a store: the session's seed_out
    gets one when a test of the store runs first (conftest's seed_store), and a copy of it would then
    answer from that store (its layout untouched) rather than from the N-Quads and TriG changed here."""
    from graph.compile.build import build

    out = tmp_path_factory.mktemp("layout-out") / "out"
    build(SEED_CORPUS, out)
    return out


def _older(out: Path, target: Path, layout: str | None) -> Path:
    """A copy of the build ``out`` as a serbia-kg of another layout (``None``: of none) would have written
    it: the layout triple replaced or gone, in the N-Quads and the TriG."""
    shutil.copytree(out, target, symlinks=True)
    current = generation.current(target)
    assert current is not None
    for name in ("serbia-kg.nq", "serbia-kg.trig"):
        path = current / name
        text = path.read_text(encoding="utf-8")
        if name.endswith(".nq"):
            new = LAYOUT_LINE.replace(f'"{generation.LAYOUT}"', f'"{layout}"') if layout is not None else ""
            assert LAYOUT_LINE in text
            text = text.replace(LAYOUT_LINE, new)
        else:
            stated = re.compile(r"skg:derivedLayout \d+")
            assert stated.search(text)
            text = stated.sub(f"skg:derivedLayout {layout}", text) if layout is not None else \
                re.sub(r"\n[^\n]*skg:derivedLayout \d+ \.\n", "\n", text)
        path.unlink()  # (a hard link: the original build keeps its bytes)
        path.write_text(text, encoding="utf-8")
    return target


def _store(out: Path, path: Path) -> Path:
    """An Oxigraph store at ``path`` of the build ``out`` (loaded into a copy of it: a store belongs to its
    out/, and loading one into a shared build would change what other tests read)."""
    from graph.store.backends import load_store

    copy = path.with_name(path.name + "-out")
    shutil.copytree(out, copy, symlinks=True)
    load_store(copy, path)
    return path


def _refusal(result, what: str, held: str, mend: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0] == (f"error: {what} holds derived graphs of layout {held}, this serbia-kg reads layout "
                        f"{generation.LAYOUT}: its saved questions would answer wrongly; {mend}")
    assert not result.stdout


NONE = "none (built before serbia-kg numbered them)"


def test_a_store_built_before_the_layout_was_kept_is_refused_not_answered_wrongly(default_out, tmp_path):
    """What ee83ea2's stores did (ninth session): their pages had no lists of transfers by supplier and
    of alignment rates, and the questions read of them no rows, exit 0. Such a store, made here from this
    build's by taking those pages and the layout out, answers wrongly when asked; the CLI refuses it."""
    old = _store(_older(default_out, tmp_path / "out", None), tmp_path / "old-store")
    store = ox.Store(str(old))  # as ee83ea2 built them: these two questions' pages missing
    for question in ("transfers-by-supplier", "alignment-rates"):
        for q in list(store.quads_for_pattern(None, ox.NamedNode(str(SKG.pageOf)),
                                              ox.NamedNode(str(PAGE[question])), ox.NamedNode(str(GRAPH.pages)))):
            for t in list(store.quads_for_pattern(q.subject, None, None, ox.NamedNode(str(GRAPH.pages)))):
                store.remove(t)
    store.flush()
    del store
    from graph.store.sparql import run_text, saved_query
    from graph.store.native import rdflib_over
    from rdflib import Dataset

    q = saved_query("alignment-rates")
    wrong = list(run_text(Dataset(store=rdflib_over(ox.Store.read_only(str(old))), default_union=True),
                          q.text, {}, declared=q.params))
    right = list(run_text(Dataset(store=rdflib_over(ox.Store.read_only(str(_store(default_out, tmp_path / "s")))),
                                  default_union=True), q.text, {}, declared=q.params))
    assert not wrong and right  # no rows, not fewer: nothing to tell the user something is amiss

    runner = CliRunner()
    for args in (["sparql", "--saved", "alignment-rates"], ["sparql", "--saved", "transfers-by-supplier"],
                 ["supplies", "--to", "Serbia"], ["ties", "Serbia"]):
        result = runner.invoke(main, [*args, "--store", str(old)])
        _refusal(result, f"the Oxigraph store at {old}", NONE, f"rebuild it with 'serbia-kg build --store {old}'")


def test_a_store_of_another_layout_is_refused_and_of_this_one_answered(plain_out, tmp_path):
    other = _store(_older(plain_out, tmp_path / "out", str(generation.LAYOUT + 1)), tmp_path / "other")
    result = CliRunner().invoke(main, ["sparql", "--saved", "alignment-rates", "--store", str(other)])
    _refusal(result, f"the Oxigraph store at {other}", str(generation.LAYOUT + 1),
             f"rebuild it with 'serbia-kg build --store {other}'")
    fine = _store(plain_out, tmp_path / "fine")
    assert CliRunner().invoke(main, ["sparql", "--saved", "alignment-rates", "--store", str(fine)]).exit_code == 0


def test_a_build_of_another_layout_is_refused_in_memory_and_natively(plain_out, tmp_path):
    """Without --store: the build's TriG in rdflib (sparql) or its N-Quads in Oxigraph (supplies)."""
    out = _older(plain_out, tmp_path / "out", None)
    runner = CliRunner()
    for args in (["sparql", "--saved", "transfers-by-supplier"], ["supplies", "--to", "Serbia"]):
        result = runner.invoke(main, [*args, "--out", str(out)])
        _refusal(result, f"the build in {out}", NONE, f"rebuild it with 'serbia-kg build --out {out}'")


def test_the_library_raises_other_layout(plain_out, tmp_path):
    from graph.model.errors import NotBuilt, OtherLayout
    from graph.store.backends import open_dataset, open_native

    out = _older(plain_out, tmp_path / "out", "0")
    for opening in (lambda: open_dataset(out), lambda: open_native(out),
                    lambda: open_dataset(store=_store(out, tmp_path / "s"))):
        with pytest.raises(OtherLayout, match="layout 0, this serbia-kg reads layout") as err:
            opening()
        assert isinstance(err.value, NotBuilt)


@pytest.mark.server
def test_a_server_of_another_layout_is_refused(seed_out, seed_endpoint, tmp_path):
    """The server's registry graph replaced by one without the layout (as an older serbia-kg pushed it),
    then put back."""
    from urllib.parse import quote

    from graph.store.remote import Client

    graph_store = TEST_GRAPH_STORE or TEST_ENDPOINT.rstrip("/") + "-graph-crud-auth"
    url = f"{graph_store}?graph={quote(str(GRAPH.registry), safe='')}"
    lines = [line for line in (seed_out / "serbia-kg.nq").read_text(encoding="utf-8").splitlines(keepends=True)
             if line.endswith(f"<{GRAPH.registry}> .\n")]
    assert LAYOUT_LINE in lines
    body, whole = tmp_path / "older.nt", tmp_path / "registry.nt"
    strip = f" <{GRAPH.registry}> .\n"
    body.write_text("".join(line[:-len(strip)] + " .\n" for line in lines if line != LAYOUT_LINE), encoding="utf-8")
    whole.write_text("".join(line[:-len(strip)] + " .\n" for line in lines), encoding="utf-8")
    client = Client(TEST_USER, TEST_PASSWORD)
    client.request("PUT", url, body=body, headers={"Content-Type": "application/n-triples"})
    try:
        result = CliRunner().invoke(main, ["sparql", "--saved", "alignment-rates", "--endpoint", seed_endpoint])
        _refusal(result, f"the server at {seed_endpoint}", NONE,
                 f"build and push it again: 'serbia-kg build', then 'serbia-kg push --endpoint {seed_endpoint}'")
    finally:
        client.request("PUT", url, body=whole, headers={"Content-Type": "application/n-triples"})
    assert CliRunner().invoke(main, ["sparql", "--saved", "alignment-rates", "--endpoint", seed_endpoint]).exit_code == 0
