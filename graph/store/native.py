"""Reading an Oxigraph store with pyoxigraph alone: no rdflib, no networkx.

:func:`open_store` opens a store filled by ``serbia-kg build --store`` (read-only, checked to hold
a built dataset). :class:`StoreReader` (a :class:`Reader`) gives :func:`graph.ask.projection.facts`
each property it needs as plain Python values (:func:`graph.model.rdfterms.literal_value`), so that the projection of an
Oxigraph store never goes through rdflib.

Reading an Oxigraph store costs a lookup of each IRI's (or long literal's) text in every row
returned (4-10 µs of CPU at 1M triples; a short literal is inlined, about 1.5 µs), and about 10 µs
per index lookup, whatever the query: the reader's queries return only the terms it needs, the
projection's properties are read by object (:meth:`StoreReader.read`: a source's IRI read once, not
once for each of its claims), and a claim's quote comes from one query along the evidence chain.

>>> prefixes_of("PREFIX skg: <https://w3id.org/serbia-kg/ontology#>\\nASK {}")
{'skg': 'https://w3id.org/serbia-kg/ontology#'}
"""

from __future__ import annotations

import gc
import re
import warnings
import weakref
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Iterable

import pyoxigraph as ox

from graph.model import generation
from graph.model.errors import InputError, NotBuilt, OtherLayout, StaleStore
from graph.model.rdfterms import RDF_TYPE, literal_value, value_of
from graph.model.resources import ontology_dir
from graph.store.querytext import bind_values

__all__ = ["open_store", "layout_of", "check_layout", "rdflib_over", "oxigraph_of", "read_query", "prefixes_of",
           "Reader", "StoreReader", "ValuesReader", "paused_gc"]

