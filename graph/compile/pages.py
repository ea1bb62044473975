"""Pages of the saved questions' answers, ordered once by the build into the derived graph ``kgg:pages``.

A saved question that lists a busy actor's claims (``claims-about-entity``, ``statements-by-speaker``,
``positions-on-topic``, ``alignment-rates``) would otherwise visit every one of them, and sort them all,
before it can cut a page of 100. For each such question and each value of its parameters (each left out
too), the build lists the claims of the question's rows in the question's order and cuts them into pages
of about :data:`PAGE_ROWS` claims. Two more have one list per value of their first parameter,
``transfers-by-supplier`` per recipient and ``exercises-by-partner`` per actor, found by their second
parameter too (:data:`HOLDS`): a list's pages also name as ``skg:pageSecondKey`` the suppliers (partners)
of their rows, but for one of more than a page of the list's claims, which has a list of its own (the
pair's: the question's rows with both given, whose pages that start before the page ends are read); the
pages found by a second key they hold are read whole, and so is every page with the first left out (no
list per pair of values: at 1M those cost 155,000 triples, +15 %). ``tie-sources`` has a list for each pair
of busy entities (each named by more than :data:`BUSY` claims) named together, found by both keys in
either order (:data:`PAIRS`); a pair with an entity of fewer claims finds them from that entity's
(the pages of ``claims-about-entity`` of an entity that is not busy are pages of ``tie-sources`` too).
``systems-by-origin`` has a list for each pair of recipient and supplier of more than a page of transfers
(by the system's label, then the transfer); a smaller pair's transfers are found in the recipient's pages
of ``transfers-by-supplier`` that hold the supplier's (:data:`READS`).
``memberships`` has a list for each member (by organisation id, then claim id: the question's order).
``claims-per-source`` has one list, of every source by its named graph's id (items: the sources, whose
graphs' claims the question counts itself; a source of no claims is listed too).
Two have lists only as they are asked by default
(:data:`DEFAULT_LISTS`: ``votes-on-resolution`` and ``sanctions-by-imposer`` with no parameter, and
``sanctions-by-imposer`` with an imposer alone; with another given, such a question finds its claims
from that parameter, as it did before, a few hundred rows at most); ``audit-claims`` with no source
reads ``claims-about-entity``'s list of every claim, which is in its order. A page is a node
``page:<question>/<values>/<n>`` with

- ``skg:pageOf page:<question>``, ``skg:pageKey`` (and ``skg:pageSecondKey``): the parameters'
  values, ``page:any`` for one left out;
- ``skg:pageStart n``: where (from 0) the page starts in the question's rows (below);
- ``skg:pageItem`` for each of its claims.

A question finds its pages from its parameters alone (``COALESCE(?entity, page:any)``, which
Oxigraph folds into a constant, then one index look-up), reads those that start before its page ends
(``FILTER(?page_start < 100)``: :func:`graph.store.querytext.set_page` writes ``limit + offset``),
and sorts their claims' rows itself. A page starts at the number of rows before its first key, each
claim counted as one row (a question gives at least one row per claim it lists), or, where the
question's rows are ``DISTINCT`` (``exercises-by-partner``: two exercises may show the same row),
each row shown counted once; so a page's start is never past the rank of its first row, and what is
read always holds the page asked for. A page ends only where the question's leading sort keys
change (:class:`Row`'s ``key``): rows this module's order cannot tell apart (two dates of different
precision that begin on the same day) never straddle two pages, and the engine orders them itself.

Which claims each question lists, and in what order, is written once here per question (one
function each, :data:`QUESTIONS`) and tested against the question asked of the claims themselves
(``tests/test_pages.py``).
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Callable, Iterable, Iterator, NamedTuple

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from graph.model.dates import parse_date
from graph.model.terms import ENTITY, GRAPH, PAGE, SKG, SOURCE

__all__ = ["PAGES", "PAGE_ROWS", "ANY", "BUSY", "QUESTIONS", "DEFAULT_LISTS", "HOLDS", "PAIRS", "READS",
           "SOURCE_LISTS", "Claimed", "Page", "Row", "busy_entities", "claimed", "list_lines", "list_name",
           "list_pages", "list_triples", "named_counts", "page_context", "page_triples", "iter_page_lists",
           "iter_page_triples", "registry_context", "source_context"]

#: The derived named graph the pages are written to.
PAGES = GRAPH.pages
#: Claims per page (a page may hold more, to end where its leading sort keys change).
PAGE_ROWS = 100
#: A parameter left out.
ANY = PAGE.any
#: An entity named by more claims than this is busy (``tie-sources``: a pair of busy entities has a list
#: of its own; another pair is found by visiting the claims of the entity that is not busy).
BUSY = 2000


class Claimed(NamedTuple):
    """What the pages need of one claim: where it is, its class, and its objects."""

    claim: str            # the claim's IRI
    claim_id: str
    graph: str            # its source's named graph
    cls: str              # its class
    objects: tuple        # (property, IRI) pairs, sorted: the entities it names, its speakers, kinds, holders
    literals: tuple = ()  # (property, text) pairs, sorted: its dates and labels


class Row(NamedTuple):
    """One claim in a list: ``key`` sorts as the question does (a page ends only where it changes),
    ``then`` breaks ties the way the question does where this module can tell; ``same``: for a
    question whose rows are ``DISTINCT``, what the row shows (rows of two claims that show the same
    count once), else ``None`` (the claim's rows count once)."""

    key: tuple
    then: tuple
    claim: str
    same: tuple | None = None


#: The properties whose objects a question lists by (any IRI), beside every entity a claim names.
_KEYS = (SKG.speaker, SKG.statementKind, SKG.actor, SKG.votePosition, SKG.resolution, SKG.voter,
         SKG.imposer, SKG.target, SKG.supplier, SKG.recipient, SKG.participant, SKG.alignedWith)
#: The literals a question sorts by (dates, percentages), and those whose presence it needs (a label).
_DATES = (SKG.date, SKG.deliveryDate, SKG.orderDate, SKG.percentage)
#: (rdflib's ``RDF.type`` is looked up through its namespace's ``__getattr__`` at each use: 1.3 µs a triple)
_TYPE, _LABEL = RDF.type, RDFS.label
_TYPE_TEXT, _LABEL_TEXT, _KEY_TEXTS, _DATE_TEXTS = str(_TYPE), str(_LABEL), frozenset(map(str, _KEYS)), \
    frozenset(map(str, _DATES))


def _role(p: URIRef) -> tuple[str, bool, bool, bool, bool]:
    """What :func:`claimed` reads of a predicate: its text (interned), whether it is rdf:type, one of
    :data:`_KEYS`, of :data:`_DATES`, rdfs:label."""
    text = str(p)
    return sys.intern(text), text == _TYPE_TEXT, text in _KEY_TEXTS, text in _DATE_TEXTS, text == _LABEL_TEXT


#: :func:`_role` of each predicate met (an IRI of rdflib's), by the predicate.
_ROLES: dict[URIRef, tuple[str, bool, bool, bool, bool]] = {}


def claimed(claim: URIRef, claim_id: str, graph: URIRef, triples: Iterable[tuple]) -> Claimed:
    """The record of a compiled claim, from its triples: kept small (all of them stay in the build's
    process until the pages are written), its repeated texts interned."""
    cls = ""
    objects = []
    literals = []
    ent = str(ENTITY)
    # rdflib's == (a Python method) on every triple took a third of this: its test (same type, same text) here
    kind, text, starts = type(claim), str(claim), str.startswith
    for s, p, o in triples:
        if type(s) is not kind or str.__ne__(s, text):  # not the claim's own
            continue
        # str's startswith: rdflib's Identifier.startswith is a Python method making both texts again; an
        # object's class tested first: isinstance with rdflib's classes (abc's) is a Python call unless it is theirs
        oc = o.__class__
        iri = oc is URIRef or (oc is not Literal and isinstance(o, URIRef))
        if type(p) is not URIRef:  # (not in a compiled claim) rdflib's == makes it equal to no predicate below
            if iri and starts(o, ent):
                objects.append((sys.intern(str(p)), sys.intern(str(o))))
            continue
        role = _ROLES.get(p)
        if role is None:
            role = _ROLES[p] = _role(p)
        ptext, is_type, is_key, is_date, is_label = role
        if is_type:
            cls = sys.intern(str(o))
        elif iri and (starts(o, ent) or is_key):
            objects.append((ptext, sys.intern(str(o))))
        elif (oc is Literal or (not iri and isinstance(o, Literal))) and is_date:
            literals.append((ptext, str(o)))
        elif is_label:
            literals.append((ptext, str(o)))
    return Claimed(str(claim), claim_id, sys.intern(str(graph)), cls, tuple(sorted(objects)),
                   tuple(sorted(set(literals))))


def _graph_id(graph: str) -> str:
    return graph[len(str(GRAPH)):] if graph.startswith(str(GRAPH)) else ""


# --- the questions: which claims each lists, for which parameters, in what order ---------------------

Lists = dict[tuple, list[Row]]
Context = dict  # beyond the claims: {"issued": {graph: (source, literal)}, "labelled": set, "part_of": {iri: set},
#                 "labels": {iri: its labels (skos:prefLabel, sorted)},
#                 "busy": the busy entities of the whole corpus (tie-sources; counted from the claims given if absent),
#                 "sources": each source's (named graph, IRI) (claims-per-source),
#                 "only": the first keys' values whose lists are wanted (absent: all; see _wanted)}


def _wanted(context: Context) -> Callable[[str | None], bool]:
    """Whether the lists of a first key's value (``None``: left out) are wanted: all of them, or those of
    ``context["only"]``, when given (an incremental build's delta asks for the lists of the changed claims' first
    keys, :mod:`graph.compile.delta`). A lister may leave out the others' lists, or not: the wanted ones are whole."""
    only = context.get("only")
    return (lambda value: True) if only is None else only.__contains__


def claims_about_entity(claims: list[Claimed], context: Context) -> Lists:
    """``claims-about-entity``: the claims naming the entity (of the registry), by source (its
    graph's id), then claim id; with the entity left out, every claim."""
    lists: Lists = defaultdict(list)
    ent, wanted = str(ENTITY), _wanted(context)
    every = wanted(None)
    for c in claims:
        row = Row((_graph_id(c.graph), c.claim_id), (), c.claim)
        if every:
            lists[(None,)].append(row)
        for entity in sorted({o for _, o in c.objects if o.startswith(ent) and wanted(o)}):
            lists[(entity,)].append(row)
    return lists


def claims_per_source(claims: list[Claimed], context: Context) -> Lists:
    """``claims-per-source``: every source (``context["sources"]``; one of no claims too: the question's page
    counts it), by its named graph's id; the items are the sources, not claims (the question finds each one's
    graph and counts its claims itself). The list depends on the sources alone (:data:`SOURCE_LISTS`)."""
    return {(None,): [Row((_graph_id(graph),), (), source) for graph, source in context.get("sources", ())]}


def _date_start(value: Literal | None) -> tuple:
    """Where a date (a year, a month or a day) begins, as Oxigraph orders them; ``()`` for none."""
    if value is None:
        return ()
    m = re.fullmatch(r"(-?\d{4,})(?:-(\d\d))?(?:-(\d\d))?", str(value))
    if not m:
        raise ValueError(f"not a date the build writes: {value!r}")
    return (int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))


