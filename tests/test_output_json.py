"""The answers' JSON (graph.present.output.to_json): what every command prints with ``--format json``.

It is JSON that reads back as the same value (orjson writes it), indented, with non-ASCII names as
themselves (not ``\\u`` escapes), and it refuses what JSON has no form for rather than printing its repr.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.ask.questions import KnowledgeGraph
from graph.cli import main
from graph.present.output import to_json


class _Number(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize("value", [
    [], {}, [[]], [{}], "plain", 3, 2.5, None, True, -0.0, 1e300,
    {"a": {"b": [1, {"c": []}]}, "d": ["t", ["u"]]},
    {"é": "\u2028\x00\"\\ Србија", "z": 1, "a": 2},
])
def test_reads_back_as_the_same_value(value):
    text = to_json(value)
    assert json.loads(text) == value
    assert list(json.loads(text)) == list(value) if isinstance(value, dict) else True  # keys in order


def test_indented_and_not_ascii_escaped():
    text = to_json([{"actor": "Србија", "n": _Number.ONE}])
    assert text.splitlines() == ["[", "  {", '    "actor": "Србија",', '    "n": 1', "  }", "]"]


def test_a_path_is_its_text():
    folder = Path("sources") / "sipri-2026"
    assert json.loads(to_json({"folder": folder})) == {"folder": str(folder)}


@pytest.mark.parametrize("bad", [[object()], {(1, 2): 1}, [10**30]])
def test_refuses_what_json_has_no_form_for(bad):
    with pytest.raises(TypeError):
        to_json(bad)


def test_real_answers(seed_out):
    kg = KnowledgeGraph.load(seed_out)
    for answer in (kg.supplies(), kg.supplies(to="Serbia"), kg.centrality("degree", top=5),
                   kg.path("Serbia", "Russia"), kg.facts().edges[:50], kg.dossier("Serbia")):
        assert answer
        assert json.loads(to_json(answer)) == json.loads(json.dumps(answer))


@pytest.mark.parametrize("args", [
    ["ties", "Вучић"], ["supplies", "--to", "Србија"], ["dossier", "Serbia"], ["centrality", "--top", "3"],
])
def test_commands_print_it(seed_out, args):
    """Every command's ``--format json`` is this JSON: it parses, and Cyrillic is printed as itself."""
    result = CliRunner().invoke(main, [*args, "--format", "json", "--out", str(seed_out)])
    assert result.exit_code == 0, result.output
    json.loads(result.output)
    assert "\\u" not in result.output
