"""The answers' JSON (graph.present.output.to_json) is the text json.dumps(indent=1) writes, character for character."""

from __future__ import annotations

import enum
import json

import pytest

from graph.ask.questions import KnowledgeGraph
from graph.present.output import to_json


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


class _Text(str):
    pass


class _Number(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize("value", [
    [], {}, [[]], [{}], "plain", 3, 2.5, None, True,
    {"a": {"b": [1, {"c": []}]}, "d": ("t", ["u"])},
    {2: "x", 1.5: "y", True: 1, False: 0, None: 2, "é": "\u2028\x00\"\\ Србија"},
    [1e300, float("nan"), float("inf"), float("-inf"), -0.0, 10**30, True, False, None],
    [_Text("a text of a str subclass"), _Number.ONE, {_Text("k"): _Number.ONE}],
])
def test_the_same_text_as_json_dumps(value):
    assert to_json(value) == _dumps(value)


def test_what_json_refuses_it_refuses_alike():
    for bad, error in (([object()], TypeError), ({(1, 2): 1}, TypeError)):
        with pytest.raises(error) as ours:
            to_json(bad)
        with pytest.raises(error) as theirs:
            _dumps(bad)
        assert str(ours.value) == str(theirs.value)
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        to_json(loop)


def test_real_answers(seed_out):
    kg = KnowledgeGraph.load(seed_out)
    for answer in (kg.supplies(), kg.supplies(to="Serbia"), kg.centrality("degree", top=5),
                   kg.path("Serbia", "Russia"), kg.facts().edges[:50]):
        assert answer
        assert to_json(answer) == _dumps(answer)
