"""Answering from an Oxigraph store with pyoxigraph alone: no rdflib, no networkx.

A command started from a cold shell pays for every module it imports: rdflib and networkx
alone take about 0.4 s. This module opens an Oxigraph store filled by ``serbia-kg build
--store`` and answers ``supplies`` with a few SPARQL queries (``ontology/queries/lean/*.rq``,
which declare their own prefixes), merging the claims of one fact in Python by the same rules
as :func:`graph.ask.projection.facts` (claims linked by ``skg:sameFactAs`` make one row; a source's
deals are summed; one quantity when the sources agree, ``quantities`` when they disagree).

What it cannot answer exactly the same way (a name that is unknown or ambiguous, whose error
message lists suggestions), it refuses with :class:`Fallback`, and the caller takes the full
path (:class:`graph.ask.questions.KnowledgeGraph`).

It also reads a store for the projection: :class:`StoreReader` (a :class:`Reader`) gives
:func:`graph.ask.projection.facts` each property it needs as plain Python values, so that the
projection of an Oxigraph store never goes through rdflib.

Reading an Oxigraph store costs about 2-3 µs per term returned (its text is looked up) and about
10 µs per index lookup, whatever the query: the queries here return only the terms a row is
made of, bind the given name's pattern first, and read a claim's properties with one lookup
(``?c ?p ?o`` filtered) rather than one per property.

>>> prefixes_of("PREFIX skg: <https://w3id.org/serbia-kg/ontology#>\\nASK {}")
{'skg': 'https://w3id.org/serbia-kg/ontology#'}
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph.model.errors import InputError, NotBuilt
from graph.model.groups import Groups
from graph.model.names import fold

__all__ = ["Fallback", "open_store", "read_query", "prefixes_of", "supplies", "supplies_keyed", "names_of",
           "python_value", "literal_value", "Lit", "Reader", "StoreReader", "NODE_KINDS", "paused_gc"]

_PREFIX = re.compile(r"^\s*PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                                "negativeInteger", "int", "long", "short", "byte", "unsignedInt",
                                "unsignedLong", "unsignedShort", "unsignedByte")}
_DATE_PROPS = ("date", "deliveryDate", "orderDate")  # a fact's date: the first one given
#: (row field, skg property) of a transfer, as graph.ask.projection.EDGE_RULES declares for ``supplies``.
_EXTRAS = (("system", "system"), ("category", "category"), ("status", "transferStatus"),
           ("condition", "condition"), ("order_date", "orderDate"), ("delivery_date", "deliveryDate"),
           ("value", "valueAmount"), ("currency", "valueCurrency"))


class Fallback(Exception):
    """The lean path cannot give the answer exactly as the full path would: use the full path."""


def read_query(name: str) -> str:
    """The text of ``ontology/queries/lean/NAME.rq``."""
    from graph.model.resources import ontology_dir

    return (ontology_dir() / "queries" / "lean" / f"{name}.rq").read_text(encoding="utf-8")


def prefixes_of(text: str) -> dict[str, str]:
    """The ``PREFIX`` declarations of a SPARQL text, as prefix -> namespace."""
    return {p: ns for p, ns in _PREFIX.findall(text)}


def open_store(path: Path):
    """The Oxigraph store at ``path``, read-only, checked to hold a built dataset.

    Raises
    ------
    NotBuilt
        No store there, or one without a serbia-kg dataset.
    InputError
        The store cannot be opened.
    """
    import pyoxigraph as ox

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
    return store


def python_value(term: Any) -> Any:
    """A pyoxigraph literal as the projection gives it (numbers as numbers, the rest as its text)."""
    return literal_value(term.value, term.datatype.value if term.datatype is not None else None)


def literal_value(text: str, datatype: str | None) -> Any:
    """A literal's value as the projection gives it, from its text and datatype IRI.

    Integers (every XSD integer type) as ``int``; decimals as ``int`` when whole, else ``float``;
    ``xsd:double``/``xsd:float`` as ``float``; ``xsd:boolean`` as ``bool``; anything else (strings,
    dates, a number that does not parse) as :class:`Lit`, its text.

    >>> literal_value("4", "http://www.w3.org/2001/XMLSchema#integer"), literal_value("61.0", _XSD + "decimal")
    (4, 61)
    >>> literal_value("2021-05", _XSD + "gYearMonth")
    '2021-05'
    """
    convert = _CONVERT.get(datatype) if datatype is not None else None
    if convert is not None:
        try:
            return convert(text)
        except ValueError:
            pass
    return Lit(text)


class Lit(str):
    """A literal whose value is its text (a string, a date ...): a ``str`` marked as not an IRI."""

    __slots__ = ()


def _decimal(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _boolean(text: str) -> bool:
    return text.strip() in ("true", "1")


_CONVERT: dict[str, Any] = {**{t: int for t in _INTEGERS}, _XSD + "decimal": _decimal, _XSD + "double": float,
                            _XSD + "float": float, _XSD + "boolean": _boolean}


def _text_key(value: Any) -> tuple[str, str]:
    return str(value), type(value).__name__


class Reader:
    """The few triple patterns the projection reads, each read once, as plain Python values.

    A term is an IRI's text (``str``), ``"_:id"`` for a blank node, and a literal's value
    (:func:`literal_value`: a number, a boolean, or a :class:`Lit`). Every pattern reads the union
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
            table = {}
            for s, o in self._pairs(key):
                values = table.get(s)
                if values is None:
                    table[s] = [o]
                elif not any(type(v) is type(o) and v == o for v in values):
                    values.append(o)
            for values in table.values():
                if len(values) > 1:
                    values.sort(key=_text_key)
            self._props[key] = table
        return table

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

    def _read_quotes(self, evidence: str, selector: str, exact: str) -> dict[str, str]:
        selectors, texts = self.prop(selector), self.prop(exact)
        found: dict[str, str] = {}
        for claim, evs in self.prop(evidence).items():
            best = min(((str(ev), str(sel), str(q)) for ev in evs for sel in selectors.get(ev, ())
                        for q in texts.get(sel, ())), default=None)
            if best is not None:
                found[claim] = best[2]
        return found


