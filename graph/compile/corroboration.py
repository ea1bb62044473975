"""Several sources, one fact: link transfer claims of different sources, and find where they disagree.

After every source has compiled, :func:`link` compares the arms transfers of each pair of
sources and writes what it finds into a derived named graph, ``kgg:links``:

- ``skg:sameFactAs`` (both ways) when two claims agree on supplier, recipient and system and
  their quantities and dates are compatible. SIPRI deal ids decide between two releases of
  SIPRI. When an article's number is the sum of several deals of one dataset (the article's
  "6 MiG-29 fighters" are SIPRI's 1 MiG-29 and 5 MiG-29S), it is linked to all of them;
- ``skg:possiblySameFactAs`` (both ways) when one claim names only a kind of system (China's
  "air-defense system") and the other a system of that kind, between the same supplier and
  recipient, at a plausible time: a candidate, never an equation;
- ``skg:conflictsWith`` (both ways) when the claims agree on supplier, recipient and system but
  disagree on a quantity, a year or (for one SIPRI deal id) a party. :func:`conflicts` describes
  each with both sides' values, sources and quotes (``serbia-kg conflicts``).

Timing keeps different deals apart: a deal ordered after an article was published, or not
delivered by then while the article says "received", is another deal, not a conflict; two
dated orders of different years are two deals. An article (or report) drives the comparison
with a dataset; between two datasets, the one whose id sorts first.

Everything here is a pure function of the dataset (sorted iteration, no I/O), so a build stays
deterministic. :func:`independent_sources` counts the sources behind a fact: releases of one
dataset by one publisher count once, and a republication is already the same source.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from rdflib import Dataset, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from graph.model.independence import independence_key
from graph.model.registry import broader_categories
from graph.model.groups import Groups
from graph.model.schema import POSSIBLE, PROVEN
from graph.model.terms import GRAPH, OA, SKG, SKV

__all__ = ["Transfer", "Side", "Conflict", "Corroboration", "PROVEN", "POSSIBLE", "Triples", "transfers", "corroborate",
           "link_transfers", "link", "conflicts", "independent_sources", "fact_groups",
           "linked_conflicts", "LINKS"]

#: The derived named graph the links are written to.
LINKS = GRAPH.links


@dataclass
class Transfer:
    """A transfer claim, read from the dataset: what matching needs."""

    iri: URIRef
    claim_id: str
    source: URIRef
    source_kind: str | None
    source_title: str
    publisher: URIRef | None
    issued_year: int | None
    supplier: URIRef | None
    recipient: URIRef | None
    system: URIRef | None
    category: URIRef | None  # the claim's category, else its system's
    status: str | None
    deal_id: str | None
    order_year: int | None
    order_estimated: bool
    quantity: int | None
    ordered: int | None
    delivered: int | None
    delivered_estimated: bool
    years: dict[int, tuple[int | None, bool]] = field(default_factory=dict)  # year -> (number, estimated)
    delivery_text: str | None = None
    quote: str = ""

    @property
    def is_dataset(self) -> bool:
        return self.source_kind == "dataset"

    def delivered_number(self) -> int | None:
        if self.delivered is not None:
            return self.delivered
        return self.quantity if self.status == "delivered" else None

    def ordered_number(self) -> int | None:
        if self.ordered is not None:
            return self.ordered
        return self.quantity if self.status in ("ordered", "purchased") else None

    def delivered_by(self, year: int | None) -> int | None:
        """How many were delivered by the end of ``year`` (all when ``year`` is None), if known."""
        if year is None or not self.years:
            return self.delivered_number()
        if all(n is not None for n, _ in self.years.values()):
            return sum(n for y, (n, _) in self.years.items() if y <= year and n is not None)
        return self.delivered_number() if max(self.years) <= year else None


@dataclass
class Side:
    """One side of a conflict: an independent source's value and the claim(s) and quote(s) it rests on.

    ``sources`` lists every source behind the side: the releases of one dataset say it once.
    """

    source: str
    source_title: str
    value: str
    claims: list[str]       # claim IRIs
    claim_ids: list[str]
    quotes: list[str]
    estimated: bool = False
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sources:
            self.sources = [self.source]

    def as_dict(self) -> dict:
        return {"source": self.source, "sources": self.sources, "title": self.source_title, "value": self.value,
                "claims": self.claims, "claim_ids": self.claim_ids, "quotes": self.quotes,
                "estimated": self.estimated}


#: A disagreement both sides prove: they describe one deal (one deal id, or one number or year of it); a date
#: that differs where the sides may describe different deliveries (:data:`graph.model.schema.PROVEN`, ``POSSIBLE``).


@dataclass
class Conflict:
    """Two independent sources that describe one transfer but disagree on one value.

    ``kind`` is :data:`PROVEN` or :data:`POSSIBLE`.
    """

    field: str
    supplier: str
    recipient: str
    system: str
    sides: tuple[Side, Side]
    kind: str = PROVEN

    def as_dict(self) -> dict:
        return {"field": self.field, "kind": self.kind, "supplier": self.supplier, "recipient": self.recipient,
                "system": self.system, "sides": [s.as_dict() for s in self.sides]}


@dataclass
class Corroboration:
    """What linking found: pairs of claim IRIs (each pair sorted), and the conflicts."""

    same: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    possible: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    conflicts: list[Conflict] = field(default_factory=list)
    conflicting: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    possibly_conflicting: set[tuple[URIRef, URIRef]] = field(default_factory=set)

    def triples(self) -> Iterable[tuple]:
        for prop, pairs in ((SKG.sameFactAs, self.same), (SKG.possiblySameFactAs, self.possible),
                            (SKG.conflictsWith, self.conflicting),
                            (SKG.possiblyConflictsWith, self.possibly_conflicting - self.conflicting)):
            for a, b in sorted(pairs):
                yield a, prop, b
                yield b, prop, a


# --- reading ------------------------------------------------------------------------------------

class Triples:
    """Plain triples indexed for the patterns corroboration reads, with the ``quads`` method of an
    rdflib ``Dataset`` (the graph name is None): a build corroborates its compiled triples without
    loading them into rdflib."""

    def __init__(self, triples: Iterable[tuple], base: Triples | None = None) -> None:
        """``base``: triples indexed already (the ontology's and the registry's, the same for every slice of a
        build), read before these. With a base (a slice's triples, read by :func:`transfers` through sets), a
        triple repeated, or held by the base, is indexed again, not looked for first (hashing rdflib's
        literals is Python): a pattern's quads may then repeat one; without a base, every triple is once."""
        self.base = base
        self.unique = dict.fromkeys(triples) if base is None else {}
        self.by_sp: dict[tuple, list] = {}
        #: what by_po and by_p index, once asked for
        self._read: Iterable[tuple] = self.unique if base is None else list(triples)
        self._by_po: dict[tuple, list] | None = None
        self._by_p: dict | None = None
        by_sp = self.by_sp
        for s, p, o in self._read:
            found = by_sp.get((s, p))
            if found is None:
                by_sp[(s, p)] = [o]
            else:
                found.append(o)

    @property
    def by_po(self) -> dict[tuple, list]:
        """The subjects of each (predicate, object), indexed at the first use (:func:`transfers` asks once)."""
        if self._by_po is None:
            by_po: dict[tuple, list] = {}
            self._by_po = by_po
            for s, p, o in self._read:
                found = by_po.get((p, o))
                if found is None:
                    by_po[(p, o)] = [s]
                else:
                    found.append(s)
        return self._by_po

    @property
    def by_p(self) -> dict:
        """The triples of each predicate, indexed at the first use."""
        if self._by_p is None:
            self._by_p = {}
            for t in self._read:
                self._by_p.setdefault(t[1], []).append(t)
        return self._by_p

    def _get(self, index: str, key: Any) -> list:
        found = getattr(self, index).get(key, [])
        return getattr(self.base, index).get(key, []) + found if self.base is not None else found

    def objects(self, s: Any, p: Any) -> list:
        """The objects of ``(s, p, ?)``: the base's, then these (a list not to be changed)."""
        found = self.by_sp.get((s, p), _NONE)
        if self.base is not None:
            before = self.base.by_sp.get((s, p))
            if before:
                return before + found
        return found

    def quads(self, pattern: tuple) -> Iterator[tuple]:
        s, p, o, _ = pattern
        if s is not None and p is not None and o is None:
            return ((s, p, x, None) for x in self.objects(s, p))
        if s is None and p is not None and o is not None:
            return ((x, p, o, None) for x in self._get("by_po", (p, o)))
        if s is None and p is not None and o is None:
            return ((a, b, c, None) for a, b, c in self._get("by_p", p))
        raise ValueError(f"pattern not indexed: {pattern}")


_NONE: list = []


class _View:
    """Reads values across the named graphs of a dataset (or of :class:`Triples`), sorted."""

    def __init__(self, ds: Dataset | Triples) -> None:
        self.ds = ds
        self._triples = ds if isinstance(ds, Triples) else None

    def objects(self, s, p) -> list:
        if self._triples is not None:  # its index read at once (no quads made)
            found = self._triples.objects(s, p)
            # one value or none (most): no set, whose literals' hashing is a Python method
            return list(found) if len(found) < 2 else sorted(set(found))
        return sorted({o for _, _, o, _ in self.ds.quads((s, p, None, None))})

    def value(self, s, p):
        values = self.objects(s, p)
        return values[0] if values else None

    def subjects(self, p, o) -> list:
        return sorted({s for s, _, _, _ in self.ds.quads((None, p, o, None))})


def _local(node) -> str | None:
    return str(node).rsplit("/", 1)[-1] if node is not None else None


def _int(node) -> int | None:
    return int(node) if node is not None else None


def _year(node) -> int | None:
    return int(str(node)[:4]) if node is not None else None


class _Terms:
    """A namespace's terms, each made once (rdflib's namespaces make the IRI again, and check it, at every use)."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace
        self._items: dict[str, URIRef] = {}

    def __getattr__(self, name: str) -> URIRef:  # a term's first use: kept as an attribute after
        if name.startswith("_"):
            raise AttributeError(name)
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        term = self._items.get(name)
        if term is None:
            term = self._items[name] = self._namespace[name]
        return term


_SKG, _PROV, _DCTERMS, _OA, _RDF, _SKV = map(_Terms, (SKG, PROV, DCTERMS, OA, RDF, SKV))


def transfers(ds: Dataset | Triples, claims: Iterable[URIRef] | None = None) -> list[Transfer]:
    """Every arms-transfer claim of the dataset (or those of ``claims``), sorted by IRI."""
    v = _View(ds)
    out = []
    wanted = v.subjects(_RDF.type, _SKG.ArmsTransfer) if claims is None else sorted(set(claims))
    for c in wanted:
        source = v.value(c, _PROV.wasDerivedFrom)
        system = v.value(c, _SKG.system)
        years: dict[int, tuple[int | None, bool]] = {}
        number_estimated = False
        for d in v.objects(c, _SKG.delivery):
            marks = v.objects(d, _SKG.estimated)
            year = _year(v.value(d, _SKG.date))
            if year is not None:  # the shapes require a delivery's date
                years[year] = (_int(v.value(d, _SKG.quantity)), _SKV["delivery-year"] in marks)
            number_estimated = number_estimated or _SKV["number-delivered"] in marks
        delivery = v.value(c, _SKG.deliveryDate)
        if delivery is not None and not years:
            years[int(str(delivery)[:4])] = (None, False)
        flags = v.objects(c, _SKG.estimated)
        quote = ""
        for ev in v.objects(c, _SKG.evidence):
            for sel in v.objects(ev, _OA.hasSelector):
                exact = v.value(sel, _OA.exact)
                if exact is not None:
                    quote = str(exact)
        issued = v.value(source, _DCTERMS.issued) if source is not None else None
        out.append(Transfer(
            iri=c, claim_id=str(v.value(c, _SKG.claimId) or c), source=source,
            source_kind=str(v.value(source, _SKG.sourceKind)) if source is not None else None,
            source_title=str(v.value(source, _DCTERMS.title) or ""),
            publisher=v.value(source, _DCTERMS.publisher) if source is not None else None,
            issued_year=_year(issued), supplier=v.value(c, _SKG.supplier), recipient=v.value(c, _SKG.recipient),
            system=system, category=v.value(c, _SKG.category) or (v.value(system, _SKG.category) if system else None),
            status=_local(v.value(c, _SKG.transferStatus)),
            deal_id=str(v.value(c, _SKG.dealId)) if v.value(c, _SKG.dealId) is not None else None,
            order_year=_year(v.value(c, _SKG.orderDate)), order_estimated=_SKV["order-date"] in flags,
            quantity=_int(v.value(c, _SKG.quantity)), ordered=_int(v.value(c, _SKG.quantityOrdered)),
            delivered=_int(v.value(c, _SKG.quantityDelivered)),
            delivered_estimated=number_estimated or _SKV["number-delivered"] in flags, years=years,
            delivery_text=str(delivery) if delivery is not None else None, quote=quote))
    return out


# --- matching -----------------------------------------------------------------------------------

def _categories_fit(a: URIRef | None, b: URIRef | None, up: dict) -> bool:
    if a is None or b is None:
        return True
    return a in up.get(b, {b}) or b in up.get(a, {a})


def _within(a: URIRef | None, kind: URIRef | None, up: dict) -> bool:
    """Whether category ``a`` is ``kind`` or narrower."""
    return a is not None and kind is not None and kind in up.get(a, {a})


def _timing_fits(a: Transfer, b: Transfer) -> bool:
    """Whether ``b`` could be the deal ``a`` speaks of, given when ``a``'s source was issued (and back)."""
    for x, y in ((a, b), (b, a)):
        if x.issued_year is None or x.is_dataset:
            continue
        if y.order_year is not None and y.order_year > x.issued_year:
            return False
        if x.status == "delivered" and (not y.years or min(y.years) > x.issued_year):
            return False
    if a.order_year is not None and b.order_year is not None:
        tolerance = 1 if (a.order_estimated or b.order_estimated) else 0
        if abs(a.order_year - b.order_year) > tolerance:
            return False
    return True


def _differences(a: Transfer, b: Transfer, labels: dict) -> list[tuple[str, str, str, bool, bool]]:
    """(field, a's value, b's value, a estimated, b estimated) for each value the two disagree on."""
    out = []
    if a.deal_id is not None and a.deal_id == b.deal_id:
        for name, x, y in (("supplier", a.supplier, b.supplier), ("recipient", a.recipient, b.recipient),
                           ("system", a.system, b.system)):
            if x is not None and y is not None and x != y:
                out.append((name, labels.get(x, str(x)), labels.get(y, str(y)), False, False))
        if a.order_year is not None and b.order_year is not None and a.order_year != b.order_year:
            out.append(("order year", str(a.order_year), str(b.order_year), a.order_estimated, b.order_estimated))
    comparable_years = not a.years or not b.years or set(a.years) == set(b.years)
    if comparable_years:
        nx_ = a.delivered_by(b.issued_year if not b.is_dataset else None)
        ny = b.delivered_by(a.issued_year if not a.is_dataset else None)
        if nx_ is not None and ny is not None and nx_ != ny:
            out.append(("number delivered", str(nx_), str(ny), a.delivered_estimated, b.delivered_estimated))
    ox, oy = a.ordered_number(), b.ordered_number()
    if ox is not None and oy is not None and ox != oy:
        out.append(("number ordered", str(ox), str(oy), False, False))
    if a.years and b.years:
        def close(ya, yb):
            tolerance = 1 if (a.years[ya][1] or b.years[yb][1]) else 0
            return abs(ya - yb) <= tolerance
        if not any(close(ya, yb) for ya in a.years for yb in b.years):
            out.append(("delivery year", _years_text(a), _years_text(b), any(e for _, e in a.years.values()),
                        any(e for _, e in b.years.values())))
    return out


def _years_text(t: Transfer) -> str:
    if t.delivery_text and len(t.years) == 1 and t.years[next(iter(t.years))][0] is None and not t.is_dataset:
        return t.delivery_text
    return ", ".join(str(y) for y in sorted(t.years))


def _side(t: list[Transfer], value: str, estimated: bool) -> Side:
    return Side(source=str(t[0].source).rsplit("/", 1)[-1], source_title=t[0].source_title, value=value,
                claims=[str(x.iri) for x in t], claim_ids=[x.claim_id for x in t], quotes=[x.quote for x in t],
                estimated=estimated)


class _Index:
    """One source's transfers, grouped (in order) by deal id, by supplier-recipient-system and by
    supplier-recipient: a transfer can only match those of another source that share one of these."""

    def __init__(self, transfers: list[Transfer]) -> None:
        self.has_deal = any(t.deal_id is not None for t in transfers)
        self.position = {id(t): i for i, t in enumerate(transfers)}
        self.by_deal: dict = {}
        self.by_system: dict = {}
        self.by_parties: dict = {}
        for t in transfers:
            if t.deal_id is not None:
                self.by_deal.setdefault(t.deal_id, []).append(t)
            self.by_system.setdefault((t.system, t.supplier, t.recipient), []).append(t)
            self.by_parties.setdefault((t.supplier, t.recipient), []).append(t)
        self.parties = {k for k in self.by_parties if None not in k}
        # claims naming only a kind of system, between named parties: candidates for possiblySameFactAs
        self.kinds = [t for t in transfers if t.system is None and t.category is not None
                      and t.supplier is not None and t.recipient is not None]

    def meeting(self, other: "_Index") -> list[Transfer]:
        """This source's transfers that have candidates among ``other``'s (by deal id, else by
        system, supplier and recipient), in this source's order."""
        by_deal = other.has_deal  # then a transfer with a deal id meets by it alone
        found = [t for k in self.by_system.keys() & other.by_system.keys() if None not in k
                 for t in self.by_system[k] if not (by_deal and t.deal_id is not None)]
        if by_deal:
            found += [t for k in self.by_deal.keys() & other.by_deal.keys() for t in self.by_deal[k]]
        return sorted((t for t in found if t.recipient is not None), key=lambda t: self.position[id(t)])


def _pair(driver: list[Transfer], other: list[Transfer], up: dict, labels: dict, result: Corroboration,
          index: dict | None = None) -> None:
    index = index if index is not None else {}
    di = index.get(id(driver)) or _Index(driver)
    oi = index.get(id(other)) or _Index(other)
    linked: set[URIRef] = set()
    for d in di.meeting(oi):  # the others have no candidates
        if d.deal_id is not None and oi.has_deal:
            cands = list(oi.by_deal.get(d.deal_id, []))
        else:  # meeting() gave only transfers with a system and a supplier here
            cands = [o for o in oi.by_system.get((d.system, d.supplier, d.recipient), [])
                     if _categories_fit(d.category, o.category, up) and _timing_fits(d, o)]
        if not cands:
            continue
        diffs = {o.iri: _differences(d, o, labels) for o in cands}
        fitting = [o for o in cands if not diffs[o.iri]]
        if not fitting and len(cands) > 1:
            fitting = _summing(d, cands, diffs)
        if fitting:
            for o in fitting:
                result.same.add(tuple(sorted((d.iri, o.iri))))
                linked.update((d.iri, o.iri))
            continue
        want = d.delivered_number()
        if len(cands) > 1 and want is not None and all(
                {f for f, *_ in diffs[o.iri]} == {"number delivered"} for o in cands):
            total = sum(o.delivered_by(d.issued_year if not d.is_dataset else None) or 0 for o in cands)
            result.conflicts.append(_conflict("number delivered", labels, d, cands, str(want), str(total),
                                              False, any(o.delivered_estimated for o in cands)))
            for o in cands:
                result.conflicting.add(tuple(sorted((d.iri, o.iri))))
            continue
        for o in cands:
            kinds = set()
            for name, x, y, ex, ey in diffs[o.iri]:
                found = _conflict(name, labels, d, [o], x, y, ex, ey)
                found.kind = _kind(name, d, o)
                kinds.add(found.kind)
                result.conflicts.append(found)
            pair = tuple(sorted((d.iri, o.iri)))
            (result.conflicting if PROVEN in kinds else result.possibly_conflicting).add(pair)
    # kinds of systems: candidates only
    for a_index, b_index in ((di, oi), (oi, di)):
        for a in a_index.kinds:
            for b in b_index.by_parties.get((a.supplier, a.recipient), []):
                if (b.iri in linked or b.supplier != a.supplier or b.recipient != a.recipient
                        or not _within(b.category, a.category, up) or not _timing_fits(a, b)):
                    continue
                na, nb = a.delivered_number(), b.delivered_by(a.issued_year if not a.is_dataset else None)
                if na is not None and nb is not None and na != nb:
                    continue
                result.possible.add(tuple(sorted((a.iri, b.iri))))


def _pairs(indexes: list[_Index], up: dict) -> Iterator[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, of sources (their :class:`_Index`, in source order) whose
    transfers :func:`_pair` could link, in sorted order: those that share a deal id or a system
    between one supplier and one recipient, or where one names only a kind of system that the
    other's transfer between the same parties is of.

    Found through the keys that make two claims comparable, not by comparing every pair of
    sources sharing a party: the work grows with the pairs that can match, not with the square
    of the sources. A pair left out is one :func:`_pair` finds nothing in.
    """
    # each key, with the (ascending) sources that have it; a pair is made by the same key on both
    # sides, or by a kind of system on one side and a transfer of that kind on the other
    same: dict[tuple, list[int]] = {}
    kinds: dict[tuple, list[int]] = {}
    within: dict[tuple, list[int]] = {}
    mine: list[tuple[list[tuple], list[tuple], list[tuple]]] = []
    kind_parties = {(a.supplier, a.recipient) for ix in indexes for a in ix.kinds}
    for i, ix in enumerate(indexes):
        keys = ([("deal", d) for d in ix.by_deal]
                + [("system", k) for k in ix.by_system if None not in k])
        kind_keys = list(dict.fromkeys((a.supplier, a.recipient, a.category) for a in ix.kinds))
        within_keys = list(dict.fromkeys((s, r, c) for (s, r), ts in ix.by_parties.items() if (s, r) in kind_parties
                                         for t in ts if t.category is not None
                                         for c in up.get(t.category, {t.category})))
        mine.append((keys, kind_keys, within_keys))
        for table, found in ((same, keys), (kinds, kind_keys), (within, within_keys)):
            for key in found:
                table.setdefault(key, []).append(i)
    for i, (keys, kind_keys, within_keys) in enumerate(mine):
        partners: set[int] = set()
        for table, found in ((same, keys), (within, kind_keys), (kinds, within_keys)):
            for key in found:
                members = table.get(key, ())
                partners.update(members[bisect.bisect_right(members, i):])
        for j in sorted(partners):
            yield i, j


def _kind(name: str, a: Transfer, b: Transfer) -> str:
    """A year that differs is a proven conflict only when both sides name one deal (one deal id):
    otherwise an article's dated shipment may be another delivery than the dataset's."""
    if name in ("delivery year", "order year") and not (a.deal_id is not None and a.deal_id == b.deal_id):
        return POSSIBLE
    return PROVEN


def _summing(d: Transfer, cands: list[Transfer], diffs: dict) -> list[Transfer]:
    """All candidates, when only the number delivered differs and the candidates' numbers add up to ``d``'s."""
    want = d.delivered_number()
    if want is None or any({f for f, *_ in diffs[o.iri]} != {"number delivered"} for o in cands):
        return []
    numbers = [o.delivered_by(d.issued_year if not d.is_dataset else None) for o in cands]
    if None in numbers or sum(n for n in numbers if n is not None) != want:
        return []
    return cands


def _conflict(name: str, labels: dict, d: Transfer, others: list[Transfer], x: str, y: str, ex: bool,
              ey: bool) -> Conflict:
    o = others[0]
    return Conflict(field=name, supplier=labels.get(d.supplier, str(d.supplier)),
                    recipient=labels.get(d.recipient, str(d.recipient)),
                    system=labels.get(d.system or o.system, str(d.system or o.system)),
                    sides=(_side([d], x, ex), _side(others, y, ey)))


def _labels(v: _View, subjects: Iterable[URIRef] | None = None) -> dict:
    """Node -> its label (the last by sorted quad), for every node or for ``subjects`` alone (read one by one)."""
    if subjects is None:
        return {s: str(o) for s, _, o, _ in sorted(v.ds.quads((None, SKOS.prefLabel, None, None)))}
    return {s: str(o) for x in subjects for s, _, o, _ in sorted(v.ds.quads((x, SKOS.prefLabel, None, None)))}


def corroborate(ds: Dataset | Triples) -> Corroboration:
    """Compare the transfers of every pair of sources; a pure function of ``ds``.

    Parameters
    ----------
    ds:
        A compiled or built dataset (its ``kgg:links`` graph, if any, is ignored), or the
        :class:`Triples` of one.

    Returns
    -------
    Corroboration
        The pairs of claims that state the same fact, possibly the same fact, or conflict, and a
        description of each conflict.
    """
    return link_transfers(transfers(ds), ds)


def link_transfers(found: list[Transfer], context: Dataset | Triples,
                   only: set[tuple[URIRef, URIRef]] | None = None, *, labels: dict | None = None) -> Corroboration:
    """:func:`corroborate` on transfers already read (:func:`transfers`); ``context`` holds the
    ontology's system categories and the registry's labels (the whole dataset will do).

    ``only``: keep just the conflicts between these pairs of claims (each pair sorted), as
    :func:`linked_conflicts` asks; ``labels``: the labels of the parties and systems of ``found``
    (default: every label of ``context``)."""
    v = _View(context)
    up = broader_categories(v)
    labels = _labels(v) if labels is None else labels
    by_source: dict[URIRef, list[Transfer]] = {}
    for t in sorted(found, key=lambda t: t.iri):
        if t.source is not None:
            by_source.setdefault(t.source, []).append(t)
    result = Corroboration()
    keys = sorted(by_source)
    index = {id(ts): _Index(ts) for ts in by_source.values()}
    for i, j in _pairs([index[id(by_source[key])] for key in keys], up):
        ta, tb = by_source[keys[i]], by_source[keys[j]]
        a_data, b_data = ta[0].is_dataset, tb[0].is_dataset
        driver, other = (tb, ta) if (a_data and not b_data) else (ta, tb)
        _pair(driver, other, up, labels, result, index)
    if only is not None:
        result.conflicts = [c for c in result.conflicts
                            if all(tuple(sorted((URIRef(a), URIRef(b)))) in only
                                   for a in c.sides[0].claims for b in c.sides[1].claims)]
    result.conflicts.sort(key=lambda c: (c.supplier, c.recipient, c.system, c.field, c.sides[0].source,
                                         c.sides[0].claim_ids, c.sides[1].source, c.sides[1].claim_ids))
    result.conflicts = _per_independent_source(result.conflicts, _independence_keys(found))
    return result


def _independence_keys(found: list[Transfer]) -> dict[str, tuple]:
    """Source id -> what makes it independent: a dataset's publisher (its releases are one source), else itself."""
    keys: dict[str, tuple] = {}
    for t in found:
        if t.source is not None:
            sid = str(t.source).rsplit("/", 1)[-1]
            keys[sid] = ("dataset", t.publisher) if t.is_dataset and t.publisher is not None else ("source", sid)
    return keys


def _per_independent_source(found: list[Conflict], keys: dict[str, tuple]) -> list[Conflict]:
    """Conflicts with one side in common and the other side's value from releases of one dataset, as one.

    The article's "January 2022" against SIPRI's 2021 is one disagreement however many releases of
    SIPRI say 2021: its other side lists every release (``sources``), claim and quote.
    """
    merged: dict[tuple, Conflict] = {}
    for c in found:
        a, b = c.sides
        key = (c.field, c.kind, c.supplier, c.recipient, c.system, keys.get(a.source, a.source), tuple(a.claims),
               a.value, keys.get(b.source, b.source), b.value)
        if key not in merged:
            merged[key] = Conflict(field=c.field, supplier=c.supplier, recipient=c.recipient, system=c.system,
                                   sides=(a, Side(source=b.source, source_title=b.source_title, value=b.value,
                                                  claims=list(b.claims), claim_ids=list(b.claim_ids),
                                                  quotes=list(b.quotes), estimated=b.estimated,
                                                  sources=list(b.sources))), kind=c.kind)
            continue
        side = merged[key].sides[1]
        for n, claim in enumerate(b.claims):
            if claim not in side.claims:
                side.claims.append(claim)
                side.claim_ids.append(b.claim_ids[n])
                side.quotes.append(b.quotes[n])
        side.sources.extend(s for s in b.sources if s not in side.sources)
        side.estimated = side.estimated or b.estimated
    return list(merged.values())


def link(ds: Dataset) -> Corroboration:
    """Corroborate and write the links into the ``kgg:links`` named graph of ``ds`` (replacing it)."""
    result = corroborate(ds)
    graph = ds.graph(LINKS)
    graph.remove((None, None, None))
    for t in result.triples():
        graph.add(t)
    return result


def conflicts(ds: Dataset) -> list[Conflict]:
    """Where sources disagree about one transfer, each side with its value, source and quote."""
    return corroborate(ds).conflicts


def linked_conflicts(ds: Dataset | Triples, actor: URIRef) -> list[Conflict]:
    """The conflicts about the transfers ``actor`` supplies or receives, read from the build's ``kgg:links``.

    The links name the claims that conflict; only those claims (and the claims they conflict with)
    are read and compared again, to describe each conflict as :func:`conflicts` does (its field,
    both sides' values, sources and quotes): the same conflicts, at the cost of the actor's share
    of the dataset rather than all of it. A conflict is listed under the transfer that drove the
    comparison; :func:`conflicts` gives the same list for the same actor.
    """
    known: dict = {}

    def mine(claim) -> bool:
        """Whether ``actor`` supplies or receives what ``claim`` says (asked of the linked claims alone,
        not read for each of the actor's claims: 3,860 for the busiest 1M actor)."""
        if claim not in known:
            known[claim] = any(True for p in (SKG.supplier, SKG.recipient) for _ in ds.quads((claim, p, actor, None)))
        return known[claim]

    pairs: set[tuple[URIRef, URIRef]] = set()
    for p in (SKG.conflictsWith, SKG.possiblyConflictsWith):
        # every conflict link at once (a few hundred at 1M), not a lookup per claim of the actor (7,720 for
        # the busiest 1M actor); rdflib takes a graph's name as the context here; its stub asks for a Graph
        for c, _, other, _ in ds.quads((None, p, None, LINKS)):  # type: ignore[arg-type]
            if mine(c):
                a, b = sorted((URIRef(str(c)), URIRef(str(other))))
                pairs.add((a, b))
    if not pairs:
        return []
    # A conflicting claim conflicts with every claim of the other source it was compared with (else
    # it would have matched one), so these claims are all a comparison of ours needs; what comparing
    # fewer claims may find that the build did not is left out by ``only``.
    claims = {c for pair in pairs for c in pair}
    read = transfers(ds, claims)
    # the labels of these transfers' parties and systems alone, not every label of the dataset (0.3 s at 1M)
    named = sorted({x for t in read for x in (t.supplier, t.recipient, t.system) if x is not None})
    found = link_transfers(read, ds, only=pairs, labels=_labels(_View(ds), named)).conflicts
    return [c for c in found if mine(URIRef(c.sides[0].claims[0]))]


def fact_groups(ds: Dataset) -> list[list[URIRef]]:
    """Claims linked by ``skg:sameFactAs`` (directly or through others), as sorted groups of two or more."""
    same: Groups[Any] = Groups()  # subjects and objects of skg:sameFactAs: claim IRIs
    for a, _, b, _ in ds.quads((None, SKG.sameFactAs, None, None)):
        same.union(a, b)
    return same.groups()


def independent_sources(ds: Dataset, sources: Iterable[URIRef | str]) -> int:
    """How many independent sources are among ``sources`` (source IRIs).

    A republication is recorded on its source (``skg:republishedAt``), so it is never a second
    source; several releases of one dataset by the same publisher count once.
    """
    v = _View(ds)
    keys = set()
    for s in sources:
        s = URIRef(str(s))
        kind = v.value(s, SKG.sourceKind)
        publisher = v.value(s, DCTERMS.publisher)
        keys.add(independence_key(str(s), None if kind is None else str(kind),
                                  None if publisher is None else str(publisher)))
    return len(keys)

