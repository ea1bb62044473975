"""The SHACL shapes accept the valid examples and refuse each invalid one for its stated reason."""

from pathlib import Path

import pytest
from rdflib import Graph

from graph.compile import shapes
from graph.model.resources import ontology_dir

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


# --- the engines agree ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.stem)
def test_every_engine_gives_the_same_violations_on_every_example(path: Path):
    g = Graph().parse(path)
    reference = shapes.check(g, engine="pyshacl")
    assert (path in INVALID) == bool(reference)
    for engine in shapes.ENGINES:
        assert shapes.check(g, engine=engine) == reference, engine


def test_the_engines_are_those_the_command_offers():
    from graph import cli

    option = next(p for p in cli.validate.params if p.name == "shacl_engine")
    assert list(option.type.choices) == list(shapes.ENGINES) and option.default == shapes.DEFAULT_ENGINE


def _faults(lines: list[str]) -> dict[str, list[str]]:
    """The seed's triples with one fault each: what the compiler never writes, but a hand edit could."""
    def drop(pred):
        i = next(i for i, t in enumerate(lines) if f"#{pred}>" in t.split(" ")[1])
        return lines[:i] + lines[i + 1:]

    def replace(pred, new_object):
        i = next(i for i, t in enumerate(lines) if f"#{pred}>" in t.split(" ")[1])
        s, p, _ = lines[i].split(" ", 2)
        return lines[:i] + [f"{s} {p} {new_object}"] + lines[i + 1:]

    xsd = "http://www.w3.org/2001/XMLSchema#"
    return {
        "no recipient": drop("recipient"),
        "no source": drop("wasDerivedFrom"),
        "two sources": lines + [next(t for t in lines if "#wasDerivedFrom>" in t).rsplit(" ", 1)[0]
                                + " <https://w3id.org/serbia-kg/source/another>"],
        "negative quantity": replace("quantity", f'"-3"^^<{xsd}integer>'),
        "quantity not a whole number": replace("quantity", f'"1.5"^^<{xsd}nonNegativeInteger>'),
        "quantity an integer": replace("quantity", f'"6"^^<{xsd}integer>'),
        "recipient is a system": replace("recipient", "<https://w3id.org/serbia-kg/id/mig-29>"),
        "recipient is text": replace("recipient", '"Serbia"'),
        "percentage over 100": replace("percentage", f'"140.0"^^<{xsd}decimal>'),
        "date is not a date": replace("date", '"sometime"'),
        "no such day": replace("date", f'"2021-02-30"^^<{xsd}date>'),
        "id with a language": replace("claimId", '"x"@en'),
    }


@pytest.mark.slow
def test_every_engine_agrees_on_the_seed_and_on_faults_put_into_it(seed_compilation):
    lines = sorted(seed_compilation.triple_set())
    cases = {"as built": lines, **_faults(lines)}
    for name, case in cases.items():
        text = "".join(f"{t} .\n" for t in case)
        reference = shapes.check_ntriples(text, engine="pyshacl")
        assert bool(reference) == (name != "as built"), name
        for engine in shapes.ENGINES:
            assert shapes.check_ntriples(text, engine=engine) == reference, (name, engine)


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        shapes.check_ntriples("", engine="jena")


@pytest.mark.slow
def test_validate_command_takes_either_engine(tmp_path):
    from click.testing import CliRunner

    from graph.cli import main

    from conftest import SEED_CORPUS

    for engine in shapes.ENGINES:
        result = CliRunner().invoke(main, ["validate", "-q", "--sources", str(SEED_CORPUS), "--shacl-engine", engine])
        assert result.exit_code == 0 and result.output.startswith("valid: 1 source(s), 65 claims"), result.output
    result = CliRunner().invoke(main, ["validate", "--sources", str(SEED_CORPUS), "--shacl-engine", "jena"])
    assert result.exit_code == 2 and "'jena' is not one of" in result.output


@pytest.mark.slow
def test_a_slice_checked_without_the_triples_no_shape_reads_gets_the_same_verdicts(seed_compilation):
    """What the build gives the engine (graph.compile.validation.slice_results): a slice's triples whose
    predicate is on no shape's path (where an evidence's words lie in the text) are left out; on the seed
    and on every fault put into it, the verdicts are those of the whole."""
    from graph.compile.validation import read_predicates

    read = read_predicates()
    assert read is not None
    lines = sorted(seed_compilation.triple_set())
    left_out = [t for t in lines if t.split(" ", 2)[1] not in read]
    assert any("<http://www.w3.org/ns/oa#start>" in t for t in left_out)
    for name, case in {"as built": lines, **_faults(lines)}.items():
        whole = shapes.check_ntriples("".join(f"{t} .\n" for t in case), engine="shacl-rust")
        read_only = [t for t in case if t.split(" ", 2)[1] in read]
        assert shapes.check_ntriples("".join(f"{t} .\n" for t in read_only), engine="shacl-rust") == whole, name


def test_the_predicates_the_shapes_read_are_every_step_of_every_path():
    """Read off the shapes, not listed by hand: every IRI on an sh:path (a sequence's steps too), with
    rdf:type and rdfs:subClassOf, and nothing else."""
    from rdflib import RDF, RDFS, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    from graph.compile.validation import read_predicates
    from graph.model.resources import shapes_graph

    g = shapes_graph()
    steps = set()
    for path in g.objects(None, SH.path):
        steps.update([path] if isinstance(path, URIRef) else Collection(g, path))
    assert read_predicates() == {f"<{x}>" for x in steps | {RDF.type, RDFS.subClassOf}}
