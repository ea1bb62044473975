"""The SHACL shapes compiled: into checks in Python, and into SPARQL queries for a pyoxigraph store.

The shapes (``ontology/shapes/shapes.ttl``: ``common.ttl`` and one shape per claim type generated
from the schema, :mod:`graph.model.schema`) use a small part of SHACL Core: ``sh:targetClass``,
property shapes on a predicate (a sequence of predicates in a nested shape), ``sh:minCount``, ``sh:maxCount``,
``sh:class``, ``sh:datatype``, ``sh:in``, ``sh:or``, ``sh:node``, ``sh:minInclusive``,
``sh:maxInclusive`` and ``sh:message``. :func:`compiled` reads them into a few plain records
(:class:`Shape`, :class:`Prop`, :class:`Test`); a shape that uses any other part of SHACL is refused
(:class:`Unsupported`), never checked in part. From those records come

- :func:`check_lines`: the checks run in Python on N-Triples lines, node by node (the ``compiled``
  engine of :mod:`graph.compile.shapes`);
- :func:`queries`: one SPARQL ``SELECT`` per constraint (a few for a nested shape), whose rows are
  the violations, and :func:`check_store`, which runs them in a pyoxigraph store: not an engine of
  the build (slower, and Oxigraph stores an ``xsd:nonNegativeInteger`` as an ``xsd:integer``, so
  the verdict on that datatype cannot be SHACL's), kept for ``scripts/bench_validation.py``.

Both give their violations as ``(focus, message, path, value)`` in N-Triples text;
``tests/test_shapes.py`` compares the Python checks with shacl-rust and pySHACL on every example,
on the seed corpus and on faults put into it, ``tests/test_constraints.py`` the queries with the
Python checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Iterable

from graph.model.rdfterms import unescape

__all__ = ["Unsupported", "Test", "Prop", "Shape", "compiled", "check_lines", "queries", "check_store", "Violation"]

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: One violation: focus node, message, path, value (N-Triples text; path and value may be None).
Violation = tuple[str, str, "str | None", "str | None"]


class Unsupported(ValueError):
    """The shapes use a part of SHACL these checks do not implement."""


@dataclass(frozen=True)
class Test:
    """A test on one node: ``kind`` is ``class``, ``datatype``, ``in``, ``or``, ``node``,
    ``minInclusive`` or ``maxInclusive``; ``arg`` its class or datatype (IRI text), its set of
    terms (N-Triples), its shapes, its shape or its bound."""

    kind: str
    arg: Any


@dataclass(frozen=True)
class Prop:
    """A property shape: the values at ``path`` (a sequence of predicates, N-Triples), how many
    there may be, and the tests each must pass."""

    path: tuple[str, ...]
    min: int | None
    max: int | None
    tests: tuple[Test, ...]
    message: str | None


@dataclass(frozen=True)
class Shape:
    """A node shape: the classes it targets, the tests of the node itself, its property shapes."""

    name: str
    targets: tuple[str, ...]
    tests: tuple[Test, ...]
    props: tuple[Prop, ...]
    message: str | None


_TESTS = ("class", "datatype", "in", "or", "node", "minInclusive", "maxInclusive")


@lru_cache(maxsize=None)
def compiled() -> tuple[Shape, ...]:
    """The project's shapes (:func:`graph.model.resources.shapes_graph`) as records: the shapes
    with targets, sorted by name."""
    from graph.model.resources import shapes_graph

    return read_shapes(shapes_graph())


def read_shapes(g) -> tuple[Shape, ...]:
    """The shapes of the rdflib graph ``g`` that have targets, as records.

    Raises
    ------
    Unsupported
        When a shape uses a part of SHACL other than the one named in this module's description.
    """
    from rdflib.namespace import SH

    memo: dict = {}
    top = sorted(set(g.subjects(SH.targetClass, None)), key=str)
    shapes = tuple(_shape(g, node, memo, set()) for node in top)
    for shape in shapes:
        if any(len(p.path) != 1 for p in shape.props):
            raise Unsupported(f"{shape.name}: a violation on a sequence path is reported as the path's list node")
    return shapes


def _nt(term) -> str:
    from graph.model.rdfterms import to_oxigraph

    return str(to_oxigraph(term))


def _messages(g, node) -> str | None:
    from rdflib.namespace import SH

    found = sorted(str(m) for m in g.objects(node, SH.message))
    return found[0] if found else None


def _shape(g, node, memo: dict, seen: set) -> Shape:
    from rdflib.namespace import RDF, SH

    if node in memo:
        return memo[node]
    if node in seen:
        raise Unsupported(f"the shape {node} refers to itself")
    seen = seen | {node}
    tests: list[Test] = []
    props: list[Prop] = []
    for p, o in sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else None
        if p == SH.property:
            props.append(_prop(g, o, memo, seen))
        elif name in _TESTS:
            tests.append(_test(g, name, o, memo, seen))
        elif p == SH.path:
            raise Unsupported(f"a property shape with targets: {node}")
        elif p in (SH.targetClass, SH.message, RDF.type) or name is None:
            continue
        else:
            raise Unsupported(f"sh:{name} (in {node})")
    shape = Shape(str(node), tuple(sorted(_nt(c) for c in g.objects(node, SH.targetClass))), tuple(tests),
                  tuple(props), _messages(g, node))
    memo[node] = shape
    return shape


def _prop(g, node, memo: dict, seen: set) -> Prop:
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    path: tuple[str, ...] = ()
    low = high = None
    tests: list[Test] = []
    for p, o in sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else None
        if p == SH.path:
            if isinstance(o, URIRef):
                path = (_nt(o),)
            elif isinstance(o, BNode) and (steps := list(Collection(g, o))) and all(isinstance(x, URIRef)
                                                                                   for x in steps):
                path = tuple(_nt(x) for x in steps)
            else:
                raise Unsupported(f"a path other than a predicate or a sequence of them: {o}")
        elif p == SH.minCount:
            low = int(o)
        elif p == SH.maxCount:
            high = int(o)
        elif name in _TESTS:
            tests.append(_test(g, name, o, memo, seen))
        elif p == SH.message or name is None:
            continue
        else:
            raise Unsupported(f"sh:{name} in a property shape ({node})")
    if not path:
        raise Unsupported(f"a property shape without sh:path ({node})")
    return Prop(path, low, high, tuple(tests), _messages(g, node))


def _member(g, node, memo: dict, seen: set) -> Shape:
    """A shape named by sh:or or sh:node: a node shape, or a property shape (as a node shape of that one property)."""
    from rdflib.namespace import SH

    if (node, SH.path, None) in g:
        return Shape(str(node), (), (), (_prop(g, node, memo, seen),), None)
    return _shape(g, node, memo, seen)


def _test(g, name: str, o, memo: dict, seen: set) -> Test:
    from rdflib import Literal
    from rdflib.collection import Collection

    if name in ("class", "datatype"):
        return Test(name, str(o))
    if name == "in":
        return Test(name, frozenset(_nt(x) for x in Collection(g, o)))
    if name == "or":
        return Test(name, tuple(_member(g, x, memo, seen) for x in Collection(g, o)))
    if name == "node":
        return Test(name, _member(g, o, memo, seen))
    if not isinstance(o, Literal) or _number(_nt(o)) is None:
        raise Unsupported(f"sh:{name} with a bound that is not a number: {o}")
    return Test(name, _number(_nt(o)))


# --- literals -----------------------------------------------------------------------------------

def literal(o: str) -> tuple[str, str] | None:
    """A literal's lexical form and datatype IRI (``rdf:langString`` for a tagged one), from its
    N-Triples text; None for an IRI or a blank node."""
    if not o or o[0] != '"':
        return None
    end = o.rfind('"')
    lex, rest = o[1:end], o[end + 1:]
    lex = unescape(lex)
    if not rest:
        return lex, XSD + "string"
    if rest.startswith("^^<"):
        return lex, rest[3:-1]
    return lex, LANG_STRING


_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
#: The lexical forms checked: as shacl-rust and pySHACL do, those of ``xsd:gYear`` and ``xsd:gYearMonth``
#: are not (both accept ``"abc"^^xsd:gYear``), so neither is here: the same verdicts.
_LEXICAL = {
    XSD + "date": re.compile(_YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + _TZ),
    XSD + "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "nonNegativeInteger": re.compile(r"(\+?[0-9]+|-0+)"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
}


def well_formed(lex: str, datatype: str) -> bool:
    """Whether ``lex`` is in the lexical space of ``datatype`` (any text, for a datatype not known here)."""
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    lex = lex.strip(" \t\n\r")  # XSD collapses the white space of these types' text
    if not pattern.fullmatch(lex):
        return False
    if datatype == XSD + "date":  # the day exists in that month
        y, m, d = (int(x) for x in re.match(r"-?([0-9]+)-([0-9]+)-([0-9]+)", lex).groups())  # type: ignore[union-attr]
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        return d <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]
    return True


_NUMERIC = {XSD + t for t in ("decimal", "integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                               "negativeInteger", "int", "long", "short", "byte", "unsignedInt", "unsignedLong",
                               "unsignedShort", "unsignedByte", "double", "float")}


def _number(o: str) -> Decimal | None:
    lit = literal(o)
    if lit is None or lit[1] not in _NUMERIC or not well_formed(*lit):
        return None
    try:
        return Decimal(lit[0].strip(" \t\n\r"))
    except InvalidOperation:
        return None


# --- the checks in Python -----------------------------------------------------------------------

_EMPTY: dict[str, list[str]] = {}


class _Plan:
    """A shape's property shapes arranged for checking a node: those with a minimum, those with a
    maximum or tests by their one predicate, and those on a sequence of predicates."""

    __slots__ = ("required", "present", "sequences")

    def __init__(self, shape: Shape) -> None:
        single = [p for p in shape.props if len(p.path) == 1]
        self.required = tuple((p, p.path[0]) for p in single if p.min)
        present: dict[str, list[Prop]] = {}
        for p in single:
            if p.max is not None or p.tests:
                present.setdefault(p.path[0], []).append(p)
        self.present = {k: tuple(v) for k, v in present.items()}
        self.sequences = tuple(p for p in shape.props if len(p.path) > 1)


_PLANS: dict[int, tuple[Shape, _Plan]] = {}


def _plan(shape: Shape) -> _Plan:
    found = _PLANS.get(id(shape))
    if found is None or found[0] is not shape:
        found = _PLANS[id(shape)] = (shape, _Plan(shape))
    return found[1]


def _datatype_test(datatype: str):
    """A function telling whether a node's N-Triples text is a well-formed literal of ``datatype``."""
    suffix = f'"^^<{datatype}>'
    checked = datatype in _LEXICAL

    def test(v: str) -> bool:
        if v[0] != '"':
            return False
        if v.endswith(suffix):
            if not checked:
                return True
            lex = v[1:-len(suffix)]
            return well_formed(lex if "\\" not in lex else literal(v)[0], datatype)  # type: ignore[index]
        return datatype == XSD + "string" and v[-1] == '"'

    return test


