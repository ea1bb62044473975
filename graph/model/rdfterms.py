"""RDF terms in each form the package meets them, and every conversion between the forms.

- pyoxigraph's terms: the stores, the parsers and the serialisers;
- rdflib's terms: rdflib graphs, query results as rdflib gives them, pySHACL;
- N-Triples (and SPARQL) text: the build's lines, shacl-rust's report, a value bound into a query;
- the plain values the projection reads (:class:`graph.store.native.Reader`): an IRI's text,
  ``"_:id"`` for a blank node, a literal's value (:func:`literal_value`).

pyoxigraph is imported at once (5 ms). rdflib is imported only by the functions that make its
terms: a question answered from a store's caches starts without it (tests/test_facade.py and
tests/test_graphcache.py check).

>>> literal_value("4", "http://www.w3.org/2001/XMLSchema#integer"), literal_value("61.0", XSD + "decimal")
(4, 61)
>>> literal_value("2021-05", XSD + "gYearMonth")
'2021-05'
>>> print(sparql_text(ox.Literal("2021", datatype=ox.NamedNode(XSD + "gYear"))))
"2021"^^<http://www.w3.org/2001/XMLSchema#gYear>
"""

from __future__ import annotations

import re
import sys
from typing import Any, Callable

import pyoxigraph as ox

__all__ = ["XSD", "XSD_STRING", "Lit", "literal_value", "value_of", "value_of_rdflib", "RDF_TYPE", "ValueCollector",
           "to_rdflib", "to_oxigraph", "nt_converter", "nt_lines", "unescape", "from_n3", "sparql_text"]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
_INTEGERS = {XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                               "negativeInteger", "int", "long", "short", "byte", "unsignedInt",
                               "unsignedLong", "unsignedShort", "unsignedByte")}


# --- plain values: what the projection reads ----------------------------------------------------

class Lit(str):
    """A literal whose value is its text (a string, a date ...): a ``str`` marked as not an IRI."""

    __slots__ = ()


