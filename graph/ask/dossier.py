"""The dossier's data: everything the graph knows about one actor, as plain structures.

:func:`dossier` gathers, for one actor and a time window, what the questions of
:class:`graph.ask.questions.KnowledgeGraph` answer about it (``supplies`` both ways, the facts it takes
part in, the conflicts of its transfers, its centrality ranks) and groups it by section: summary, arms
(imports and exports, by year and partner), timeline, alignment and votes, spending, disagreements and
its place in the network. The page (:mod:`graph.present.dossier`) draws exactly these structures, and
``serbia-kg dossier --format json`` prints them, so a researcher can draw their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping, Sequence, TypedDict

from graph.model.errors import InputError
from graph.model.dates import DateError, date_bounds, parse_date

from graph.ask.projection import REGISTRY_SOURCE

if TYPE_CHECKING:
    from graph.ask.questions import KnowledgeGraph

__all__ = ["dossier", "TIMELINE_RELATIONS", "Dossier"]

#: The relations whose facts make the timeline (arms transfers have a section of their own).
TIMELINE_RELATIONS = ("participates_in", "cooperates_with", "partner_of", "states_about", "takes_position_on",
                      "sanctions", "member_of", "votes_on", "enacts", "deploys_to", "hosts_conference_of",
                      "at_war_with", "borders", "present_in")


class Dossier(TypedDict):
    """What :func:`dossier` returns: one key per section of the page."""

    actor: dict[str, Any]
    window: dict[str, Any]
    arms: dict[str, Any]
    timeline: list[dict[str, Any]]
    alignment: list[dict[str, Any]]
    votes: dict[str, Any]
    spending: list[dict[str, Any]]
    disagreements: list[dict[str, Any]] | None
    network: dict[str, Any]


def _year(value: Any) -> int | None:
    """The year of a date of any precision (``2021``, ``2021-05``, ``2021-05-04``); ``None`` for none."""
    if value in (None, ""):
        return None
    if isinstance(value, str):  # a date's text: parsed once (the busiest 1M actor's facts ask 29,000 times)
        return _year_of_text(str(value))
    try:
        return date_bounds(parse_date(value))[0].year
    except DateError:
        return None


@lru_cache(maxsize=65536)
def _year_of_text(text: str) -> int | None:
    try:
        return date_bounds(parse_date(text))[0].year
    except DateError:
        return None


#: The statuses of a transfer that say nothing was delivered (yet).
_NOT_DELIVERED = frozenset({"ordered", "cancelled"})


def _deliveries(row: Mapping[str, Any], since: int | None = None,
                until: int | None = None) -> list[tuple[int, int | None]]:
    """``(year, units)`` per delivery year of a ``supplies`` row (those from ``since`` to ``until``: a
    row is found by any of its delivery years). When no delivery years are known: the year of its delivery
    date, or of its one date when that is not its order's (units: the number delivered, else the row's
    quantity, ``None`` when unknown); nothing for a deal nothing of which was delivered (``delivered`` 0,
    or only ``ordered``): an order is not a delivery, and its year is the order's."""
    per_year = row.get("deliveries")
    if per_year:
        found = [(int(d["year"]), d.get("quantity")) for d in per_year if d.get("year") is not None]
    elif row.get("delivered") == 0 or row.get("status") in _NOT_DELIVERED:
        found = []
    else:
        when = row.get("delivery_date") or (row.get("date") if not row.get("order_date") else None)
        year = _year(when)
        units = row.get("delivered") if row.get("delivered") is not None else row.get("quantity")
        found = [(year, units)] if year is not None else []
    return [(y, n) for y, n in found if (since is None or y >= since) and (until is None or y <= until)]


def _deal(row: Mapping[str, Any]) -> dict:
    """A transfer as the arms section lists it: who, what, how many, and its evidence."""
    return {"supplier": row["supplier"], "recipient": row["recipient"], "system": row["system"],
            "category": row["category"], "quantity": row["quantity"], "status": row.get("status"),
            "date": row.get("date"), "tiv": row.get("value") if row.get("currency") == "TIV" else None,
            "claims": row["claims"], "sources": row["sources"]}