_PREFIX = re.compile(r"^\s*PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def read_query(name: str) -> str:
    """The text of ``ontology/queries/lean/NAME.rq``."""
    return (ontology_dir() / "queries" / "lean" / f"{name}.rq").read_text(encoding="utf-8")


def prefixes_of(text: str) -> dict[str, str]:
    """The ``PREFIX`` declarations of a SPARQL text, as prefix -> namespace."""
    return {p: ns for p, ns in _PREFIX.findall(text)}


def layout_of(store) -> str | None:
    """The layout of the derived graphs that the dataset in a pyoxigraph ``store`` states
    (:data:`graph.model.generation.LAYOUT`; several, comma-separated), or ``None`` if it states none."""
    found = sorted({str(row["layout"].value) for row in store.query(read_query("layout"))})
    return ", ".join(found) if found else None


def check_layout(store, what: str, mend: str) -> None:
    """Refuse (:class:`OtherLayout`) a pyoxigraph ``store`` whose dataset is of another layout than this
    serbia-kg reads; ``what`` names it, ``mend`` says how to make it again."""
    problem = generation.layout_status(layout_of(store), what, mend)
    if problem:
        raise OtherLayout(problem)


def open_store(path: Path, *, what: str | None = None, mend: str | None = None):
    """The Oxigraph store at ``path``, read-only, checked to hold a built dataset of the layout this
    serbia-kg reads (``what`` names it and ``mend`` says what to run when it does not; by default the
    store and a build with ``--store``).

    Raises
    ------
    NotBuilt
        No store there, or one without a serbia-kg dataset.
    OtherLayout
        A store of another layout of the derived graphs (or of none: made by an older serbia-kg).
    InputError
        The store cannot be opened.
    """
    path = Path(path)
    if not path.is_dir() or not any(path.iterdir()):
        raise NotBuilt(f"no Oxigraph store at {path}: run 'serbia-kg build --store {path}' first", file=path)
    try:
        store = ox.Store.read_only(str(path))
    except OSError as exc:
        raise InputError(f"cannot open the Oxigraph store: {exc}", file=path) from exc
    if not bool(store.query(read_query("built"))):
        raise NotBuilt(f"the Oxigraph store at {path} holds no serbia-kg dataset: run "
                       f"'serbia-kg build --store {path}'", file=path)
    if what is None and path.parent.parent.name == generation.BUILDS:  # a generation's own store, resolved
        out = path.parent.parent.parent
        what, mend = f"the build in {out}", mend or generation.rebuild_advice(out)
    check_layout(store, what or f"the Oxigraph store at {path}",
                 mend or f"rebuild it with 'serbia-kg build --store {path}'")
    stale = generation.store_status(path)
    if stale:
        warnings.warn(StaleStore(stale), stacklevel=2)
    return store


def _text_key(value: Any) -> tuple[str, str]:
    return str(value), type(value).__name__


class Reader:
    """The few triple patterns the projection reads, each read once, as plain Python values.

    A term is an IRI's text (``str``), ``"_:id"`` for a blank node, and a literal's value
    (:func:`graph.model.rdfterms.literal_value`: a number, a boolean, or a ``Lit``). Every pattern reads the union
    of the named graphs. Subclasses give :meth:`_pairs` and :meth:`_subjects`; :class:`StoreReader`
    reads an Oxigraph store, :class:`graph.ask.projection.GraphReader` an rdflib graph.
    """

    def __init__(self) -> None:
        self._props: dict[str, dict[str, list]] = {}
        self._instances: dict[str, list[str]] = {}
        self._quotes: dict[tuple, dict[str, str]] = {}

    def _pairs(self, p: str):
        """Every (subject, object) of property ``p``, as terms (duplicates allowed)."""
        raise NotImplementedError

    def _subjects(self, cls: str):
        """Every instance of class ``cls`` (duplicates allowed)."""
        raise NotImplementedError

    def prop(self, p: str) -> dict[str, list]:
        """subject -> the distinct objects of property ``p``, sorted by their text."""
        key = str(p)
        table = self._props.get(key)
        if table is None:
            table = _table(self._pairs(key))
            self._props[key] = table
        return table

    def read(self, props: Iterable[str], classes: Iterable[str] = ()) -> None:
        """Read these properties and the instances of these classes now, for :meth:`prop` and
        :meth:`instances` to give (the same tables: only the way of reading differs; a table's subjects
        may come in another order). :class:`StoreReader` reads each property by object: a row per
        distinct object, with its subjects' IRIs, so that an object's text is read once, not once per
        subject (a source's for each of its 50 claims, a status for 10,000 transfers); and the classes
        in one query, a row per class."""
        for p in props:
            self.prop(p)
        for cls in classes:
            self.instances(cls)

    def values(self, p: str, subjects: Iterable[str]) -> dict[str, list]:
        """subject -> the distinct objects of ``p`` (as :meth:`prop` gives them), for ``subjects`` only
        (a subject without any is left out). Read from :meth:`prop`; :class:`StoreReader` asks the store
        about these subjects alone, unless it has read ``p`` whole already."""
        table = self.prop(p)
        return {s: table[s] for s in subjects if s in table}

    def having(self, p: str, objects: Iterable[Any]) -> dict[str, list]:
        """subject -> its objects of ``p`` among ``objects`` (IRIs), for the subjects that have one (as
        :meth:`prop` gives them). Read from :meth:`prop`; :class:`StoreReader` asks about these objects alone."""
        wanted = set(objects)
        found = {}
        for s, values in self.prop(p).items():
            kept = [v for v in values if v in wanted]
            if kept:
                found[s] = kept
        return found

    def one(self, p: str, s: str) -> Any:
        """The first object of ``p`` for ``s`` (``None`` when it has none)."""
        values = self.prop(p).get(s)
        return values[0] if values else None

    def instances(self, cls: str) -> list[str]:
        """The instances of class ``cls``, sorted."""
        key = str(cls)
        if key not in self._instances:
            self._instances[key] = sorted(set(self._subjects(key)))
        return self._instances[key]

    def quotes(self, evidence: str, selector: str, exact: str) -> dict[str, str]:
        """claim -> its quote: ``evidence``/``selector``/``exact``, the first by evidence, selector, text."""
        key = (str(evidence), str(selector), str(exact))
        if key not in self._quotes:
            self._quotes[key] = self._read_quotes(*key)
        return self._quotes[key]

    def quotes_of(self, claims: Iterable[str], evidence: str, selector: str, exact: str) -> dict[str, str]:
        """claim -> its quote, as :meth:`quotes` gives it, for ``claims`` only (:class:`StoreReader` asks
        the store about these claims alone, unless it has read every quote already)."""
        found = self.quotes(evidence, selector, exact)
        return {c: found[c] for c in claims if c in found}

    def quote_lookup(self, evidence: str, selector: str, exact: str) -> Callable[[str], str | None]:
        """A function giving a claim's quote as :meth:`quotes` gives it (``None``: none), each found when
        first asked for, from the three tables (a view draws the facts of a fifth of the claims); the
        table of :meth:`quotes` when it was read already. :class:`StoreReader` reads every quote at once."""
        key = (str(evidence), str(selector), str(exact))
        if key in self._quotes:
            return self._quotes[key].get
        evidences, selectors, texts = self.prop(key[0]), self.prop(key[1]), self.prop(key[2])
        found: dict[str, str | None] = {}

        def quote(claim: str) -> str | None:
            try:
                return found[claim]
            except KeyError:
                pass
            text = found[claim] = _best_quote(evidences.get(claim, ()), selectors, texts)
            return text

        return quote

    def _read_quotes(self, evidence: str, selector: str, exact: str) -> dict[str, str]:
        selectors, texts = self.prop(selector), self.prop(exact)
        found: dict[str, str] = {}
        for claim, evs in self.prop(evidence).items():
            best = _best_quote(evs, selectors, texts)
            if best is not None:
                found[claim] = best
        return found


def _best_quote(evidences: Iterable, selectors: dict, texts: dict) -> str | None:
    """A claim's quote from its evidence: the first by evidence, selector and text (``None``: none)."""
    best = min(((str(ev), str(sel), str(q)) for ev in evidences for sel in selectors.get(ev, ())
                for q in texts.get(sel, ())), default=None)
    return best[2] if best is not None else None


def _table(pairs: Iterable[tuple[str, Any]]) -> dict[str, list]:
    """subject -> its distinct objects, sorted by their text, from (subject, object) pairs."""
    table: dict[str, list] = {}
    get = table.get
    several: list[list] = []  # the lists given a second object (most subjects have one: not walked again)
    for s, o in pairs:
        values = get(s)
        if values is None:
            table[s] = [o]
        else:
            if len(values) == 1:
                several.append(values)
            if not any(type(v) is type(o) and v == o for v in values):
                values.append(o)
    for values in several:
        if len(values) > 1:
            values.sort(key=_text_key)
    return table


#: The store reader's questions; the IRIs they ask about are bound by :func:`graph.store.querytext.bind_values`.
_PAIRS = "SELECT ?s ?o WHERE { ?s ?p ?o }"
_INSTANCES = "SELECT ?s WHERE { ?s a ?cls }"
#: A claim's quotes (the predicates ?p1 exact, ?p2 selector, ?p3 evidence, bound by bind_values in each
#: sub-select that names them), and each claim's whole chains. Each pattern of the quotes is a sub-select
#: of its own, so that Oxigraph joins them by hashing: the one group it joins by looking each row up in
#: the store, 3.4x slower at 1M triples.
_QUOTES = ("SELECT ?c ?q WHERE { { SELECT ?sel ?q WHERE { ?sel ?p1 ?q } } "
           "{ SELECT ?ev ?sel WHERE { ?ev ?p2 ?sel } } { SELECT ?c ?ev WHERE { ?c ?p3 ?ev } } }")
_CHAINS = "SELECT ?c ?ev ?sel ?q WHERE { ?c ?p1 ?ev . ?ev ?p2 ?sel . ?sel ?p3 ?q }"
#: A property's subjects by object (:meth:`StoreReader.read`): each object's text read once, its subjects' in one text.
_BY_OBJECT = "SELECT ?o (GROUP_CONCAT(STR(?s); separator=\" \") AS ?ss) WHERE { ?s ?p ?o } GROUP BY ?o"
_BY_CLASS = "SELECT ?cls (GROUP_CONCAT(STR(?s); separator=\" \") AS ?ss) WHERE { ?s a ?cls } GROUP BY ?cls"



class StoreReader(Reader):
    """A :class:`Reader` of an Oxigraph store (a pyoxigraph ``Store``): one SPARQL pattern per property.

    Reading a term from the store costs a lookup of its text, so each pattern returns only the
    terms it needs, :meth:`read` returns each distinct object once (with its subjects' IRIs joined in
    one text), and a claim's quote comes from one query along the evidence chain.
    """

    def __init__(self, store) -> None:
        super().__init__()
        self.store = store

    def _query(self, text: str):
        return self.store.query(text, use_default_graph_as_union=True)

    def _pairs(self, p: str):
        named, literal = ox.NamedNode, ox.Literal
        for s, o in self._query(bind_values(_PAIRS, {"p": ox.NamedNode(p)})):
            kind = type(o)
            yield (s.value if type(s) is named else "_:" + s.value,
                   o.value if kind is named else literal_value(o.value, o.datatype.value) if kind is literal
                   else "_:" + o.value)

    def _subjects(self, cls: str):
        for (s,) in self._query(bind_values(_INSTANCES, {"cls": ox.NamedNode(cls)})):
            yield value_of(s)

    def read(self, props: Iterable[str], classes: Iterable[str] = ()) -> None:
        for p in dict.fromkeys(str(p) for p in props):
            if p not in self._props:
                self._props[p] = self._by_object(p)
        todo = [c for c in dict.fromkeys(str(c) for c in classes) if c not in self._instances]
        if todo:
            found: dict[str, list[str]] = {c: [] for c in todo}
            for cls, subjects in self._query(bind_values(_BY_CLASS, {"cls": [ox.NamedNode(c) for c in todo]})):
                if subjects is None:  # a blank node: read that class as instances() does
                    found[cls.value] = list(self._subjects(cls.value))
                else:
                    found[cls.value] = subjects.value.split(" ")
            for c in todo:
                self._instances[c] = sorted(set(found[c]))

    def _by_object(self, p: str) -> dict[str, list]:
        """The table of :meth:`prop` for ``p``, read a row per distinct object (its subjects' IRIs joined
        by spaces, which no IRI holds), its subjects in their order as text; read as :meth:`prop` reads it
        when a subject is a blank node (``STR`` of one is an error: that row's list is unbound)."""
        named, literal = ox.NamedNode, ox.Literal
        pairs: list[tuple[str, Any]] = []
        for o, subjects in self._query(bind_values(_BY_OBJECT, {"p": ox.NamedNode(p)})):
            if subjects is None:
                return _table(self._pairs(p))
            kind = type(o)
            value = (o.value if kind is named else literal_value(o.value, o.datatype.value) if kind is literal
                     else "_:" + o.value)
            pairs.extend(zip(subjects.value.split(" "), repeat(value)))
        return dict(sorted(_table(pairs).items()))

    def _bound_pairs(self, p: str, var: str, terms: list[str]):
        """(subject, object) of ``p`` with the subject (``var`` ``s``) or the object (``o``) each IRI of
        ``terms``: one index lookup each (a query binding 1,000 subjects in VALUES joined them by hash,
        reading the whole property: 13 s for 1,000 claims' types at 1M)."""
        quads, pred = self.store.quads_for_pattern, ox.NamedNode(p)
        for t in terms:
            node = ox.NamedNode(t)
            for q in (quads(node, pred, None) if var == "s" else quads(None, pred, node)):
                yield value_of(q.subject), value_of(q.object)

    def values(self, p: str, subjects: Iterable[str]) -> dict[str, list]:
        subjects = list(dict.fromkeys(subjects))
        if str(p) in self._props or any(s.startswith("_:") for s in subjects):  # a blank node cannot be bound
            return super().values(p, subjects)
        return _table(self._bound_pairs(str(p), "s", subjects))

    def having(self, p: str, objects: Iterable[Any]) -> dict[str, list]:
        objects = list(dict.fromkeys(objects))
        if str(p) in self._props or not all(type(o) is str and not o.startswith("_:") for o in objects):  # IRIs only
            return super().having(p, objects)
        return _table(self._bound_pairs(str(p), "o", objects))

    def quote_lookup(self, evidence: str, selector: str, exact: str) -> Callable[[str], str | None]:
        return self.quotes(evidence, selector, exact).get  # one query for every quote: fastest from a store

    def quotes_of(self, claims: Iterable[str], evidence: str, selector: str, exact: str) -> dict[str, str]:
        claims = list(dict.fromkeys(claims))
        key = (str(evidence), str(selector), str(exact))
        if key in self._quotes or any(c.startswith("_:") for c in claims):
            return super().quotes_of(claims, *key)
        quads = self.store.quads_for_pattern
        ev_p, sel_p, ex_p = ox.NamedNode(evidence), ox.NamedNode(selector), ox.NamedNode(exact)
        best: dict[str, tuple] = {}  # the first by evidence, selector, text (as _read_quotes chooses)
        for claim in claims:  # along the chain, one index lookup a step
            for e in quads(ox.NamedNode(claim), ev_p, None):
                for s in quads(e.object, sel_p, None):
                    for q in quads(s.object, ex_p, None):
                        cand = (str(value_of(e.object)), str(value_of(s.object)), q.object.value)
                        if claim not in best or cand < best[claim]:
                            best[claim] = cand
        return {c: best[c][2] for c in claims if c in best}

    def _read_quotes(self, evidence: str, selector: str, exact: str) -> dict[str, str]:
        ev_p, sel_p, ex_p = ox.NamedNode(evidence), ox.NamedNode(selector), ox.NamedNode(exact)
        chain = {"p1": ev_p, "p2": sel_p, "p3": ex_p}
        found: dict[str, Any] = {}
        for c, q in self._query(bind_values(_QUOTES, {"p1": ex_p, "p2": sel_p, "p3": ev_p})):
            claim, text = value_of(c), q.value
            seen = found.get(claim)
            if seen is None:
                found[claim] = text
            elif seen != text:  # several quotes: the first by evidence, selector, text (as Reader does)
                found[claim] = None
        several = sorted(c for c, q in found.items() if q is None)
        if any(c.startswith("_:") for c in several):  # blank nodes cannot be bound: read every chain
            asks = [bind_values(_CHAINS, chain)] if several else []
        else:
            asks = [bind_values(_CHAINS, {**chain, "c": [ox.NamedNode(c) for c in several[i:i + 1000]]})
                    for i in range(0, len(several), 1000)]
        best: dict[str, tuple] = {}
        for text in asks:
            for c, ev, sel, q in self._query(text):
                claim, cand = value_of(c), (str(value_of(ev)), str(value_of(sel)), q.value)
                if found.get(claim, "") is None and (claim not in best or cand < best[claim]):
                    best[claim] = cand
        for claim, cand in best.items():
            found[claim] = cand[2]
        return {c: q for c, q in found.items() if q is not None}


class ValuesReader(Reader):
    """A :class:`Reader` of values collected beforehand (:class:`graph.model.rdfterms.ValueCollector`): what a
    build's workers collect from the triples they compile, so that the view of a build without a store reads
    no N-Quads back (loading 1M triples into a store in memory took 7 s).

    ``values`` maps each property IRI to its ``(subject, object)`` values in the whole dataset (``rdf:type``:
    those of ``classes`` only). It reads ``props`` and the instances of ``classes``; asking for anything
    else is a mistake of the caller's (``LookupError``), never an empty answer.
    """

    def __init__(self, values: dict[str, list], props: Iterable[str], classes: Iterable[str]) -> None:
        super().__init__()
        self._values = values
        self._known = frozenset(str(p) for p in props)
        self._classes = frozenset(str(c) for c in classes)
        self._by_class: dict[str, list[str]] | None = None

    def _pairs(self, p: str):
        if p not in self._known or p == RDF_TYPE:
            raise LookupError(f"the collected values hold no property {p}")
        return self._values.get(p, ())

    def _subjects(self, cls: str):
        if cls not in self._classes:
            raise LookupError(f"the collected values hold no instances of {cls}")
        if self._by_class is None:
            by_class: dict[str, list[str]] = {c: [] for c in self._classes}
            for s, c in self._values.get(RDF_TYPE, ()):
                by_class[c].append(s)
            self._by_class = by_class
        return self._by_class[cls]


#: The pyoxigraph store under each oxrdflib store that :func:`rdflib_over` made (oxrdflib keeps its own
#: private): how an rdflib ``Dataset`` over an Oxigraph store is read natively.
_UNDER: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def rdflib_over(store: Any) -> Any:
    """An rdflib store (oxrdflib's) over the pyoxigraph ``store``, which :func:`oxigraph_of` finds again."""
    from oxrdflib import OxigraphStore

    wrapped = OxigraphStore(store=store)
    _UNDER[wrapped] = store
    return wrapped


def oxigraph_of(data: Any) -> Any:
    """The pyoxigraph ``Store`` that holds ``data`` (itself, or under an rdflib ``Dataset`` made over one by
    :func:`rdflib_over`), else ``None``: a query or a read on it runs natively, with no rdflib."""
    import sys

    ox = sys.modules.get("pyoxigraph")  # no pyoxigraph imported: no store of it either
    if ox is not None and isinstance(data, ox.Store):
        return data
    under = getattr(data, "store", None)
    try:
        return _UNDER.get(under) if under is not None else None
    except TypeError:  # a store that cannot be weakly referenced is none of ours
        return None


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector for a block that makes many objects and no cycles.

    Reading a store or building the projection makes hundreds of thousands of tuples, dicts and
    lists that all stay alive; each collection would walk all of them again (a third of the
    projection's time at 1M triples). Reference counting still frees everything as usual; the
    collector runs again afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # Everything the block made is still young: the first collection after it would walk all of
            # it (0.2 s at 1M triples, then again when it is promoted). Freezing and unfreezing moves
            # every tracked object to the oldest generation at once, where full collections still reach it.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