def statements_by_speaker(claims: list[Claimed], context: Context) -> Lists:
    """``statements-by-speaker``: claims with a speaker and a kind (statements), by speaker (its IRI
    after ``://``), then source issue date, source id and claim; per speaker and kind, either left
    out. A statement whose source has no issue date is not listed (the question joins it)."""
    lists: Lists = defaultdict(list)
    speaker_p, kind_p = str(SKG.speaker), str(SKG.statementKind)
    issued, wanted = context["issued"], _wanted(context)
    for c in claims:
        if c.graph not in issued:
            continue
        source_iri, date = issued[c.graph]
        kinds = sorted({o for p, o in c.objects if p == kind_p})
        for speaker in sorted({o for p, o in c.objects if p == speaker_p}):
            row = Row((speaker.split("://", 1)[-1], _date_start(date)),
                      (source_iri[len(str(SOURCE)):], c.claim), c.claim)
            for kind in kinds:
                for key in ((None, None), (speaker, None), (None, kind), (speaker, kind)):
                    if wanted(key[0]):
                        lists[key].append(row)
    return lists


def positions_on_topic(claims: list[Claimed], context: Context) -> Lists:
    """``positions-on-topic``: positions by holder id, then claim id; per holder, or left out."""
    lists: Lists = defaultdict(list)
    position, actor_p, ent = str(SKG.Position), str(SKG.actor), str(ENTITY)
    for c in claims:
        if c.cls != position:
            continue
        for holder in sorted({o for p, o in c.objects if p == actor_p}):
            row = Row((holder[len(ent):] if holder.startswith(ent) else "", c.claim_id), (c.claim,), c.claim)
            lists[(None,)].append(row)
            lists[(holder,)].append(row)
    return lists


