"""Ties between actors, counted once by the build into the derived named graph ``kgg:ties``.

Two actors are *tied* when one claim names both (as objects of any of its properties: supplier and
recipient, partners, participants, voter and body, ...). Questions that aggregate ties over a busy
actor's claims (``single-source-ties``, ``tied-to-both``) would otherwise visit every one of its
claims at query time. For each ordered pair (x, y) of tied actors the graph holds a node
``tie:<x-id>/<y-id>`` (a ``skg:Tie``) with ``skg:tieFrom x``, ``skg:tieTo y``, ``skg:claimCount``,
``skg:sourceCount`` and ``skg:firstClaim`` (the claim with the smallest id, then source): a summary
of the claims, each of which keeps its own quote and source. Both directions are written, so an
actor's ties are one index range and the tie of (b, x) is found by its IRI.
"""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, NamedTuple

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph.model.terms import ENTITY, GRAPH, SKG, TIE

__all__ = ["TIES", "Named", "actor_iris", "named_actors", "tie_groups", "tie_triples"]

#: The derived named graph the ties are written to.
TIES = GRAPH.ties


class Named(NamedTuple):
    """The actors one claim names (two or more), and what sorts it: its id and its source's graph."""

    claim_id: str
    graph: str
    claim: str
    actors: frozenset[str]


def actor_iris(ontology: Iterable[tuple], registry: Iterable[tuple]) -> set:
    """The registry's actors: entities typed with a direct subclass of ``skg:Actor``."""
    classes = {s for s, p, o in ontology if p == RDFS.subClassOf and o == SKG.Actor}
    return {s for s, p, o in registry if p == RDF.type and o in classes}


def named_actors(claim: URIRef, triples: Iterable[tuple], actors: set) -> frozenset[str]:
    """The actors that the claim's own triples name."""
    kind, text = type(claim), str(claim)  # s == claim, without rdflib's == (a Python method) on every triple
    # a literal (its hash a Python method) is no actor: the registry's subjects
    return frozenset(sys.intern(str(o)) for s, _, o in triples
                     if type(s) is kind and str.__eq__(s, text) and o.__class__ is not Literal and o in actors)


def tie_triples(named: Iterable[Named]) -> Iterator[tuple]:
    """The ``kgg:ties`` triples of the claims that name two or more actors, tie by tie (:func:`tie_groups`)."""
    for group in tie_groups(named):
        yield from group


def tie_groups(named: Iterable[Named]) -> Iterator[list[tuple]]:
    """The ``kgg:ties`` triples of the claims that name two or more actors, a list for each tie, in the order
    of the ties' IRIs (as their text sorts: what a build writes in that order without sorting them again)."""
    ties: dict[tuple[str, str], list] = {}
    for n in named:
        key = (n.claim_id, n.graph, n.claim)
        for x in n.actors:
            for y in n.actors:
                if x != y:
                    tie = ties.get((x, y))
                    if tie is None:
                        ties[(x, y)] = [1, {n.graph}, key]
                    else:
                        tie[0] += 1
                        tie[1].add(n.graph)
                        tie[2] = min(tie[2], key)
    base = len(str(ENTITY))
    # (an IRI's text ends with ">" in N-Triples: "a/b>" sorts after "a/b-c>")
    for name, (x, y) in sorted((f"{x[base:]}/{y[base:]}>", (x, y)) for x, y in ties):
        count, graphs, first = ties[(x, y)]
        node = TIE[name[:-1]]
        yield [(node, RDF.type, SKG.Tie), (node, SKG.tieFrom, URIRef(x)), (node, SKG.tieTo, URIRef(y)),
               (node, SKG.claimCount, Literal(count, datatype=XSD.integer)),
               (node, SKG.sourceCount, Literal(len(graphs), datatype=XSD.integer)),
               (node, SKG.firstClaim, URIRef(first[2]))]
