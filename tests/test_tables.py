"""Declarative table mappings: each shipped mapping on its real table and on a malformed copy, the
open tables in the default corpus (votes, series, alignment from several measurers), and SIPRI's
military expenditure imported from ../shared, never committed."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DEFAULT_CORPUS, EXTERNAL, REPO
from graph.ask.questions import KnowledgeGraph
from graph.cli import main
from graph.compile.build import build, compile_corpus
from graph.importers.tables import import_table, load_mapping, shipped_mappings
from graph.model import yamlfile
from graph.model.errors import InputError, KGError

#: Each shipped mapping, its table in ../shared, and whether its data is committed in sources/.
TABLES = {
    "unga-es11-1-votes": ("unga_es11_1_votes/unga_es11_1_2022-03-02_votes.csv", True),
    "unga-votes-serbia-compiled": ("unga_votes_serbia_compiled/serbia_unga_ukraine_votes.csv", True),
    "eu-cfsp-alignment-serbia": ("eu_cfsp_alignment_serbia/cfsp_alignment_serbia.csv", True),
    "worldbank-wdi-serbia-military": ("worldbank_wdi_serbia_military/wdi_serbia_MS_MIL.csv", True),
    "sipri-milex-constant-usd": ("sipri_milex_serbia/sipri_milex_data_serbia_russia_croatia.csv", False),
    "sipri-milex-share-of-gdp": ("sipri_milex_serbia/sipri_milex_gdp_data_serbia_russia_croatia.csv", False),
}


def table_file(name: str) -> Path:
    path = EXTERNAL / TABLES[name][0]
    if not path.is_file():
        pytest.skip(f"{path} not found (CI has ../shared beside the checkout)")
    return path


@pytest.fixture
def bare_corpus(tmp_path) -> Path:
    """A corpus holding only the base registry (entities.yaml): a mapping must bring what it needs."""
    corpus = tmp_path / "corpus"
    (corpus / "registry").mkdir(parents=True)
    shutil.copy(DEFAULT_CORPUS / "registry" / "entities.yaml", corpus / "registry")
    return corpus


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_table_has_a_shipped_mapping():
    assert sorted(shipped_mappings()) == sorted(TABLES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TABLES))
def test_mapping_imports_its_real_table(name, bare_corpus):
    path = table_file(name)
    result = import_table(name, path, bare_corpus)
    folder = bare_corpus / result.source_id
    # the rows stored verbatim: records.csv is the file, byte for byte
    assert result.verbatim and (folder / "records.csv").read_bytes() == path.read_bytes()
    meta = yamlfile.load(folder / "source.yaml")
    assert meta["dataset"]["sha256"] and meta["dataset"]["importer"] == "table" and meta["rights"]
    # every claim quotes whole rows of the table, and names their lines
    lines = path.read_text(encoding="utf-8").splitlines()
    claims = yamlfile.load(folder / "claims.yaml")["claims"]
    assert len(claims) == result.claims > 0
    for c in claims:
        assert c["quote"].split("\n") == [lines[n - 1] for n in c["rows"]]
    # and the corpus compiles (quotes located, names resolved, SHACL not needed here)
    comp = compile_corpus(bare_corpus)
    assert len(comp.claims) == result.claims


def _break(name: str, text: str) -> tuple[str, int, str]:
    """A malformed copy of each table: (text, the line broken, the column the error must name)."""
    lines = text.splitlines(keepends=True)
    if name == "unga-es11-1-votes":
        lines[116] = lines[116].replace("IN FAVOR", "IN FAVOUR")  # Serbia's row, a value the map lacks
        return "".join(lines), 117, "vote"
    if name == "unga-votes-serbia-compiled":
        lines[2] = lines[2].replace("2022-03-02", "2022-13-02", 1)  # no 13th month
        return "".join(lines), 3, "date"
    if name == "eu-cfsp-alignment-serbia":
        lines[7] = lines[7].replace(",year,62,", ",year,620,", 1)  # not a percentage
        return "".join(lines), 8, "alignment_pct"
    if name == "worldbank-wdi-serbia-military":
        lines[1] = lines[1].replace(",32000,", ",32 000,", 1)  # not a number
        return "".join(lines), 2, "value"
    lines[2] = lines[2].replace("1194.2", "1,194.2") if "1194.2" in lines[2] else lines[2].replace("0.03511", "n/a")
    return "".join(lines), 3, None  # a cell more than the header (or a value that is no number)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_malformed_copy_is_refused_with_file_line_and_column_and_nothing_written(name, bare_corpus, tmp_path):
    text, line, column = _break(name, table_file(name).read_text(encoding="utf-8"))
    bad = tmp_path / f"bad-{name}.csv"
    bad.write_text(text, encoding="utf-8")
    before = snapshot(bare_corpus)
    with pytest.raises(InputError) as info:
        import_table(name, bad, bare_corpus)
    err = info.value
    assert err.file == str(bad) and err.line == line, str(err)
    if column:
        assert f"column '{column}'" in err.message, err.message
    assert snapshot(bare_corpus) == before
    assert not [p for p in bare_corpus.iterdir() if p.name.startswith(".")]  # no staging left behind
    # the command prints one line naming the file, the line and the column; exit status 2
    result = CliRunner().invoke(main, ["import", "table", "--mapping", name, str(bad), "--sources", str(bare_corpus)])
    assert result.exit_code == 2
    [message] = [ln for ln in result.output.splitlines() if ln.startswith("error")]
    assert message.startswith(f"error: {bad}:{line}: ")
    assert snapshot(bare_corpus) == before


def test_bad_mapping_names_the_mapping_file_and_line(tmp_path, bare_corpus):
    shipped = shipped_mappings()["unga-es11-1-votes"]
    text = shipped.read_text(encoding="utf-8").replace("column: vote", "column: votes")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "position:" in ln)
    with pytest.raises(InputError) as info:
        load_mapping(bad)
    assert info.value.file == str(bad) and info.value.line == line
    assert "unknown column 'votes'" in info.value.message
    # an unknown field of the claim type
    bad.write_text(shipped.read_text(encoding="utf-8").replace("      totals:", "      tally:"), encoding="utf-8")
    with pytest.raises(InputError, match="a vote has no field 'tally'"):
        load_mapping(bad)
    # YAML's yes/no keys are booleans: a map must quote them
    bad.write_text(shipped.read_text(encoding="utf-8").replace("IN FAVOR: in-favour", "yes: in-favour"),
                   encoding="utf-8")
    with pytest.raises(InputError, match="quote it"):
        load_mapping(bad)


def test_reimport_replaces_and_never_overwrites_another_source(bare_corpus):
    path = table_file("eu-cfsp-alignment-serbia")
    first = import_table("eu-cfsp-alignment-serbia", path, bare_corpus)
    again = import_table("eu-cfsp-alignment-serbia", path, bare_corpus)
    assert not first.replaced and again.replaced and again.claims == first.claims
    seed = bare_corpus / "someone"
    seed.mkdir()
    (seed / "source.yaml").write_text("id: someone\nkind: article\ntitle: t\ntext: text.txt\n", encoding="utf-8")
    with pytest.raises(InputError, match="not written by a table import"):
        import_table("eu-cfsp-alignment-serbia", path, bare_corpus, source_id="someone")


def test_a_constant_naming_no_entity_names_the_mapping_line_and_writes_nothing(bare_corpus, tmp_path):
    text = shipped_mappings()["eu-cfsp-alignment-serbia"].read_text(encoding="utf-8")
    bad = tmp_path / "m.yaml"
    bad.write_text(text.replace("aligned_with: european-union", "aligned_with: atlantis"), encoding="utf-8")
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "aligned_with:" in ln)
    before = snapshot(bare_corpus)
    with pytest.raises(InputError) as info:
        import_table(bad, table_file("eu-cfsp-alignment-serbia"), bare_corpus)
    assert (info.value.file, info.value.line) == (str(bad), line) and "unknown actor 'atlantis'" in info.value.message
    assert snapshot(bare_corpus) == before


# --- the default corpus: the open tables are committed and answer -------------------------------------

def test_open_tables_are_in_the_default_corpus_and_sipri_is_not():
    for name, (rel, committed) in TABLES.items():
        source_id = load_mapping(shipped_mappings()[name]).source["id"]
        assert (DEFAULT_CORPUS / source_id / "source.yaml").is_file() is committed, name
    tracked = subprocess.run(["git", "ls-files", "sources"], cwd=REPO, capture_output=True, text=True).stdout
    if tracked:  # a git checkout: nothing of SIPRI's military expenditure is tracked
        assert "sipri-milex" not in tracked


@pytest.fixture(scope="session")
def default_kg(default_compilation):
    return KnowledgeGraph(default_compilation.dataset)


def test_es11_1_every_state_as_the_un_recorded(default_kg):
    """141 in favour, 5 against, 35 abstaining: the United Kingdom's four rows are one vote."""
    ds = default_kg.data
    q = """SELECT ?voter ?pos WHERE { ?v a skg:Vote ; skg:resolution ent:a-res-es-11-1 ; skg:voter ?voter ;
             skg:votePosition ?pos ; prov:wasDerivedFrom src:unga-es11-1-2022-03-02-votes }"""
    rows = list(ds.query(q))
    voters = Counter(str(r.voter) for r in rows)
    assert max(voters.values()) == 1  # one vote per state
    counts = Counter(str(r.pos).rsplit("/", 1)[-1] for r in rows)
    assert counts == {"in-favour": 141, "against": 5, "abstention": 35}
    uk = default_kg.votes("United Kingdom")["resolutions"]
    [es] = [x for x in uk if x["resolution_id"] == "a-res-es-11-1"]
    [vote] = es["votes"].values()
    assert vote["position"] == "in-favour"
    [evidence] = vote["evidence"]
    assert evidence["quote"].split("\n") == ["England,IN FAVOR", "Northern Ireland,IN FAVOR", "Wales,IN FAVOR",
                                             "Scotland,IN FAVOR"]