def _term(t: Any) -> Any:
    """A pyoxigraph term as a :class:`Reader` term."""
    import pyoxigraph as ox

    kind = type(t)
    if kind is ox.NamedNode:
        return t.value
    if kind is ox.Literal:
        return literal_value(t.value, t.datatype.value)
    return "_:" + t.value


class StoreReader(Reader):
    """A :class:`Reader` of an Oxigraph store (a pyoxigraph ``Store``): one SPARQL pattern per property.

    Reading a term from the store costs a lookup of its text, so each pattern returns only the
    terms it needs, and a claim's quote comes from one query along the evidence chain.
    """

    def __init__(self, store) -> None:
        super().__init__()
        self.store = store

    def _query(self, text: str):
        return self.store.query(text, use_default_graph_as_union=True)

    def _pairs(self, p: str):
        import pyoxigraph as ox

        named, literal = ox.NamedNode, ox.Literal
        for s, o in self._query(f"SELECT ?s ?o WHERE {{ ?s {ox.NamedNode(p)} ?o }}"):
            kind = type(o)
            yield (s.value if type(s) is named else "_:" + s.value,
                   o.value if kind is named else literal_value(o.value, o.datatype.value) if kind is literal
                   else "_:" + o.value)

    def _subjects(self, cls: str):
        import pyoxigraph as ox

        for (s,) in self._query(f"SELECT ?s WHERE {{ ?s a {ox.NamedNode(cls)} }}"):
            yield _term(s)

    def _read_quotes(self, evidence: str, selector: str, exact: str) -> dict[str, str]:
        import pyoxigraph as ox

        ev_p, sel_p, ex_p = (str(ox.NamedNode(x)) for x in (evidence, selector, exact))
        # from the texts back to the claims: Oxigraph joins in the order written
        found: dict[str, Any] = {}
        for c, q in self._query(f"SELECT ?c ?q WHERE {{ ?sel {ex_p} ?q . ?ev {sel_p} ?sel . ?c {ev_p} ?ev }}"):
            claim, text = _term(c), q.value
            seen = found.get(claim)
            if seen is None:
                found[claim] = text
            elif seen != text:  # several quotes: the first by evidence, selector, text (as Reader does)
                found[claim] = None
        several = sorted(c for c, q in found.items() if q is None)
        chain = f"?c {ev_p} ?ev . ?ev {sel_p} ?sel . ?sel {ex_p} ?q"
        if any(c.startswith("_:") for c in several):  # blank nodes cannot be bound: read every chain
            asks = [f"SELECT ?c ?ev ?sel ?q WHERE {{ {chain} }}"] if several else []
        else:
            asks = [f"SELECT ?c ?ev ?sel ?q WHERE {{ VALUES ?c {{ "
                    f"{' '.join(str(ox.NamedNode(c)) for c in several[i:i + 1000])} }} {chain} }}"
                    for i in range(0, len(several), 1000)]
        best: dict[str, tuple] = {}
        for text in asks:
            for c, ev, sel, q in self._query(text):
                claim, cand = _term(c), (str(_term(ev)), str(_term(sel)), q.value)
                if found.get(claim, "") is None and (claim not in best or cand < best[claim]):
                    best[claim] = cand
        for claim, cand in best.items():
            found[claim] = cand[2]
        return {c: q for c, q in found.items() if q is not None}