# --- lists of the questions that take their page as asked by default or by their first parameter ----

def _id(iri: str | None) -> tuple:
    """An entity's id as the questions sort it (``STRAFTER(STR(?x), STR(ent:))``): unbound first."""
    if iri is None:
        return (0, "")
    return (1, iri[len(str(ENTITY)):] if iri.startswith(str(ENTITY)) else "")


def _year(text: str | None) -> tuple:
    """A date's year as the questions sort it (``SUBSTR(STR(?date), 1, 4)``): unbound first."""
    return (0, "") if text is None else (1, text[:4])


def _of(c: Claimed, prop) -> list[str]:
    text = str(prop)
    return sorted({o for p, o in c.objects if p == text})


def _dates(c: Claimed, prop) -> list[str]:
    text = str(prop)
    return sorted({v for p, v in c.literals if p == text})


def votes_on_resolution(claims: list[Claimed], context: Context) -> Lists:
    """``votes-on-resolution`` with no parameter: every vote, by resolution id (the engine sorts
    within a resolution, by position and voter)."""
    lists: Lists = defaultdict(list)
    vote = str(SKG.Vote)
    for c in claims:
        if c.cls != vote or not (_of(c, SKG.voter) and _of(c, SKG.votePosition)):
            continue
        for resolution in _of(c, SKG.resolution):
            lists[(None,)].append(Row((_id(resolution),), (), c.claim))
    return lists


