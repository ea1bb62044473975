"""What a newcomer hit in the first ten minutes (issue 18, item 5): each case gets one clear answer."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from conftest import REPO, SEED_CORPUS
from graph.cli import main
from graph.model.errors import InputError, KGError

QUERY = "SELECT ?s WHERE { ?s a skg:State } ORDER BY ?s LIMIT 2"


def run(*args, input=None, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, env=env)


def test_sparql_file_dash_reads_standard_input(seed_out):
    by_file = run("sparql", "--file", "-", "--out", seed_out, input=QUERY)
    by_arg = run("sparql", "-", "--out", seed_out, input=QUERY)
    assert by_file.exit_code == 0, by_file.output
    assert by_file.output == by_arg.output
    assert by_file.output.splitlines()[2:] == ["ent:albania", "ent:belarus", "(2 rows)"]


def test_sparql_unknown_saved_question_points_to_list(seed_out):
    r = run("sparql", "--saved", "nosuch", "--out", seed_out)
    assert r.exit_code == 2
    assert r.output == ("error: unknown saved query 'nosuch' (`serbia-kg sparql --list` lists the saved "
                        "questions)\n")
    close = run("sparql", "--saved", "membership", "--out", seed_out)
    assert "did you mean 'memberships'?" in close.output and "sparql --list" in close.output


def test_sparql_syntax_error_shows_the_line_and_a_caret(seed_out):
    query = "SELECT ?x\nWHERE {\n  ?x skg:supplier ?y ;\n     skg:recipient\n}\n"
    r = run("sparql", "-", "--out", seed_out, input=query)
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert lines[0].startswith("error: query: syntax error at line 4, column ")
    column = int(lines[0].rsplit(" ", 1)[1].rstrip(":"))
    # the query's own line 4, and a caret under the column the parser names
    assert lines[1] == "  " + query.splitlines()[3].rstrip()
    assert lines[2] == "  " + " " * (column - 1) + "^"
    assert len(lines) == 3  # not the whole query


def test_make_view_given_a_folder_says_what_it_takes(seed_out, tmp_path):
    from graph.present.view import make_view

    with pytest.raises(InputError, match=r"make_view takes the built dataset, not its folder .*open_dataset"):
        make_view(str(seed_out), tmp_path / "page.html")
    with pytest.raises(KGError):
        make_view(seed_out, tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()


def test_view_unknown_focus_fails_before_projecting(seed_out, tmp_path):
    r = run("view", "--data", seed_out, "--out", tmp_path / "v.html", "--focus", "Rusia")
    assert r.exit_code == 2
    assert "error: unknown actor 'Rusia'; did you mean 'Russia'?" in r.output
    assert "projecting the graph" not in r.output
    assert not (tmp_path / "v.html").exists()


def test_view_out_may_name_a_folder(seed_out, tmp_path):
    r = run("view", "-q", "--data", seed_out, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"wrote {tmp_path / 'serbia-kg.html'}: ")
    assert (tmp_path / "serbia-kg.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


class _WantsAnAccount(BaseHTTPRequestHandler):
    """A Graph Store that refuses every request without credentials, as Virtuoso's /sparql-graph-crud-auth does."""

    def _refuse(self):
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_GET = do_DELETE = do_POST = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture
def account_server():
    server = HTTPServer(("127.0.0.1", 0), _WantsAnAccount)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_push_without_an_account_names_the_options(seed_out, account_server):
    r = run("push", "--endpoint", account_server + "/sparql", "--graph-store", account_server + "/store",
            "--out", seed_out, "-q", env={"SERBIA_KG_USER": None, "SERBIA_KG_PASSWORD": None})
    assert r.exit_code == 2
    [line] = r.output.splitlines()  # one line: the graph push stopped at, and what to give
    assert line.startswith("error: push stopped at graph <https://w3id.org/serbia-kg/graph/")
    assert line.endswith(f"PUT {account_server}/store: HTTP 401: the server wants an account: give --user and "
                         "--password (or SERBIA_KG_USER and SERBIA_KG_PASSWORD)")
    wrong = run("push", "--endpoint", account_server + "/sparql", "--graph-store", account_server + "/store",
                "--out", seed_out, "-q", "--user", "dba", "--password", "nope")
    assert "the server refused the account 'dba': check --user and --password" in wrong.output