#: Node kinds of the entity classes (local names), in the order of graph.ask.projection.NODE_KINDS (a test
#: checks that they agree): an entity of several classes takes the kind of the last, unless one is an actor's.
NODE_KINDS = (("State", "actor"), ("InternationalOrganisation", "actor"), ("StateBody", "actor"),
              ("Group", "actor"), ("Person", "actor"), ("Organisation", "actor"), ("WeaponsSystem", "system"),
              ("Programme", "programme"), ("Place", "place"), ("LegalInstrument", "instrument"),
              ("Resolution", "instrument"), ("Source", "source"))


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
            gc.enable()


def _query(store, text: str):
    return store.query(text, use_default_graph_as_union=True)


def names_of(store, kind: str) -> dict[str, Any]:
    """Entity ids, and folded names -> ids, of the actors (or systems), as the registry resolves them.

    An entity of an actor class is an actor, whatever other class it has; a system is a weapons
    system of no actor class. Only entities with a preferred label count, as in the registry.
    """
    text = read_query("names")
    pre = prefixes_of(text)
    base, system = pre["ent"], pre["skg"] + "WeaponsSystem"
    classes: dict[str, set] = {}
    names: dict[str, set] = {}
    for e, cls, label in _query(store, text):
        e = e.value
        if e.startswith(base):
            classes.setdefault(e, set()).add(cls.value)
            names.setdefault(e, set()).add(label.value)
    ids: dict[str, str] = {}
    index: dict[str, list[str]] = {}
    for e in sorted(classes):
        is_actor = bool(classes[e] - {system})
        if is_actor != (kind == "actor"):
            continue
        eid = e[len(base):]
        ids[eid] = e
        for name in [eid] + sorted(names[e]):
            found = index.setdefault(fold(name), [])
            if eid not in found:
                found.append(eid)
    return {"ids": ids, "index": index}


def _by_id(store, name: str, kind: str) -> str | None:
    """The entity whose id is ``name`` exactly, if it is of ``kind`` (as :func:`names_of` counts it), else ``None``."""
    import pyoxigraph as ox

    text = read_query("entity")
    pre = prefixes_of(text)
    try:
        node = ox.NamedNode(pre["ent"] + name)
    except ValueError:
        return None
    classes = {cls.value for (cls,) in _query(store, text.replace("#ENTITY", f"VALUES ?e {{ {node} }} #", 1))}
    if not classes:
        return None
    is_actor = bool(classes - {pre["skg"] + "WeaponsSystem"})
    return node.value if is_actor == (kind == "actor") else None