def sanctions_by_imposer(claims: list[Claimed], context: Context) -> Lists:
    """``sanctions-by-imposer`` with no parameter: every sanction, by imposer id, then target id; and
    with an imposer alone, its sanctions (by target id)."""
    lists: Lists = defaultdict(list)
    sanction = str(SKG.Sanction)
    for c in claims:
        if c.cls != sanction:
            continue
        for imposer in _of(c, SKG.imposer):
            for target in _of(c, SKG.target):
                row = Row((_id(imposer), _id(target)), (), c.claim)
                lists[(None,)].append(row)
                lists[(imposer,)].append(row)
    return lists


def transfers_by_supplier(claims: list[Claimed], context: Context) -> Lists:
    """``transfers-by-supplier`` per recipient: by supplier id (none first), then year (of delivery,
    else order, else the claim's date; none first). A transfer of several suppliers shows a row
    for each (given a supplier, the question shows every supplier's rows of its transfers). A pair
    of recipient and supplier of more than a page of transfers has a list of its own (all the rows
    of its transfers: the question's rows with that supplier given); ``then`` holds the supplier's
    IRI (``""`` for none), the second key of :data:`HOLDS`."""
    lists: Lists = defaultdict(list)
    pairs: Lists = defaultdict(list)
    transfer, wanted = str(SKG.ArmsTransfer), _wanted(context)
    for c in claims:
        if c.cls != transfer:
            continue
        dated = (_dates(c, p) for p in (SKG.deliveryDate, SKG.orderDate, SKG.date))  # delivery, else order, else date
        years: list[str | None] = next(([*d] for d in dated if d), [None])
        suppliers: list[str | None] = [*_of(c, SKG.supplier)] or [None]
        rows = [Row((_id(supplier), _year(year)), (supplier or "",), c.claim) for supplier in suppliers
                for year in years]
        for recipient in _of(c, SKG.recipient):
            if not wanted(recipient):
                continue
            lists[(recipient, None)] += rows
            for supplier in suppliers:
                if supplier is not None:
                    pairs[(recipient, supplier)] += rows
    for pair, rows in pairs.items():  # a list of its own for a pair of more than a page's transfers
        if len({row.claim for row in rows}) > PAGE_ROWS:
            lists[pair] = rows
    return lists


def systems_by_origin(claims: list[Claimed], context: Context) -> Lists:
    """``systems-by-origin`` per recipient and supplier (both always given): the transfers of a system with a
    label (the registry's ``skos:prefLabel``, ``context["labels"]``), by that label, then the transfer (its
    IRI): the question's order, total, so a page ends after :data:`PAGE_ROWS` claims. A transfer of several
    systems (or a system of several labels) shows a row for each. Only a pair of more than a page of
    transfers (those :func:`transfers_by_supplier` has a list of its own for) has rows; the list of any other
    pair of a transfer is empty (no pages: the question finds the pair's transfers in the recipient's pages
    of ``transfers-by-supplier`` that hold the supplier's), there so that an incremental build, which makes
    again the lists of the changed claims' keys, makes the pair's list again when it grows past a page or
    shrinks (:mod:`graph.compile.delta`: the changed claims alone rarely make a pair large, so it finds no
    changed rows and makes the list again whole; where they do, a pair that was not large held a page of rows
    at most, so the list is made again from its first page too)."""
    lists: Lists = defaultdict(list)
    transfers: Counter = Counter()  # a pair: its transfers
    transfer, labels = str(SKG.ArmsTransfer), context["labels"]
    for c in claims:
        if c.cls != transfer:
            continue
        rows = [Row((label, c.claim), (), c.claim) for system in _of(c, SKG.system) for label in labels.get(system, ())]
        for recipient in _of(c, SKG.recipient):
            for supplier in _of(c, SKG.supplier):
                lists[(recipient, supplier)] += rows
                transfers[(recipient, supplier)] += 1
    for pair, n in transfers.items():
        if n <= PAGE_ROWS:
            lists[pair] = []
    return lists