_DATATYPE_TESTS: dict[str, Any] = {}


class _Data:
    """N-Triples lines indexed by subject and predicate, with the classes each node is an instance of."""

    def __init__(self, lines: Iterable[str]) -> None:
        index: dict[str, dict[str, list[str]]] = {}
        for line in dict.fromkeys(lines):
            s, p, o = line.split(" ", 2)
            d = index.get(s)
            if d is None:
                index[s] = {p: [o]}
            else:
                v = d.get(p)
                if v is None:
                    d[p] = [o]
                else:
                    v.append(o)
        self.index = index
        self._supers: dict[str, frozenset[str]] = {}
        self._is_a: dict[tuple[str, str], bool] = {}

    def supers(self, cls: str) -> frozenset[str]:
        """``cls`` and every class it is a subclass of (rdfs:subClassOf, transitively), IRIs as text."""
        found = self._supers.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for sup in self.index.get(todo.pop(), _EMPTY).get(SUBCLASS, ()):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            found = self._supers[cls] = frozenset(c[1:-1] for c in seen)
        return found

    def is_a(self, node: str, cls: str) -> bool:
        return any(cls in self.supers(t) for t in self.index.get(node, _EMPTY).get(RDF_TYPE, ()))

    def values(self, node: str, path: tuple[str, ...]) -> list[str]:
        nodes = [node]
        for p in path:
            nodes = list(dict.fromkeys(v for n in nodes for v in self.index.get(n, _EMPTY).get(p, ())))
        return nodes

    def ok(self, test: Test, v: str) -> bool:
        kind = test.kind
        if kind == "datatype":
            check = _DATATYPE_TESTS.get(test.arg)
            if check is None:
                check = _DATATYPE_TESTS[test.arg] = _datatype_test(test.arg)
            return check(v)
        if kind == "class":
            return v[0] != '"' and self.is_a(v, test.arg)
        if kind == "in":
            return v in test.arg
        if kind == "or":
            return any(self.conforms(s, v) for s in test.arg)
        if kind == "node":
            return self.conforms(test.arg, v)
        n = _number(v)
        if n is None:
            return False
        return n >= test.arg if kind == "minInclusive" else n <= test.arg

    def conforms(self, shape: Shape, node: str) -> bool:
        if not all(self.ok(t, node) for t in shape.tests):
            return False
        for prop in shape.props:
            vals = self.values(node, prop.path)
            if (prop.min is not None and len(vals) < prop.min) or (prop.max is not None and len(vals) > prop.max):
                return False
            if not all(self.ok(t, v) for t in prop.tests for v in vals):
                return False
        return True

    def violations(self, shape: Shape, focus: str, out: list[Violation]) -> None:
        default = "violates a shape"
        for t in shape.tests:
            if not self.ok(t, focus):
                out.append((focus, shape.message or default, None, focus))
        plan = _plan(shape)
        node = self.index.get(focus, _EMPTY)
        for prop, p in plan.required:  # too few values, none among them
            if len(node.get(p, ())) < prop.min:  # type: ignore[operator]
                out.append((focus, prop.message or default, p, None))
        for p, vals in node.items():
            props = plan.present.get(p)
            if props is None:
                continue
            for prop in props:
                message = prop.message or default
                if prop.max is not None and len(vals) > prop.max:
                    out.append((focus, message, p, None))
                for t in prop.tests:
                    for v in vals:
                        if not self.ok(t, v):
                            out.append((focus, message, p, v))
        if plan.sequences:  # refused by read_shapes for a targeted shape; here for completeness
            raise Unsupported(f"{shape.name}: a sequence path")