def _resolve(store, name: str, kind: str, cache: dict) -> str:
    """The IRI of the actor (or system) ``name`` denotes: its id (one small query), else a label or alias."""
    found = _by_id(store, name, kind)
    if found is not None:
        return found
    if kind not in cache:
        cache[kind] = names_of(store, kind)
    names = cache[kind]
    if name in names["ids"]:
        return names["ids"][name]
    hits = names["index"].get(fold(name), [])
    if len(hits) == 1:
        return names["ids"][hits[0]]
    raise Fallback(name)  # unknown or ambiguous: the full path says so, with suggestions


def _is_iri(value: Any) -> bool:
    return type(value) is str and not value.startswith("_:")


def _claims_of(props: dict[str, dict[str, list]], store, selection: str) -> None:
    """Read the properties of the claims ``selection`` selects (supplies-claims.rq) into ``props``."""
    import pyoxigraph as ox

    named, literal = ox.NamedNode, ox.Literal
    text = read_query("supplies-claims").replace("#CLAIMS", selection + " #", 1)
    for c, p, o in _query(store, text):
        kind = type(o)
        value = o.value if kind is named else literal_value(o.value, o.datatype.value) if kind is literal \
            else "_:" + o.value
        table = props.setdefault(c.value if type(c) is named else "_:" + c.value, {})
        values = table.get(p.value)
        if values is None:
            table[p.value] = [value]
        elif not any(type(v) is type(value) and v == value for v in values):
            values.append(value)


def _quotes_of(quotes: dict[str, str], store, selection: str) -> None:
    """Each claim's quote (supplies-quotes.rq), into ``quotes``; with several, the first by evidence, selector, text."""
    import pyoxigraph as ox

    text = read_query("supplies-quotes")
    several: dict[str, None] = {}
    for c, q in _query(store, text.replace("#CLAIMS", selection + " #", 1)):
        claim = _term(c)
        seen = quotes.get(claim)
        if seen is None:
            quotes[claim] = q.value
        elif seen != q.value:
            several[claim] = None
    ask = sorted(c for c in several if _is_iri(c))
    for i in range(0, len(ask), 1000):
        block = "VALUES ?c { " + " ".join(str(ox.NamedNode(c)) for c in ask[i:i + 1000]) + " }"
        best: dict[str, tuple] = {}
        for c, q, ev, sel in _query(store, text.replace("#MORE", "?ev ?sel #", 1).replace("#CLAIMS", block + " #", 1)):
            claim, cand = c.value, (str(_term(ev)), str(_term(sel)), q.value)
            if claim not in best or cand < best[claim]:
                best[claim] = cand
        for claim, cand in best.items():
            quotes[claim] = cand[2]


def supplies(store, to: str | None = None, supplier: str | None = None, system: str | None = None,
             index: Path | None = None) -> list[dict]:
    """The rows of :meth:`graph.ask.questions.KnowledgeGraph.supplies` (without category or dates).

    A few queries, each reading only what the rows are made of: the transfers the names select
    and their properties (the given name's pattern first), every ``skg:sameFactAs`` link (to add
    the claims linked to them), their quotes, their sources' titles and dates, and the labels and
    kinds of what they name. The claims of one fact are merged as :func:`graph.ask.projection.facts`
    merges them.

    Parameters
    ----------
    store:
        A pyoxigraph ``Store`` (see :func:`open_store`).
    to, supplier, system:
        Names (id, label or alias) of the recipient, the supplier, the weapons system.

    index:
        The store's folder. Where it holds a supplies index (:mod:`graph.store.index`), the names are
        resolved and the rows read there; otherwise (or with ``None``) they are computed.

    Returns
    -------
    list of dict
        The same rows, fields and order as the full path.

    Raises
    ------
    Fallback
        A name the lean path cannot resolve to exactly one entity.
    """
    asked = {"to": (to, "actor"), "from": (supplier, "actor"), "system": (system, "system")}
    found = None
    if index is not None:
        from graph.store.index import Index

        found = Index.open(index)
    if found is not None:
        try:
            want = {k: found.resolve(name, kind) if name else None for k, (name, kind) in asked.items()}
            for k, (name, _) in asked.items():
                if name and want[k] is None:
                    raise Fallback(name)  # unknown or ambiguous: the full path says so, with suggestions
            return found.rows(to=want["to"], supplier=want["from"], system=want["system"])
        finally:
            found.close()
    cache: dict = {}
    want = {k: _resolve(store, name, kind, cache) if name else None for k, (name, kind) in asked.items()}
    with paused_gc():
        return [row for *_, row in _supplies(store, want)]