def test_build_without_sources_mentions_the_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("build")
    assert r.exit_code == 2
    assert r.output == ("error: sources: no such corpus folder (one folder per source, and registry/): run "
                        "serbia-kg in the folder that holds sources/, or give the corpus with --sources DIR\n")
    assert not (tmp_path / "out").exists()


def test_validate_json_on_a_bad_corpus_prints_json(tmp_path):
    import shutil

    corpus = tmp_path / "sources"
    shutil.copytree(REPO / "sources", corpus)
    shutil.copytree(REPO / "tests" / "examples" / "bad-claims" / "sources" / "my-source", corpus / "my-source")
    r = CliRunner().invoke(main, ["validate", "--format", "json", "--sources", str(corpus)])
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == "3 problem(s); nothing written"
    report = json.loads(r.stdout)
    assert report["valid"] is False and report["exit_code"] == 1
    assert [(p["line"], p["claim"]) for p in report["problems"]] == [(8, "mig-29"), (11, "kornet"), (15, "mig-29")]
    assert report["problems"][1]["message"] == "supplier: unknown actor 'Rusia'; did you mean 'Russia'?"
    assert all(p["file"].endswith("my-source/claims.yaml") for p in report["problems"])


@pytest.mark.parametrize("command", [["supplies", "--to", "Serbia"], ["ties", "Serbia"],
                                     ["path", "Serbia", "Russia", "--relation", "participates_in",
                                      "--relation", "part_of"],
                                     ["sparql", "--saved", "single-source-ties"]])
@pytest.mark.parametrize("columns", [80, 100, 120])
def test_tables_fit_the_terminal(seed_out, command, columns):
    out_option = ["--out", str(seed_out)]
    r = run(*command, *out_option, env={"COLUMNS": str(columns)})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) > 2
    assert max(len(line) for line in lines) <= columns, "\n".join(lines)


def test_tables_are_not_cut_when_written_to_a_pipe(seed_out):
    # no COLUMNS and no terminal: lines keep their natural width (cells wrap at 60 only)
    r = run("supplies", "--to", "Serbia", "--out", seed_out, env={"COLUMNS": None})
    assert max(len(line) for line in r.stdout.splitlines()) > 120


def test_dossier_out_naming_a_page_points_to_html(seed_out, tmp_path):
    """The issue's own wording is `dossier ACTOR --out FILE`; --out is the built dataset's folder here, and
    a page name given to it said 'no built dataset in d.html: run serbia-kg build first'."""
    r = run("dossier", "Serbia", "--out", tmp_path / "d.html")
    assert r.exit_code == 2
    assert r.output == (f"error: --out names the built dataset's folder, not the page: write the page with "
                        f"--html {tmp_path / 'd.html'}\n")
    assert not (tmp_path / "d.html").exists()


def _installed_command(*args, cwd):
    """The ``serbia-kg`` entry point as setup.cfg installs it (``graph.cli:run``), in a process of its own."""
    return subprocess.run([sys.executable, "-c", "from graph.cli import run; run()", *args],
                          capture_output=True, text=True, cwd=cwd)


def test_the_installed_command_ends_quickly_with_its_status_and_all_its_output(seed_out, tmp_path):
    """``run`` ends the process with os._exit once the streams are flushed: what a pipe reads is whole,
    and the status is the command's (0 answered, 1 a check failed, 2 bad usage)."""
    listed = _installed_command("sparql", "--list", "--out", str(seed_out), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == CliRunner().invoke(main, ["sparql", "--list", "--out", str(seed_out)]).output
    built = _installed_command("build", "--sources", str(SEED_CORPUS), "--out", str(tmp_path / "out"), "--no-view",
                               cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[-1].startswith("built 1 source(s)")
    assert (tmp_path / "out" / "serbia-kg.nq").is_file()
    usage = _installed_command("supplies", "--no-such-option", cwd=tmp_path)
    assert usage.returncode == 2 and "No such option" in usage.stderr
    missing = _installed_command("validate", "--sources", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode != 0 and "nowhere" in missing.stderr
