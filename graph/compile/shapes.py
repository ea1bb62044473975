"""Checking RDF against the project's SHACL shapes (``ontology/shapes/shapes.ttl``).

Three engines give the same verdicts on these shapes (the tests check them against each other
on every example, on the seed corpus and on synthetic corpora with faults put in):

- ``compiled`` (the default): the shapes compiled into checks in Python (:mod:`graph.compile.constraints`),
  run in the calling process, node by node; the fastest here (``scripts/bench_validation.py``);
- ``shacl-rust``: the Rust validator of the ``shacl-rust`` package, run in a child process;
- ``pyshacl``: the reference Python implementation, about 50 times slower (some 150 µs per
  triple), for a second opinion (``serbia-kg validate --shacl-engine pyshacl``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, cast

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from graph.model.rdfterms import from_n3, nt_converter
from graph.model.resources import SHAPES_FILE, ontology_dir, ontology_graph, shapes_graph

__all__ = ["ShapeResult", "check", "check_ntriples", "check_lines", "ENGINES", "DEFAULT_ENGINE"]

#: The SHACL engines that can check the shapes, the default first: shacl-rust, a SHACL validator of
#: the field (PyPI); ``compiled`` (the shapes compiled into checks in Python, :mod:`graph.compile.constraints`)
#: gives the same verdicts in less than half its time, but is this project's own code, so it is asked for
#: by name (``--shacl-engine compiled``), not the default.
ENGINES = ("shacl-rust", "compiled", "pyshacl")
DEFAULT_ENGINE = ENGINES[0]


@dataclass(frozen=True)
class ShapeResult:
    """One violation: the node, the shape's message in words, and the path and value concerned."""

    focus: Node
    message: str
    path: Node | None
    value: Node | None


def _sorted(results: list[ShapeResult]) -> list[ShapeResult]:
    return sorted(results, key=lambda r: (str(r.focus), r.message, str(r.path), str(r.value)))


def check(data: Graph, *, with_ontology: bool = True, inplace: bool = False,
          engine: str = DEFAULT_ENGINE) -> list[ShapeResult]:
    """Validate ``data`` against the shapes; return the violations (empty when it conforms).

    ``with_ontology`` adds the ontology's triples (class hierarchy, SKOS concepts) to (a copy
    of) the data first, since shapes check classes (``sh:class``) that the ontology defines.
    ``inplace`` lets pySHACL work on ``data`` itself rather than on a copy (faster; for a graph
    made only to be checked). The violations come sorted by focus node, message, path and value.
    """
    if engine == "compiled":
        nt = nt_converter()
        lines = {f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in data}
        if with_ontology:
            lines.update(f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in ontology_graph())
        return check_lines(lines)
    if engine == "shacl-rust":
        lines = {f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in data}
        if with_ontology:
            lines.update(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in ontology_graph())
        return check_ntriples("".join(lines), engine=engine)
    _engine(engine)
    if with_ontology:
        merged = Graph()
        for t in data:
            merged.add(t)
        for t in ontology_graph():
            merged.add(t)
        data = merged
    return _pyshacl(data, inplace=inplace or with_ontology)


def check_ntriples(text: str, *, engine: str = DEFAULT_ENGINE) -> list[ShapeResult]:
    """Validate N-Triples ``text`` (which must include the ontology's triples) against the shapes."""
    if engine == "pyshacl":
        return _pyshacl(Graph().parse(data=text, format="nt"), inplace=True)
    if engine == "compiled":
        return check_lines(line[:-2] if line.endswith(" .") else line for line in text.splitlines())
    _engine(engine)
    from graph.compile.parallel import isolated

    report = isolated(_shacl_rust, text, _shapes_text())
    if report["conforms"]:
        return []
    own = _shape_messages()
    out = []
    for r in report["results"]:
        if not str(r.get("severity", "")).endswith("#Violation>"):
            continue
        messages = r.get("messages") or []
        # pySHACL reports the shape's own sh:message where it has one, else the engine's; so do we
        message = next((m for m in messages if m in own), messages[0] if messages else "violates a shape")
        out.append(ShapeResult(focus=cast(Node, from_n3(r.get("focusNode"))), message=message,  # SHACL: always one
                               path=from_n3(r.get("resultPath")), value=from_n3(r.get("value"))))
    return _sorted(out)


def check_lines(lines: Iterable[str], own: set[str] | None = None) -> list[ShapeResult]:
    """Validate N-Triples ``lines`` (which must include the ontology's) with the ``compiled`` engine;
    ``own``: only the violations whose focus node is one of these (N-Triples text)."""
    from graph.compile.constraints import check_lines as check

    return _sorted([ShapeResult(focus=cast(Node, from_n3(f)), message=m, path=from_n3(p), value=from_n3(v))
                    for f, m, p, v in check(lines, own)])


def _shacl_rust(data: str, shapes: str) -> dict:
    import shacl_rust  # run in a child process: see graph.compile.parallel

    return shacl_rust.validate(data, shapes, data_format="nt", shapes_format="turtle")


def _engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}: choose one of {', '.join(ENGINES)}")


@lru_cache(maxsize=None)
def _shapes_text() -> str:
    return (ontology_dir() / SHAPES_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _shape_messages() -> frozenset[str]:
    return frozenset(str(m) for m in shapes_graph().objects(None, SH.message))


def _pyshacl(data: Graph, *, inplace: bool) -> list[ShapeResult]:
    from pyshacl import validate  # imported here: only this engine needs it

    conforms, results, _ = validate(data, shacl_graph=shapes_graph(), inference="none",
                                    advanced=True, allow_warnings=True, inplace=inplace)
    if conforms:
        return []
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        out.append(ShapeResult(focus=results.value(r, SH.focusNode),
                               message=str(results.value(r, SH.resultMessage) or "violates a shape"),
                               path=results.value(r, SH.resultPath), value=results.value(r, SH.value)))
    return _sorted(out)
