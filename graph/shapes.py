"""Checking RDF against the project's SHACL shapes (``ontology/shapes/shapes.ttl``) with pySHACL."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .resources import ontology_graph, shapes_graph

__all__ = ["ShapeResult", "check"]


@dataclass(frozen=True)
class ShapeResult:
    """One violation: the node, the shape's message in words, and the path and value concerned."""

    focus: Node
    message: str
    path: Node | None
    value: Node | None


def check(data: Graph, *, with_ontology: bool = True, inplace: bool = False) -> list[ShapeResult]:
    """Validate ``data`` against the shapes; return the violations (empty when it conforms).

    ``with_ontology`` adds the ontology's triples (class hierarchy, SKOS concepts) to a copy of
    the data first, since shapes check classes (``sh:class``) that the ontology defines.
    ``inplace`` lets pySHACL work on ``data`` itself rather than on a copy (faster; for a graph
    made only to be checked). The violations come sorted by focus node, message, path and value.
    """
    from pyshacl import validate  # imported here: only validation needs it

    if with_ontology:
        merged = Graph()
        for t in data:
            merged.add(t)
        for t in ontology_graph():
            merged.add(t)
        data = merged
    conforms, results, _ = validate(data, shacl_graph=shapes_graph(), inference="none",
                                    advanced=True, allow_warnings=True, inplace=inplace or with_ontology)
    if conforms:
        return []
    out = []
    for r in sorted(results.subjects(RDF.type, SH.ValidationResult)):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        out.append(ShapeResult(focus=results.value(r, SH.focusNode),
                               message=str(results.value(r, SH.resultMessage) or "violates a shape"),
                               path=results.value(r, SH.resultPath), value=results.value(r, SH.value)))
    return sorted(out, key=lambda r: (str(r.focus), r.message, str(r.path), str(r.value)))
