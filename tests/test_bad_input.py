"""Each kind of bad input is refused with one clear line, a non-zero exit, and earlier outputs intact."""

import shutil
import subprocess

import pytest
from click.testing import CliRunner

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


def test_source_id_must_match_folder(make_corpus):
    corpus = make_corpus(GOOD, text=TEXT, source_yaml="id: other\nkind: article\ntitle: T\ntext: text.txt\n")
    result = run(["validate", "-q", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert "source id 'other' differs from its folder name 'fixture-source'" in result.output


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
