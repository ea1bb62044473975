"""One system, one id: twins found on import (both release orders), the duplicates report, the
registry's aliases section, the category table, and imports that leave git's tracked tree alone."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.compile.build import compile_corpus
from graph.importers.sipri import DESCRIPTION_CATEGORIES, category_for, import_sipri, read_export
from graph.importers.twins import corpus_duplicates, variants
from graph.model import yamlfile
from graph.model.errors import CorpusInvalid, KGError
from graph.model.names import words
from graph.model.registry import load_registry

from conftest import EXTERNAL, REPO, SEED_CORPUS

PER_YEAR = EXTERNAL / "sipri_trade_register_2026"
ORDERS = EXTERNAL / "sipri_trade_register_2025_orders"
IMPORTS_2026, EXPORTS_2026 = PER_YEAR / "serbia_imports_1995_2024.csv", PER_YEAR / "serbia_exports_1995_2024.csv"
IMPORTS_2025, EXPORTS_2025 = (ORDERS / "serbia_yugoslavia_imports_orders.csv",
                              ORDERS / "serbia_yugoslavia_exports_orders.csv")
needs_samples = pytest.mark.skipif(not PER_YEAR.is_dir() or not ORDERS.is_dir(),
                                   reason=f"SIPRI samples not found in {EXTERNAL}")


def claims_of(folder: Path) -> dict[str, dict]:
    return {c["id"]: c for c in yamlfile.load(folder / "claims.yaml")["claims"]}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, target)
    return target


def import_2026(corpus: Path) -> None:
    for path in (IMPORTS_2026, EXPORTS_2026):
        import_sipri(path, corpus)


def import_2025(corpus: Path) -> None:
    for path in (IMPORTS_2025, EXPORTS_2025):
        import_sipri(path, corpus, release="2025-03")


# --- categories ---------------------------------------------------------------------------------

@needs_samples
def test_every_description_of_both_samples_is_in_the_category_table():
    descriptions = {(d.description, d.armament_category) for path in (IMPORTS_2026, EXPORTS_2026, IMPORTS_2025,
                                                                      EXPORTS_2025) for d in read_export(path).deals}
    assert len(descriptions) > 90
    assert sorted({d for d, _ in descriptions if words(d) not in DESCRIPTION_CATEGORIES}) == []
    assert sorted({d for d, a in descriptions if category_for(d, a) == "other"}) == []


def test_whole_classes_get_their_kind():
    # torpedo and missile boats were "missile", minesweepers and a destroyer "other", tank destroyers
    # and a light tank "main battle tank", a turbojet "other"
    for description, category in (("torpedo boat", "ship"), ("missile boat", "ship"), ("minesweeper", "ship"),
                                  ("destroyer", "ship"), ("tank destroyer", "armoured-vehicle"),
                                  ("light tank", "armoured-vehicle"), ("turbojet", "engine"), ("tanker", "ship"),
                                  ("tank", "main-battle-tank"), ("portable SAM", "missile"),
                                  ("SAM system", "air-defence-system"), ("air-search radar", "sensor")):
        assert category_for(description) == category, description


# --- name rules ---------------------------------------------------------------------------------

def test_variants_follow_sipris_conventions():
    assert [(v, c) for v, _, c in variants("9M120 Ataka")] == [("Ataka", True)]
    assert [(v, c) for v, _, c in variants("96K9 Pantsyr-S1")] == [("Pantsyr-S1", True)]
    assert [(v, c) for v, _, c in variants("HQ-17A SAMS")] == [("HQ-17A", True)]
    assert [(v, c) for v, _, c in variants("Lazar-3 IFV --")] == [("Lazar-3", True)]
    assert [(v, c) for v, _, c in variants("Mi-24V/Mi-35")] == [("Mi-24V", True), ("Mi-35", True)]
    assert [(v, c) for v, _, c in variants("G-4 Super Galeb")] == [("G-4", False)]
    assert variants("HQ-22 MI") == [] and variants("R-27R/T") == [] and variants("Mk-12/22") == []
    assert variants("M-84ABI") == [] and variants("2S1 122mm") == [("122mm", variants("2S1 122mm")[0][1], True)]


# --- twins on import ----------------------------------------------------------------------------

@needs_samples
@pytest.mark.parametrize("first", ["2026", "2025"])
def test_both_samples_in_either_order_give_one_id_per_system(corpus, first):
    (import_2026, import_2025)[first == "2025"](corpus)
    (import_2025, import_2026)[first == "2025"](corpus)
    assert corpus_duplicates(corpus) == []
    c26 = claims_of(corpus / "sipri-2026-02-12-serbia-imports-1995-2024")
    c25 = claims_of(corpus / "sipri-2025-03-serbia-yugoslavia-imports-orders")
    # the pairs the issue names: each deal of one release has the system of its twin in the other
    for deal, order in (("deal-67352-russia-serbia-ataka", "order-2018-russia-serbia-9m120-ataka"),
                        ("deal-67384-china-serbia-hq-17a-sams", "order-2023-china-serbia-hq-17a"),
                        ("deal-62827-france-serbia-mistral-sam", "order-2019-france-serbia-mistral"),
                        ("deal-64920-cyprus-serbia-mi-24p", "order-2022-cyprus-serbia-mi-24p-mi-35p"),
                        ("deal-27096-ukraine-serbia-mi-24v", "order-1997-ukraine-serbia-mi-24v-mi-35"),
                        ("deal-66654-united-states-serbia-bearcat-av", "order-2022-united-states-serbia-bearcat"),
                        ("deal-52339-montenegro-serbia-g-4", "order-2010-montenegro-serbia-g-4-super-galeb"),
                        ("deal-65285-canada-serbia-aircraft-engine-2001-3000",
                         "order-2022-canada-serbia-aircraft-engine")):
        assert c26[deal]["system"] == c25[order]["system"], (deal, order)
    # HQ-22's missiles are not the HQ-22 air-defence system, in either order
    assert c26["deal-65403-china-serbia-hq-22-mi"]["system"] == c25["order-2020-china-serbia-hq-22"]["system"]
    assert c26["deal-63743-china-serbia-hq-22"]["system"] == c25["order-2020-china-serbia-hq-22-2"]["system"]
    assert c26["deal-65403-china-serbia-hq-22-mi"]["system"] != c26["deal-63743-china-serbia-hq-22"]["system"]
    registry = compile_corpus(corpus).registry
    assert registry.resolve("9M120 Ataka", ["system"]).id == registry.resolve("Ataka", ["system"]).id
    assert registry.resolve("Mistral SAM", ["system"]).id == registry.resolve("Mistral", ["system"]).id


@needs_samples
def test_a_suspected_twin_stops_the_import_with_the_alias_to_add(corpus):
    import_2026(corpus)
    before = snapshot(corpus)
    with pytest.raises(CorpusInvalid) as caught:  # G-4 Super Galeb to Myanmar 1990: no deal in 2026 to confirm
        import_sipri(EXPORTS_2025, corpus, release="2025-03")
    [problem] = caught.value.problems
    assert f"{EXPORTS_2025}:69: 'G-4 Super Galeb' may be the system 'g-4' (G-4)" in str(problem)
    assert "add 'G-4 Super Galeb' to the aliases of 'g-4'" in str(problem)
    assert snapshot(corpus) == before  # nothing written
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "sipri", str(EXPORTS_2025), "--release", "2025-03",
                                   "--sources", str(corpus)])
    assert refused.exit_code == 2 and refused.output.count("error: ") == 1
    # the alias, added as told, resolves it
    (corpus / "registry" / "mine.yaml").write_text("aliases:\n  g-4: [G-4 Super Galeb]\n", encoding="utf-8")
    result = import_sipri(EXPORTS_2025, corpus, release="2025-03")
    assert claims_of(result.folder)["order-1990-yugoslavia-myanmar-g-4-super-galeb"]["system"] == "g-4"
    (corpus / "registry" / "mine.yaml").unlink()
    merged = runner.invoke(main, ["import", "sipri", str(EXPORTS_2025), "--release", "2025-03", "--sources",
                                  str(corpus), "--twins", "merge"])
    assert merged.exit_code == 0, merged.output
    assert corpus_duplicates(corpus) == []


# --- the duplicates report ----------------------------------------------------------------------

def test_duplicates_report_names_each_pair_and_the_alias(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "registry").mkdir(parents=True)
    shutil.copy(SEED_CORPUS / "registry" / "entities.yaml", corpus / "registry")
    (corpus / "registry" / "sipri-a.yaml").write_text(textwrap.dedent("""\
        systems:
          ataka: {label: Ataka, category: anti-tank-missile}
          mistral-sam: {label: Mistral SAM, category: missile}
          g-4: {label: G-4, category: aircraft}
          p-15: {label: P-15, category: missile}
        """), encoding="utf-8")
    (corpus / "registry" / "sipri-b.yaml").write_text(textwrap.dedent("""\
        systems:
          9m120-ataka: {label: 9M120 Ataka, category: anti-tank-missile}
          mistral: {label: Mistral, category: missile}
          g-4-super-galeb: {label: G-4 Super Galeb, category: aircraft}
          p-15-radar: {label: P-15 radar, category: sensor}
        """), encoding="utf-8")
    found = {t.entities: t for t in corpus_duplicates(corpus)}
    assert sorted(found) == [("9m120-ataka", "ataka"), ("g-4", "g-4-super-galeb"), ("mistral", "mistral-sam")]
    assert found[("9m120-ataka", "ataka")].certain and not found[("g-4", "g-4-super-galeb")].certain
    assert found[("9m120-ataka", "ataka")].alias_hint() == "add '9M120 Ataka' to the aliases of 'ataka' (Ataka)"
    out = CliRunner().invoke(main, ["duplicates", "--sources", str(corpus), "--format", "json"])
    assert out.exit_code == 1 and '"certain": false' in out.output
    clean = CliRunner().invoke(main, ["duplicates", "--sources", str(SEED_CORPUS)])
    assert clean.exit_code == 0 and "no suspected duplicates" in clean.output


def test_registry_aliases_section(tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    shutil.copy(SEED_CORPUS / "registry" / "entities.yaml", folder)
    (folder / "more.yaml").write_text("aliases:\n  t-72: [T-72MS, T-72 B1MS]\n", encoding="utf-8")
    registry = load_registry(folder)
    assert registry.resolve("T-72MS", ["system"]).id == "t-72" and "T-72MS" in registry.get("t-72").aliases
    (folder / "more.yaml").write_text("aliases:\n  t-73: [T-73]\n", encoding="utf-8")
    with pytest.raises(KGError, match=r"more.yaml:2: aliases: 't-73' is not an entity of the registry"):
        load_registry(folder)


# --- the tracked tree ---------------------------------------------------------------------------

@needs_samples
@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_an_import_leaves_git_status_clean(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(SEED_CORPUS, repo / "sources")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], check=True)
    import_sipri(IMPORTS_2026, repo / "sources")
    import_sipri(IMPORTS_2025, repo / "sources", release="2025-03", source_id="my-own-id")
    assert (repo / "sources" / "my-own-id" / "records.csv").is_file()
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"], check=True,
                            capture_output=True, text=True).stdout
    assert status == ""


def test_the_repository_tracks_no_sipri_data():
    """What git tracks under sources/ holds no SIPRI import (a checkout may hold ignored ones)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "sources"], check=True,
                             capture_output=True, text=True).stdout.split()
    assert tracked and not [p for p in tracked if "/sipri-" in p]
    import yaml

    for records in (p for p in tracked if p.endswith("records.csv")):  # the open tables' rows are tracked
        meta = yaml.safe_load((REPO / records).with_name("source.yaml").read_text(encoding="utf-8"))
        assert "SIPRI" not in str(meta.get("publisher")) and "Stockholm" not in str(meta.get("publisher")), records
