"""Alignment rates from several measurers: each rate with who measured it and who reported it.

Two rates of one country, with one body, for one period, that differ are a disagreement between
measurers (or reporters), not an error of either: :func:`alignment_conflicts` lists each such
period once, with every side (value, measurer, reporter, source, quote).
"""

from __future__ import annotations

from typing import Any, Callable

from graph.ask.evidence import Evidence
from graph.model.dates import date_bounds
from graph.model.schema import MEASURERS_DIFFER, PROVEN
from graph.model.terms import SKG
from graph.store.native import Reader

__all__ = ["alignment_rates", "alignment_conflicts", "MEASURERS_DIFFER"]



def _period(r: Reader, claim: str) -> tuple[str, str] | None:
    start = r.one(str(SKG.date), claim)
    if start is None:
        return None
    end = r.one(str(SKG.endDate), claim)
    first, last = date_bounds(str(start))
    if end is not None:
        last = date_bounds(str(end))[1]
    return first.isoformat(), last.isoformat()


def alignment_rates(r: Reader, label: Callable[[str], str | None], actor: str | None = None) -> list[dict]:
    """Every alignment rate (see :func:`_rates`), without the grouping key."""
    return [{k: v for k, v in row.items() if k != "_key"} for row in _rates(r, label, actor)]


def _rates(r: Reader, label: Callable[[str], str | None], actor: str | None = None) -> list[dict]:
    """Every alignment rate (of ``actor``, an entity IRI, if given), sorted by country, period, value.

    Returns
    -------
    list of dict
        ``country``, ``aligned_with``, ``period`` (as the source gives it), ``start``, ``end``,
        ``scope``, ``percentage``, ``measured_by`` (``None`` when the source does not say),
        ``reported_in`` (a list), ``source``, ``title``, ``claim_id``, ``quote``, ``rows``.
    """
    claims = [c for c in r.instances(str(SKG.AlignmentRate)) if actor is None or r.one(str(SKG.actor), c) == actor]
    ev = Evidence(r, claims)
    rows = []
    for claim in claims:
        country = r.one(str(SKG.actor), claim)
        bounds = _period(r, claim)
        if bounds is None:
            continue
        e = ev.of(claim)
        measurer = r.one(str(SKG.measuredBy), claim)
        with_ = r.one(str(SKG.alignedWith), claim)
        rows.append({"country": label(country), "aligned_with": label(with_) if with_ else None,
                     "period": str(r.one(str(SKG.date), claim)), "start": bounds[0], "end": bounds[1],
                     "scope": str(r.one(str(SKG.periodScope), claim) or "") or None,
                     "percentage": r.one(str(SKG.percentage), claim),
                     "measured_by": label(measurer) if measurer else None,
                     "reported_in": sorted(str(x) for x in r.prop(str(SKG.reportedIn)).get(claim, [])),
                     "source": e["source"], "title": e["title"], "claim_id": e["claim_id"], "quote": e["quote"],
                     "rows": e["rows"], "claim": claim, "_key": (country, with_, bounds)})
    rows.sort(key=lambda x: (x["country"] or "", x["start"], x["end"], x["percentage"], x["source"] or ""))
    return rows


def alignment_conflicts(r: Reader, label: Callable[[str], str | None]) -> list[dict]:
    """Periods for which the graph holds different alignment rates of one country with one body.

    Returns
    -------
    list of dict
        ``about`` (``alignment``), ``kind`` (``conflict`` when one measurer's rate is reported as two numbers,
        else ``measurers differ``: :data:`graph.model.schema.MEASURERS_DIFFER`), ``field`` (``alignment rate``),
        ``fact`` (country, body, period in words), ``country``, ``aligned_with``, ``start``, ``end``,
        ``sides``: one per claim (``value``, ``measured_by``, ``reported_in``, ``source``, ``title``, ``claims``,
        ``claim_ids``, ``quotes``), sorted by value.
    """
    groups: dict[Any, list[dict]] = {}
    for row in _rates(r, label):
        groups.setdefault(row["_key"], []).append(row)
    out = []
    for rows in groups.values():
        if len({x["percentage"] for x in rows}) < 2:
            continue
        first = rows[0]
        span = first["start"][:4] if (first["start"][5:], first["end"][5:]) == ("01-01", "12-31") \
            and first["start"][:4] == first["end"][:4] else f"{first['start']} to {first['end']}"
        # one measurer's rate reported as two numbers is a disagreement; different measurers' rates are not
        measurers = {x["measured_by"] for x in rows if x["measured_by"] is not None}
        proven = any(len({x["percentage"] for x in rows if x["measured_by"] == m}) > 1 for m in measurers)
        out.append({"about": "alignment", "kind": PROVEN if proven else MEASURERS_DIFFER, "field": "alignment rate",
                    "fact": f"{first['country']} with {first['aligned_with'] or '?'}: {span}",
                    "country": first["country"], "aligned_with": first["aligned_with"],
                    "start": first["start"], "end": first["end"],
                    "sides": [{"value": f"{x['percentage']} %", "measured_by": x["measured_by"],
                               "reported_in": x["reported_in"], "source": x["source"], "sources": [x["source"]],
                               "title": x["title"],
                               "claims": [x["claim"]], "claim_ids": [x["claim_id"]], "quotes": [x["quote"]],
                               "estimated": False}
                              for x in sorted(rows, key=lambda x: (x["percentage"], x["source"] or ""))]})
    out.sort(key=lambda c: (c["country"] or "", c["start"], c["end"]))
    return out
