"""The question commands (supplies, path, centrality, ties) through click, in every format, and end to end."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from graph.cli import main
from conftest import REPO, SEED_CORPUS


@pytest.fixture(scope="module")
def run(seed_out):
    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--sources", str(SEED_CORPUS), "--out", str(seed_out)])
    return invoke


def test_supplies_json_fields(run):
    result = run("supplies", "--to", "Serbia", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"supplier", "recipient", "system", "category", "quantity", "date", "status", "sources"} <= set(rows[0])
    assert {(r["supplier"], r["quantity"]) for r in rows if r["system"] == "MiG-29"} == {("Russia", 6), ("Belarus", 4)}
    for r in rows:
        assert r["sources"] and all({"source", "title", "quote"} <= set(s) and s["quote"] for s in r["sources"])


def test_supplies_table_and_csv(run):
    table = run("supplies", "--to", "Serbia", "--from", "China")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["supplier", "recipient", "system", "category"]
    assert "air-defence system" in table.stdout and "armed drone" in table.stdout
    assert "“Belgrade has purchased an air-defense system" in table.stdout
    rows = list(csv.DictReader(io.StringIO(run("supplies", "--to", "Serbia", "--format", "csv").stdout)))
    assert len(rows) == 8 and all(r["quotes"] and r["source_ids"] for r in rows)
    belarus, = [r for r in rows if r["supplier"] == "Belarus"]
    assert (belarus["system"], belarus["quantity"]) == ("MiG-29", "4")


def test_supplies_unknown_supplier_shown_plainly(run):
    result = run("supplies", "--to", "Croatia")
    assert "(not named)" in result.stdout
    assert json.loads(run("supplies", "--to", "Croatia", "--format", "json").stdout)[0]["supplier"] is None


def test_supplies_empty_result(run):
    result = run("supplies", "--to", "Montenegro")
    assert result.exit_code == 0 and result.stdout == "" and "no transfers match" in result.stderr
    assert json.loads(run("supplies", "--to", "Montenegro", "--format", "json").stdout) == []


def test_unknown_name_one_line_exit_2(run):
    result = run("supplies", "--to", "Serbija")
    assert result.exit_code == 2
    assert result.stderr == "error: unknown actor 'Serbija'; did you mean 'Serbia'?\n"
    assert run("ties", "Nobody At All").exit_code == 2


def test_names_written_in_cyrillic_answer(run):
    ties = run("ties", "Вучић", "--format", "json")
    assert ties.exit_code == 0 and json.loads(ties.stdout) == json.loads(run("ties", "Vučić", "--format", "json").stdout)
    assert json.loads(ties.stdout)["actor"] == "Aleksandar Vučić"
    rows = run("supplies", "--to", "Србија", "--format", "json")
    assert rows.exit_code == 0 and json.loads(rows.stdout) == json.loads(run("supplies", "--to", "Serbia", "--format",
                                                                                "json").stdout) != []


def test_bad_date_and_relation_exit_2(run):
    result = run("supplies", "--as-of", "2021-13")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "month 13" in result.stderr
    result = run("centrality", "--relation", "sells")
    assert result.exit_code == 2 and "unknown relation(s) sells" in result.stderr


def test_path_table_names_the_mig29(run):
    result = run("path", "Serbia", "Belarus")
    assert result.exit_code == 0, result.output
    assert "Belarus supplies Serbia: MiG-29, 4" in result.stdout and "←" in result.stdout
    chains = json.loads(run("path", "Serbia", "Belarus", "--format", "json").stdout)
    hop, = chains[0]["hops"]
    assert (hop["relation"], hop["direction"]) == ("supplies", "backward") and hop["sources"][0]["quote"]
    rows = list(csv.DictReader(io.StringIO(run("path", "Serbia", "Belarus", "--format", "csv").stdout)))
    assert rows[0]["relation"] == "supplies" and "MiG-29" in rows[0]["quotes"]


def test_path_all_and_relations(run):
    result = run("path", "Serbia", "Russia", "--relation", "participates_in", "--relation", "part_of", "--all",
                 "--format", "json")
    chains = json.loads(result.stdout)
    assert len(chains) == 2 and all(c["length"] == 4 for c in chains)


def test_no_path_exit_1(run):
    result = run("path", "Serbia", "GMF")
    assert result.exit_code == 1
    assert result.stderr == "error: no connection between Serbia and German Marshall Fund of the United States\n"
    result = run("path", "Belarus", "Turkey", "--max-hops", "1")
    assert result.exit_code == 1 and "within 1 hop" in result.stderr


def test_centrality_formats(run):
    result = run("centrality", "--top", "2")
    assert result.exit_code == 0
    assert [line.split()[1] for line in result.stdout.splitlines()[2:]] == ["Serbia", "Russia"]
    rows = json.loads(run("centrality", "--measure", "pagerank", "--format", "json").stdout)
    assert {"actor", "score"} <= set(rows[0]) and rows[0]["actor"] == "Serbia" and len(rows) == 10
    rows = list(csv.DictReader(io.StringIO(run("centrality", "--measure", "betweenness", "--format", "csv").stdout)))
    assert rows[0]["actor"] == "Serbia" and float(rows[0]["score"]) > 0


@pytest.mark.parametrize("measure", ["degree", "pagerank", "betweenness", "eigenvector"])
def test_centrality_with_no_tie_to_rank_says_so_and_lists_no_actor(run, seed_store, measure):
    # no sanction is dated by 2000: every actor scored 0 was listed before, in the registry's order
    result = run("centrality", "--relation", "sanctions", "--as-of", "2000", "--measure", measure)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "no actors to rank\n"
    for store in ([], ["--store", str(seed_store)]):
        assert json.loads(run("centrality", "--relation", "sanctions", "--as-of", "2000", "--measure", measure,
                              "--format", "json", *store).stdout) == []
    ranked = json.loads(run("centrality", "--relation", "sanctions", "--measure", measure, "--format", "json").stdout)
    assert ranked and ranked[0]["score"] > 0


def test_csv_rows_carry_the_ids_json_gives(run):
    # a supplies row's fact (to join with the export's edges) and an actor's id were in JSON only
    facts = [r["fact"] for r in json.loads(run("supplies", "--to", "Serbia", "--format", "json").stdout)]
    rows = list(csv.DictReader(io.StringIO(run("supplies", "--to", "Serbia", "--format", "csv").stdout)))
    assert facts and [r["fact"] for r in rows] == facts
    ranked = json.loads(run("centrality", "--top", "3", "--format", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(run("centrality", "--top", "3", "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == [r["id"] for r in ranked] == ["serbia", "russia", rows[2]["id"]]


def test_ties_formats(run):
    result = run("ties", "Vucic")
    assert result.exit_code == 0
    assert result.stdout.count("states_about") == 3 and "steel" in result.stdout
    answer = json.loads(run("ties", "vučić", "--format", "json").stdout)
    assert answer["actor"] == "Aleksandar Vučić" and len(answer["relations"]["states_about"]) == 3
    rows = list(csv.DictReader(io.StringIO(run("ties", "Serbia", "--format", "csv").stdout)))
    assert rows and all(r["source_ids"] for r in rows)


def test_a_transfer_in_words_says_delivered_once(run):
    # the seed's T-72s: 30 delivered; the status word was said again after the number
    result = run("ties", "Russia", "--relation", "supplies")
    assert result.exit_code == 0, result.output
    said = [line for line in result.stdout.splitlines() if "Russia supplies Serbia: T-72" in line]
    assert said and all("T-72, delivered 30 " in line + " " and "delivered 30, delivered" not in line for line in said)
    assert "Russia supplies Serbia: Pantsir S1, delivered" in result.stdout  # a status with no number is said


def test_a_window_that_ends_before_it_begins_is_refused_as_the_dossier_refuses_it(run, seed_out, tmp_path):
    said = "error: --since 2025 is after --until 2019\n"
    result = run("supplies", "--since", "2025", "--until", "2019")
    assert result.exit_code == 2 and result.stderr == said, result.output  # (it said: no transfers match)
    result = CliRunner().invoke(main, ["view", "--data", str(seed_out), "--sources", str(SEED_CORPUS), "--out",
                                       str(tmp_path / "v.html"), "--since", "2025", "--until", "2019"])
    assert result.exit_code == 2 and result.stderr.endswith(said) and not (tmp_path / "v.html").exists()
    assert run("dossier", "Serbia", "--since", "2025", "--until", "2019").stderr == said
    assert run("supplies", "--since", "2019", "--until", "2019-01").exit_code == 0  # one month of one year


def test_votes_take_as_of_as_the_other_questions_do(run):
    # --as-of was accepted and left unused: every vote, and a date that is none, exit 0
    every = json.loads(run("votes", "--actor", "Serbia", "--format", "json").stdout)["resolutions"]
    then = json.loads(run("votes", "--actor", "Serbia", "--as-of", "2014", "--format", "json").stdout)["resolutions"]
    assert every and len(then) < len(every) and all(r["date"] <= "2014-12-31" for r in then)
    result = run("votes", "--actor", "Serbia", "--as-of", "notadate")
    assert result.exit_code == 2 and result.stderr.startswith("error: bad date 'notadate'")


def test_as_of_on_the_command_line(run):
    result = run("supplies", "--to", "Serbia", "--as-of", "2021")
    assert result.exit_code == 0 and "no transfers match" in result.stderr


def test_not_built(tmp_path):
    result = CliRunner().invoke(main, ["centrality", "--sources", str(SEED_CORPUS), "--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no built dataset in" in result.stderr and "run 'serbia-kg build' first" in result.stderr


@pytest.mark.slow
def test_end_to_end_installed_command_and_script(seed_out, tmp_path):
    exe = shutil.which("serbia-kg")
    assert exe, "serbia-kg is not installed"
    done = subprocess.run([exe, "path", "Serbia", "Belarus", "--out", str(seed_out), "--format", "json"],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)[0]["hops"][0]["relation"] == "supplies"
    script = subprocess.run([sys.executable, str(REPO / "scripts" / "supplies_by_year.py")], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert script.stdout.startswith("Who supplies Serbia, by supplier and year")
    assert "Belarus" in script.stdout and "4 × MiG-29" in script.stdout
