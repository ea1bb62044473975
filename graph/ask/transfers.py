"""What a transfer's sources say about its numbers and years, merged into one answer.

One transfer (a fact: the claims of several sources linked as the same deal) can carry what SIPRI
keeps: the number ordered, the number delivered, every delivery year with its number, the year of
order, a status and which values are estimates. Each source says part of it: SIPRI's per-year export
gives a number for each delivery year but counts only the years it was made for (1995-2025) and no
number ordered; the order-level register gives the numbers ordered and delivered and the years, not
the number of each year; an article gives a number and a status. :func:`merge` puts them together
without mixing them: the number ordered is never the number delivered, an unknown number stays
``None`` (never 0), and ``as_of`` keeps only what was delivered by that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

from graph.ask.supplies import deliveries_text
from graph.model.terms import SKG, SKV

__all__ = ["TransferClaim", "TransferTables", "merge", "match_years", "STATUSES", "deliveries_text"]

#: Statuses, from the least to the most advanced, as skv:TransferStatuses names them.
STATUSES = ("cancelled", "ordered", "purchased", "procured", "ongoing", "delivering", "delivered")


@dataclass(frozen=True)
class TransferClaim:
    """One claim's numbers and years (as read from the dataset)."""

    source: str = ""                     # its source: one source's claims of one fact add up (1 + 5 MiG-29)
    known: dt.date | None = None          # when its source said it: issued date, else its release label
    ordered: int | None = None           # skg:quantityOrdered
    delivered: int | None = None         # skg:quantityDelivered
    quantity: int | None = None          # skg:quantity (an article's number)
    deliveries: tuple[tuple[int, int | None, frozenset[str]], ...] = ()  # (year, number, estimate flags)
    delivery_date: str | None = None     # skg:deliveryDate as given (an article's "2022-01")
    order_year: int | None = None
    status: str | None = None
    window: tuple[int, int] | None = None  # the years a per-year export counts
    estimated: frozenset[str] = field(default_factory=frozenset)


_V = TypeVar("_V")


def _latest(claims: list[TransferClaim], value: Callable[[TransferClaim], _V | None]) -> _V | None:
    """The value given by the most recently known claim that gives one (ties: the first)."""
    best: _V | None = None
    best_known: dt.date | None = None
    for c in claims:
        v = value(c)
        if v is None:
            continue
        if best is None or (c.known is not None and (best_known is None or c.known > best_known)):
            best, best_known = v, c.known
    return best


def _delivered_by(day: dt.date | None, year: int) -> bool:
    """Whether a delivery dated only by its year is surely made by ``day`` (the whole year is past)."""
    return day is None or dt.date(year, 12, 31) <= day


def _total(c: TransferClaim) -> int | None:
    """A claim's number delivered in all: SIPRI's total, unless the export counts only some years and
    the deal may have had deliveries before them."""
    if c.delivered is None:
        return None
    if c.window is not None and (c.order_year is None or c.order_year < c.window[0]):
        return None  # ordered before the years counted: earlier deliveries are not in the number
    return c.delivered