def test_a_row_is_quoted_where_it_is_not_inside_another(default_compilation):
    """'Sudan,ABSTENTION' is also the end of 'South Sudan,ABSTENTION' two lines above: the selector
    points at Sudan's own line."""
    folder = DEFAULT_CORPUS / "unga-es11-1-2022-03-02-votes"
    records = (folder / "records.csv").read_text(encoding="utf-8")
    ds = default_compilation.dataset
    q = """PREFIX oa: <http://www.w3.org/ns/oa#>
           SELECT ?start WHERE { ?c skg:claimId "sudan-a-res-es-11-1" ; skg:evidence ?e . ?e oa:hasSelector ?s .
             ?s oa:start ?start }"""
    [(start,)] = list(ds.query(q))
    assert records[int(start) - 1] == "\n" and records[int(start):].startswith("Sudan,ABSTENTION")


def test_votes_compare_each_resolution_with_evidence(default_kg):
    answer = default_kg.votes("Serbia", ["Russia", "United States"])
    by_id = {x["resolution_id"]: x for x in answer["resolutions"]}
    es = by_id["a-res-es-11-1"]
    assert es["votes"]["Serbia"]["position"] == "in-favour" and es["votes"]["Russia"]["position"] == "against"
    assert es["agree"] == {"Russia": False, "United States": True}
    russia = es["votes"]["Russia"]["evidence"]
    assert [(e["source"], e["quote"], e["cells"]) for e in russia] == [
        ("unga-es11-1-2022-03-02-votes", "Russia,AGAINST", {"NAME_EN": "Russia", "vote": "AGAINST"})]
    # Serbia's ES-11/1 vote rests on two sources: the UN table and the compiled table
    assert {e["source"] for e in es["votes"]["Serbia"]["evidence"]} == {
        "unga-es11-1-2022-03-02-votes", "unga-votes-serbia-compiled"}
    # the rates count only resolutions where both cast a vote
    assert answer["agreement"]["Russia"] == {"compared": 1, "agreed": 0, "rate": 0.0}
    assert answer["agreement"]["United States"]["compared"] == 2  # ES-11/1 and the article's Crimea vote
    # the compiled table's 2014 row: Serbia did not vote, so not compared
    assert by_id["a-res-68-262"]["votes"]["Serbia"]["position"] == "non-voting"