def _by_year(rows: Sequence[Mapping[str, Any]], partner_key: str, since: int | None = None,
             until: int | None = None) -> list[dict]:
    """Units delivered per year and partner; each cell with the deals behind it."""
    cells: dict[tuple[int, str], dict] = {}
    for row in rows:
        partner = row[partner_key] or "(not named)"
        for year, units in _deliveries(row, since, until):
            cell = cells.setdefault((year, partner), {"year": year, "partner": partner, "units": 0,
                                                      "units_unknown": 0, "deals": []})
            if units is None:
                cell["units_unknown"] += 1
            else:
                cell["units"] += units
            cell["deals"].append(f"{row['system'] or row['category']}: {units if units is not None else '?'}"
                                 f" ({'; '.join(s['source'] for s in row['sources'])})")
    return [cells[k] for k in sorted(cells)]


def _tiv_by_year(rows: Sequence[Mapping[str, Any]], partner_key: str) -> list[dict]:
    """SIPRI TIV per year and partner, where the source gives it."""
    cells: dict[tuple[int, str], float] = defaultdict(float)
    for row in rows:
        tiv = row.get("value") if row.get("currency") == "TIV" else None
        year = _year(row.get("delivery_date") or row.get("date"))
        if tiv is not None and year is not None:
            cells[(year, row[partner_key] or "(not named)")] += float(tiv)
    return [{"year": y, "partner": p, "tiv": round(v, 3)} for (y, p), v in sorted(cells.items())]


def _window_year(value: Any, name: str) -> int | None:
    """A bound of the dossier's window as a year: a whole number, or a date of any precision (its year)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    year = _year(value) if isinstance(value, str) else None
    if year is None:
        raise InputError(f"--{name} {value!r} is not a year")
    return year


def _in_window(date: Any, end: Any, since: int | None, until: int | None) -> bool:
    start, stop = _year(date), _year(end) if end else _year(date)
    if start is None:
        return since is None and until is None
    return (since is None or (stop or start) >= since) and (until is None or start <= until)


def _fact_item(kg: KnowledgeGraph, u: str, v: str, d: dict, me: str) -> dict:
    other = v if u == me else u
    return {"date": d.get("date"), "end_date": d.get("end_date"), "relation": d["relation"],
            "says": f"{kg._label(u)} {d['label']} {kg._label(v)}", "other": kg._label(other),
            "claims": d["claim_ids"], "sources": [dict(e) for e in d.get("evidence") or []]}


def _measurer(kg: KnowledgeGraph, value: Any) -> str | None:
    """Who measured an alignment rate, as the fact gives it: the projection already wrote a node's label
    there (``_label`` of a label found no node, and so projected the whole graph to say so)."""
    if not value:
        return None
    entity = kg.names.by_iri(value)
    return entity.label if entity is not None else value


def _main_suppliers(imports: Sequence[Mapping[str, Any]], n: int = 2) -> list[str]:
    """The ids of the ``n`` suppliers that delivered the most units (then the most deals)."""
    units: Counter = Counter()
    deals: Counter = Counter()
    for row in imports:
        if row.get("supplier_id"):
            units[row["supplier_id"]] += sum(u or 0 for _, u in _deliveries(row))
            deals[row["supplier_id"]] += 1
    return sorted(deals, key=lambda s: (-units[s], -deals[s], s))[:n]


def _votes(kg: KnowledgeGraph, actor_id: str, compare: list[str], since: int | None,
           until: int | None, as_of: Any = None) -> dict:
    """The actor's votes beside ``compare``, within the window, as :meth:`KnowledgeGraph.votes` gives them."""
    found = kg.votes(actor_id, compare, as_of=as_of)
    found["resolutions"] = [r for r in found["resolutions"] if _in_window(r["date"], None, since, until)]
    return found


def _spending(kg: KnowledgeGraph, actor_id: str, since: int | None, until: int | None,
              as_of: Any = None) -> list[dict]:
    """The actor's yearly observations (expenditure, share of GDP, personnel, TIV), within the window."""
    out = []
    for o in kg.series(actor_id, as_of=as_of):
        year = _year(o["period"])
        if year is None or not _in_window(o["period"], None, since, until) or o["value"] is None:
            continue
        out.append({"year": year, "value": float(o["value"]), "indicator": o["indicator_label"],
                    "unit": o["unit"], "sources": [{"source": o["source"], "title": o["title"],
                                                    "quote": o["quote"], "claim_id": o["claim_id"]}]})
    return out


