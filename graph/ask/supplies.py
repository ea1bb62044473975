"""Who supplies whom: the rows of ``supplies``, made from the projection's ``supplies`` facts.

One row per fact (the claims of several sources about one transfer are one fact, merged by the
projection), with its sources and their quotes. :func:`rows` is the only code that makes a row:
the supplies index of an Oxigraph store (:mod:`graph.store.index`) keeps what it returns, so that a row
read from the index and a row computed from the projection are the same row.

This module imports nothing heavy (no rdflib, no networkx): a question the index answers starts
without them.

>>> row = make_row("ent:b", "ent:a", "supplies:x", {"category": None, "quantity": 3, "date": "2020",
...     "claim_ids": ["c1"], "evidence": [{"source": "s1", "title": "T", "quote": "q", "claim_id": "c1",
...     "date": "2021-01-02"}]}, label=str.upper, category_label=lambda c: c)
>>> row["supplier"], row["recipient"], row["quantity"], row["reported"], row["sources"][0]["issued"]
('ENT:B', 'ENT:A', 3, '2021-01-02', '2021-01-02')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, TypedDict

__all__ = ["Delivery", "Evidence", "SupplyRow", "deliveries_text", "Keyed", "rows", "make_row", "select", "evidence",
           "reported", "sort_key"]


class Delivery(TypedDict):
    """One delivery year of a transfer: the number delivered that year (None: no source gives it)."""

    year: int
    quantity: int | None
    estimated: list[str]


class Evidence(TypedDict, total=False):
    """One source of an answer: the source's id and title, the verbatim quote, the claim, the issue
    date, and what that claim alone says of the numbers and years (None when it says nothing)."""

    source: str | None
    title: str | None
    quote: str | None
    claim_id: str | None
    issued: str | None
    ordered: int | None
    delivered: int | None
    order_year: int | None
    deliveries: list[Delivery]


class SupplyRow(TypedDict):
    """One arms transfer as ``supplies`` gives it; JSON has the same keys in this order."""

    supplier: str | None  #: None when the sources do not name it
    recipient: str | None
    system: Any  #: a system's label, a list of labels (the sources name several), or None
    category: Any  #: a category's label, a list of labels, or None
    quantity: int | float | None  #: the deal's number: ordered, else delivered, else the one the sources agree on
    quantities: dict[str, int | float] | None  #: each source's number, only when they disagree
    ordered: int | None  #: the number ordered (None: unknown, never 0)
    delivered: int | None  #: the number delivered (by ``as_of`` when asked; None: unknown)
    deliveries: list[Delivery]  #: every delivery year with its number
    order_year: int | None
    date: str | None
    order_date: Any
    delivery_date: Any
    status: Any  #: ordered, delivering, delivered, ... (None when no source says)
    estimated: list[str]  #: which values a source marks as estimates
    condition: Any
    value: Any
    currency: Any
    reported: str | None  #: the first issue date of its sources
    supplier_id: str | None
    recipient_id: str | None
    category_id: Any  #: the category's id (or a list of ids), as ``category`` names it
    fact: str
    claims: list[str]
    sources: list[Evidence]


@dataclass(frozen=True)
class Keyed:
    """A row with the IRIs it is asked by: its recipient, its supplier, its one weapons system (or ``None``)."""

    recipient: str | None
    supplier: str | None
    system: str | None
    row: SupplyRow


def evidence(edge: dict) -> list[Evidence]:
    """The evidence of a projection edge as an answer gives it (``issued``: the source's issue date)."""
    out = []
    for e in edge["evidence"]:
        ev = Evidence(source=e["source"], title=e["title"], quote=e["quote"], claim_id=e["claim_id"],
                      issued=e["date"])
        for key in ("ordered", "delivered", "order_year", "deliveries"):
            if key in e:
                ev[key] = e[key]
        out.append(ev)
    return out


def reported(edge: dict) -> str | None:
    """The first issue date of an edge's sources (``None`` when none is dated)."""
    days = sorted(e["date"] for e in edge["evidence"] if e.get("date"))
    return days[0] if days else None


def _eid(key: str | None, base: str) -> str | None:
    if key is None:
        return None
    return key[len(base):] if key.startswith(base) else key


def make_row(u: str | None, v: str | None, key: str, d: dict, *, label: Callable[[str], str | None],
             category_label: Callable[[Any], Any], entity_base: str = "") -> SupplyRow:
    """The row of one ``supplies`` fact: ``u`` supplies ``v`` (either ``None`` when unnamed), ``d`` its edge."""
    return SupplyRow(
        supplier=label(u) if u is not None else None, recipient=label(v) if v is not None else None,
        system=d.get("system"), category=category_label(d["category"]), quantity=d["quantity"],
        quantities=d.get("quantities"), ordered=d.get("ordered"), delivered=d.get("delivered"),
        deliveries=d.get("deliveries") or [], order_year=d.get("order_year"), date=d["date"],
        order_date=d.get("order_date"), delivery_date=d.get("delivery_date"), status=d.get("status"),
        estimated=d.get("estimated") or [], condition=d.get("condition"),
        value=d.get("value"), currency=d.get("currency"), reported=reported(d),
        supplier_id=_eid(u, entity_base), recipient_id=_eid(v, entity_base), category_id=d["category"],
        fact=key, claims=d["claim_ids"], sources=evidence(d))


def deliveries_text(deliveries: list | None) -> str:
    """Deliveries in words, for tables, CSV and tooltips: ``2020: 11; 2021: 19`` (``?`` for an unknown number).

    >>> deliveries_text([{"year": 2020, "quantity": 11}, {"year": 2021, "quantity": None}])
    '2020: 11; 2021: ?'
    """
    return "; ".join(f"{d['year']}: {'?' if d.get('quantity') is None else d['quantity']}" for d in deliveries or [])


def sort_key(row: SupplyRow) -> tuple:
    """The order of the rows: by recipient, supplier (unnamed last), date, system, category."""
    return (row["recipient"] or "", row["supplier"] or "\uffff", row["date"] or "", row["system"] or "",
            str(row["category"]))


def rows(edges: Iterable[tuple[str | None, str | None, str, dict]], *, label: Callable[[str], str | None],
         category_label: Callable[[Any], Any], entity_base: str = "") -> list[Keyed]:
    """Every row of the ``supplies`` facts ``edges`` (``(supplier, recipient, key, attributes)``), in order."""
    found = [Keyed(v, u, d.get("system_iri"), make_row(u, v, key, d, label=label, category_label=category_label,
                                                       entity_base=entity_base))
             for u, v, key, d in edges]
    found.sort(key=lambda k: sort_key(k.row))
    return found


def select(keyed: Iterable[Keyed], *, to: str | None = None, supplier: str | None = None,
           system: str | None = None, categories: set[str] | None = None) -> list[SupplyRow]:
    """The rows whose recipient, supplier and system are the given IRIs (``None``: any), in order.

    ``categories``: keep rows with one of these category ids (``None``: any).
    """
    out = []
    for k in keyed:
        if to and k.recipient != to or supplier and k.supplier != supplier or system and k.system != system:
            continue
        if categories is not None:
            cats = k.row["category_id"] if isinstance(k.row["category_id"], list) else [k.row["category_id"]]
            if not categories & {c for c in cats if c}:
                continue
        out.append(k.row)
    return out
