"""Time series: yearly observations (W3C Data Cube ``qb:Observation``) of an actor, by indicator.

Each value is a claim (``skg:Observation``: actor, indicator, period, value, unit) of a dataset
source, quoted by its row; two sources for one year are both given (a value is never merged or
averaged away).
"""

from __future__ import annotations

from typing import Any, Callable

from rdflib.namespace import RDF

from graph.ask.evidence import Evidence
from graph.ask.projection import known_by
from graph.model.errors import UnknownName
from graph.model.names import fold
from graph.model.names import suggest
from graph.model.terms import SKG, SKV
from graph.store.native import Reader

__all__ = ["indicators", "series"]

_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def indicators(r: Reader) -> dict[str, str]:
    """The indicators the ontology declares: id -> label."""
    base = str(SKV)
    scheme = str(SKV.Indicators)
    labels = r.prop(_PREF)
    return {c[len(base):]: str(labels.get(c, [c[len(base):]])[0])
            for c, schemes in r.prop(_IN_SCHEME).items() if scheme in schemes and c.startswith(base)}


def resolve_indicator(r: Reader, name: str) -> str:
    """An indicator's id from its id or label, in any case.

    Raises
    ------
    UnknownName
        With the closest indicators as suggestions.
    """
    known = indicators(r)
    for cid, lab in known.items():
        if fold(name) in (fold(cid), fold(lab)):
            return cid
    raise UnknownName("indicator", name, suggest(name, {fold(c): c for c in known}) or sorted(known))


def series(r: Reader, actor: str, indicator: str | None, label: Callable[[str], str | None],
           as_of: Any = None) -> list[dict]:
    """The observations of ``actor`` (an entity IRI), of one indicator (an id) or all, sorted by
    indicator, period and source; with ``as_of``, those the graph held on that day (a period begun by then,
    from a source issued by then: :func:`graph.ask.projection.known_by`).

    Returns
    -------
    list of dict
        ``actor``, ``indicator``, ``indicator_label``, ``period``, ``value`` (a number), ``unit``,
        ``source``, ``title``, ``claim_id``, ``quote``, ``rows``, ``column`` (the year's column of a
        wide table), ``cell`` (that cell, verbatim).
    """
    names = indicators(r)
    base = str(SKV)
    # the observations of this actor alone: its claims, then their fields (not every claim's)
    types = r.values(str(RDF.type), r.having(str(SKG.actor), [actor]))
    claims = sorted(c for c, found in types.items() if str(SKG.Observation) in found)
    claims = known_by(r, claims, as_of, r.values(str(SKG.date), claims))
    ev = Evidence(r, claims)
    fields = {p: r.values(str(p), claims) for p in (SKG.indicator, SKG.sourceColumn, SKG.date, SKG.observedValue,
                                                     SKG.unit)}

    def one(p: Any, claim: str) -> Any:
        found = fields[p].get(claim)
        return found[0] if found else None

    rows: list[dict[str, Any]] = []
    for claim in claims:
        cid = str(one(SKG.indicator, claim) or "")[len(base):]
        if indicator is not None and cid != indicator:
            continue
        e = ev.of(claim)
        column = one(SKG.sourceColumn, claim)
        rows.append({"actor": label(actor), "indicator": cid, "indicator_label": names.get(cid, cid),
                     "period": str(one(SKG.date, claim)), "value": one(SKG.observedValue, claim),
                     "unit": str(one(SKG.unit, claim) or "") or None,
                     "source": e["source"], "title": e["title"], "claim_id": e["claim_id"], "quote": e["quote"],
                     "rows": e["rows"], "column": str(column) if column is not None else None,
                     "cell": e["cells"].get(str(column)) if column is not None else None})
    rows.sort(key=lambda x: (x["indicator"], x["period"], x["source"] or ""))
    return rows