def merge(claims: Iterable[TransferClaim], as_of: dt.date | None = None) -> dict:
    """The fields of one transfer's answer.

    Returns
    -------
    dict
        ``ordered`` (number ordered), ``delivered`` (number delivered, by ``as_of`` when given),
        ``deliveries`` (``[{year, quantity, estimated}]``, one per delivery year, sorted; a year whose
        number no source gives has ``quantity`` None), ``order_year``, ``status``, ``estimated``
        (which values a source marks as estimates). Unknown values are None, never 0.

    >>> per_year = TransferClaim(source="a", known=dt.date(2026, 2, 12), order_year=2016, delivered=30,
    ...                          window=(1995, 2025), deliveries=((2020, 11, frozenset()), (2021, 19, frozenset())))
    >>> register = TransferClaim(source="b", known=dt.date(2025, 3, 1), order_year=2016, ordered=30, delivered=30,
    ...                          deliveries=((2020, None, frozenset()), (2021, None, frozenset())), status="delivered")
    >>> got = merge([per_year, register])
    >>> got["ordered"], got["delivered"], got["status"], [(d["year"], d["quantity"]) for d in got["deliveries"]]
    (30, 30, 'delivered', [(2020, 11), (2021, 19)])
    >>> merge([per_year, register], as_of=dt.date(2020, 12, 31))["delivered"]
    11
    """
    claims = _per_source(list(claims))
    ordered = _latest(claims, lambda c: c.ordered)
    years: dict[int, tuple[int | None, set[str]]] = {}
    for c in sorted(claims, key=lambda c: c.known or dt.date.min):  # a later source's number wins
        for year, number, marks in c.deliveries:
            old_number, old_flags = years.get(year, (None, set()))
            years[year] = (number if number is not None else old_number,
                           set(marks) if number is not None else (old_flags | set(marks)))
    kept = {y: v for y, v in years.items() if _delivered_by(as_of, y)}
    delivered = _latest(claims, _total)
    if as_of is not None and len(kept) < len(years):  # some deliveries came after as_of
        numbers = [n for n, _ in kept.values()]
        delivered = sum(numbers) if None not in numbers else None  # type: ignore[arg-type]
        if not kept:
            delivered = 0 if years else delivered
    if delivered is None and kept and all(n is not None for n, _ in kept.values()) and not any(
            c.window is not None and c.order_year is not None and c.order_year < c.window[0] for c in claims):
        delivered = sum(n for n, _ in kept.values())  # type: ignore[misc]
    status = _status(ordered, delivered, kept, _latest(claims, lambda c: c.status), bool(years) and not kept)
    flags: set[str] = set()
    for c in claims:
        flags |= set(c.estimated)
    return {"ordered": ordered, "delivered": delivered,
            "deliveries": [{"year": y, "quantity": n, "estimated": sorted(f)} for y, (n, f) in sorted(kept.items())],
            "order_year": _latest(claims, lambda c: c.order_year), "status": status, "estimated": sorted(flags)}


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _per_source(claims: list[TransferClaim]) -> list[TransferClaim]:
    """One claim per source: a source that books one fact as several deals (SIPRI's 1 MiG-29 and 5
    MiG-29S of one article's "6 MiG-29") gives their sums."""
    by_source: dict[str, list[TransferClaim]] = {}
    for c in claims:
        by_source.setdefault(c.source, []).append(c)
    out = []
    for group in by_source.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        years: dict[int, tuple[int | None, frozenset[str]]] = {}
        for c in group:
            for year, number, flags in c.deliveries:
                if year in years:
                    old_number, old_flags = years[year]
                    years[year] = (_add(old_number, number), old_flags | flags)
                else:
                    years[year] = (number, flags)
        first = group[0]
        total_ordered: int | None = first.ordered
        total_delivered: int | None = first.delivered
        for c in group[1:]:
            total_ordered, total_delivered = _add(total_ordered, c.ordered), _add(total_delivered, c.delivered)
        out.append(TransferClaim(
            source=first.source, known=first.known, ordered=total_ordered, delivered=total_delivered,
            deliveries=tuple((y, n, f) for y, (n, f) in sorted(years.items())),
            order_year=min((c.order_year for c in group if c.order_year is not None), default=None),
            status=first.status if len({c.status for c in group}) == 1 else None,
            window=first.window if len({c.window for c in group}) == 1 else None,
            estimated=frozenset().union(*(c.estimated for c in group))))
    return out


def _status(ordered: int | None, delivered: int | None, years: dict, said: object, all_later: bool) -> str | None:
    if all_later:  # every delivery after as_of: as it stood then, ordered
        return "ordered"
    if ordered is not None and delivered is not None:
        if delivered == 0 and not years:
            return "ordered"
        if delivered < ordered:
            return "delivering"
        return "delivered"
    if said is None and years:
        return None  # deliveries made; whether all, no source says
    return str(said) if said is not None else None