def _decimal(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _boolean(text: str) -> bool:
    return text.strip() in ("true", "1")


_CONVERT: dict[str, Any] = {**{t: int for t in _INTEGERS}, XSD + "decimal": _decimal, XSD + "double": float,
                            XSD + "float": float, XSD + "boolean": _boolean}


def literal_value(text: str, datatype: str | None) -> Any:
    """A literal's value as the projection gives it, from its text and datatype IRI.

    Integers (every XSD integer type) as ``int``; decimals as ``int`` when whole, else ``float``;
    ``xsd:double``/``xsd:float`` as ``float``; ``xsd:boolean`` as ``bool``; anything else (strings,
    dates, a number that does not parse) as :class:`Lit`, its text.
    """
    convert = _CONVERT.get(datatype) if datatype is not None else None
    if convert is not None:
        try:
            return convert(text)
        except ValueError:
            pass
    return Lit(text)


def value_of(t: Any) -> Any:
    """A pyoxigraph term as a plain value: an IRI's text, ``"_:id"``, a literal's :func:`literal_value`."""
    kind = type(t)
    if kind is ox.NamedNode:
        return t.value
    if kind is ox.Literal:
        return literal_value(t.value, t.datatype.value)
    return "_:" + t.value


def value_of_rdflib(t: Any) -> Any:
    """An rdflib term as a plain value, as :func:`value_of` gives a pyoxigraph term."""
    from rdflib import BNode, Literal

    if isinstance(t, Literal):
        return literal_value(str(t), str(t.datatype) if t.datatype is not None else None)
    if isinstance(t, BNode):
        return "_:" + str(t)
    return str(t)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class ValueCollector:
    """Collects, from rdflib triples, the plain values (:func:`value_of_rdflib`) of some properties: each
    property's ``(subject, object)`` pairs, and of ``rdf:type`` only the pairs whose class is one of ``classes``
    (what :class:`graph.store.native.ValuesReader` reads). Each distinct term is converted once.

    >>> from rdflib import Literal, URIRef
    >>> c = ValueCollector(["https://e.org/p"], ["https://e.org/C"])
    >>> s, p, t = URIRef("https://e.org/s"), URIRef("https://e.org/p"), URIRef(RDF_TYPE)
    >>> found = c.collect([(s, p, Literal(4)), (s, t, URIRef("https://e.org/C")), (s, t, URIRef("https://e.org/D"))])
    >>> found["https://e.org/p"], found[RDF_TYPE]
    ([('https://e.org/s', 4)], [('https://e.org/s', 'https://e.org/C')])
    """

    def __init__(self, props: Any, classes: Any) -> None:
        from rdflib import URIRef

        self.props = frozenset(URIRef(str(p)) for p in props if str(p) != RDF_TYPE)
        self.classes = frozenset(URIRef(str(c)) for c in classes)
        self.type = URIRef(RDF_TYPE)
        self._values: dict = {}

    def value(self, t: Any) -> Any:
        found = self._values.get(t)
        if found is None:
            found = self._values[t] = value_of_rdflib(t)
        return found

    def collect(self, triples: Any) -> dict[str, list[tuple[Any, Any]]]:
        """Property IRI -> the ``(subject, object)`` values of ``triples`` (rdflib terms) collected, in order."""
        found: dict[str, list[tuple[Any, Any]]] = {}
        for _ in self.through(triples, found):
            pass
        return found

    def through(self, triples: Any, found: dict[str, list[tuple[Any, Any]]]) -> Any:
        """Each of ``triples``, as it passes, its values collected into ``found`` (as :meth:`collect` gives them)."""
        props, classes, rdf_type, value = self.props, self.classes, self.type, self.value
        for t in triples:
            s, p, o = t
            if p in props or (p == rdf_type and o in classes):
                key = str(p)
                pairs = found.get(key)
                if pairs is None:
                    pairs = found[key] = []
                pairs.append((value(s), value(o)))
            yield t


# --- between pyoxigraph and rdflib ----------------------------------------------------------------

def to_rdflib(term: Any) -> Any:
    """A pyoxigraph term (or ``None``) as an rdflib term, as rdflib's own parsers would give it."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    kind = type(term)
    if kind is ox.NamedNode:
        return URIRef(term.value)
    if kind is ox.BlankNode:
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    return Literal(term.value) if dt == XSD_STRING else Literal(term.value, datatype=URIRef(dt))


def to_oxigraph(term: Any) -> Any:
    """An rdflib term (or ``None``) as a pyoxigraph term.

    Raises
    ------
    TypeError
        For anything but an IRI, a blank node or a literal (a variable, a path).
    """
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


# --- text: N-Triples, N3, SPARQL ----------------------------------------------------------------

def nt_converter(terms: dict | None = None) -> Callable[[Any], str]:
    """A function from an rdflib term to its N-Triples form (as pyoxigraph writes it); each distinct
    term is converted once, and kept in ``terms`` (a new dict unless given: :func:`nt_lines` reads it)."""
    from rdflib import Literal, URIRef

    if terms is None:
        terms = {}
    named, literal = ox.NamedNode, ox.Literal

    def nt(x: Any) -> str:
        r = terms.get(x)
        if r is None:  # as to_oxigraph, an IRI and a literal without its chain of isinstance
            kind = x.__class__
            if kind is URIRef:
                r = str(named(x))
            elif kind is Literal:
                lang, dt = x.language, x.datatype
                r = str(literal(str(x), language=lang) if lang else
                        literal(str(x), datatype=named(str(dt)) if dt else None))
            else:
                r = str(to_oxigraph(x))
            terms[x] = r
        return r

    return nt


def nt_lines(triples: Any, nt: Callable[[Any], str], terms: dict) -> list[str]:
    """``[f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in triples]``, a term met already read from ``terms`` (the
    cache ``nt`` was made with, :func:`nt_converter`) without calling ``nt``."""
    get = terms.get
    return [f"{get(s) or nt(s)} {get(p) or nt(p)} {get(o) or nt(o)}" for s, p, o in triples]


_ESCAPES = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape(text: str) -> str:
    """The text of an N-Triples string or IRI with its escapes (``\\n``, ``\\"``, ``\\u00e9``...) decoded."""
    if "\\" not in text:
        return text
    return _ESCAPES.sub(lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" and len(m.group(1)) > 1
                        else _SIMPLE.get(m.group(1), m.group(1)), text)


def from_n3(text: str | None) -> Any:
    """The rdflib term written as ``text`` in N3 (an IRI, a blank node or a literal); ``None`` for none."""
    from rdflib.term import Node
    from rdflib.util import from_n3 as parse

    term = parse(text) if text else None
    return term if isinstance(term, Node) else None


def sparql_text(term: Any) -> str:
    """An IRI or a literal, pyoxigraph's or rdflib's, written as SPARQL reads it (escaped).

    Raises
    ------
    TypeError
        For anything else (a blank node cannot be bound; a string is not a term).
    """
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return str(term)
    rdflib = sys.modules.get("rdflib")  # a term of rdflib's exists only once rdflib is imported
    if rdflib is not None and isinstance(term, (rdflib.URIRef, rdflib.Literal)):
        return term.n3()
    raise TypeError(f"not an IRI or a literal: {term!r}")