def memberships(claims: list[Claimed], context: Context) -> Lists:
    """``memberships`` per member (always given): its memberships, by organisation id, then claim id (then
    the claim's IRI: two sources' claims may share an id), the question's order. Every member has a list
    (3,874 memberships at 3M: +4,792 triples), not only one of more than a page: a question that read a large
    member's list or else sorted a small member's memberships whole (a ``UNION``, the second branch taken for
    a member of no list) visited the large member's memberships to find that none were to be sorted: that
    branch alone took Oxigraph 12-320 ms of CPU at 3M for the hub (by how it asked), the list's 5-10 more,
    where sorting all of them took 23."""
    lists: Lists = defaultdict(list)
    membership, ent = str(SKG.Membership), str(ENTITY)
    for c in claims:
        if c.cls != membership:
            continue
        for organisation in _of(c, SKG.organisation):
            row = Row((organisation[len(ent):] if organisation.startswith(ent) else "", c.claim_id), (c.claim,),
                      c.claim)
            for member in _of(c, SKG.member):
                lists[(member,)].append(row)
    return lists


def exercises_by_partner(claims: list[Claimed], context: Context) -> Lists:
    """``exercises-by-partner`` per actor: by partner id (the state or organisation a participating
    force belongs to), then year. An actor's own forces are it and its parts; a partner is a
    participant, or what it is part of, that is part of nothing. Its rows are ``DISTINCT``
    (partner, year, exercise name, host): two exercises may show the same row."""
    lists: Lists = defaultdict(list)
    pairs: Lists = defaultdict(list)
    exercise, labelled, part_of = str(SKG.MilitaryExercise), context["labelled"], context["part_of"]
    wanted = _wanted(context)

    def top(x: str) -> bool:
        return not part_of.get(x)

    label = str(RDFS.label)
    for c in claims:
        if c.cls != exercise:
            continue
        names = sorted({text for p, text in c.literals if p == label})
        if not names:
            continue
        years: list[str | None] = [*_dates(c, SKG.date)] or [None]
        hosts: list[str | None] = [*_of(c, SKG.host)] or [None]
        participants = _of(c, SKG.participant)
        partners = {o: [x for x in ([o] if o in labelled else []) + sorted(part_of.get(o, ())) if top(x)]
                    for o in participants}
        with_: dict[str, set[str]] = defaultdict(set)  # actor: its partners here
        for own in participants:
            for actor in ([own] if own in labelled else []) + sorted(part_of.get(own, ())):
                for other in participants:
                    if other != own:
                        with_[actor].update(partner for partner in partners[other] if partner != actor)
        for actor in sorted(with_):
            if not wanted(actor):
                continue
            for partner in sorted(with_[actor]):
                rows = [Row((_id(partner), _year(year)), (), c.claim, (partner, _year(year), name, host))
                        for year in years for name in names for host in hosts]
                lists[(actor, None)] += rows
                pairs[(actor, partner)] += rows
    for pair, rows in pairs.items():  # a list of its own for a pair of more than a page's exercises
        if len({row.claim for row in rows}) > PAGE_ROWS:
            lists[pair] = rows
    return lists


def alignment_rates(claims: list[Claimed], context: Context) -> Lists:
    """``alignment-rates``: alignment rates, highest percentage first (by value), then country id;
    per value of ``skg:alignedWith``, or left out. A rate of several countries or percentages shows
    a row for each."""
    lists: Lists = defaultdict(list)
    rate = str(SKG.AlignmentRate)
    for c in claims:
        if c.cls != rate:
            continue
        rows = []
        for text in _dates(c, SKG.percentage):
            try:
                value = Decimal(text)
            except ArithmeticError:
                raise ValueError(f"not a percentage the build writes: {text!r}") from None
            rows += [Row((-value, _id(country)), (), c.claim) for country in _of(c, SKG.actor)]
        lists[(None,)] += rows
        for aligned_with in _of(c, SKG.alignedWith):
            lists[(aligned_with,)] += rows
    return lists


