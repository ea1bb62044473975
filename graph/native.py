"""Answering from an Oxigraph store with pyoxigraph alone: no rdflib, no networkx.

A command started from a cold shell pays for every module it imports: rdflib and networkx
alone take about 0.4 s. This module opens an Oxigraph store filled by ``serbia-kg build
--store`` and answers ``supplies`` with a few SPARQL queries (``ontology/queries/lean/*.rq``,
which declare their own prefixes), merging the claims of one fact in Python by the same rules
as :func:`graph.projection.facts` (claims linked by ``skg:sameFactAs`` make one row; a source's
deals are summed; one quantity when the sources agree, ``quantities`` when they disagree).

What it cannot answer exactly the same way (a name that is unknown or ambiguous, whose error
message lists suggestions), it refuses with :class:`Fallback`, and the caller takes the full
path (:class:`graph.questions.KnowledgeGraph`).

>>> prefixes_of("PREFIX skg: <https://w3id.org/serbia-kg/ontology#>\\nASK {}")
{'skg': 'https://w3id.org/serbia-kg/ontology#'}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import InputError, NotBuilt
from .groups import Groups
from .names import fold

__all__ = ["Fallback", "open_store", "read_query", "prefixes_of", "supplies", "python_value", "literal_value",
           "Lit", "Reader", "StoreReader", "oxigraph_store_of"]

_PREFIX = re.compile(r"^\s*PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                                "negativeInteger", "int", "long", "short", "byte", "unsignedInt",
                                "unsignedLong", "unsignedShort", "unsignedByte")}
_DATE_PROPS = ("date", "deliveryDate", "orderDate")  # a fact's date: the first one given
#: (row field, skg property) of a transfer, as graph.projection.EDGE_RULES declares for ``supplies``.
_EXTRAS = (("system", "system"), ("category", "category"), ("status", "transferStatus"),
           ("condition", "condition"), ("order_date", "orderDate"), ("delivery_date", "deliveryDate"),
           ("value", "valueAmount"), ("currency", "valueCurrency"))


class Fallback(Exception):
    """The lean path cannot give the answer exactly as the full path would: use the full path."""


def read_query(name: str) -> str:
    """The text of ``ontology/queries/lean/NAME.rq``."""
    from .resources import ontology_dir

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
    reads an Oxigraph store, :class:`graph.projection.GraphReader` an rdflib graph.
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


def _names(store, kind: str) -> dict[str, Any]:
    """Entity ids, and folded names -> ids, of the actors (or systems), as the registry resolves them.

    An entity of an actor class is an actor, whatever other class it has; a system is a weapons
    system of no actor class. Only entities with a preferred label count, as in the registry.
    """
    text = read_query("names")
    pre = prefixes_of(text)
    base, system = pre["ent"], pre["skg"] + "WeaponsSystem"
    classes: dict[str, set] = {}
    names: dict[str, set] = {}
    for row in store.query(text, use_default_graph_as_union=True):
        e = row["e"].value
        if e.startswith(base):
            classes.setdefault(e, set()).add(row["cls"].value)
            names.setdefault(e, set()).add(row["l"].value)
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


def _resolve(store, name: str, kind: str, cache: dict) -> str:
    if kind not in cache:
        cache[kind] = _names(store, kind)
    names = cache[kind]
    if name in names["ids"]:
        return names["ids"][name]
    hits = names["index"].get(fold(name), [])
    if len(hits) == 1:
        return names["ids"][hits[0]]
    raise Fallback(name)  # unknown or ambiguous: the full path says so, with suggestions


def supplies(store, to: str | None = None, supplier: str | None = None, system: str | None = None) -> list[dict]:
    """The rows of :meth:`graph.questions.KnowledgeGraph.supplies` (without category or dates).

    Parameters
    ----------
    store:
        A pyoxigraph ``Store`` (see :func:`open_store`).
    to, supplier, system:
        Names (id, label or alias) of the recipient, the supplier, the weapons system.

    Returns
    -------
    list of dict
        The same rows, fields and order as the full path.

    Raises
    ------
    Fallback
        A name the lean path cannot resolve to exactly one entity.
    """
    import pyoxigraph as ox

    cache: dict = {}
    want = {"to": _resolve(store, to, "actor", cache) if to else None,
            "from": _resolve(store, supplier, "actor", cache) if supplier else None,
            "system": _resolve(store, system, "system", cache) if system else None}
    # the given names, as terms written by pyoxigraph (escaped): never text pasted into the query
    seed = " ".join(f"VALUES ?{k} {{ {ox.NamedNode(want[k])} }} ?c skg:{p} ?{k} ."
                    for k, p in (("to", "recipient"), ("from", "supplier"), ("system", "system")) if want[k])
    found = [row["m"] for row in store.query(read_query("supplies-seed").replace("#SEED", seed + " #", 1),
                                              use_default_graph_as_union=True)]
    text = read_query("supplies-claims")
    pre = prefixes_of(text)
    skg, prov, dct = pre["skg"], pre["prov"], pre["dcterms"]
    block = "VALUES ?m { " + " ".join(str(m) for m in found) + " }"
    text = text.replace("#CLAIMS", block + " #", 1)
    props: dict[str, dict[str, set]] = {}
    source_props: dict[str, dict[str, set]] = {}
    quotes: dict[str, list[tuple[str, str, str]]] = {}
    for row in (store.query(text, use_default_graph_as_union=True) if found else ()):
        m, k, o = row["m"].value, row["k"].value, row["o"]
        p = row["p"].value if row["p"] is not None else None
        if k == "p":
            props.setdefault(m, {}).setdefault(p, set()).add(o)
        elif k == "s":
            source_props.setdefault(m, {}).setdefault(p, set()).add(o)
        else:
            quotes.setdefault(m, []).append((row["ev"].value, row["sel"].value, o.value))

    def values(c: str, prop: str) -> list:
        """The claim's objects of ``prop``, sorted by their text (as the projection's reader)."""
        return sorted(props.get(c, {}).get(prop, ()), key=lambda t: t.value)

    def is_iri(t) -> bool:
        return isinstance(t, ox.NamedNode)

    # every entity or concept the transfers name: kinds, labels, categories
    named = {t.value for c in props for prop in ("supplier", "recipient", "system", "category")
             for t in props[c].get(skg + prop, ()) if is_iri(t)}
    info = _nodes(store, named)
    more = {str(c) for e in named for c in info.get(e, {}).get("category", ())} - named
    if more:
        info.update(_nodes(store, more))

    def kind(e: str) -> str | None:
        kinds = info.get(e, {}).get("kind")
        if not kinds:
            return None
        return "actor" if any(k == "actor" for _, k in kinds) else max(kinds)[1]

    def wanted_node(e: Any) -> bool:
        return is_iri(e) and kind(e.value) not in (None, "system")

    def node_label(e: str) -> str:
        labels = sorted(info.get(e, {}).get("label", ()))
        src = pre_nodes["src"]
        return labels[0] if labels else (e[len(src):] if e.startswith(src) else e)

    pre_nodes = prefixes_of(read_query("supplies-nodes"))
    skv = pre_nodes["skv"]

    def value_of(t: Any) -> Any:
        if not is_iri(t):
            return python_value(t)
        if t.value.startswith(skv):
            return t.value[len(skv):]
        if kind(t.value) is not None:
            return node_label(t.value)
        return t.value

    # facts: claims linked by sameFactAs, the smallest IRI of each linked set its key
    same = Groups()
    for a in sorted(props):
        for b in values(a, skg + "sameFactAs"):
            same.union(a, b.value)
    find = same.find

    transfer = skg + "ArmsTransfer"
    pending: dict[tuple, list[str]] = {}
    for c in sorted(props):
        if not any(t.value == transfer for t in props[c].get(pre["rdf"] + "type", ())):
            continue
        sources_ = values(c, skg + "supplier")
        targets = values(c, skg + "recipient")
        ends_u = [s.value for s in sources_ if wanted_node(s)] or ([None] if not sources_ else [])
        ends_v = [t.value for t in targets if wanted_node(t)] or ([None] if not targets else [])
        for u in ends_u:
            for v in ends_v:
                pending.setdefault(("" if u is None else u, "" if v is None else v, find(c)), []).append(c)

    def first(c: str, prop: str) -> str | None:
        vs = sorted(source_props.get(c, {}).get(prop, ()), key=lambda t: t.value)
        return vs[0].value if vs else None

    def claim_source(c: str) -> str | None:
        vs = values(c, prov + "wasDerivedFrom")
        return vs[0].value if vs else None

    def quote(c: str) -> str | None:
        found = sorted(quotes.get(c, []))
        return found[0][2] if found else None

    src_base = pre_nodes["src"]

    def evidence(c: str) -> dict:
        src = claim_source(c)
        ids = values(c, skg + "claimId")
        return {"claim": c, "claim_id": ids[0].value if ids else "",
                "source": (src[len(src_base):] if src.startswith(src_base) else src) if src else None,
                "title": first(c, dct + "title"), "quote": quote(c), "issued": first(c, dct + "issued")}

    def claim_dates(c: str) -> list[str]:
        for prop in _DATE_PROPS:
            vs = values(c, skg + prop)
            if vs:
                return [vs[0].value]
        return []

    cat_label = {e: sorted(d.get("label", ()))[0] for e, d in info.items() if d.get("scheme") and d.get("label")}
    claim_base, ent = pre_nodes["claim"], pre_nodes["ent"]

    def _eid(key):
        return None if key is None else (key[len(ent):] if key.startswith(ent) else key)
    rows = []
    for (u, v, fact), claims in sorted(pending.items()):
        claims = sorted(set(claims))
        if want["to"] and v != want["to"] or want["from"] and u != want["from"]:
            continue
        systems = sorted({t.value for c in claims for t in values(c, skg + "system")})
        system_iri = systems[0] if len(systems) == 1 else None
        if want["system"] and system_iri != want["system"]:
            continue
        ev = sorted((evidence(c) for c in claims), key=lambda e: (e["source"] or "", e["claim_id"]))
        dates = [d for c in claims for d in claim_dates(c)]
        per_source: dict[str, Any] = {}
        for c in claims:
            qs = [python_value(q) for q in values(c, skg + "quantity")]
            if qs:
                src = claim_source(c)
                key = (src[len(src_base):] if src.startswith(src_base) else src) if src else c
                per_source[key] = per_source.get(key, 0) + qs[0]
        totals = sorted(set(per_source.values()))
        extras: dict[str, Any] = {}
        for name, prop in _EXTRAS:
            vals = sorted({value_of(x) for c in claims for x in values(c, skg + prop)}, key=str)
            extras[name] = vals[0] if len(vals) == 1 else (vals or None)
        cats = sorted({x.value for c in claims for x in values(c, skg + "category")})
        if not cats and systems:
            cats = sorted({str(x) for s in systems for x in info.get(s, {}).get("category", ())})
        cat_ids = [c[len(skv):] if c.startswith(skv) else (node_label(c) if kind(c) else c) for c in cats]
        category = cat_ids[0] if len(cat_ids) == 1 else (cat_ids or None)
        cat_iri = {c[len(skv):] if c.startswith(skv) else c: c for c in cats}

        def label_of_cat(cid):
            if isinstance(cid, list):
                return [label_of_cat(x) for x in cid]
            return cat_label.get(cat_iri.get(cid, ""), cid) if cid is not None else None

        reported = sorted(e["issued"] for e in ev if e.get("issued"))
        rows.append({
            "supplier": node_label(u) if u else None, "recipient": node_label(v) if v else None,
            "system": extras["system"], "category": label_of_cat(category),
            "quantity": totals[0] if len(totals) == 1 else None,
            "quantities": dict(sorted(per_source.items())) if len(totals) > 1 else None,
            "date": _earliest(dates), "order_date": extras["order_date"],
            "delivery_date": extras["delivery_date"], "status": extras["status"],
            "condition": extras["condition"], "value": extras["value"], "currency": extras["currency"],
            "reported": reported[0] if reported else None,
            "supplier_id": _eid(u or None), "recipient_id": _eid(v or None), "category_id": category,
            "fact": f"supplies:{fact[len(claim_base):] if fact.startswith(claim_base) else fact}",
            "claims": sorted({e["claim_id"] for e in ev}),
            "sources": [{"source": e["source"], "title": e["title"], "quote": e["quote"],
                         "claim_id": e["claim_id"], "issued": e["issued"]} for e in ev],
        })
    rows.sort(key=lambda r: (r["recipient"] or "", r["supplier"] or "\uffff", r["date"] or "",
                             r["system"] or "", str(r["category"])))
    return rows


_DAY = re.compile(r"^(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?$")


def _earliest(dates: list[str]) -> str | None:
    """The date whose span starts first (the first such in the list), as graph.projection picks it."""
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
    block = "VALUES ?e { " + " ".join(str(ox.NamedNode(i)) for i in sorted(iris)) + " }"
    text = read_query("supplies-nodes").replace("#VALUES", block + " #", 1)
    for row in store.query(text, use_default_graph_as_union=True):
        d = info.setdefault(row["e"].value, {})
        k = row["k"].value
        if k == "kind":
            d.setdefault("kind", set()).add((int(row["order"].value), row["o"].value))
        elif k == "scheme":
            d["scheme"] = True
        else:
            d.setdefault(k, set()).add(row["o"].value)
    return info
