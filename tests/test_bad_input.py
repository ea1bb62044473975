"""Each kind of bad input is refused with one clear line, a non-zero exit, and earlier outputs intact."""

import csv
import io
import os
import shutil
import subprocess
import time

import pytest
from click.testing import CliRunner

from conftest import EXTERNAL, SEED_CORPUS
from graph.compile.build import OUTPUTS, build, validate
from graph.cli import main
from graph.model.errors import CorpusInvalid

TEXT = "Sylvania received 6 MiG-29 fighters from Russia in May 2021. Later, more came."

GOOD = """\
claims:
  - id: mig-29
    type: transfer
    supplier: Russia
    recipient: Serbia
    system: MiG-29
    quantity: 6
    quote: "received 6 MiG-29 fighters from Russia"
"""


def run(args):
    return CliRunner().invoke(main, args)


def errors_of(result):
    return [line for line in result.output.splitlines() if line.startswith("error:")]


CASES = {
    "malformed YAML": (
        "claims:\n  - id: a\n    type: transfer\n    quote: \"unclosed\n  - id: b\n", 2,
        ["claims.yaml:", "malformed YAML"]),
    "unknown entity": (
        GOOD.replace("supplier: Russia", "supplier: Rusia"), 1,
        ["claims.yaml:4: claim 'mig-29': supplier: unknown actor 'Rusia'; did you mean 'Russia'?"]),
    "bad date": (
        GOOD.replace("quantity: 6", "quantity: 6\n    delivered: 2021-13"), 1,
        ["claim 'mig-29': delivered: bad date '2021-13': month 13 does not exist"]),
    "quote not found": (
        GOOD.replace("received 6 MiG-29", "received 7 MiG-29"), 1,
        ["claims.yaml:8: claim 'mig-29': quote not found in text.txt"]),
    "duplicate claim id": (
        GOOD + GOOD.split("claims:\n", 1)[1].replace("quantity: 6", "quantity: 5"), 1,
        ["claims.yaml:9: claim 'mig-29': duplicate claim id (first at line 2)"]),
    "negative quantity": (
        GOOD.replace("quantity: 6", "quantity: -6"), 1,
        ["claim 'mig-29': quantity: quantity must be a non-negative whole number, not -6"]),
    "SHACL violation": (
        """\
claims:
  - id: vote
    type: vote
    voter: Serbia
    resolution: caatsa
    position: against
    quote: "Later, more came."
""", 1, ["claims.yaml:2: claim 'vote': SHACL: a vote is on one resolution (skg:resolution = "]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_clear_line_and_keeps_outputs(case, make_corpus, tmp_path):
    claims, code, expected = CASES[case]
    corpus = make_corpus(GOOD, text=TEXT)
    out = tmp_path / "out"
    build(corpus, out)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}

    (corpus / "fixture-source" / "claims.yaml").write_text(claims, encoding="utf-8")
    result = run(["build", "-q", "--sources", str(corpus), "--out", str(out)])

    assert result.exit_code == code, result.output
    errors = errors_of(result)
    assert len(errors) == 1, result.output
    for fragment in expected:
        assert fragment in errors[0], errors[0]
    assert "nothing written" in result.output
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("engine", ["compiled", "shacl-rust", "pyshacl"])
def test_every_shacl_engine_reports_the_broken_claim_at_its_line(engine, make_corpus, tmp_path):
    claims, _, expected = CASES["SHACL violation"]
    corpus = make_corpus(claims, text=TEXT)
    with pytest.raises(CorpusInvalid) as err:
        build(corpus, tmp_path / "out", shacl_engine=engine)
    problems = [str(p).replace(str(corpus / "fixture-source") + os.sep, "") for p in err.value.problems]
    assert problems == ["claims.yaml:2: claim 'vote': SHACL: a vote is on one resolution (skg:resolution = "
                        "https://w3id.org/serbia-kg/id/caatsa)"], engine
    assert expected[0] in problems[0]


def test_all_problems_are_reported_in_one_pass(make_corpus):
    claims = GOOD + """\
  - id: b
    type: transfer
    recipient: Serbia
    system: MiG-29
    quote: "not in the text"
  - id: c
    type: exercize
    quote: "Later"
"""
    corpus = make_corpus(claims.replace("supplier: Russia", "supplier: Rusia"), text=TEXT)
    with pytest.raises(CorpusInvalid) as err:
        validate(corpus)
    messages = [str(p) for p in err.value.problems]
    assert len(messages) == 3
    assert "unknown actor 'Rusia'" in messages[0]
    assert "quote not found" in messages[1]
    assert "unknown type 'exercize'" in messages[2]


def test_missing_corpus_is_an_input_error(tmp_path):
    result = run(["validate", "--sources", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert errors_of(result) == [f"error: {tmp_path / 'nowhere'}: no such corpus folder (one folder per source, "
                                 "and registry/): run serbia-kg in the folder that holds sources/, or give the "
                                 "corpus with --sources DIR"]


@pytest.mark.parametrize("rename", ["source.yml", None])
def test_a_source_folder_without_its_source_yaml_is_refused_not_left_out(rename, make_corpus, tmp_path):
    corpus = make_corpus(GOOD, text=TEXT)
    out = tmp_path / "out"
    assert run(["build", "-q", "--no-view", "--sources", str(corpus), "--out", str(out)]).exit_code == 0
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    meta = corpus / "fixture-source" / "source.yaml"
    if rename:
        meta.rename(meta.with_name(rename))
    else:
        meta.unlink()
    for args in (["validate", "-q"], ["build", "-q", "--no-view", "--out", str(out)]):
        result = run([*args, "--sources", str(corpus)])
        assert result.exit_code == 2, result.output
        found = "claims.yaml, source.yml" if rename else "claims.yaml"
        assert errors_of(result) == [
            f"error: {corpus / 'fixture-source'}: a source folder without its source.yaml (it holds {found}): "
            "add source.yaml (docs/sources.md), or move the folder out of the corpus"]
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    # a folder with a text and a draft only is not a source yet: left out as before
    (corpus / "fixture-source" / "claims.yaml").rename(corpus / "fixture-source" / "claims.draft.yaml")
    for extra in corpus.glob("fixture-source/source.*"):
        extra.unlink()
    result = run(["validate", "-q", "--sources", str(corpus)])
    assert result.exit_code == 0 and "valid: 0 source(s)" in result.output


def test_source_id_must_match_folder(make_corpus):
    corpus = make_corpus(GOOD, text=TEXT, source_yaml="id: other\nkind: article\ntitle: T\ntext: text.txt\n")
    result = run(["validate", "-q", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert "source id 'other' differs from its folder name 'fixture-source'" in result.output


#: A source.yaml whose fields are not on its first line; each case breaks one field, and its error names that
#: field's line (they all named line 1 before).
_META = "# a comment first, as generate_corpus.py writes\nid: fixture-source\nkind: article\ntitle: T\n" \
        "issued: 2021-05-01\npublisher: serbia\ntext: text.txt\n"


@pytest.mark.parametrize("old, new, message", [
    ("id: fixture-source", "id: other", "source id 'other' differs from its folder name"),
    ("id: fixture-source", "id: Not_A_Slug", "source id 'Not_A_Slug' must be lower-case"),
    ("kind: article", "kind: rumour", "kind 'rumour' is not one of"),
    ("issued: 2021-05-01", "issued: 2021-13-01", "issued: "),
    ("publisher: serbia", "publisher: nobody-known", "nobody-known"),
    ("text: text.txt", "text: text.txt\ncolour: red", "unknown field(s) colour"),
])
def test_a_source_yaml_error_names_the_line_of_its_field(make_corpus, old, new, message):
    meta = _META.replace(old, new)
    corpus = make_corpus(GOOD, text=TEXT, source_yaml=meta)
    result = run(["validate", "-q", "--sources", str(corpus)])
    assert result.exit_code != 0
    line = meta.splitlines().index(new.splitlines()[-1]) + 1
    [error] = [e for e in errors_of(result) if message in e]
    assert f"source.yaml:{line}:" in error, error


def test_unknown_registry_category_is_refused(make_corpus):
    registry = """\
    actors:
      serbia: {type: State, label: Serbia}
      russia: {type: State, label: Russia}
    systems:
      mig-29: {label: MiG-29, category: fighter-plane}
    """
    corpus = make_corpus(GOOD, text=TEXT, registry=registry)
    result = run(["validate", "-q", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert "system 'mig-29': unknown category 'fighter-plane'" in result.output


@pytest.mark.slow
def test_installed_command_end_to_end(make_corpus, tmp_path):
    if not shutil.which("serbia-kg"):
        pytest.skip("serbia-kg is not installed on PATH")
    corpus = make_corpus(GOOD, text=TEXT)
    ok = subprocess.run(["serbia-kg", "build", "-q", "--sources", str(corpus), "--out", str(tmp_path / "o")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("built 1 source(s), 1 claims")
    (corpus / "fixture-source" / "claims.yaml").write_text(GOOD.replace("Russia\n", "Rusia\n"))
    bad = subprocess.run(["serbia-kg", "validate", "-q", "--sources", str(corpus)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.count("error:") == 1


# --- hostile input (issue 20): each refused with one line naming the file and what is wrong ------

def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\nclaims: []\n"


def _set_text(data):
    def apply(folder):
        (folder / "text.txt").unlink()
        if isinstance(data, bytes):
            (folder / "text.txt").write_bytes(data)
        elif data == "folder":
            (folder / "text.txt").mkdir()
        else:
            os.symlink(data, folder / "text.txt")
    return apply


def _claims(text: str):
    return lambda folder: (folder / "claims.yaml").write_text(text, encoding="utf-8")


def _meta(text: str):
    return lambda folder: (folder / "source.yaml").write_text(text, encoding="utf-8")


def _field(extra: str):
    return _claims(GOOD.replace("quantity: 6", "quantity: 6\n" + extra))


HOSTILE = {
    "Latin-1 text": (_set_text(TEXT.encode("latin-1") + "é".encode("latin-1")), 2,
                     "fixture-source/text.txt: text file 'text.txt' is not UTF-8 (byte 0xe9 at offset 78); "
                     "save it as UTF-8"),
    "binary text": (_set_text(b"\x89PNG\r\n\x1a\n\x00\x00"), 2,
                    "fixture-source/text.txt: text file 'text.txt' is binary (it holds NUL bytes), not text"),
    "text is a folder": (_set_text("folder"), 2, "fixture-source/text.txt: text file 'text.txt' is a folder, not a file"),
    "text links out of the corpus": (_set_text("/etc/passwd"), 2,
                                     "fixture-source/source.yaml:5: text file 'text.txt' lies outside the corpus"),
    "30 February": (_field("    delivered: 2021-02-30"), 1,
                    "claims.yaml:8: claim 'mig-29': delivered: bad date '2021-02-30': day is out of range for month"),
    "year 0": (_field("    delivered: 0000-01-01"), 1,
               "claims.yaml:8: claim 'mig-29': delivered: bad date '0000-01-01': year 0 is out of range"),
    "25:61": (_field("    delivered: 2021-01-01 25:61"), 1,
              "claims.yaml:8: claim 'mig-29': delivered: bad date '2021-01-01 25:61': expected a year"),
    "issued 30 February": (_meta("id: fixture-source\nkind: article\ntitle: T\nissued: 2021-02-30\ntext: text.txt\n"), 1,
                           "source.yaml:4: issued: bad date '2021-02-30': day is out of range for month"),
    "1e999999": (_field("    value: 1e999999\n    currency: USD"), 1,
                 "claims.yaml:8: claim 'mig-29': value: value must be a number of at most 30 digits, not '1e999999'"),
    "NaN": (_field("    value: .nan\n    currency: USD"), 1,
            "claims.yaml:8: claim 'mig-29': value: value must be a finite number, not 'nan'"),
    "400 digits": (_claims(GOOD.replace("quantity: 6", "quantity: " + "9" * 400)), 1,
                   "claims.yaml:7: claim 'mig-29': quantity: quantity must be a whole number of at most 18 digits"),
    "20 MB note": (_field('    note: "' + "x" * 20_000_000 + '"'), 1,
                   "claims.yaml:8: claim 'mig-29': note has 20,000,000 characters; at most 1,000,000 are allowed"),
    "alias bomb": (_claims(_bomb()), 2,
                   "claims.yaml:2: aliases repeat more than 100,000 values (a YAML alias bomb?); write the values out"),
    "recursive alias": (_claims("claims: &c [*c]\n"), 2,
                        "claims.yaml:1: an alias refers to the value that holds it (a recursive YAML structure)"),
    "claims link out of the corpus": (lambda f: ((f / "claims.yaml").unlink(), os.symlink("/etc/hostname", f / "claims.yaml")),
                                      2, "fixture-source/claims.yaml: 'claims.yaml' is a link to /etc/hostname, "
                                      "outside the corpus"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_refused_in_one_line(case, make_corpus, tmp_path):
    setup, code, expected = HOSTILE[case]
    corpus = make_corpus(GOOD, text=TEXT)
    out = tmp_path / "out"
    build(corpus, out)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    setup(corpus / "fixture-source")
    started = time.monotonic()
    result = run(["build", "-q", "--no-view", "--sources", str(corpus), "--out", str(out)])
    assert time.monotonic() - started < 60  # refused, not ground through (the bomb took 61 s and 5.7 GB)
    assert result.exit_code == code, result.output
    errors = errors_of(result)
    assert len(errors) == 1, result.output
    assert expected in errors[0], errors[0]
    assert "Traceback" not in result.output
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before


def test_an_oversized_yaml_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from graph.model import yamlfile
    from graph.model.errors import InputError

    path = tmp_path / "claims.yaml"
    path.write_text(GOOD)
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    with pytest.raises(InputError) as err:
        yamlfile.load(path)
    assert str(err.value) == f"{path}: is {len(GOOD)} bytes; a YAML file may have at most 100"


FORMULA = "=cmd|' /C calc'!A0"


def test_csv_outputs_do_not_carry_spreadsheet_formulas(make_corpus, tmp_path):
    registry = f"""\
    actors:
      serbia: {{type: State, label: Serbia}}
      russia: {{type: State, label: "{FORMULA.replace('"', '')}", aliases: [Russia]}}
    systems:
      mig-29: {{label: "@SUM(1+1)", category: fighter-aircraft, aliases: [MiG-29]}}
    """
    corpus = make_corpus(GOOD.replace("quantity: 6", "quantity: 6\n    note: \"+1-2\""), text=TEXT,
                         registry=registry)
    out = tmp_path / "out"
    build(corpus, out)
    common = ["--sources", str(corpus), "--out", str(out), "--format", "csv"]
    sup = run(["supplies", "--to", "Serbia", *common])
    ties = run(["ties", "Serbia", *common])
    sparql = run(["sparql", *common, "SELECT ?label WHERE { ?x skos:prefLabel ?label } ORDER BY ?label"])
    for res in (sup, ties, sparql):
        assert res.exit_code == 0, res.output
        cells = [c for row in csv.reader(io.StringIO(res.stdout)) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())], cells
    assert f"'{FORMULA}" in sup.stdout and "'@SUM(1+1)" in sup.stdout
    assert f"'{FORMULA}" in ties.stdout
    assert f"'{FORMULA}" in sparql.stdout and "'@SUM(1+1)" in sparql.stdout
    # JSON keeps every value verbatim
    assert FORMULA in run(["supplies", "--to", "Serbia", *common[:-1], "json"]).stdout


def test_a_sign_alone_in_a_csv_cell_is_left_as_it_is():
    from graph.model.cells import defuse_csv, spreadsheet_safe

    # a lone "-" (votes' "agrees" when a side did not vote) is no formula: it was written "'-"
    assert [spreadsheet_safe(c) for c in ("-", "+", "-1.5", "-x", "+1-2", "=1")] == ["-", "+", "-1.5", "'-x", "'+1-2", "'=1"]
    assert defuse_csv("a,b\r\n-,-x\r\n") == "a,b\r\n-,'-x\r\n"


SIPRI_2026 = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"


@pytest.mark.skipif(not SIPRI_2026.is_file(), reason="the SIPRI sample table is not in ../shared")
@pytest.mark.parametrize("tiv,why", [("1e400", "must be a number of at most 30 digits, not '1e400'"),
                                     ("NaN", "must be a finite number, not 'NaN'"),
                                     ("9" * 400, "must be a number of at most 30 digits")])
def test_an_absurd_sipri_tiv_is_refused_at_its_row(tiv, why, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    export = tmp_path / "export.csv"
    raw = SIPRI_2026.read_bytes()
    assert b",20.65,13.63,54.52," in raw
    export.write_bytes(raw.replace(b",20.65,13.63,54.52,", b",20.65,13.63," + tiv.encode() + b",", 1))
    line = raw[:raw.index(b",20.65,13.63,54.52,")].count(b"\n") + 1
    before = sorted(p.name for p in corpus.iterdir())
    result = run(["import", "sipri", str(export), "--sources", str(corpus)])
    assert result.exit_code == 2, result.output
    [error] = errors_of(result)
    assert error.startswith(f"error: {export}:{line}: column 16 (TIV delivery values) {why}"), error
    assert sorted(p.name for p in corpus.iterdir() if p.name != ".serbia-kg.lock") == before