def supplies_keyed(store) -> list[tuple[str | None, str | None, str | None, dict]]:
    """Every supplies row of ``store``, in order, each with the IRIs it is asked by.

    ``(recipient, supplier, system, row)``: the row's recipient and supplier (``None`` when the
    claims name none) and its one weapons system (``None`` when it has none, or several). The rows
    of :func:`supplies` for given names are those whose IRIs match them, in the same order
    (:mod:`graph.store.index` keeps them so).
    """
    with paused_gc():
        return _supplies(store, {"to": None, "from": None, "system": None})


def _supplies(store, want: dict[str, str | None]) -> list[tuple[str | None, str | None, str | None, dict]]:
    import pyoxigraph as ox

    pre = prefixes_of(read_query("supplies-claims"))
    skg, prov, rdf_type = pre["skg"], pre["prov"], pre["rdf"] + "type"
    # The claims the given names select, the most selective pattern first (Oxigraph joins in the
    # order written); the names as terms written by pyoxigraph (escaped), never text pasted into the
    # query. The class is checked on the rows read (a claim of another class naming the recipient is
    # read, and left out), which spares a lookup per claim; with no name, the class selects.
    seed = " ".join(f"VALUES ?{k} {{ {ox.NamedNode(want[k])} }} ?c skg:{p} ?{k} ."
                    for k, p in (("to", "recipient"), ("from", "supplier"), ("system", "system")) if want[k])
    seed = seed or "?c a skg:ArmsTransfer ."
    props: dict[str, dict[str, list]] = {}
    quotes: dict[str, str] = {}
    _claims_of(props, store, seed)
    found = list(props)
    if found:
        _quotes_of(quotes, store, seed)

    # facts: claims linked by sameFactAs (any distance), the smallest IRI of each linked set its key
    same = Groups()
    for a, b in _query(store, read_query("supplies-links")):
        same.union(_term(a), _term(b))
    linked = {m: group for group in same.groups() for m in group}
    more = sorted({m for c in found for m in linked.get(c, ())} - set(props))
    for i in range(0, len(more), 1000):
        block = "VALUES ?c { " + " ".join(str(ox.NamedNode(m)) for m in more[i:i + 1000] if _is_iri(m)) + " }"
        _claims_of(props, store, block)
        _quotes_of(quotes, store, block)
    for table in props.values():
        for values in table.values():
            if len(values) > 1:
                values.sort(key=_text_key)
    find = same.find

    P_TYPE, P_SUPPLIER, P_RECIPIENT, P_SYSTEM, P_CATEGORY, P_ID, P_SOURCE, P_QUANTITY = (
        rdf_type, skg + "supplier", skg + "recipient", skg + "system", skg + "category", skg + "claimId",
        prov + "wasDerivedFrom", skg + "quantity")
    date_props = [skg + p for p in _DATE_PROPS]
    extra_props = [(name, skg + p) for name, p in _EXTRAS]
    empty: tuple = ()

    def claim_source(c: str) -> str | None:
        vs = props[c].get(P_SOURCE)
        return vs[0] if vs else None

    # the sources' titles and issue dates
    sources = sorted({s for c in props if (s := claim_source(c)) is not None and _is_iri(s)})
    text = read_query("supplies-sources")
    dct = prefixes_of(text)["dcterms"]
    source_props: dict[str, dict[str, list]] = {}
    for i in range(0, len(sources), 1000):
        block = "VALUES ?s { " + " ".join(str(ox.NamedNode(s)) for s in sources[i:i + 1000]) + " }"
        for s, p, o in _query(store, text.replace("#SOURCES", block + " #", 1)):
            source_props.setdefault(s.value, {}).setdefault(p.value, []).append(o.value)
    titles = {s: min(d[dct + "title"]) for s, d in source_props.items() if d.get(dct + "title")}
    issued = {s: min(d[dct + "issued"]) for s, d in source_props.items() if d.get(dct + "issued")}

    # every entity or concept the transfers name: kinds, labels, categories
    named = {t for c in props for prop in (P_SUPPLIER, P_RECIPIENT, P_SYSTEM, P_CATEGORY)
             for t in props[c].get(prop, empty) if _is_iri(t)}
    info = _nodes(store, named)
    extra = {c for e in named for c in info.get(e, {}).get("category", ()) if _is_iri(c)} - named
    if extra:
        info.update(_nodes(store, extra))
    kinds: dict[str, str] = {}
    for e, d in info.items():
        ks = d.get("kind")
        if ks:
            kinds[e] = "actor" if any(k == "actor" for _, k in ks) else max(ks)[1]

    pre_nodes = prefixes_of(read_query("supplies-nodes"))
    skv, src_base, claim_base, ent = pre_nodes["skv"], pre_nodes["src"], pre_nodes["claim"], pre_nodes["ent"]
    labels = {e: min(d["label"]) for e, d in info.items() if d.get("label")}

    def node_label(e: str) -> str:
        label = labels.get(e)
        return label if label is not None else (e[len(src_base):] if e.startswith(src_base) else e)

    def wanted_node(e: Any) -> bool:
        return _is_iri(e) and kinds.get(e) not in (None, "system")

    def value_of(t: Any) -> Any:
        if not _is_iri(t):
            return str(t) if isinstance(t, Lit) else t
        if t.startswith(skv):
            return t[len(skv):]
        if t in kinds:
            return node_label(t)
        return t

    def source_id(src: str) -> str:
        return src[len(src_base):] if src.startswith(src_base) else src

    transfer = skg + "ArmsTransfer"
    pending: dict[tuple, list[str]] = {}
    for c in sorted(props):
        pc = props[c]
        if transfer not in pc.get(P_TYPE, empty):
            continue
        sources_ = pc.get(P_SUPPLIER, empty)
        targets = pc.get(P_RECIPIENT, empty)
        ends_u = [s for s in sources_ if wanted_node(s)] or ([None] if not sources_ else [])
        ends_v = [t for t in targets if wanted_node(t)] or ([None] if not targets else [])
        for u in ends_u:
            for v in ends_v:
                pending.setdefault(("" if u is None else u, "" if v is None else v, find(c)), []).append(c)

    def evidence(c: str) -> dict:
        src = claim_source(c)
        ids = props[c].get(P_ID)
        return {"claim": c, "claim_id": str(ids[0]) if ids else "",
                "source": source_id(src) if src else None,
                "title": titles.get(src), "quote": quotes.get(c), "issued": issued.get(src)}

    def claim_dates(c: str) -> list[str]:
        pc = props[c]
        for prop in date_props:
            vs = pc.get(prop)
            if vs:
                return [str(vs[0])]
        return []

    cat_label = {e: labels[e] for e, d in info.items() if d.get("scheme") and e in labels}

    def _eid(key):
        return None if key is None else (key[len(ent):] if key.startswith(ent) else key)
    rows = []
    want_to, want_from, want_system = want["to"], want["from"], want["system"]
    for (u, v, fact), claims in sorted(pending.items()):
        if want_to and v != want_to or want_from and u != want_from:
            continue
        claims = sorted(set(claims)) if len(claims) > 1 else claims
        systems = sorted({str(t) for c in claims for t in props[c].get(P_SYSTEM, empty)})
        system_iri = systems[0] if len(systems) == 1 else None
        if want_system and system_iri != want_system:
            continue
        ev = [evidence(c) for c in claims]
        if len(ev) > 1:
            ev.sort(key=lambda e: (e["source"] or "", e["claim_id"]))
        dates = [d for c in claims for d in claim_dates(c)]
        per_source: dict[str, Any] = {}
        for c in claims:
            qs = props[c].get(P_QUANTITY)
            if qs:
                src = claim_source(c)
                key = source_id(src) if src else c
                per_source[key] = per_source.get(key, 0) + qs[0]
        totals = sorted(set(per_source.values()))
        extras: dict[str, Any] = {}
        for name, prop in extra_props:
            vals = {value_of(x) for c in claims for x in props[c].get(prop, empty)}
            extras[name] = (vals.pop() if len(vals) == 1 else sorted(vals, key=str)) if vals else None
        cats = sorted({str(x) for c in claims for x in props[c].get(P_CATEGORY, empty)})
        if not cats and systems:
            cats = sorted({str(x) for s in systems for x in info.get(s, {}).get("category", ())})
        cat_ids = [c[len(skv):] if c.startswith(skv) else (node_label(c) if c in kinds else c) for c in cats]
        category = cat_ids[0] if len(cat_ids) == 1 else (cat_ids or None)
        cat_iri = {c[len(skv):] if c.startswith(skv) else c: c for c in cats}

        def label_of_cat(cid):
            if isinstance(cid, list):
                return [label_of_cat(x) for x in cid]
            return cat_label.get(cat_iri.get(cid, ""), cid) if cid is not None else None

        reported = [e["issued"] for e in ev if e["issued"]]
        rows.append((v or None, u or None, system_iri, {
            "supplier": node_label(u) if u else None, "recipient": node_label(v) if v else None,
            "system": extras["system"], "category": label_of_cat(category),
            "quantity": totals[0] if len(totals) == 1 else None,
            "quantities": dict(sorted(per_source.items())) if len(totals) > 1 else None,
            "date": _earliest(dates), "order_date": extras["order_date"],
            "delivery_date": extras["delivery_date"], "status": extras["status"],
            "condition": extras["condition"], "value": extras["value"], "currency": extras["currency"],
            "reported": min(reported) if reported else None,
            "supplier_id": _eid(u or None), "recipient_id": _eid(v or None), "category_id": category,
            "fact": f"supplies:{fact[len(claim_base):] if fact.startswith(claim_base) else fact}",
            "claims": sorted({e["claim_id"] for e in ev}),
            "sources": [{"source": e["source"], "title": e["title"], "quote": e["quote"],
                         "claim_id": e["claim_id"], "issued": e["issued"]} for e in ev],
        }))
    rows.sort(key=lambda k: (k[3]["recipient"] or "", k[3]["supplier"] or "\uffff", k[3]["date"] or "",
                             k[3]["system"] or "", str(k[3]["category"])))
    return rows


