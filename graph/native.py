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

__all__ = ["Fallback", "open_store", "read_query", "prefixes_of", "supplies", "python_value"]

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
    dt = term.datatype.value if term.datatype is not None else None
    text = term.value
    try:
        if dt in _INTEGERS:
            return int(text)
        if dt == _XSD + "decimal":
            number = float(text)
            return int(number) if number.is_integer() else number
        if dt in (_XSD + "double", _XSD + "float"):
            return float(text)
        if dt == _XSD + "boolean":
            return text.strip() in ("true", "1")
    except ValueError:
        pass
    return text


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
