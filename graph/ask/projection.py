"""The networkx projection: the RDF graph as a typed multigraph of actors and their ties.

:func:`project` is a pure function of the RDF graph (read as the union of its named graphs): no I/O
beyond reading it, sorted iteration, the input untouched. The graph is an rdflib ``Graph`` or
``Dataset`` (memory, a remote SPARQL endpoint) or an Oxigraph store (a pyoxigraph ``Store``, or an
rdflib ``Dataset`` over one). It is read through a :class:`graph.store.native.Reader`: a fixed set of
triple patterns (one per property or class it needs, never one per node), each read once into
dictionaries of plain Python values (IRIs as ``str``, literals as numbers or text). An Oxigraph
store is read natively by pyoxigraph (:class:`graph.store.native.StoreReader`), rdflib never sees its
triples; both readers give the same values, so the projection is the same on every back-end.

Nodes
    Keyed by the entity's IRI (``str``), with ``label`` (``skos:prefLabel``), ``type`` (the class's
    local name: ``State``, ``StateBody``, ``Person``, ``WeaponsSystem``, ``MilitaryExercise`` ...),
    ``kind`` (``actor``, ``system``, ``exercise``, ``programme``, ``place``, ``instrument``,
    ``source``) and ``iri``. Every actor of the registry is a node, tied or not; other entities
    appear when an edge reaches them. Weapons systems appear only with ``include_systems=True``.

Edges
    Which claim classes and properties become which edges is declared once, with each claim type, in
    the schema (:data:`graph.model.schema.CLAIM_TYPES`); :data:`EDGE_RULES` is that in RDF terms.
    Every edge is one *fact*: claims linked by ``skg:sameFactAs`` (several sources describing the
    same fact) become one edge whose ``claims``, ``sources`` and ``evidence`` hold all of them, and
    whose ``weight`` is the number of distinct sources. The key is ``"<relation>:<fact id>"`` (the
    fact id is the hash of its first claim's IRI). Attributes: ``relation``, ``label``, ``directed``,
    ``claims``, ``claim_ids``, ``sources``, ``evidence`` (dicts with ``claim``, ``claim_id``,
    ``source``, ``title``, ``quote``, ``date`` = the source's issued date), ``date``, ``end_date``,
    ``quantity``, ``weight``, plus the rule's extras (``system``, ``category``, ``status`` ...).

Attributes for network tools
    :func:`facts` gives these as Python values; the graph of :func:`project` (and
    ``KnowledgeGraph.graph()``) keeps only plain ones, so that networkx's GEXF and GraphML writers
    and Gephi take it as it is: each list or dict is its JSON text, listed by name in the element's
    ``json`` attribute (``"claims claim_ids sources evidence"``), and an unknown value (``None``) is
    left out. :func:`attributes` gives them back as :func:`facts` has them.

Exercises
    An exercise is a node of its own (type ``MilitaryExercise``, kind ``exercise``, keyed by its
    claim's IRI, labelled with its name): each participant has a ``participates_in`` edge to it
    and its host a ``hosts`` edge. Three participants give one exercise node and three edges, not
    three co-participation edges; two actors that trained together are two hops apart.

Symmetric facts
    Cooperation, partnership, agreement and border claims name partners, not a direction: each pair
    of partners gets one edge, from the lower IRI to the higher, with ``directed=False``.

Identity
    ``skg:partOf`` of the registry (Serbian Armed Forces is part of Serbia) gives ``part_of``
    edges. They are identity, not claims: their evidence names the registry, with no quote.

Time
    ``as_of`` keeps the graph as it stood on that day: claims from sources issued after it are
    left out, and so are facts dated after it; an undated fact counts as dated by the earliest
    issue date of its sources (it happened no later than it was reported); a source with no issue
    date is dated by its claims' release label (SIPRI's ``2025-03``). ``since`` keeps facts
    whose own date reaches into or past its year or day (undated facts cannot be placed and are
    left out); ``until`` keeps facts dated (or, undated, reported) no later than it. A transfer is
    dated by every year it was delivered in (or, when nothing was, the year it was ordered), so
    ``since`` and ``until`` find it by any of them; a span (``skg:startDate``, ``skg:endDate``) by
    its start and its end, an open span running on to when it was reported. ``as_of`` also keeps,
    of a transfer, only the deliveries made by that day (:mod:`graph.ask.transfers`).

Transfers
    A ``supplies`` edge carries what SIPRI keeps, merged over its sources without mixing them
    (:func:`graph.ask.transfers.merge`): ``ordered``, ``delivered``, ``deliveries`` (``[{year,
    quantity, estimated}]``), ``order_year``, ``status`` and ``estimated``; each piece of evidence
    carries its own claim's ``ordered``, ``delivered``, ``order_year`` and ``deliveries``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any, Callable, Iterable

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from graph.model.dates import date_bounds, parse_date
from graph.model.errors import InputError, UnknownRelation
from graph.model.attributes import JSON_ATTRIBUTE, attributes, flat_attributes
from graph.model.groups import Groups
from graph.model.names import fold
from graph.model.rdfterms import Lit, value_of_rdflib
from graph.store.native import Reader, StoreReader, oxigraph_of, paused_gc
from graph.model.registry import Entity, Registry
from graph.model.schema import (CLAIM_TYPES, EDGE_RULES, HUB, NODE_KINDS, PART_OF, RELATIONS, SYSTEM_RELATIONS,
                                TRANSFER_RELATIONS, EdgeRule, local_name)
from graph.model.terms import CLAIM, ENTITY, OA, SKG, SKV, SOURCE, WIKIDATA
from graph.ask.transfers import TransferTables, match_years, merge

__all__ = ["JSON_ATTRIBUTE", "flat_attributes", "attributes", "EdgeRule", "EDGE_RULES", "RELATIONS", "NO_EDGE",
           "NODE_KINDS", "HUB", "Facts", "Deferred", "project", "graph_of", "graph_edges", "closed", "facts",
           "deferred_facts", "reads", "union_view", "parse_when", "fact_bounds", "reader", "GraphReader",
           "oxigraph_store_of", "registry_of", "categories_of"]

#: Claim classes that are no tie between actors, so no edge: one actor's yearly values (graph/ask/series.py).
NO_EDGE: frozenset = frozenset(t.rdf_class for t in CLAIM_TYPES.values() if not t.edges)
#: Claim class -> the kind of its own node, for claims drawn as nodes (an exercise).
_HUB_KINDS: dict[URIRef, str] = {t.rdf_class: t.name for t in CLAIM_TYPES.values() if t.node is not None}
_DATE_PROPS = (SKG.date, SKG.startDate, SKG.deliveryDate, SKG.orderDate)  # a fact's date: the first one given
#: The properties of a claim read whatever its rules (its source, id, dates, number, system and category,
#: an exercise's name, a transfer's numbers and years) and of a node (labels, titles, issue dates).
_READS = (SKG.claimId, PROV.wasDerivedFrom, *_DATE_PROPS, SKG.release, SKG.endDate, SKG.quantity, SKG.category,
          SKG.system, RDFS.label, *TransferTables.PROPS, SKOS.prefLabel, DCTERMS.title, DCTERMS.issued,
          SKG.reportedOn)


def union_view(data: Graph) -> Graph:
    """A read-only view of ``data`` whose triple patterns cover every named graph.

    A ``Dataset`` built without ``default_union`` answers patterns from its default graph only;
    this wraps the same store (nothing is copied or changed) so that patterns see the union.
    """
    if isinstance(data, Dataset) and not data.default_union:
        view = Dataset(store=data.store, default_union=True)
        return view
    return data


def registry_of(data: Any) -> Registry:
    """The entities of a built graph (ids, kinds, labels, aliases and Wikidata ids read from its RDF), as a registry.

    An entity of several classes takes the kind of the first in :data:`NODE_KINDS` (an actor's);
    only entities with a preferred label count.
    """
    r = reader(data)
    labels, aliases, matches = r.prop(SKOS.prefLabel), r.prop(SKOS.altLabel), r.prop(SKOS.exactMatch)
    registry = Registry()
    base, wikidata = str(ENTITY), str(WIKIDATA)
    for cls_, kind in NODE_KINDS.items():
        if kind == "source":
            continue
        for e in r.instances(cls_):
            eid = e[len(base):] if e.startswith(base) else None
            if not eid or eid in registry or e not in labels:
                continue
            qids = [str(m)[len(wikidata):] for m in matches.get(e, []) if str(m).startswith(wikidata)]
            registry.add(Entity(id=eid, kind=kind, rdf_type=URIRef(cls_), label=str(labels[e][0]),
                                aliases=tuple(sorted(str(a) for a in aliases.get(e, []))),
                                wikidata=qids[0] if qids else None))
    return registry


def categories_of(data: Any) -> dict[str, Any]:
    """The weapons-system categories of a built graph: ``index`` (folded name -> concept id),
    ``label`` (id -> preferred label) and ``broader`` (id -> the ids of its broader concepts)."""
    r = reader(data)
    scheme = str(SKV.SystemCategories)
    base = str(SKV)
    ids = sorted(c[len(base):] for c, schemes in r.prop(SKOS.inScheme).items()
                 if c.startswith(base) and scheme in schemes)
    index: dict[str, str] = {}
    label: dict[str, str] = {}
    broader: dict[str, set[str]] = {}
    for cid in ids:
        c = base + cid
        index[fold(cid)] = cid
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for o in r.prop(p).get(c, []):
                index.setdefault(fold(str(o)), cid)
                if p == SKOS.prefLabel:
                    label[cid] = str(o)
        broader[cid] = {str(b)[len(base):] for b in r.prop(SKOS.broader).get(c, [])}
    return {"index": index, "label": label, "broader": broader}


def parse_when(value: Any, *, end: bool) -> dt.date | None:
    """A year, month or day (``2021``, ``"2021-05"``, ``"2021-05-04"``, a ``date``) as a day.

    ``end=True`` gives the last day the value covers (for ``until`` and ``as_of``), else the first.

    Raises
    ------
    graph.model.dates.DateError
        If the value is not a date.
    """
    if value is None or value == "":
        return None
    lo, hi = date_bounds(parse_date(value))
    return hi if end else lo


def _local(iri: str, base: str) -> str:
    text = str(iri)
    return text[len(base):] if text.startswith(base) else text


class GraphReader(Reader):
    """A :class:`graph.store.native.Reader` of an rdflib ``Graph`` or ``Dataset`` (the union of its named graphs)."""

    def __init__(self, data: Graph) -> None:
        super().__init__()
        self.g = union_view(data)

    def _pairs(self, p: str):
        for s, o in self.g.subject_objects(URIRef(p)):
            yield value_of_rdflib(s), value_of_rdflib(o)

    def _subjects(self, cls: str):
        for s in self.g.subjects(RDF.type, URIRef(cls)):
            yield value_of_rdflib(s)


def reader(data: Any) -> Reader:
    """The reader the projection reads ``data`` with.

    ``data`` is a pyoxigraph ``Store`` (read natively), an rdflib ``Dataset`` over an Oxigraph store
    (its pyoxigraph store is read natively: the same triples, without rdflib's per-term cost), any
    other rdflib ``Graph`` or ``Dataset``, or a :class:`graph.store.native.Reader` (returned as it is, so
    that what it has read is reused).
    """
    if isinstance(data, Reader):
        return data
    store = oxigraph_store_of(data)
    if store is not None:
        return StoreReader(store)
    return GraphReader(data)


def oxigraph_store_of(data: Any):
    """The pyoxigraph ``Store`` that holds ``data`` (itself, or under an rdflib ``Dataset``), else ``None``."""
    return oxigraph_of(data)


@lru_cache(maxsize=65536)
def _bounds(text: str) -> tuple[dt.date, dt.date]:
    return date_bounds(text)


#: The source the registry's own facts name in their evidence (a group's members): the corpus's ``registry/``
#: folder, which is no source.
REGISTRY_SOURCE = "registry"


def known_day(issued: Any, release: Any, reported: Any = None) -> dt.date | None:
    """When a claim was known: its source's issue date (``dcterms:issued``), else the day the claim says it
    was reported (``skg:reportedOn``: a compiled table's row, from the page that reported it), else (a dataset
    release without either) the last day its release label covers (SIPRI's ``2025-03``: 31 March 2025);
    ``None`` when none says (a label that is not a date, "v2": undated)."""
    if issued is not None:
        return _bounds(str(issued))[0]
    if reported is not None:
        return _bounds(str(reported))[0]
    try:
        return _bounds(str(release))[1] if release is not None else None
    except Exception:  # noqa: BLE001 - a release label that is not a date
        return None


def known_by(r: Reader, claims: list[str], as_of: Any, dated: dict[str, list]) -> list[str]:
    """The claims of ``claims`` the graph held on ``as_of`` (every one when it is ``None``), as the projection
    keeps them: their source issued (or released) by that day (:func:`known_day`), and their own date
    (``dated``: claim -> its date literals, a vote's or an observation's ``skg:date``) begun by then.

    Raises
    ------
    graph.model.dates.DateError
        When ``as_of`` is not a date.
    """
    day = parse_when(as_of, end=True)
    if day is None:
        return list(claims)
    derived = r.values(str(PROV.wasDerivedFrom), claims)
    issued = r.values(str(DCTERMS.issued), sorted({str(v[0]) for v in derived.values() if v}))
    releases, reported = r.values(str(SKG.release), claims), r.values(str(SKG.reportedOn), claims)
    kept = []
    for claim in claims:
        src = derived.get(claim)
        when = known_day((issued.get(str(src[0])) or [None])[0] if src else None, (releases.get(claim) or [None])[0],
                         (reported.get(claim) or [None])[0])
        own = fact_bounds(str(d) for d in dated.get(claim, []))
        if (when is None or when <= day) and (own is None or own[0] <= day):
            kept.append(claim)
    return kept


def fact_bounds(dates: Iterable[str | None]) -> tuple[dt.date, dt.date] | None:
    """The first and last day a fact may cover, from its (claims') date literals; ``None`` if none."""
    bounds = [_bounds(str(d)) for d in dates if d]
    if not bounds:
        return None
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


@dataclass
class Facts:
    """The projection before it becomes a graph: its nodes, and its edges as facts.

    ``nodes`` maps a node key to its attributes, in the order the graph adds them. ``edges`` lists
    ``(source, target, key, attributes)``; with ``open_ends=True`` a source or target the claim
    does not name (a transfer whose supplier is unknown, a statement about no one) is ``None``.
    """

    nodes: dict[str, dict]
    edges: list[tuple[str | None, str | None, str, dict]]


def project(data: Any, *, include_systems: bool = False, as_of: Any = None, since: Any = None,
            until: Any = None, relations: Iterable[str] | None = None):
    """Project the RDF graph onto a ``networkx.MultiDiGraph`` of actors and their ties.

    Parameters
    ----------
    data:
        An rdflib ``Graph`` or ``Dataset`` (read as the union of its named graphs), a pyoxigraph
        ``Store``, or a :class:`graph.store.native.Reader` of either (see :func:`reader`); not changed.
    include_systems:
        Also make weapons systems nodes: a transfer naming a system then adds ``supplies_system``
        (supplier to system) and ``delivered_to`` (system to recipient) edges, and statements or
        positions about a system reach it.
    as_of, since, until:
        A year, month or day (``2021``, ``"2021-05"``, ``"2021-05-04"``): see the module's *Time*.
    relations:
        Keep only edges of these relations (names of :data:`RELATIONS`, plus ``supplies_system``
        and ``delivered_to``); every actor stays a node.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes and edges as described in the module docstring, added in sorted order. Every
        attribute is a plain value (:func:`flat_attributes`: lists and dicts as JSON text, unknowns
        left out), so ``networkx.write_gexf`` and ``write_graphml`` write the graph as it is;
        :func:`attributes` gives an edge's ``evidence``, ``claims`` and ``sources`` back as lists.

    Raises
    ------
    graph.model.dates.DateError
        If ``as_of``, ``since`` or ``until`` is not a date.
    ValueError
        If ``relations`` names an unknown relation.

    Examples
    --------
    >>> from rdflib import Graph
    >>> project(Graph()).number_of_nodes()
    0
    """
    return graph_of(facts(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                          relations=relations))


def graph_of(result: Facts, *, flat: bool = True):
    """The ``networkx.MultiDiGraph`` of :func:`facts`' result (what :func:`project` returns): its
    nodes in order, and its facts whose both ends are known, with :func:`flat_attributes`
    (``flat=False``: the facts' own attributes, lists and all, not copied; for the view, which
    reads them at once)."""
    import networkx as nx

    def same(d: dict) -> dict:
        return d

    convert = flat_attributes if flat else same
    with paused_gc():
        G = nx.MultiDiGraph()
        G.add_nodes_from((n, convert(d)) for n, d in result.nodes.items())
        G.add_edges_from((u, v, key, convert(attrs)) for u, v, key, attrs in result.edges
                         if u is not None and v is not None)
    return G


def graph_edges(result: Facts) -> list[tuple[str, str, str, dict]]:
    """The edges of :func:`graph_of`'s graph in the order ``G.edges(keys=True, data=True)`` gives them
    (by source node in node order, then target in the order first tied, then fact), without making it."""
    by_node: dict[str, dict[str, list]] = {n: {} for n in result.nodes}
    for edge in result.edges:
        if edge[0] is not None and edge[1] is not None:
            by_node[edge[0]].setdefault(edge[1], []).append(edge)
    return [edge for targets in by_node.values() for edges in targets.values() for edge in edges]


def closed(result: Facts) -> Facts:
    """The facts of ``result`` whose both ends are known: ``facts(..., open_ends=True)`` made what
    ``facts(..., open_ends=False)`` gives (the same nodes; a fact with an unknown end adds none)."""
    return Facts(nodes=result.nodes, edges=[e for e in result.edges if e[0] is not None and e[1] is not None])


def facts(data: Any, *, include_systems: bool = False, as_of: Any = None, since: Any = None,
          until: Any = None, relations: Iterable[str] | None = None, open_ends: bool = False) -> Facts:
    """The projection's nodes and facts, by the same rules as :func:`project`.

    Parameters
    ----------
    data, include_systems, as_of, since, until, relations:
        As for :func:`project`.
    open_ends:
        Also keep facts with an end the claim leaves unknown (``None``): a transfer from an
        unknown supplier, a statement about no one in particular.

    Returns
    -------
    Facts

    Raises
    ------
    graph.model.dates.DateError, ValueError
        As for :func:`project`.
    """
    with paused_gc():
        return _facts(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                      relations=relations, open_ends=open_ends)


#: A fact before its attributes are made: (source, target, key, relation, directed, pieces of evidence).
_FactRow = tuple[str | None, str | None, str, str, bool, int]


@dataclass
class Deferred:
    """The projection's nodes and facts (as :func:`facts` gives them), each fact's attributes made only
    when asked for: what choosing among 50,000 facts needs, before a few thousand are read in full.

    ``rows`` lists each fact as ``(source, target, key, relation, directed, pieces of evidence)``, in
    the order of :attr:`Facts.edges`; ``attributes(i)`` gives the attributes of fact ``i``, the dict
    :func:`facts` gives (a new one each call); ``sources()`` the ids of the sources of every fact's
    claims (a registry identity names none).
    """

    nodes: dict[str, dict]
    rows: list[_FactRow]
    attributes: Callable[[int], dict]
    sources: Callable[[], set[str]]


def deferred_facts(data: Any, *, include_systems: bool = False, as_of: Any = None, since: Any = None,
                   until: Any = None, relations: Iterable[str] | None = None, open_ends: bool = False) -> Deferred:
    """:func:`facts`, each fact's attributes made when asked for (:class:`Deferred`): the same nodes,
    facts and attributes.

    Parameters, Raises
    ------------------
    As for :func:`facts`.
    """
    with paused_gc():
        return _projection(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                           relations=relations, open_ends=open_ends).deferred()


def _facts(data: Any, *, include_systems: bool, as_of: Any, since: Any, until: Any,
           relations: Iterable[str] | None, open_ends: bool) -> Facts:
    return _projection(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                       relations=relations, open_ends=open_ends).run()


def _projection(data: Any, *, include_systems: bool, as_of: Any, since: Any, until: Any,
                relations: Iterable[str] | None, open_ends: bool) -> "_Projection":
    wanted = set(relations) if relations is not None else None
    if wanted is not None:
        unknown = sorted(wanted - set(RELATIONS) - set(SYSTEM_RELATIONS))
        if unknown:
            raise UnknownRelation(f"unknown relation(s) {', '.join(unknown)}; "
                                  f"expected some of {', '.join(sorted(RELATIONS))}")
    window = _Window(as_of=parse_when(as_of, end=True), since=parse_when(since, end=False),
                     until=parse_when(until, end=True))
    if window.since is not None and window.until is not None and window.since > window.until:
        raise InputError(f"--since {since} is after --until {until}")  # (as the dossier says it)
    return _Projection(reader(data), include_systems=include_systems, wanted=wanted, window=window,
                       open_ends=open_ends)


def _reads(rules: list[EdgeRule]) -> list[URIRef]:
    """The properties the projection reads with ``rules`` (read at once: :meth:`graph.store.native.Reader.read`)."""
    found = list(_READS)
    for rule in rules:
        found += [rule.source, *(rule.target if rule.target != HUB else ()), *(p for _, p, _ in rule.extras)]
    return list(dict.fromkeys(found))


def _classes(rules: list[EdgeRule]) -> list[URIRef]:
    """The classes whose instances the projection reads with ``rules``."""
    return list(dict.fromkeys([*NODE_KINDS, *(rule.claim_class for rule in rules if rule.claim_class),
                               SKG.ArmsTransfer]))


def reads() -> tuple[list[URIRef], list[URIRef]]:
    """What :func:`facts` may read, whatever its options: the properties, and the classes whose instances it
    reads (a :class:`graph.store.native.ValuesReader` holds these alone)."""
    rules = list(EDGE_RULES)
    props = _reads(rules) + [SKG.sameFactAs, SKG.evidence, OA.hasSelector, OA.exact, SKG.system, PART_OF.source]
    return list(dict.fromkeys(props)), _classes(rules)


@dataclass(frozen=True)
class _Window:
    """The days a projection keeps (``None``: no bound)."""

    as_of: dt.date | None
    since: dt.date | None
    until: dt.date | None

    @property
    def filtered(self) -> bool:
        return self.as_of is not None or self.until is not None or self.since is not None


#: A fact waiting to become an edge: (relation, source, target, fact), "" for an unknown end.
_Key = tuple[str, str, str, str]


class _Projection:
    """One run of :func:`facts` over a reader, one method per concern: the nodes
    (:meth:`_read_nodes`), the provenance of claims (:meth:`_read_provenance`, :meth:`evidence`,
    :meth:`known`), the edge rules (:meth:`_collect`), time (:meth:`claim_dates`,
    :meth:`keep_fact`), exercises (:meth:`_exercises`), merging a fact's claims into one edge
    (:meth:`_edge` with :meth:`_quantity`, :meth:`_extras`, :meth:`_supply`) and the registry's
    identities (:meth:`_identity`)."""

    def __init__(self, r: Reader, *, include_systems: bool, wanted: set[str] | None, window: _Window,
                 open_ends: bool) -> None:
        self.r, self.include_systems, self.wanted, self.window = r, include_systems, wanted, window
        self.open_ends = open_ends
        self.src_base, self.skv_base = str(SOURCE), str(SKV)
        self.rules = [rule for rule in EDGE_RULES if (include_systems or not rule.systems)
                      and (wanted is None or rule.relation in wanted)]
        r.read(_reads(self.rules), _classes(self.rules))
        self.nodes: dict[str, dict] = {}
        self.edges: list[tuple[str | None, str | None, str, dict]] = []
        self._read_nodes()
        self._read_provenance()
        same: Groups[str] = Groups()
        for a, bs in sorted(r.prop(SKG.sameFactAs).items()):
            for b in bs:
                same.union(a, str(b))
        self.fact_of = same.find
        self.pending: dict[_Key, list[str]] = defaultdict(list)
        self.rule_of: dict[str, EdgeRule | None] = {}
        self.labels_of: dict[str, tuple[str, bool]] = {}
        self.exercise_nodes: dict[str, list[str]] = defaultdict(list)
        self.hub_class: dict[str, URIRef] = {}

    def run(self) -> Facts:
        found = self.deferred()
        return Facts(nodes=found.nodes, edges=[(u, v, key, found.attributes(i))
                                               for i, (u, v, key, _, _, _) in enumerate(found.rows)])

    def deferred(self) -> Deferred:
        """The facts kept, in order, each with what is known before its attributes are made."""
        self._collect()
        self._read_time()
        kept_hubs = self._exercises()
        claim_base = str(CLAIM)
        cut = len(claim_base)
        rows: list[_FactRow] = []
        todo: list[tuple[str, EdgeRule | None, list[str]] | dict] = []
        filtered, keep_fact, ensure = self.window.filtered, self.keep_fact, self.ensure
        hub_relations = {rel for rel, rule in self.rule_of.items() if rule is not None and rule.target == HUB}
        directed_of = {rel: labels[1] for rel, labels in self.labels_of.items()}
        rule_of = self.rule_of
        for (relation, u, v, fact), claims in sorted(self.pending.items()):  # 40,000 facts at 1M: inline
            claims = sorted(set(claims)) if len(claims) > 1 else claims
            if relation in hub_relations:
                if v not in kept_hubs:
                    continue
            elif filtered and not keep_fact(claims):
                continue
            rows.append((ensure(u) if u else None, ensure(v) if v else None,
                         relation + ":" + (fact[cut:] if fact.startswith(claim_base) else fact), relation,
                         directed_of[relation], len(claims)))
            todo.append((relation, rule_of[relation], claims))
        self._identity()
        for edge in self.edges:  # the registry's identities: made already
            attrs = edge[3]
            rows.append((*edge[:3], attrs["relation"], attrs["directed"], len(attrs["evidence"])))
            todo.append(attrs)
        extras_of: dict[str, list] = {}

        def attributes(i: int) -> dict:
            job = todo[i]
            return job if isinstance(job, dict) else self._edge(*job, extras_of)

        def sources() -> set[str]:  # each fact's "sources" (its evidence's, those named)
            derived = self.derived  # claim_source, inline: 30,000 claims at 1M
            found = {values[0] for job in todo if not isinstance(job, dict)
                     for c in job[2] if (values := derived.get(c))}
            return {_local(s, self.src_base) for s in found} - {""}

        return Deferred(nodes=self.nodes, rows=rows, attributes=attributes, sources=sources)

    # --- nodes: every entity of a known class, with its label ---------------------------------------

    def _read_nodes(self) -> None:
        r = self.r
        labels = r.prop(SKOS.prefLabel)
        self.titles_of = titles_of = r.prop(DCTERMS.title)
        self.node_info: dict[str, dict] = {}
        node_info = self.node_info
        for cls, kind in NODE_KINDS.items():
            local = local_name(cls)
            for e in r.instances(cls):
                if e in node_info and node_info[e]["kind"] == "actor":
                    continue
                label = (titles_of if cls == SKG.Source else labels).get(e)
                node_info[e] = {"label": str(label[0]) if label else _local(e, self.src_base),
                                "type": local, "kind": kind, "iri": e}
        for e in sorted(node_info):
            if node_info[e]["kind"] == "actor":
                self.nodes[e] = dict(node_info[e])

    def wanted_node(self, e: Any) -> bool:
        info = self.node_info.get(e)
        return info is not None and (self.include_systems or info["kind"] != "system")

    def ensure(self, e: str) -> str:
        if e not in self.nodes:
            self.nodes[e] = dict(self.node_info[e])
        return e

    def value_of(self, v: Any) -> Any:
        """An extra's value as the edge shows it: a literal's text, a concept's local name, a node's label."""
        if isinstance(v, Lit):
            return str(v)
        if not isinstance(v, str):
            return v  # a number or a boolean
        if v.startswith(self.skv_base):
            return v[len(self.skv_base):]
        info = self.node_info.get(v)
        return info["label"] if info is not None else v

    # --- sources and claims: provenance, evidence -----------------------------------------------------

    def _read_provenance(self) -> None:
        r = self.r
        self.issued = {s: str(v[0]) for s, v in r.prop(DCTERMS.issued).items()}
        self.titles = {s: str(v[0]) for s, v in self.titles_of.items()}
        self.claim_ids = r.prop(SKG.claimId)
        self.derived = r.prop(PROV.wasDerivedFrom)
        self.quote = r.quote_lookup(SKG.evidence, OA.hasSelector, OA.exact)  # the facts drawn need a fifth
        self.releases = r.prop(SKG.release)
        self.reported = r.prop(SKG.reportedOn)
        self.evidence_cache: dict[str, dict] = {}

    def claim_source(self, claim: str) -> str | None:
        values = self.derived.get(claim)
        return values[0] if values else None

    def known(self, claim: str) -> dt.date | None:
        """When the claim's source said it (:func:`known_day`)."""
        src = self.claim_source(claim)
        label, reported = self.releases.get(claim), self.reported.get(claim)
        return known_day(self.issued.get(src) if src is not None else None, label[0] if label else None,
                         reported[0] if reported else None)

    def visible(self, claim: str) -> bool:
        """Whether the claim's source had been issued (or released) by ``as_of``."""
        if self.window.as_of is None:
            return True
        day = self.known(claim)
        return day is None or day <= self.window.as_of

    def evidence(self, claim: str) -> dict:
        found = self.evidence_cache.get(claim)
        if found is None:
            src = self.claim_source(claim)
            found = {"claim": claim, "claim_id": str(self.claim_ids.get(claim, [""])[0]),
                     "source": _local(src, self.src_base) if src is not None else None,
                     "title": self.titles.get(src or ""), "quote": self.quote(claim),
                     "date": self.issued.get(src or "")}
            self.evidence_cache[claim] = found
        return dict(found)

    # --- the edge rules: each visible claim's ends, pending per fact ----------------------------------

    def _collect(self) -> None:
        self.systems_of = self.r.prop(SKG.system)
        include_systems = self.include_systems
        # :meth:`wanted_node` of every node known here, as a set (70,000 ends at 1M)
        wanted = {e for e, info in self.node_info.items() if include_systems or info["kind"] != "system"}
        for rule in self.rules:
            self._collect_rule(rule, wanted)

    def _collect_rule(self, rule: EdgeRule, wanted: set[str]) -> None:
        """Each visible claim of ``rule`` pending under its relation, ends ("" for an unknown one) and fact; the
        relation's rule and words kept from the first rule that gives it a fact. (Inline, a loop per kind of
        rule: a method call per claim took a tenth of the view of a 1M build.)"""
        r, fact_of, pending = self.r, self.fact_of, self.pending
        # an end the claim leaves unknown is kept (as None) when asked, but not on the edges through a system
        open_ends = self.open_ends and not rule.systems
        if rule.claim_class is None:  # a rule of the registry's (part_of): see _identity
            return
        claims = r.instances(rule.claim_class)
        if self.window.as_of is not None:
            claims = [c for c in claims if self.visible(c)]
        source_of = r.prop(rule.source)
        relation, added = rule.relation, len(pending)
        if rule.target == HUB:
            directed = True
            for claim in claims:
                hub = fact_of(claim)
                self.exercise_nodes[hub].append(claim)
                self.hub_class[hub] = rule.claim_class
                for s in source_of.get(claim, ()):
                    if s in wanted:
                        pending[(relation, s, hub, hub)].append(claim)
        elif rule.symmetric:
            directed = False
            for claim in claims:
                ends = sorted(s for s in source_of.get(claim, ()) if s in wanted)
                if len(ends) > 1:
                    fact = fact_of(claim)
                    for u, v in combinations(ends, 2):
                        pending[(relation, u, v, fact)].append(claim)
        else:
            directed = True
            target_tables = [r.prop(p) for p in rule.target]
            for claim in claims:
                sources_ = source_of.get(claim, ())
                targets: Any = ()
                for table in target_tables:
                    targets = table.get(claim, ())
                    if targets:
                        break
                ends_u = [s for s in sources_ if s in wanted] or ([""] if open_ends and not sources_ else [])
                if not ends_u:
                    continue
                ends_v = [t for t in targets if t in wanted] or ([""] if open_ends and not targets else [])
                if not ends_v:
                    continue
                fact = fact_of(claim)
                for u in ends_u:
                    for v in ends_v:
                        pending[(relation, u, v, fact)].append(claim)
        if len(pending) > added and relation not in self.rule_of:  # the relation's first fact is this rule's
            self.rule_of[relation] = rule
            self.labels_of[relation] = (rule.label, directed)

    # --- time: a fact's dates, and whether the window keeps it ----------------------------------------

    def _read_time(self) -> None:
        r = self.r
        self.date_tables = [r.prop(p) for p in _DATE_PROPS]
        self.end_dates = r.prop(SKG.endDate)
        self.quantities = r.prop(SKG.quantity)
        self.categories = r.prop(SKG.category)
        self.dates_cache: dict[str, list[str]] = {}
        self.starts = r.prop(SKG.startDate)
        self.tables = TransferTables(r, self.known, lambda c: _local(self.claim_source(c) or c, self.src_base))
        self.transfer_claims = set(r.instances(SKG.ArmsTransfer))

    def claim_dates(self, claim: str) -> list[str]:
        found = self.dates_cache.get(claim)
        if found is None:
            found = []
            for table in self.date_tables:
                values = table.get(claim)
                if values:
                    found = [str(values[0])]
                    break
            self.dates_cache[claim] = found
        return found

    def keep_fact(self, claims: list[str]) -> bool:
        w = self.window
        if not w.filtered:
            return True
        years = match_years(self.tables.claim(c) for c in claims if c in self.transfer_claims)
        own = fact_bounds(str(y) for y in years) if years else \
            fact_bounds(d for c in claims for d in self.claim_dates(c))
        reported = fact_bounds(self.issued.get(self.claim_source(c) or "") for c in claims)
        effective = own[0] if own else (reported[0] if reported else None)
        if w.as_of is not None and effective is not None and effective > w.as_of:
            return False
        if w.until is not None and (effective is None or effective > w.until):
            return False
        if w.since is not None:
            if own is None:
                return False
            ends = [str(x) for c in claims for x in self.end_dates.get(c, [])]
            last = max([own[1]] + [_bounds(d)[1] for d in ends])
            if not ends and any(c in self.starts for c in claims) and reported:
                last = max(last, reported[1])  # an open span ("since 2017") runs on to when it was reported
            if last < w.since:
                return False
        return True

    # --- exercises: a node per exercise kept, before the edges that reach it --------------------------

    def _exercises(self) -> set[str]:
        kept_hubs: set[str] = set()
        r = self.r
        for hub, claims in sorted(self.exercise_nodes.items()):
            claims = sorted(set(claims))
            if not self.keep_fact(claims):
                continue
            name = next((str(r.one(RDFS.label, c)) for c in claims if r.one(RDFS.label, c) is not None), hub)
            dates = sorted(d for c in claims for d in self.claim_dates(c))
            cls = self.hub_class[hub]
            self.node_info[hub] = {"label": name, "type": local_name(cls), "kind": _HUB_KINDS[cls], "iri": hub,
                                   "claims": list(claims), "date": dates[0] if dates else None,
                                   "evidence": [self.evidence(c) for c in claims]}
            kept_hubs.add(hub)
        return kept_hubs

    # --- merging: one edge per fact -------------------------------------------------------------------

    def _edge(self, relation: str, rule: EdgeRule | None, claims: list[str], extras_of: dict[str, list]) -> dict:
        """The attributes of one fact's edge: its provenance, dates, number, extras and deal."""
        rel_label, directed = self.labels_of[relation]
        if len(claims) == 1:  # most facts: one claim, nothing to merge or sort
            ev = [self.evidence(claims[0])]
            dates = self.claim_dates(claims[0])
            claim_id_list = [ev[0]["claim_id"]]
            source_list = [ev[0]["source"]] if ev[0]["source"] else []
            date = dates[0] if dates and dates[0] else None
        else:
            ev = sorted((self.evidence(c) for c in claims), key=lambda e: (e["source"] or "", e["claim_id"]))
            dates = [d for c in claims for d in self.claim_dates(c)]
            claim_id_list = sorted({e["claim_id"] for e in ev})
            source_list = sorted({e["source"] for e in ev if e["source"]})
            date = min(dates, key=lambda d: _bounds(d)[0]) if any(dates) else None
        attrs: dict[str, Any] = {
            "relation": relation, "label": rel_label, "directed": directed,
            "claims": list(claims),
            "claim_ids": claim_id_list,
            "sources": source_list,
            "evidence": ev,
            "date": date,
            "end_date": None, "quantity": None,
        }
        end_dates = self.end_dates
        if end_dates:
            ends = [str(x) for c in claims for x in end_dates.get(c, ())]
            if ends:
                attrs["end_date"] = max(ends, key=lambda d: _bounds(d)[1])
        self._quantity(attrs, claims)
        extras = extras_of.get(relation)
        if extras is None:
            extras = extras_of[relation] = [(name, many, self.r.prop(p))
                                            for name, p, many in (rule.extras if rule is not None else ())]
        self._extras(attrs, claims, extras)
        if relation in TRANSFER_RELATIONS:
            self._supply(attrs, claims)
        attrs["weight"] = float(len(attrs["sources"]) or 1)
        return attrs

    def _quantity(self, attrs: dict[str, Any], claims: list[str]) -> None:
        """Each source's number: the sum over its claims of this fact (SIPRI may book one article's
        "6 MiG-29" as two deals, 1 + 5). One number when the sources agree; otherwise none is
        asserted and each source's number is kept."""
        if len(claims) == 1:  # one claim: its number, if it gives one
            qs = self.quantities.get(claims[0])
            if qs:
                attrs["quantity"] = 0 + qs[0]  # as the sum below makes it
            return
        per_source: dict[str, Any] = {}
        for c in claims:
            qs = self.quantities.get(c)
            if qs:
                src = self.claim_source(c)
                key = _local(src, self.src_base) if src is not None else c
                per_source[key] = per_source.get(key, 0) + qs[0]
        totals = sorted(set(per_source.values()))
        if len(totals) == 1:
            attrs["quantity"] = totals[0]
        elif totals:
            attrs["quantities"] = dict(sorted(per_source.items()))  # the sources disagree

    def _extras(self, attrs: dict[str, Any], claims: list[str], extras: list) -> None:
        """The rule's extra attributes: one value, a list where the claims differ, ``None`` if none."""
        value_of = self.value_of
        one = claims[0] if len(claims) == 1 else None
        for name, multi, table in extras:
            if one is not None:
                values = table.get(one, ())
                if not values:
                    attrs[name] = [] if multi else None
                    continue
                values = sorted({value_of(x) for x in values}, key=str) if len(values) > 1 else [value_of(values[0])]
            else:
                values = sorted({value_of(x) for c in claims for x in table.get(c, ())}, key=str)
            if multi:
                attrs[name] = values
            elif len(values) == 1:
                attrs[name] = values[0]
            elif values:
                attrs[name] = values
            else:
                attrs[name] = None

    def _supply(self, attrs: dict[str, Any], claims: list[str]) -> None:
        """A transfer's deal, merged over its sources (:func:`graph.ask.transfers.merge`), its system and category."""
        tables, value_of = self.tables, self.value_of
        merged = merge((tables.claim(c) for c in claims), as_of=self.window.as_of)
        for e in attrs["evidence"]:
            if e["claim"] in self.transfer_claims:
                e.update(tables.evidence(e["claim"]))
        attrs.update(merged)
        number = merged["ordered"] if merged["ordered"] is not None else (merged["delivered"] or None)
        if number is not None and (attrs.get("quantities") is not None or attrs["quantity"] is None):
            # the deal's number is the number ordered (else delivered), not each source's other number
            attrs["quantity"] = number
            attrs.pop("quantities", None)
        systems = sorted({x for c in claims for x in self.systems_of.get(c, [])}, key=str)
        attrs["system_iri"] = str(systems[0]) if len(systems) == 1 else None
        cats = sorted({x for c in claims for x in self.categories.get(c, [])}, key=str)
        if not cats and systems:  # the system's own category, from the registry
            cats = sorted({x for s in systems for x in self.categories.get(s, [])}, key=str)
        attrs["category"] = value_of(cats[0]) if len(cats) == 1 else ([value_of(c) for c in cats] or None)

    # --- identity: part_of of the registry ------------------------------------------------------------

    def _identity(self) -> None:
        if self.wanted is not None and PART_OF.relation not in self.wanted:
            return
        for part, wholes in sorted(self.r.prop(PART_OF.source).items()):
            for whole in wholes:
                if not (self.wanted_node(part) and self.wanted_node(whole)):
                    continue
                if self.node_info[part]["kind"] != "actor" and part not in self.nodes:
                    continue  # a programme's part_of matters only once the programme is in the graph
                key = f"{PART_OF.relation}:{_local(part, str(ENTITY))}"
                self.edges.append((self.ensure(part), self.ensure(whole), key, dict(
                    relation=PART_OF.relation, label=PART_OF.label, directed=True, claims=[],
                    claim_ids=[], sources=[REGISTRY_SOURCE],
                    evidence=[{"claim": None, "claim_id": None, "source": REGISTRY_SOURCE,
                               "title": "the entity registry (identity, not a claim)",
                               "quote": None, "date": None}],
                    date=None, end_date=None, quantity=None, weight=1.0)))