def named_counts(claims: Iterable[Claimed]) -> Counter:
    """How many of ``claims`` name each entity."""
    ent = str(ENTITY)
    return Counter(o for c in claims for o in {o for _, o in c.objects if o.startswith(ent)})


def busy_entities(claims: Iterable[Claimed], counts: Counter | None = None) -> set[str]:
    """The entities named by more than :data:`BUSY` claims, of ``claims`` or as ``counts``
    (:func:`named_counts`) says."""
    named = named_counts(claims) if counts is None else counts
    return {entity for entity, n in named.items() if n > BUSY}


def tie_sources(claims: list[Claimed], context: Context) -> Lists:
    """``tie-sources`` for two busy entities (:func:`busy_entities`, or ``context["busy"]``): the claims
    naming both, by source (its graph's id), then claim id (the order of ``claims-about-entity``); one
    list per pair, keyed in IRI order (the question finds it by both keys, in either order:
    :data:`PAIRS`). A pair of which one entity is not busy has no list: the question visits that
    entity's claims (:data:`BUSY` or fewer), its list of ``claims-about-entity``, whose pages are also
    pages of ``tie-sources`` (:func:`list_triples`)."""
    busy = context["busy"] if "busy" in context else busy_entities(claims)
    lists: Lists = defaultdict(list)
    wanted = _wanted(context)
    for c in claims:
        named = sorted({o for _, o in c.objects if o in busy})
        if len(named) < 2:
            continue
        row = Row((_graph_id(c.graph), c.claim_id), (), c.claim)
        for i, x in enumerate(named):
            if wanted(x):
                for y in named[i + 1:]:
                    lists[(x, y)].append(row)
    return lists


#: The questions answered from pages, and how each lists its claims (keys: its parameters in order).
QUESTIONS: dict[str, Callable[[list[Claimed], Context], Lists]] = {
    "alignment-rates": alignment_rates,
    "claims-about-entity": claims_about_entity,
    "claims-per-source": claims_per_source,
    "exercises-by-partner": exercises_by_partner,
    "memberships": memberships,
    "positions-on-topic": positions_on_topic,
    "sanctions-by-imposer": sanctions_by_imposer,
    "statements-by-speaker": statements_by_speaker,
    "systems-by-origin": systems_by_origin,
    "tie-sources": tie_sources,
    "transfers-by-supplier": transfers_by_supplier,
    "votes-on-resolution": votes_on_resolution,
}
#: Of those, the questions paged only as asked by default (their parameters' values find their
#: claims in the question itself): the parameter values that have lists.
DEFAULT_LISTS = {
    "sanctions-by-imposer": "no imposer, no target; an imposer, no target",
    "votes-on-resolution": "no resolution, no voter",
}
#: Questions whose lists with their second parameter left out are found by its values too: each
#: page also has as ``skg:pageSecondKey`` the value (of :class:`Row`, here the partner) of its
#: claims' rows, where that value has no list of its own with the first key (its rows fill a page
#: or less); the question, that value given, reads every page found.
HOLDS: dict[str, Callable[[Row], str]] = {"exercises-by-partner": lambda row: row.same[0] if row.same else "",
                                          "transfers-by-supplier": lambda row: row.then[0] if row.then else ""}
#: Questions whose lists are of a pair of values given in either order: each page has both as ``skg:pageKey``.
PAIRS = {"tie-sources"}
#: Questions whose lists are of the sources, not of claims: an incremental build makes such a list again when the
#: changed sources' graphs come or go, not when their claims change (:mod:`graph.compile.delta`).
SOURCE_LISTS = {"claims-per-source"}
#: Questions that read another question's pages: ``audit-claims`` as asked by default (the same claims
#: in the same order), ``systems-by-origin`` for a pair of a page of transfers or fewer (a recipient's
#: transfers from a supplier, which it sorts; a larger pair has a list of its own).
READS = {"audit-claims": "claims-about-entity", "systems-by-origin": "transfers-by-supplier"}


def _pages(rows: list[Row]) -> Iterator[tuple[int, list[str]]]:
    """The list's pages: (where the first starts, its claims); a page ends where ``key`` changes.

    A claim of several rows (a statement of two speakers, in the list of any speaker) is listed
    once, in the page of its first row. A page starts at the number of rows before its first key:
    each claim of them counted once, or, for a question whose rows are ``DISTINCT``, each row
    shown (``same``) once; never more than the question gives, so what is read holds the page.
    """
    start, last = 0, None
    claims: list[str] = []
    seen: set[str] = set()
    before: set = set()   # the rows (claims, or rows shown) of the keys before the current key
    current: set = set()  # of the current key
    for row in sorted(rows):
        if row.key != last:
            before |= current
            current = set()
            if len(claims) >= PAGE_ROWS:
                yield start, claims
                start, claims = len(before), []
            last = row.key
        current.add(row.claim if row.same is None else row.same)
        if row.claim not in seen:
            seen.add(row.claim)
            claims.append(row.claim)
    if claims:
        yield start, claims