def check_lines(lines: Iterable[str], own: set[str] | None = None,
                shapes: tuple[Shape, ...] | None = None) -> list[Violation]:
    """The violations of N-Triples ``lines`` (``<s> <p> <o>``, without the final `` .``; they must
    include the ontology's triples, for the classes), with the project's shapes (``shapes``: others);
    ``own``: only those whose focus node is one of these (N-Triples text)."""
    shapes = compiled() if shapes is None else shapes
    data = _Data(lines)
    by_types: dict[tuple[str, ...], list[Shape]] = {}
    out: list[Violation] = []
    for node, props in data.index.items():
        types = props.get(RDF_TYPE)
        if types is None or (own is not None and node not in own):
            continue
        key = tuple(types)
        targeted = by_types.get(key)
        if targeted is None:
            classes = set().union(*(data.supers(t) for t in types))
            targeted = by_types[key] = [s for s in shapes if any(c[1:-1] in classes for c in s.targets)]
        for shape in targeted:
            data.violations(shape, node, out)
    return out


# --- the checks as SPARQL -----------------------------------------------------------------------

_RDF_TYPE_PATH = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


class _Vars:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"?x{self.n}"


def _sparql_path(path: tuple[str, ...]) -> str:
    return "/".join(path)


def _regex(datatype: str) -> str | None:
    pattern = _LEXICAL.get(datatype)
    return None if pattern is None else "^(" + pattern.pattern + ")$"