def dossier(kg: KnowledgeGraph, actor: str, *, since: int | None = None, until: int | None = None,
            as_of: Any = None, conflicts: list | None = None, compare: list[str] | None = None) -> Dossier:
    """Everything the graph knows about ``actor`` within the years ``since``..``until`` as known on ``as_of``.

    Parameters
    ----------
    kg:
        The knowledge graph to ask.
    actor:
        A name, alias or id of an actor (any script the registry knows).
    since, until:
        Years bounding the window (inclusive); ``None`` leaves it open.
    as_of:
        A day: only what the sources had published by then.
    compare:
        Actors whose votes stand beside the actor's (default: its two main suppliers).
    conflicts:
        The conflicts about the actor (:func:`graph.compile.corroboration.linked_conflicts`); ``None`` (not computed)
        leaves the section ``None``, and the page says so.

    Raises
    ------
    UnknownName
        For a name that denotes no actor.
    """
    since, until = _window_year(since, "since"), _window_year(until, "until")  # (a window that ends before it
    # begins is refused by the projection, as for every question)
    entity = kg.resolve(actor)
    me = str(entity.iri)
    window = {"since": since, "until": until, "as_of": as_of}
    imports = kg.supplies(to=entity.id, since=since, until=until, as_of=as_of)
    exports = kg.supplies(supplier=entity.id, since=since, until=until, as_of=as_of)
    mine = [(u, v, d) for u, v, _, d in kg.incident(me, as_of=as_of)
            if _in_window(d.get("date"), d.get("end_date"), since, until)]
    timeline = sorted((_fact_item(kg, u, v, d, me) for u, v, d in mine if d["relation"] in TIMELINE_RELATIONS),
                      key=lambda i: (str(i["date"] or "9999"), i["relation"], i["says"], i["claims"]))
    alignment = sorted(({"year": _year(d.get("date")), "rate": d.get("percentage"),
                         "measured_by": _measurer(kg, d.get("measured_by")),
                         "with": kg._label(v), "claims": d["claim_ids"],
                         "sources": [dict(e) for e in d.get("evidence") or []]}
                        for u, v, d in mine if d["relation"] == "aligned_with" and u == me),
                       key=lambda a: (a["year"] or 0, a["measured_by"] or "", a["with"] or "", a["claims"]))
    compare_ids = [kg.resolve(c).id for c in compare] if compare is not None else _main_suppliers(imports)
    votes = _votes(kg, entity.id, compare_ids, since, until, as_of)
    spending = _spending(kg, entity.id, since, until, as_of)
    # a claim is its source's id and its own (ids are unique within one claims.yaml only); the registry's
    # facts (a group's members) are no source's claims
    claims = {(e["source"], e["claim_id"]) for _, _, d in mine for e in d.get("evidence") or []}
    claims |= {(s["source"], s["claim_id"]) for r in imports + exports for s in r["sources"]}
    claims = {c for c in claims if c[0] != REGISTRY_SOURCE}
    sources = {src for src, _ in claims}
    dates = sorted(str(x) for x in [d.get("date") for _, _, d in mine] + [r.get("date") for r in imports + exports]
                   if x)
    label = entity.label
    disagreements = None if conflicts is None else [
        c.as_dict() for c in conflicts if label in (c.supplier, c.recipient)]
    ranks = {}
    for measure in ("degree", "pagerank"):
        for row in kg.centrality(measure, top=None, as_of=as_of):
            if row["id"] == entity.id:
                ranks[measure] = {"rank": row["rank"], "score": row["score"]}
    return Dossier(
        actor={"id": entity.id, "label": label, "kind": entity.kind, "type": entity.rdf_type.split("#")[-1]
               .rsplit("/", 1)[-1] if entity.rdf_type else None,
               "names": [label, *entity.aliases],
               "identifiers": {"wikidata": entity.wikidata} if entity.wikidata else {},
               "claims": len(claims), "sources": len(sources),
               "first": dates[0] if dates else None, "last": dates[-1] if dates else None},
        window=window,
        arms={"imports": [_deal(r) for r in imports], "exports": [_deal(r) for r in exports],
              "imports_by_year": _by_year(imports, "supplier", since, until),
              "exports_by_year": _by_year(exports, "recipient", since, until),
              "imports_tiv_by_year": _tiv_by_year(imports, "supplier"),
              "exports_tiv_by_year": _tiv_by_year(exports, "recipient")},
        timeline=timeline, alignment=alignment, votes=votes, spending=spending,
        disagreements=disagreements,
        network={**ranks, "neighbours": sorted({kg._label(v if u == me else u) or "" for u, v, _ in mine})},
    )