def _part(value: str | None) -> str:
    """A parameter's value in a page's IRI: an IRI of the project without its base, else ``any``."""
    base = str(PAGE)[:-len("page/")]
    return "any" if value is None else value[len(base):] if value.startswith(base) else "other"


def list_name(question: str, key: tuple) -> str:
    """What the IRIs of the pages of ``question``'s list for ``key`` begin with (``<name>/<start>``)."""
    return f"{PAGE}{question}/" + "/".join(_part(v) for v in key)


def _iri(value: str) -> URIRef:
    """An rdflib IRI of a claim or a page, made at once: a claim's IRI was checked when it was compiled, and a
    page's is made of the project's IRIs (rdflib's own way checks each again: a list of 30,000 claims' items)."""
    return str.__new__(URIRef, value)


class Page(NamedTuple):
    """One page of a list: its IRI, where it starts, what it says of itself (``head``: (predicate, IRI) pairs,
    its ``skg:pageOf``, keys and second keys), and its claims (``items``, each an ``skg:pageItem``); IRIs as text."""

    iri: str
    start: int
    head: list[tuple[str, str]]
    items: list[str]


_PAGE_OF, _PAGE_KEY, _PAGE_SECOND_KEY, _PAGE_START, _PAGE_ITEM = (str(SKG.pageOf), str(SKG.pageKey),
                                                                  str(SKG.pageSecondKey), str(SKG.pageStart),
                                                                  str(SKG.pageItem))


def list_pages(question: str, key: tuple, lists: Lists, first: int = 0) -> list[Page]:
    """The pages of one list of ``question``'s (``lists[key]``, of the question's lister), with their keys (and,
    for a question of :data:`HOLDS`, the second keys their claims' rows name, but those with a list of their own
    in ``lists``) and items. The pages of ``claims-about-entity`` for an entity that is not busy (:data:`BUSY`
    claims or fewer) are also pages of ``tie-sources``, which visits them. ``first``: the pages that start
    before it are left out (an incremental build's, :mod:`graph.compile.delta`). Their triples:
    :func:`list_triples` (rdflib's terms), :func:`list_lines` (N-Triples)."""
    rows = lists[key]
    of = str(PAGE[question])
    name = list_name(question, key)
    keys = [str(ANY) if v is None else v for v in key]
    held: dict[str, set[str]] = defaultdict(set)  # a claim: the second keys its rows name
    if question in HOLDS and key[1:] == (None,):
        for row in rows:
            held[row.claim].add(HOLDS[question](row))
    # an entity's claims, when it is not busy, are what tie-sources visits: its pages are that question's too
    quiet = question == "claims-about-entity" and key[0] is not None and len({row.claim for row in rows}) <= BUSY
    out: list[Page] = []
    for start, items in _pages(rows):
        if start < first:
            continue
        head = [(_PAGE_OF, of), (_PAGE_KEY, keys[0])]
        if quiet:
            head.append((_PAGE_OF, str(PAGE["tie-sources"])))
        if question in PAIRS:
            head += [(_PAGE_KEY, k) for k in keys[1:]]
        elif len(keys) > 1:
            head.append((_PAGE_SECOND_KEY, keys[1]))
        holds = set().union(*(held[c] for c in items)) if held else set()
        head += [(_PAGE_SECOND_KEY, v) for v in sorted(holds) if v and (key[0], v) not in lists]
        out.append(Page(f"{name}/{start}", start, head, items))
    return out


def list_triples(question: str, key: tuple, lists: Lists, first: int = 0) -> list[tuple]:
    """The triples of the pages of one list (:func:`list_pages`), as rdflib's terms."""
    out: list[tuple] = []
    item = SKG.pageItem  # (made once: SKG makes the IRI again at each use)
    for page in list_pages(question, key, lists, first):
        iri = _iri(page.iri)
        out.append((iri, SKG.pageStart, Literal(page.start, datatype=XSD.integer)))
        out += [(iri, URIRef(p), URIRef(o)) for p, o in page.head]
        out += [(iri, item, _iri(c)) for c in page.items]
    return out


