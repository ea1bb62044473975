"""Every example shown in README.md and docs/*.md is run, and its output compared with what the page shows.

The runner is scripts/readme_examples.py; when an answer changes on purpose, refresh the pages with
``python scripts/readme_examples.py --update`` (and read the diff before committing it).
"""

from __future__ import annotations

import re

import sys
import textwrap

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import readme_examples as rx  # noqa: E402

DOCUMENTS = rx.documents()


@pytest.fixture(scope="module")
def workspace():
    ws = rx.Workspace()
    yield ws
    ws.close()


def _marks(path):
    # README.md runs in the default (fast) run; the docs pages' examples build, import and write views
    return [pytest.mark.slow] if path.name != "README.md" else []


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(REPO)), marks=_marks(p))
                                  for p in DOCUMENTS])
def test_examples_print_what_the_page_shows(path, workspace):
    outcomes = rx.run_file(path, workspace)
    drifted = [o for o in outcomes if o.drifted]
    assert not drifted, "\n".join(o.report() for o in drifted)


def test_readme_opens_with_what_a_newcomer_needs():
    """The first 60 lines hold what it is, the set-up, the tour and where to go next."""
    head = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:60])
    for needle in ("## Set-up", "pip install -e '.[test]'", "serbia-kg build", "pytest",
                   "supplies --to Serbia", "path Serbia Belarus", "ties Vucic", "centrality --top 5",
                   "serbia-kg view", "sparql --list", "## Where to go next"):
        assert needle in head, f"README.md's first 60 lines lack {needle!r}"


def test_docs_links_resolve():
    """Every relative link of README.md and docs/*.md names a file that exists."""
    import re

    missing = []
    for path in DOCUMENTS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not (path.parent / target).exists():
                missing.append(f"{path.relative_to(REPO)}: {target}")
    assert not missing, missing


# --- the runner itself, on small pages whose right answers are known

def _page(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(text), encoding="utf-8")
    return page


def test_a_changed_output_is_caught_and_update_refreshes_it(tmp_path, workspace):
    page = _page(tmp_path, """\
        Intro.

        ```console
        $ serbia-kg centrality --top 2
        rank  actor   type   score  ties
        ----  ------  -----  -----  ----
        1     Serbia  State  99     99
        2     Russia  State  17     17
        $ serbia-kg supplies --to Serbija
        error: unknown actor 'Serbija'; did you mean 'Serbia'?
        $ echo $?
        2
        ```
        """)
    outcomes = rx.run_file(page, workspace)
    assert [o.drifted for o in outcomes] == [[0]]
    report = outcomes[0].report()
    assert "page.md:3: `serbia-kg centrality --top 2`" in report
    now = re.search(r"^\+(1\s+Serbia\s+State\s+(\d+)\s+\2)$", report, flags=re.M)  # the seed's count today
    assert "-1     Serbia  State  99     99" in report and now and now.group(2) != "99"
    assert report.endswith("refresh the documents with: python scripts/readme_examples.py --update")
    assert rx.update(page, outcomes) == 1
    assert now.group(1) in page.read_text(encoding="utf-8")
    assert not any(o.drifted for o in rx.run_file(page, workspace))


def test_paths_and_timings_are_normalised_and_an_ellipsis_stands_for_lines():
    assert rx.matches(["built in 1.5 s, 35 ms a query", "4 MiG-29s"], ["built in 12 s, 2.25 ms a query", "4 MiG-29s"])
    assert not rx.matches(["4 MiG-29s"], ["5 MiG-29s"])
    assert rx.matches(["[", "...", "]"], ["[", "a", "b", "]"])
    assert not rx.matches(["[", "...", "}"], ["[", "a", "]"])
    assert rx.refreshed(["[", "a", "...", "]"], ["[", "x", "y", "z", "]"]) == ["[", "x", "...", "]"]
    assert rx.shown_form("wrote /tmp/x/serbia-kg/out/a.html\n\n", rx.Path("/tmp/x/serbia-kg")) == \
        ["wrote ~/serbia-kg/out/a.html"]


def test_an_sh_block_s_commands_must_succeed(tmp_path, workspace):
    page = _page(tmp_path, """\
        ```sh
        serbia-kg centrality --top 1        # fine
        pip install nothing                 # not ours: not run
        serbia-kg supplies --to Nowhereland # fails
        ```
        """)
    (outcome,) = rx.run_file(page, workspace)
    assert [c.line for c in outcome.block.commands] == ["serbia-kg centrality --top 1",
                                                        "serbia-kg supplies --to Nowhereland"]
    assert outcome.drifted == [1]
    assert "`serbia-kg supplies --to Nowhereland` failed (exit status 2)" in outcome.report()
    assert "unknown actor 'Nowhereland'" in outcome.report()