#: Oxigraph (0.5) stores a literal of these datatypes as an ``xsd:integer`` (``"6"^^xsd:nonNegativeInteger``
#: is read back as ``"6"^^xsd:integer``, and so is ``"-1"^^xsd:nonNegativeInteger``), so a query can only
#: test the value's range: ``"6"^^xsd:integer`` passes there where SHACL refuses it.
_STORED_AS_INTEGER = {XSD + "nonNegativeInteger": ">= 0", XSD + "positiveInteger": ">= 1",
                      XSD + "nonPositiveInteger": "<= 0", XSD + "negativeInteger": "<= -1"}


def _test_expr(test: Test, v: str, fresh: _Vars) -> str:
    """A SPARQL expression true when the node ``v`` passes ``test``."""
    if test.kind == "datatype" and test.arg in _STORED_AS_INTEGER:  # what Oxigraph can still tell apart
        return f"(isLITERAL({v}) && DATATYPE({v}) = <{XSD}integer> && {v} {_STORED_AS_INTEGER[test.arg]})"
    if test.kind == "datatype":
        expr = f"(isLITERAL({v}) && DATATYPE({v}) = <{test.arg}>"
        regex = _regex(test.arg)
        if regex is not None:
            expr += f' && REGEX(STR({v}), "{_sparql_string(regex)}")'
        return expr + ")"
    if test.kind == "class":
        return f"(!isLITERAL({v}) && EXISTS {{ {v} {_RDF_TYPE_PATH} <{test.arg}> }})"
    if test.kind == "in":
        return f"({v} IN ({', '.join(sorted(test.arg))}))"
    if test.kind == "or":
        return "(" + " || ".join(_conforms_expr(s, v, fresh) for s in test.arg) + ")"
    if test.kind == "node":
        return _conforms_expr(test.arg, v, fresh)
    op = ">=" if test.kind == "minInclusive" else "<="
    return f"COALESCE(isNUMERIC({v}) && {v} {op} {test.arg}, false)"