def match_years(claims: Iterable[TransferClaim]) -> list[int]:
    """The years a transfer is found by (``--since``/``--until``): every delivery year, else the
    year of order; empty when neither is known (an article's own date decides then)."""
    claims = list(claims)
    years = sorted({y for c in claims for y, _, _ in c.deliveries})
    if years:
        return years
    order = sorted({c.order_year for c in claims if c.order_year is not None})
    return order[:1]


def _year(value: Any) -> int | None:
    text = str(value or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


class TransferTables:
    """Reads :class:`TransferClaim` s from a dataset reader (:func:`graph.ask.projection.reader`).

    ``known`` gives a claim's source date (issued, else its release label) and ``source`` its source.
    """

    #: The properties it reads (the projection reads the one-valued ones of a transfer at once).
    PROPS = (SKG.quantityOrdered, SKG.quantityDelivered, SKG.quantity, SKG.delivery, SKG.date, SKG.estimated,
             SKG.orderDate, SKG.transferStatus, SKG.deliveryDate, SKG.deliveriesFrom, SKG.deliveriesUntil)

    def __init__(self, r: Any, known: Callable[[str], dt.date | None], source: Callable[[str], str | None]) -> None:
        self.r, self.known, self.source = r, known, source
        p = r.prop
        self.ordered, self.delivered, self.quantity = p(SKG.quantityOrdered), p(SKG.quantityDelivered), p(SKG.quantity)
        self.delivery, self.date, self.flags = p(SKG.delivery), p(SKG.date), p(SKG.estimated)
        self.order, self.status, self.delivery_date = p(SKG.orderDate), p(SKG.transferStatus), p(SKG.deliveryDate)
        self.since, self.until = p(SKG.deliveriesFrom), p(SKG.deliveriesUntil)
        self._cache: dict[str, TransferClaim] = {}

    def _one(self, table: dict, c: str) -> Any:
        values = table.get(c)
        return values[0] if values else None

    def claim(self, c: str) -> TransferClaim:
        found = self._cache.get(c)
        if found is not None:
            return found
        skv = str(SKV)
        deliveries = []
        for node in self.delivery.get(c, ()):
            year = _year(self._one(self.date, node))
            if year is None:
                continue
            number = self._one(self.quantity, node)
            flags = frozenset(str(f)[len(skv):] for f in self.flags.get(node, ()))
            deliveries.append((year, number if isinstance(number, int) else None, flags))
        single = _year(self._one(self.delivery_date, c))
        if not deliveries and single is not None and self._one(self.ordered, c) is not None:
            deliveries.append((single, None, frozenset()))  # a register's one delivery year
        since, until = _year(self._one(self.since, c)), _year(self._one(self.until, c))
        status = self._one(self.status, c)
        status = str(status)[len(skv):] if status is not None and str(status).startswith(skv) else None
        ordered, delivered = self._one(self.ordered, c), self._one(self.delivered, c)
        quantity = self._one(self.quantity, c)
        if ordered is None and delivered is None and isinstance(quantity, int):
            # an article's one number: delivered when it says received, ordered when ordered or bought
            if status == "delivered":
                delivered = quantity
            elif status in ("ordered", "purchased"):
                ordered = quantity
        found = TransferClaim(
            source=self.source(c) or c, known=self.known(c), ordered=ordered,
            delivered=delivered, quantity=quantity,
            deliveries=tuple(sorted(deliveries)), delivery_date=str(single) if single is not None else None,
            order_year=_year(self._one(self.order, c)),
            status=status,
            window=(since, until) if since is not None and until is not None else None,
            estimated=frozenset(str(f)[len(skv):] for f in self.flags.get(c, ())))
        self._cache[c] = found
        return found

    def evidence(self, c: str) -> dict:
        """One claim's own numbers and years, for its piece of evidence (``None`` when it says none)."""
        t = self.claim(c)
        return {"ordered": t.ordered, "delivered": t.delivered, "order_year": t.order_year,
                "deliveries": [{"year": y, "quantity": n, "estimated": sorted(f)} for y, n, f in t.deliveries]}

