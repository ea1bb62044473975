"""The SHACL shapes accept the valid examples and refuse each invalid one for its stated reason."""

from pathlib import Path

import pytest
from rdflib import Graph

from graph import shapes
from graph.resources import ontology_dir

EXAMPLES = ontology_dir() / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))


def test_there_are_examples():
    assert len(VALID) >= 2 and len(INVALID) >= 5


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path: Path):
    assert shapes.check(Graph().parse(path)) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_is_refused_for_its_reason(path: Path):
    expect = next(line.split(":", 1)[1].strip() for line in path.read_text().splitlines()
                  if line.startswith("# expect:"))
    messages = [r.message for r in shapes.check(Graph().parse(path))]
    assert messages, f"{path.name} conforms but should not"
    assert any(expect in m for m in messages), messages
