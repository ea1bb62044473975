"""Test-run options for the whole checkout (the fixtures live in tests/conftest.py).

``pytest`` runs the fast tests; ``pytest --all`` (what .ci/run does) adds those marked ``slow``,
``server`` (a SPARQL server on loopback) and ``browser`` (Debian's chromium). A ``-m`` expression
of your own (``pytest -m server``) is obeyed as given.
"""

from __future__ import annotations

import pytest

OPTIONAL_MARKS = ("slow", "server", "browser")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--all", action="store_true", dest="run_all",
                     help="also run the tests marked slow, server and browser (as .ci/run does)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("run_all") or config.getoption("markexpr"):
        return
    keep, left_out = [], []
    for item in items:
        (left_out if any(item.get_closest_marker(m) for m in OPTIONAL_MARKS) else keep).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep
        config.stash[_LEFT_OUT] = len(left_out)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    n = config.stash.get(_LEFT_OUT, 0)
    if n:
        terminalreporter.write_line(f"{n} slow, server or browser test(s) left out: `pytest --all` runs them "
                                    "(docs/testing.md says what each needs)")