def test_votes_command(default_out):
    runner = CliRunner()
    result = runner.invoke(main, ["votes", "--actor", "Serbia", "--compare", "Russia", "--out", str(default_out),
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["compare"] == ["Russia"] and len(answer["resolutions"]) >= 7
    table = runner.invoke(main, ["votes", "--actor", "Serbia", "--compare", "Russia", "--out", str(default_out)])
    assert "“Russia,AGAINST” (unga-es11-1-2022-03-02-votes, line 149)" in table.output
    assert "voted alike on 0 of 1 resolutions" in table.output
    unknown = runner.invoke(main, ["votes", "--actor", "Serbia", "--compare", "Atlantis", "--out", str(default_out)])
    assert unknown.exit_code == 2 and "unknown actor 'Atlantis'" in unknown.output


def _wdi_row(code: str) -> dict[str, str]:
    with open(table_file("worldbank-wdi-serbia-military"), encoding="utf-8", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["Indicator Code"] == code)


def test_series_gives_the_world_banks_yearly_values(default_kg):
    row = _wdi_row("MS.MIL.TOTL.P1")
    want = {y: int(v) for y, v in row.items() if y.isdigit() and v}
    got = default_kg.series("Serbia", "armed-forces-personnel")
    assert {r["period"]: r["value"] for r in got} == want and len(got) == len(want)
    assert all(r["source"] == "worldbank-wdi-serbia-military" and r["cell"] == row[r["period"]] for r in got)
    assert default_kg.series("Serbia", "Armed forces personnel") == got  # by label too
    with pytest.raises(KGError, match="unknown indicator 'tanks'"):
        default_kg.series("Serbia", "tanks")


def test_series_command_csv(default_out):
    result = CliRunner().invoke(main, ["series", "--actor", "Serbia", "--indicator", "arms-imports-tiv",
                                       "--out", str(default_out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.output.splitlines()))
    want = {y: v for y, v in _wdi_row("MS.MIL.MPRT.KD").items() if y.isdigit() and v}
    assert {r["period"]: r["value"] for r in rows} == want


def test_alignment_keeps_measurer_and_reporter_and_conflicts_show_both(default_kg, default_out):
    rates = [r for r in default_kg.alignment("Serbia") if r["start"] == "2021-01-01" and r["end"] == "2021-12-31"]
    by_value = {r["percentage"]: r for r in rates}
    assert by_value[62]["measured_by"] == "ISAC Fund" and "isac-fund.org" in by_value[62]["reported_in"][0]
    assert by_value[64]["measured_by"] == "European Commission" and "thegeopost.com" in by_value[64]["reported_in"][0]
    [c2021] = [c for c in default_kg.alignment_conflicts() if c["start"] == "2021-01-01" and c["end"] == "2021-12-31"]
    sides = {s["value"]: s["measured_by"] for s in c2021["sides"]}
    assert sides["62 %"] == "ISAC Fund" and sides["64 %"] == "European Commission"
    result = CliRunner().invoke(main, ["conflicts", "--out", str(default_out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    values = [r["value"] for r in csv.DictReader(result.output.splitlines()) if r.get("field") == "alignment rate"]
    assert "62 % (measured by ISAC Fund; reported in www.isac-fund.org)" in values
    assert "64 % (measured by European Commission; reported in thegeopost.com)" in values


def test_the_api_lists_the_conflicts_the_command_lists(default_kg, default_out):
    result = CliRunner().invoke(main, ["conflicts", "--out", str(default_out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(json.dumps(default_kg.conflicts())) != []
    assert {c["about"] for c in default_kg.conflicts()} >= {"alignment"}


def test_a_compiled_rate_is_known_from_the_day_it_was_reported(default_kg):
    # the compiled table has no issue date of its own; its 2012 rate was reported on 2021-07-29 (reported_on):
    # --as-of 2020 showed it
    def dates(as_of):
        return {r["date"] for r in default_kg.ties("Serbia", relations=["aligned_with"], as_of=as_of)["relations"]
                .get("aligned_with", [])}
    assert "2012-01-01" in dates(None) and "2012-01-01" in dates("2021-08")
    assert "2012-01-01" not in dates("2020") and dates("2020")


def test_one_measurer_s_two_rates_are_a_conflict_two_measurers_rates_are_not(default_kg, tmp_path):
    # 2021: the Commission's 61 % (the GMF article) and 64 % (thegeopost.com), ISAC's 62 %
    [c2021] = [c for c in default_kg.alignment_conflicts() if c["start"] == "2021-01-01" and c["end"] == "2021-12-31"]
    assert c2021["kind"] == "conflict"  # it was "measurers differ": not an error of either
    # without the article, the Commission's 64 % and ISAC's 62 %: measurers differ
    corpus = tmp_path / "sources"
    shutil.copytree(DEFAULT_CORPUS, corpus, ignore=shutil.ignore_patterns("gmf-*"))
    build(corpus, tmp_path / "out")
    [c2021] = [c for c in KnowledgeGraph.load(tmp_path / "out").alignment_conflicts()
               if c["start"] == "2021-01-01" and c["end"] == "2021-12-31"]
    assert c2021["kind"] == "measurers differ"
    assert {(s["value"], s["measured_by"]) for s in c2021["sides"]} == {("62 %", "ISAC Fund"),
                                                                         ("64 %", "European Commission")}


@pytest.mark.slow
def test_sipri_milex_imports_from_shared_into_a_corpus_beside_the_repository(tmp_path):
    corpus = tmp_path / "sources"
    shutil.copytree(DEFAULT_CORPUS, corpus)
    result = CliRunner().invoke(main, ["import", "table", "--mapping", "sipri-milex-constant-usd",
                                       str(table_file("sipri-milex-constant-usd")), "--sources", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "bring your own" in result.output
    folder = corpus / "sipri-milex-constant-usd"
    assert (folder / ".gitignore").read_text().endswith("\n*\n")  # git never picks it up
    # the committed registry/.gitignore ignores it already: git's files as they were (it was changed per import)
    assert (corpus / "registry" / ".gitignore").read_bytes() == (DEFAULT_CORPUS / "registry" / ".gitignore").read_bytes()
    subprocess.run(["git", "init", "-q", str(corpus)], check=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", "registry/table-sipri-milex-constant-usd.yaml"],
                             cwd=corpus, capture_output=True)
    assert ignored.returncode == 0, ignored.stderr
    # a table imported under an id of the user's own: its registry file's name added, once
    from graph.importers.staging import registry_gitignore

    assert registry_gitignore(corpus / "registry", "table-sipri-milex-constant-usd.yaml") is None
    assert registry_gitignore(corpus / "registry", "sipri-arms.yaml") is None
    assert registry_gitignore(corpus / "registry", "table-my-milex.yaml").endswith("\ntable-my-milex.yaml\n")
    build(corpus, tmp_path / "out")
    kg = KnowledgeGraph.load(tmp_path / "out")
    with open(table_file("sipri-milex-constant-usd"), encoding="utf-8", newline="") as fh:
        serbia = next(r for r in csv.DictReader(fh) if r["Country"] == "Serbia")
    want = {y: float(v) for y, v in serbia.items() if y.isdigit() and v != "..."}
    got = {r["period"]: float(r["value"]) for r in kg.series("Serbia", "military-expenditure")}
    assert got == want