def _sparql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _count_expr(v: str, path: str, n: int, fresh: _Vars) -> str:
    """A SPARQL graph pattern's EXISTS: ``v`` has at least ``n`` distinct values at ``path``."""
    xs = [fresh() for _ in range(n)]
    pattern = " ".join(f"{v} {path} {x} ." for x in xs)
    distinct = " && ".join(f"{a} != {b}" for i, a in enumerate(xs) for b in xs[i + 1:])
    return f"EXISTS {{ {pattern}{f' FILTER({distinct})' if distinct else ''} }}"


def _conforms_expr(shape: Shape, v: str, fresh: _Vars) -> str:
    """A SPARQL expression true when the node ``v`` conforms to ``shape`` (its targets ignored)."""
    parts = [_test_expr(t, v, fresh) for t in shape.tests]
    for prop in shape.props:
        path = _sparql_path(prop.path)
        if prop.min:
            parts.append(_count_expr(v, path, prop.min, fresh))
        if prop.max is not None:
            parts.append("!" + _count_expr(v, path, prop.max + 1, fresh))
        for t in prop.tests:
            x = fresh()
            parts.append(f"NOT EXISTS {{ {v} {path} {x} FILTER(!{_test_expr(t, x, fresh)}) }}")
    return "(" + " && ".join(parts or ["true"]) + ")"


@dataclass(frozen=True)
class Query:
    """One constraint as a SELECT whose rows (``?focus``, and ``?value`` where there is one) are its
    violations, with the message and path each row is reported with. The queries of one ``sh:node``
    test share a ``group``: a value is reported once however many of the nested shape's constraints it fails."""

    text: str
    message: str
    path: str | None
    value: str  # "value", "focus" (a node-level test) or "" (a count)
    group: int = -1


