"""Shared fixtures: the real first source, built once per session, and small corpora made on the fly."""

from __future__ import annotations

import functools
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from graph.compile.build import build, validate
from graph.importers.sipri import import_sipri

REPO = Path(__file__).resolve().parent.parent
#: The corpus a fresh clone builds: the first source and the open tables (see docs/tables.md).
DEFAULT_CORPUS = REPO / "sources"
SEED_ID = "gmf-2022-03-04-time-for-serbia-to-scale-back-military-ties-with-russia"


def _first_source_alone() -> Path:
    """The first source (the GMF article) alone in a corpus of its own: its folder and the base
    registry, copied into a temporary folder (removed at exit). Tests about the article read it."""
    import atexit
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="serbia-kg-seed-"))
    atexit.register(shutil.rmtree, root, True)
    (root / "registry").mkdir()
    for name in ("entities.yaml", ".gitignore"):  # the registry's .gitignore keeps imports out of git
        shutil.copy(DEFAULT_CORPUS / "registry" / name, root / "registry" / name)
    shutil.copytree(DEFAULT_CORPUS / SEED_ID, root / SEED_ID)
    return root


#: The first source alone (what the tests written before the open tables call "the seed").
SEED_CORPUS = _first_source_alone()
#: Third-party data: CI has ../shared beside the checkout. Tests read it there, never copy it.
SHARED = Path(os.environ.get("SERBIA_KG_SHARED") or REPO.parent / "shared")
EXTERNAL = SHARED / "data" / "external"


@pytest.fixture(scope="session")
def seed_compilation():
    """The first source's corpus, compiled and validated (nothing written)."""
    comp, _ = validate(SEED_CORPUS)
    return comp


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory) -> Path:
    """The first source's corpus built into a temporary out/ folder."""
    out = tmp_path_factory.mktemp("seed-out")
    build(SEED_CORPUS, out)
    return out


@pytest.fixture(scope="session")
def default_compilation():
    """The default corpus (sources/: the article and the open tables), compiled and validated."""
    comp, _ = validate(DEFAULT_CORPUS)
    return comp


@pytest.fixture(scope="session")
def default_out(tmp_path_factory) -> Path:
    """The default corpus built into a temporary out/ folder."""
    out = tmp_path_factory.mktemp("default-out")
    build(DEFAULT_CORPUS, out)
    return out


def write_corpus(root: Path, claims: str, text: str = "Fictional text.", registry: str | None = None,
                 source_yaml: str | None = None, source_id: str = "fixture-source") -> Path:
    """What :func:`make_corpus` writes, under ``root`` (for a fixture that is not per test)."""
    corpus = root / "corpus"
    (corpus / "registry").mkdir(parents=True, exist_ok=True)
    if registry is None:
        shutil.copy(SEED_CORPUS / "registry" / "entities.yaml", corpus / "registry" / "entities.yaml")
    else:
        (corpus / "registry" / "entities.yaml").write_text(textwrap.dedent(registry), encoding="utf-8")
    folder = corpus / source_id
    folder.mkdir(exist_ok=True)
    (folder / "source.yaml").write_text(textwrap.dedent(source_yaml or f"""\
        id: {source_id}
        kind: article
        title: A fictional article
        issued: 2022-01-01
        text: text.txt
        """), encoding="utf-8")
    (folder / "text.txt").write_text(text, encoding="utf-8")
    (folder / "claims.yaml").write_text(textwrap.dedent(claims), encoding="utf-8")
    return corpus


@pytest.fixture
def make_corpus(tmp_path):
    """Write a small corpus: ``make_corpus(claims_yaml, text=..., registry=...)`` -> its folder.

    The registry defaults to a copy of the real one; the source is called ``fixture-source``.
    """
    return functools.partial(write_corpus, tmp_path)


# --- stores of the built seed dataset (graph/store/backends.py): Oxigraph on disk, a remote SPARQL server

#: Set by .ci/run: the query URL of a SPARQL server on loopback (Virtuoso), its Graph Store
#: Protocol URL, and an account (Virtuoso's fresh-install defaults are dba/dba).
TEST_ENDPOINT = os.environ.get("SERBIA_KG_TEST_ENDPOINT")
TEST_GRAPH_STORE = os.environ.get("SERBIA_KG_TEST_GRAPH_STORE")
TEST_USER = os.environ.get("SERBIA_KG_TEST_USER", "dba")
TEST_PASSWORD = os.environ.get("SERBIA_KG_TEST_PASSWORD", "dba")


