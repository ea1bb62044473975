"""Votes that can be compared: how an actor voted on each resolution the graph knows, beside others.

Each vote is a claim (``skg:Vote``: voter, resolution, position, date) with its evidence. Two
actors *agree* on a resolution when both cast the same vote (in favour, against, abstention);
a resolution where either did not vote, or where the graph does not know a vote of both, is
left out of the rate (and says why). Several sources for one vote are all kept; if they
disagree, the vote reads ``disputed`` and is left out of the rate too.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from rdflib.namespace import RDF

from graph.ask.evidence import Evidence
from graph.ask.projection import known_by
from graph.model.terms import SKG
from graph.store.native import Reader

__all__ = ["votes", "CAST"]


#: The positions that are a vote cast (non-voting is not).
CAST = ("in-favour", "against", "abstention")


def _local(iri: Any) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _position(found: list[str]) -> str:
    positions = sorted(set(found))
    return positions[0] if len(positions) == 1 else "disputed"


def votes(r: Reader, actor: str, compare: Iterable[str], label: Callable[[str], str | None],
          as_of: Any = None) -> dict:
    """How ``actor`` voted on each resolution, beside each of ``compare`` (entity IRIs); with ``as_of``, the
    votes the graph held on that day (:func:`graph.ask.projection.known_by`).

    Returns
    -------
    dict
        ``actor``, ``compare`` (labels), ``resolutions``: one per resolution ``actor`` voted on
        (sorted by date), each with ``resolution``, ``date``, ``votes`` (label -> ``position``
        or ``None`` when unknown, ``evidence``: the claims with source, quote, row and named cells),
        and ``agree`` (label -> true, false, or ``None`` when not comparable); ``agreement``:
        label -> ``{compared, agreed, rate}`` (``rate`` ``None`` when nothing is comparable).
    """
    compare = [c for c in compare if c != actor]
    # the votes of these actors alone: their claims, then those claims' fields (not every vote's)
    voter = r.having(str(SKG.voter), [actor, *compare])
    types = r.values(str(RDF.type), voter)
    claims = sorted(c for c in voter if str(SKG.Vote) in types.get(c, []))
    date = r.values(str(SKG.date), claims)
    claims = known_by(r, claims, as_of, date)
    resolution, position = r.values(str(SKG.resolution), claims), r.values(str(SKG.votePosition), claims)
    by: dict[tuple[str, str], list[str]] = {}
    for claim in claims:
        for v in voter[claim]:
            for res in resolution.get(claim, []):
                by.setdefault((str(res), str(v)), []).append(claim)
    voted = sorted({res for res, v in by if v == actor})
    ev = Evidence(r, [c for res in voted for who in [actor, *compare] for c in by.get((res, who), [])])
    rows = []
    for res in voted:
        dates = sorted({str(d) for c in by[(res, actor)] for d in date.get(c, [])})
        row: dict[str, Any] = {"resolution": label(res) or _local(res), "resolution_id": _local(res),
                               "date": dates[0] if dates else None, "votes": {}, "agree": {}}
        for who in [actor, *compare]:
            cast = by.get((res, who), [])
            found = [_local(p) for c in cast for p in position.get(c, [])]
            row["votes"][label(who) or _local(who)] = {
                "position": _position(found) if found else None,
                "evidence": [ev.of(c) for c in cast]}
        mine = row["votes"][label(actor) or _local(actor)]["position"]
        for who in compare:
            theirs = row["votes"][label(who) or _local(who)]["position"]
            row["agree"][label(who) or _local(who)] = (mine == theirs) if mine in CAST and theirs in CAST else None
        rows.append(row)
    rows.sort(key=lambda x: (x["date"] or "", x["resolution"]))
    agreement = {}
    for who in compare:
        name = label(who) or _local(who)
        marks = [x["agree"][name] for x in rows if x["agree"][name] is not None]
        agreement[name] = {"compared": len(marks), "agreed": sum(marks),
                           "rate": round(sum(marks) / len(marks), 4) if marks else None}
    return {"actor": label(actor) or _local(actor), "compare": [label(c) or _local(c) for c in compare],
            "resolutions": rows, "agreement": agreement}


def position_label(position: str | None) -> str:
    """A position id in words (``in-favour`` -> ``in favour``); unknown when ``None``."""
    if position is None:
        return "unknown"
    return _WORDS.get(position, position)


_WORDS = {"in-favour": "in favour"}