def _nested(where: str, shape: Shape) -> list[str]:
    """The queries finding the ``?value`` of ``where`` (a pattern binding ``?focus`` and ``?value``)
    that do not conform to ``shape``, one per constraint of it: joins and groups rather than a
    FILTER with nested EXISTS, which Oxigraph evaluates for every row (superlinear)."""
    out = []
    fresh = _Vars()
    for t in shape.tests:
        out.append(f"SELECT DISTINCT ?focus ?value WHERE {{ {where} FILTER(!{_test_expr(t, '?value', fresh)}) }}")
    for prop in shape.props:
        path = _sparql_path(prop.path)
        for bound, op in ((prop.min, "<"), (prop.max, ">")):
            if bound is not None and (bound > 0 or op == ">"):
                out.append(f"SELECT ?focus ?value WHERE {{ {where} OPTIONAL {{ ?value {path} ?y }} }} "
                           f"GROUP BY ?focus ?value HAVING (COUNT(DISTINCT ?y) {op} {bound})")
        for t in prop.tests:
            out.append(f"SELECT DISTINCT ?focus ?value WHERE {{ {where} ?value {path} ?y "
                       f"FILTER(!{_test_expr(t, '?y', fresh)}) }}")
    return out


def queries(shapes: tuple[Shape, ...] | None = None) -> list[Query]:
    """The queries of every constraint of each targeted shape (the project's, or ``shapes``)."""
    shapes = compiled() if shapes is None else shapes
    out: list[Query] = []
    default = "violates a shape"
    for shape in shapes:
        target = " UNION ".join(f"{{ ?focus {_RDF_TYPE_PATH} {c} }}" for c in shape.targets)
        select = "SELECT DISTINCT ?focus"
        for t in shape.tests:
            fresh = _Vars()
            out.append(Query(f"{select} WHERE {{ {target} FILTER(!{_test_expr(t, '?focus', fresh)}) }}",
                             shape.message or default, None, "focus"))
        for prop in shape.props:
            path, message = _sparql_path(prop.path), prop.message or default
            for bound, op in ((prop.min, "<"), (prop.max, ">")):
                if bound is not None and (bound > 0 or op == ">"):
                    out.append(Query(f"SELECT ?focus WHERE {{ {{ {select} WHERE {{ {target} }} }} "
                                     f"OPTIONAL {{ ?focus {path} ?value }} }} GROUP BY ?focus "
                                     f"HAVING (COUNT(DISTINCT ?value) {op} {bound})", message, prop.path[0], ""))
            for t in prop.tests:
                if t.kind == "node":
                    group = len(out)
                    out.extend(Query(text, message, prop.path[0], "value", group)
                               for text in _nested(f"{target} ?focus {path} ?value .", t.arg))
                    continue
                fresh = _Vars()
                out.append(Query(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} ?focus {path} ?value "
                                 f"FILTER(!{_test_expr(t, '?value', fresh)}) }}", message, prop.path[0], "value"))
    return out


def check_store(store, own: set[str] | None = None, shapes: tuple[Shape, ...] | None = None) -> list[Violation]:
    """The violations of the default graph of the pyoxigraph ``store`` (which must hold the
    ontology), by the queries of :func:`queries`; ``own`` as for :func:`check_lines`."""
    out: list[Violation] = []
    grouped: dict[int, set[Violation]] = {}
    for q in queries(shapes):
        for row in store.query(q.text):
            focus = str(row["focus"])
            if own is not None and focus not in own:
                continue
            value = str(row["value"]) if q.value == "value" else focus if q.value == "focus" else None
            if q.group >= 0:
                grouped.setdefault(q.group, set()).add((focus, q.message, q.path, value))
            else:
                out.append((focus, q.message, q.path, value))
    for found in grouped.values():
        out.extend(found)
    return out