_DAY = re.compile(r"^(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?$")


def _earliest(dates: list[str]) -> str | None:
    """The date whose span starts first (the first such in the list), as graph.ask.projection picks it."""
    if not dates:
        return None

    def start(d: str) -> tuple:
        m = _DAY.match(d.strip()[:10] if len(d.strip()) > 10 and d[4:5] == "-" else d.strip())
        if not m:
            raise Fallback(d)
        return int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)

    return min(dates, key=start)


def _nodes(store, iris: set[str]) -> dict[str, dict]:
    """Kinds (order, kind), preferred labels, categories and scheme membership of the given IRIs."""
    import pyoxigraph as ox

    info: dict[str, dict] = {}
    if not iris:
        return info
    text = read_query("supplies-nodes")
    pre = prefixes_of(text)
    kinds = {pre["skg"] + cls: (order, kind) for order, (cls, kind) in enumerate(NODE_KINDS)}
    keys = {pre["rdf"] + "type": "kind", pre["skos"] + "prefLabel": "label", pre["skg"] + "category": "category",
            pre["skos"] + "inScheme": "scheme"}
    scheme = pre["skv"] + "SystemCategories"
    block = "VALUES ?e { " + " ".join(str(ox.NamedNode(i)) for i in sorted(iris)) + " }"
    for e, p, o in _query(store, text.replace("#VALUES", block + " #", 1)):
        d = info.setdefault(e.value, {})
        k, o = keys[p.value], o.value
        if k == "kind":
            if o in kinds:
                d.setdefault("kind", set()).add(kinds[o])
        elif k == "scheme":
            if o == scheme:
                d["scheme"] = True
        else:
            d.setdefault(k, set()).add(o)
    return info
