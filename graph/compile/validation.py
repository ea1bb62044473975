"""SHACL validation of a compiled corpus, linear in its size.

The registry (with the ontology) is checked once; the source graphs are checked in slices of a few
dozen sources (as :func:`graph.compile.build.compile_corpus` compiles them), each slice with the ontology and
the registry entries of the entities it names. Only violations whose focus is one of the slice's own
nodes count (entities are reported by the registry check); a claim refers to nothing outside its
source, the registry and the ontology, so this finds exactly the violations of checking the union at
once, and every slice costs about the same: the check grows linearly with the corpus. The engine is
shacl-rust by default, or the shapes compiled into checks in Python (``compiled``, run in the slice's
worker), or pySHACL (:mod:`graph.compile.shapes`); an incremental build checks only the slices of
the sources that changed. Each violation becomes a ``ValidationError`` at the claim's (or entity's)
file and line.

A slice's triples whose predicate no shape reads (:func:`read_predicates`: where an evidence's words lie
in the text, ``oa:start``, ``oa:prefix``...: a fifth of a source's triples) are left out of what the engine
is given: the shapes' constraints (the part of SHACL :mod:`graph.compile.constraints` knows, which has
no ``sh:closed``) look at a node's values along their paths and at its classes only, so those triples
change no verdict (the tests compare the verdicts on faults put into the seed).

Triples are N-Triples strings (``<s> <p> <o>``), as the compilation keeps them.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef

from graph.compile import shapes
from graph.model.errors import ValidationError
from graph.model.terms import ENTITY, PREFIXES

__all__ = ["Context", "check_slice", "check_registry", "slice_results", "registry_results", "read_predicates"]


class Context:
    """What every slice is checked with: the ontology's triples, and the registry's by entity."""

    def __init__(self, ontology: list[str], registry: list[str]) -> None:
        self.ontology = ontology
        self.registry = registry
        self.by_entity: dict[str, list[str]] = {}
        for t in registry:
            self.by_entity.setdefault(t.split(" ", 1)[0], []).append(t)


def _check(lines: list[str], own: set[str] | None, engine: str) -> list[shapes.ShapeResult]:
    if engine == "compiled":  # in this process, on the lines as they are
        return shapes.check_lines(lines, own)
    unique = dict.fromkeys(lines)
    text = " .\n".join(unique) + " .\n" if unique else ""  # (every line's " .\n", joined at once)
    results = shapes.check_ntriples(text, engine=engine)
    if own is None:
        return results
    return [r for r in results if r.focus.n3() in own]


def registry_results(ctx: Context, engine: str = shapes.DEFAULT_ENGINE) -> list[shapes.ShapeResult]:
    """The violations of the registry with the ontology, as a whole (every violation counts)."""
    return _check(ctx.ontology + ctx.registry, None, engine)


def slice_results(ctx: Context, triples: list[str], engine: str = shapes.DEFAULT_ENGINE) -> list[shapes.ShapeResult]:
    """The violations of one slice of source graphs (N-Triples strings), checked with the ontology and
    the registry entries it names; only those whose focus node is one of the slice's own subjects."""
    read = read_predicates()
    named: set[str] = set()
    checked: list[str] = []
    by_entity = ctx.by_entity
    for t in triples:
        _, p, o = t.split(" ", 2)
        if o in by_entity:
            named.add(o)
        if read is None or p in read:
            checked.append(t)
    context = ctx.ontology + [t for e in sorted(named) for t in by_entity[e]]
    if engine == "compiled":
        return _check(context + checked, {t.split(" ", 1)[0] for t in triples}, engine)
    results = _check(context + checked, None, engine)
    if not results:  # (most slices: their own subjects not gathered)
        return results
    own = {t.split(" ", 1)[0] for t in triples}
    return [r for r in results if r.focus.n3() in own]


@lru_cache(maxsize=1)
def read_predicates() -> frozenset[str] | None:
    """The predicates (N-Triples) the shapes read: every step of their paths, ``rdf:type`` and
    ``rdfs:subClassOf`` (targets and ``sh:class``); ``None`` when the shapes use a part of SHACL the
    compiled checks do not know (then a slice is checked whole)."""
    from graph.compile.constraints import RDF_TYPE, SUBCLASS, Shape, Unsupported, compiled

    found = {RDF_TYPE, SUBCLASS}

    def walk(shape: Shape) -> None:
        for test in shape.tests:
            visit(test)
        for prop in shape.props:
            found.update(prop.path)
            for test in prop.tests:
                visit(test)

    def visit(test) -> None:
        if test.kind == "or":
            for member in test.arg:
                walk(member)
        elif test.kind == "node":
            walk(test.arg)

    try:
        for shape in compiled():
            walk(shape)
    except Unsupported:
        return None
    return frozenset(found)


def check_registry(ctx: Context, registry, engine: str = shapes.DEFAULT_ENGINE) -> list[ValidationError]:
    """The registry with the ontology, as a whole (every violation counts)."""
    return problems(registry_results(ctx, engine), {}, registry)


def check_slice(ctx: Context, triples: list[str], claims: dict, registry,
                engine: str = shapes.DEFAULT_ENGINE) -> list[ValidationError]:
    """One slice of source graphs (N-Triples strings) with the ontology and the registry entries it
    names; ``claims`` maps claim IRIs to (source, compiled claim), to place each violation."""
    return problems(slice_results(ctx, triples, engine), claims, registry)


def problems(results: list[shapes.ShapeResult], claims: dict, registry) -> list[ValidationError]:
    """Each violation as a ``ValidationError`` at the entity's or the claim's file and line."""
    if not results:
        return []
    nm = Graph().namespace_manager
    for prefix, ns in PREFIXES.items():
        nm.bind(prefix, ns)
    out = []
    for r in results:
        detail = ""
        if r.path is not None:
            detail = f" ({nm.normalizeUri(str(r.path))}"
            detail += f" = {r.value})" if r.value is not None else ")"
        entity, owner = _entity(r.focus, registry), _owner(r.focus, claims)
        if entity is not None:
            out.append(ValidationError(f"SHACL: entity '{entity.id}': {r.message}{detail}",
                                       file=entity.file, line=entity.line))
        elif owner is not None:
            source, compiled = owner
            out.append(ValidationError(f"SHACL: {r.message}{detail}", file=source.claims_file,
                                       line=compiled.line, claim=compiled.claim_id))
        else:
            out.append(ValidationError(f"SHACL: {r.message}{detail} at <{r.focus}>"))
    return out


def _entity(focus, registry):
    base = str(ENTITY)
    text = str(focus)
    if text.startswith(base) and text[len(base):] in registry:
        return registry.get(text[len(base):])
    return None


def _owner(focus, claims: dict):
    if focus in claims:
        return claims[focus]
    return claims.get(URIRef(str(focus).split("#", 1)[0]))