@pytest.fixture
def own_out(seed_out, tmp_path_factory) -> Path:
    """A copy of the built seed out/ for a test that loads a store into it (a store belongs to its out/:
    loading one into the shared seed_out would replace the store every other test reads)."""
    out = tmp_path_factory.mktemp("own-out") / "out"
    shutil.copytree(seed_out, out, symlinks=True)
    return out


@pytest.fixture(scope="session")
def seed_store(seed_out, tmp_path_factory) -> Path:
    """The seed dataset loaded into an Oxigraph store on disk."""
    from graph.ask.questions import write_store_caches
    from graph.store.backends import load_store

    path = tmp_path_factory.mktemp("seed-store") / "oxigraph"
    load_store(seed_out, path, index=write_store_caches)
    return path


@pytest.fixture(scope="session")
def seed_endpoint(seed_out) -> str:
    """The query URL of the SPARQL server (SERBIA_KG_TEST_ENDPOINT), holding the seed dataset."""
    from graph.store.backends import push

    if not TEST_ENDPOINT:
        pytest.skip("no SPARQL server: set SERBIA_KG_TEST_ENDPOINT (.ci/run starts Virtuoso and sets it)")
    graph_store = TEST_GRAPH_STORE or TEST_ENDPOINT.rstrip("/") + "-graph-crud-auth"
    push(seed_out, graph_store, endpoint=TEST_ENDPOINT, user=TEST_USER, password=TEST_PASSWORD)
    return TEST_ENDPOINT


@pytest.fixture(scope="session")
def synthetic_built(tmp_path_factory) -> Path:
    """A small synthetic corpus (scripts/generate_corpus.py) under ``corpus/``, built into ``out/`` and
    loaded into an Oxigraph store at ``store/``; returns the folder holding the three."""
    import sys

    from graph.compile.build import build
    from graph.ask.questions import write_store_caches
    from graph.store.backends import load_store

    sys.path.insert(0, str(REPO / "scripts"))
    from generate_corpus import generate

    root = tmp_path_factory.mktemp("synthetic")
    generate(8000, root / "corpus", seed=5)
    build(root / "corpus", root / "out")
    load_store(root / "out", root / "store", index=write_store_caches)
    return root


SIPRI_IMPORTS_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"
SIPRI_EXPORTS_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_exports_1995_2024.csv"
SIPRI_ORDERS_2025 = EXTERNAL / "sipri_trade_register_2025_orders" / "serbia_yugoslavia_imports_orders.csv"


@pytest.fixture(scope="session")
def sipri_out(tmp_path_factory):
    """The seed corpus with the 2026 SIPRI imports and exports and the 2025 order register imported, built."""
    if not SIPRI_IMPORTS_2026.is_file() or not SIPRI_ORDERS_2025.is_file():
        pytest.skip(f"SIPRI samples not found in {EXTERNAL}")
    root = tmp_path_factory.mktemp("dossier-sipri")
    corpus = root / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    import_sipri(SIPRI_IMPORTS_2026, corpus)
    import_sipri(SIPRI_EXPORTS_2026, corpus)
    import_sipri(SIPRI_ORDERS_2025, corpus, release="2025-03")
    build(corpus, root / "out")
    return root / "out"


@pytest.fixture(scope="session")
def sipri_both_out(tmp_path_factory) -> Path:
    """The first source plus both SIPRI samples of ../shared (the 2026 per-delivery-year export and the
    2025-03 order-level register, imports and exports each), imported into a copy of the corpus and
    built (no store, no view); returns the out/ folder."""
    folders = {EXTERNAL / "sipri_trade_register_2026": None, EXTERNAL / "sipri_trade_register_2025_orders": "2025-03"}
    if not all(f.is_dir() for f in folders):
        pytest.skip(f"the SIPRI samples are missing under {EXTERNAL}")
    root = tmp_path_factory.mktemp("sipri-both")
    corpus = root / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    for folder, release in folders.items():
        for csv_file in sorted(folder.glob("*.csv")):
            import_sipri(csv_file, corpus, release=release, twins="merge")
    build(corpus, root / "out")
    return root / "out"


#: The browser the browser tests drive: Debian's chromium (``SERBIA_KG_CHROMIUM`` names another), headless.
CHROMIUM = os.environ.get("SERBIA_KG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session (through Playwright); the test is skipped where either is missing."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