def list_lines(question: str, key: tuple, lists: Lists, first: int = 0) -> list[str]:
    """The triples of the pages of one list (:func:`list_pages`), as N-Triples text (``<s> <p> <o>``, no final
    dot), as pyoxigraph writes them: the IRIs of the project, of its claims and of the registry, which were
    checked when they were compiled, have nothing to escape."""
    out: list[str] = []
    start, integer = f"> <{_PAGE_START}> \"", f"\"^^<{XSD.integer}>"
    for page in list_pages(question, key, lists, first):
        s = f"<{page.iri}"
        out.append(f"{s}{start}{page.start}{integer}")
        out += [f"{s}> <{p}> <{o}>" for p, o in page.head]
        item = f"{s}> <{_PAGE_ITEM}> <"
        out += [f"{item}{c}>" for c in page.items]
    return out


def registry_context(registry: Iterable[tuple]) -> Context:
    """What the questions' listers read of the registry's triples (:data:`Context`): the labelled entities,
    their labels, and what each is part of."""
    labels: dict[str, list[str]] = defaultdict(list)
    part_of: dict[str, set[str]] = defaultdict(set)
    for s, p, o in registry:
        if p == SKOS.prefLabel:
            labels[str(s)].append(str(o))
        elif p == SKG.partOf:
            part_of[str(s)].add(str(o))
    return {"labelled": set(labels), "labels": {s: tuple(sorted(set(ls))) for s, ls in labels.items()},
            "part_of": dict(part_of)}


def source_context(sources: Iterable) -> Context:
    """What the questions' listers read of the sources (:data:`Context`): each one's issue date, and each
    one's named graph and IRI."""
    sources = list(sources)
    return {"issued": {str(s.graph_iri): (str(s.iri), parse_date(s.meta["issued"]))
                       for s in sources if s.meta.get("issued") is not None},
            "sources": [(str(s.graph_iri), str(s.iri)) for s in sources]}


def page_context(claims: list[Claimed], sources: Iterable, registry: Iterable[tuple] = ()) -> Context:
    """What the questions' listers read beyond the claims (:data:`Context`): the sources' issue dates and
    graphs (:func:`source_context`), the registry's labelled entities, their labels and what each is part
    of (:func:`registry_context`), the busy entities of ``claims``."""
    return {**source_context(sources), **registry_context(registry), "busy": busy_entities(claims)}


def iter_page_triples(claims: list[Claimed], sources: Iterable, registry: Iterable[tuple] = (),
                      questions: Iterable[str] | None = None, context: Context | None = None) -> Iterator[tuple]:
    """The ``kgg:pages`` triples of every question of :data:`QUESTIONS` (or of ``questions``), question by
    question and list by list (:func:`iter_page_lists`), not sorted: what :func:`page_triples` sorts."""
    for triples in iter_page_lists(claims, sources, registry, questions, context):
        yield from triples


def iter_page_lists(claims: list[Claimed], sources: Iterable, registry: Iterable[tuple] = (),
                    questions: Iterable[str] | None = None, context: Context | None = None,
                    form: Callable[[str, tuple, Lists], list] | None = None) -> Iterator[list]:
    """The ``kgg:pages`` triples of every question of :data:`QUESTIONS` (or of ``questions``), a list of them for
    each of a question's lists (``form``: :func:`list_triples`, rdflib's terms, unless given, e.g.
    :func:`list_lines`, N-Triples), the questions and their lists in the order of their
    pages' IRIs (:func:`list_name`): what a build sorts list by list and writes in that order (only one
    question's lists are held at a time).

    ``sources``: the corpus's :class:`graph.compile.sources.Source` objects (their issue dates);
    ``registry``: the registry's triples (which entities are labelled, what each is part of);
    ``context``: :func:`page_context` of those, when already made (the build's tasks share one).
    """
    if context is None:
        context = page_context(claims, sources, registry)
    for question in sorted(QUESTIONS if questions is None else questions):
        lists = QUESTIONS[question](claims, context)
        for key in sorted(lists, key=lambda k: list_name(question, k) + "/"):
            yield (form or list_triples)(question, key, lists)
        del lists


def page_triples(claims: list[Claimed], sources: Iterable, registry: Iterable[tuple] = ()) -> list[tuple]:
    """The ``kgg:pages`` triples of every question of :data:`QUESTIONS`, sorted (:func:`iter_page_triples`)."""
    out = list(iter_page_triples(claims, sources, registry))
    out.sort()
    return out
