"""The claim types, declared once: fields, RDF form, required-ness, edges and styles; the node kinds.

Like followthemoney's schema files, each claim type says in one place everything the code needs
to know about it:

- its class (``rdf_class``) and its **fields**: the YAML key, the property it becomes, the kind of
  value it takes (an entity of some registry kinds, a concept of a scheme, a literal of a datatype),
  whether it is required and whether it takes several values (:class:`Field`); ``one_of`` names
  fields of which at least one must be given;
- its **edges** in the networkx projection (:class:`Edge`): which field gives the edge's source,
  which its target (the first that has a value), whether it is symmetric, the attributes copied
  onto the edge, and the edge's colour in the view;
- the **style** of its own node in the view, for a claim that is a node (an exercise).

:data:`CLAIM_TYPES` is read by the compiler (:mod:`graph.compile.claims`), the table importer, the
projection's :data:`EDGE_RULES` (:mod:`graph.ask.projection`) and the view
(:mod:`graph.present.view`). The SHACL shapes of the claim types in ``ontology/shapes/shapes.ttl``
are generated from it (``python scripts/gen_shapes.py``), and its classes are the ontology's
subclasses of ``skg:Claim`` (``tests/test_schema.py`` checks both).

The node kinds (:data:`NODE_CLASSES`) are the ontology's classes of entities, each with its kind
(``actor`` for the direct subclasses of ``skg:Actor`` ...) and its style in the view; the test
checks them against the ontology's class tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDFS

from graph.model.terms import SKG

__all__ = ["Field", "Edge", "NodeStyle", "ClaimType", "CLAIM_TYPES", "EdgeRule", "EDGE_RULES", "HUB",
           "PART_OF", "RELATIONS", "SYSTEM_RELATIONS", "TRANSFER_RELATIONS", "NodeClass", "NODE_CLASSES",
           "NODE_KINDS", "NODE_STYLES", "ACTOR_TYPES", "local_name"]

#: An edge's target that is the claim's own node (an exercise): each source value has an edge to it.
HUB = "claim node"


@dataclass(frozen=True)
class Field:
    """One field of a claim type: its YAML key, its property and the kind of value it takes.

    ``kind`` is ``entity`` (with ``kinds``: which registry kinds are allowed), ``concept`` (with
    ``scheme``: the local name of a skv concept scheme), ``date``, ``count`` (a non-negative
    integer), ``decimal``, ``percent`` (a decimal from 0 to 100), ``boolean``, ``text``, ``speaker``
    (an actor, or ``source`` for the source's own author) or ``deliveries`` (a list of
    ``{year, quantity, tiv, estimated}`` mappings, each compiled into a ``skg:Delivery`` node named
    ``<claim IRI>#delivery-<year>``). ``words`` names the field for people (the view's details of a
    dataset row); without it the key is shown with its underscores as spaces.

    For the SHACL shapes (``scripts/gen_shapes.py``): ``least`` is the smallest number of values of
    a required field; ``range`` the class its entities must have, when narrower than their kinds'
    (a vote's resolution); ``minimum`` the smallest number allowed; ``says`` the shape's message
    (a sentence is made from the field when it is not given).
    """

    key: str
    prop: URIRef
    kind: str
    kinds: tuple[str, ...] = ()
    scheme: str | None = None
    required: bool = False
    many: bool = False
    words: str | None = None
    least: int = 1
    range: URIRef | None = None
    minimum: int | None = None
    says: str | None = None


@dataclass(frozen=True)
class Edge:
    """An edge rule of a claim type, in the words of its fields.

    Parameters
    ----------
    relation, label:
        The edge's ``relation`` (``supplies``) and words for it, read "source <label> target".
    source:
        The field whose values are the edges' sources.
    target:
        The fields giving the edges' targets, the first that has a value wins; :data:`HUB` for an
        edge to the claim's own node; empty for a symmetric rule (every pair of ``source`` values,
        undirected).
    extras:
        ``(attribute, field)`` pairs copied onto the edge.
    colour:
        The edge's colour in the view (``None``: one of the view's spare colours).
    systems:
        Made only when weapons systems are nodes (``include_systems``).
    """

    relation: str
    label: str
    source: str
    target: tuple[str, ...] | str = ()
    extras: tuple[tuple[str, str], ...] = ()
    colour: str | None = None
    systems: bool = False


@dataclass(frozen=True)
class NodeStyle:
    """How the view draws a node: its colour, its vis-network shape, and the legend's words."""

    colour: str
    shape: str
    words: str


@dataclass(frozen=True)
class ClaimType:
    """A claim type: the class of its nodes, its fields, a rule that needs more than one field,
    its edges in the projection and, for a claim drawn as a node of its own, that node's style."""

    name: str
    rdf_class: URIRef
    fields: tuple[Field, ...]
    one_of: tuple[str, ...] = ()  # at least one of these keys must be given
    edges: tuple[Edge, ...] = ()
    node: NodeStyle | None = None
    words: str | None = None  # the type in words, when not its name ("alignment rate")
    one_of_says: str | None = None  # the shape's message for ``one_of``

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


# Value kinds: an entity of the registry (of the given kinds), a concept of a scheme, or a literal.
ACTOR = ("actor",)
_ANYTHING = ("actor", "system", "programme", "instrument", "place")


def _e(key, prop, kinds=ACTOR, **kw) -> Field:
    return Field(key, prop, "entity", kinds=kinds, **kw)


def _c(key, prop, scheme, **kw) -> Field:
    return Field(key, prop, "concept", scheme=scheme, **kw)


_DATE = Field("date", SKG.date, "date",
               says="a date is a year, a month or a day (xsd:gYear, xsd:gYearMonth, xsd:date), one per claim")
#: A span: "since 2017" is ``start: 2017``; ``end`` where the source gives one.
_START = Field("start", SKG.startDate, "date")
_END = Field("end", SKG.endDate, "date", says="an end date is a year, a month or a day, one per claim")
_ROWS = Field("rows", SKG.sourceRow, "count", many=True, words="Row(s) of the file",
              says="a source row is a line number")
#: The one actor a claim is about (skg:actor).
_ONE_ACTOR = _e("actor", SKG.actor, required=True, says="this claim is about one actor (skg:actor)")
_PARTNERS = _e("partners", SKG.partner, required=True, many=True, least=2,
               says="a partnership or cooperation has at least two partners")

#: What a transfer's edges carry (its own ``supplies`` edge and, with systems, the two through the system).
_SUPPLY_EXTRAS = (("system", "system"), ("category", "category"), ("status", "status"),
                  ("condition", "condition"), ("order_date", "ordered"), ("delivery_date", "delivered"),
                  ("value", "value"), ("currency", "currency"))

CLAIM_TYPES: dict[str, ClaimType] = {t.name: t for t in (
    ClaimType("transfer", SKG.ArmsTransfer, (
        _e("supplier", SKG.supplier,
           says="a transfer has at most one supplier, an actor (leave it out when unknown)"),
        _e("recipient", SKG.recipient, required=True, says="a transfer has one recipient, an actor"),
        _e("system", SKG.system, ("system",), says="a transfer's system is one weapons system"),
        _c("category", SKG.category, "SystemCategories",
           says="a transfer's category is one concept of skv:SystemCategories"),
        Field("quantity", SKG.quantity, "count", says="a quantity is one non-negative whole number"),
        Field("ordered", SKG.orderDate, "date", words="Year of order",
              says="an order date is a year, a month or a day, one per claim"),
        Field("delivered", SKG.deliveryDate, "date", words="Year(s) of delivery",
              says="a delivery date is a year, a month or a day, one per claim"),
        _c("status", SKG.transferStatus, "TransferStatuses",
           says="a transfer's status is ordered, purchased, procured, delivering, delivered, ongoing or cancelled"),
        _c("condition", SKG.condition, "Conditions",
           says="a transfer's condition is new, second-hand or second-hand-modernised"),
        Field("value", SKG.valueAmount, "decimal", minimum=0, says="a transfer's value is one non-negative decimal"),
        Field("currency", SKG.valueCurrency, "text"),
        # fields of datasets (SIPRI's arms-transfer register; see graph/importers/sipri.py)
        Field("deal_id", SKG.dealId, "text", words="SIPRI deal id",
              says="a transfer has at most one deal id of its dataset"),
        Field("designation", SKG.designation, "text"),
        Field("description", SKG.systemDescription, "text", words="Description"),
        Field("armament_category", SKG.armamentCategory, "text", words="Armament category"),
        Field("ordered_quantity", SKG.quantityOrdered, "count", words="Ordered",
              says="a number ordered is one non-negative whole number"),
        Field("delivered_quantity", SKG.quantityDelivered, "count", words="Delivered in all",
              says="a number delivered is one non-negative whole number"),
        Field("deliveries", SKG.delivery, "deliveries", many=True, words="Delivered",
              says="a delivery is a skg:Delivery with one year"),
        Field("tiv_unit", SKG.tivPerUnit, "decimal", words="TIV per unit", minimum=0,
              says="a TIV per unit is one non-negative decimal"),
        Field("tiv_base_unit", SKG.tivBasePerUnit, "decimal", words="TIV per unit (base)", minimum=0,
              says="a base TIV per unit is one non-negative decimal"),
        Field("tiv_order", SKG.tivOrder, "decimal", words="TIV of the order", minimum=0,
              says="a TIV of the order is one non-negative decimal"),
        Field("tiv_delivered", SKG.tivDelivered, "decimal", words="TIV delivered", minimum=0,
              says="a TIV delivered is one non-negative decimal"),
        _c("estimated", SKG.estimated, "EstimatedValues", many=True,
           says="an estimate flag is order-date, number-ordered, number-delivered or delivery-year"),
        Field("local_production", SKG.localProduction, "boolean", words="Local production",
              says="local production is true or false"),
        Field("comments", SKG.datasetComment, "text"),
        Field("release", SKG.release, "text", says="a transfer comes from one release of its dataset"),
        _ROWS,
        Field("deliveries_from", SKG.deliveriesFrom, "date"),
        Field("deliveries_until", SKG.deliveriesUntil, "date"),
    ), one_of=("system", "category"), one_of_says="a transfer names a system, or at least its category", edges=(
        Edge("supplies", "supplies", "supplier", ("recipient",), _SUPPLY_EXTRAS, colour="#e53e3e"),
        Edge("supplies_system", "supplies (the system)", "supplier", ("system",), _SUPPLY_EXTRAS,
             colour="#fc8181", systems=True),
        Edge("delivered_to", "is delivered to", "system", ("recipient",), _SUPPLY_EXTRAS,
             colour="#f56565", systems=True),
    )),
    ClaimType("exercise", SKG.MilitaryExercise, (
        Field("name", RDFS.label, "text", required=True, says="an exercise has a name"),
        _e("participants", SKG.participant, required=True, many=True, says="an exercise has participants, actors"),
        _e("host", SKG.host, says="an exercise has at most one host"),
        _DATE,
        _END,
    ), edges=(
        Edge("participates_in", "takes part in", "participants", HUB, colour="#38a169"),
        Edge("hosts", "hosts", "host", HUB, colour="#68d391"),
    ), node=NodeStyle("#2f855a", "diamond", "military exercise")),
    ClaimType("statement", SKG.Statement, (
        Field("speaker", SKG.speaker, "speaker", kinds=ACTOR, required=True,
              says="a statement has one speaker: an actor, or the source itself"),
        _c("kind", SKG.statementKind, "StatementKinds", required=True,
           says="a statement has one kind: assessment, announcement, warning or recommendation"),
        _DATE,
        Field("words", SKG.words, "text"),
        Field("topic", SKG.topic, "text"),
        _e("about", SKG.about, _ANYTHING, many=True),
    ), one_of=("words", "topic"),
        one_of_says="a statement has its words or, when they are not quoted, its topic", edges=(
        Edge("states_about", "makes a statement about", "speaker", ("about",),
             (("statement", "kind"), ("words", "words"), ("topic", "topic")), colour="#d69e2e"),
    )),
    ClaimType("vote", SKG.Vote, (
        _e("voter", SKG.voter, required=True, says="a vote has one voter"),
        _e("body", SKG.body),
        _e("resolution", SKG.resolution, ("instrument",), required=True, range=SKG.Resolution,
           says="a vote is on one resolution"),
        _c("position", SKG.votePosition, "VotePositions", required=True,
           says="a vote is in favour, against, an abstention or non-voting"),
        _DATE,
        # fields of tables (graph/importers/tables.py): who reported the vote, the recorded totals
        Field("totals", SKG.voteTotals, "text"),
        Field("reported_in", SKG.reportedIn, "text", many=True),
        Field("reported_on", SKG.reportedOn, "date"),
        Field("confidence", SKG.confidence, "text"),
        _ROWS,
    ), edges=(
        Edge("votes_on", "votes on", "voter", ("resolution",), (("position", "position"), ("body", "body")),
             colour="#805ad5"),
    )),
    ClaimType("sanction", SKG.Sanction, (
        _e("imposer", SKG.imposer, required=True, many=True, says="sanctions have an imposer"),
        _e("target", SKG.target, required=True, many=True, says="sanctions have a target"),
        _e("basis", SKG.legalBasis, ("instrument",), says="a legal basis is a legal instrument"),
        Field("reason", SKG.reason, "text"),
        _DATE,
    ), edges=(
        Edge("sanctions", "sanctions", "imposer", ("target",), (("basis", "basis"), ("reason", "reason")),
             colour="#1a202c"),
    )),
    ClaimType("enactment", SKG.Enactment, (
        _e("instrument", SKG.instrument, ("instrument",), required=True, says="an enactment names its instrument"),
        _e("enacted_by", SKG.enactedBy),
        _DATE,
    ), edges=(
        Edge("enacts", "enacts", "enacted_by", ("instrument",), colour="#4a5568"),
    )),
    ClaimType("membership", SKG.Membership, (
        _e("member", SKG.member, required=True, says="a membership has one member"),
        _e("organisation", SKG.organisation, ("actor", "programme"), required=True,
           says="a membership is in one organisation or programme"),
        _c("kind", SKG.membershipKind, "MembershipKinds", required=True,
           says="a membership has one kind: member, partner, accession-candidate or participant"),
        _DATE,
    ), edges=(
        Edge("member_of", "is a member of", "member", ("organisation",), (("membership", "kind"),),
             colour="#3182ce"),
    )),
    ClaimType("partnership", SKG.Partnership, (
        _PARTNERS,
        _e("programme", SKG.programme, ("programme",)),
        _DATE,
    ), edges=(
        Edge("partner_of", "is a partner of", "partners", (), (("programme", "programme"),), colour="#63b3ed"),
    )),
    ClaimType("cooperation", SKG.Cooperation, (
        _PARTNERS,
        Field("domains", SKG.domain, "text", many=True),
        Field("topic", SKG.topic, "text"),
        _c("trend", SKG.trend, "Trends"),
        _DATE,
        _START,
        _END,
    ), edges=(
        Edge("cooperates_with", "cooperates with", "partners", (),
             (("domains", "domains"), ("topic", "topic"), ("trend", "trend")), colour="#319795"),
    )),
    ClaimType("alignment", SKG.AlignmentRate, words="alignment rate", fields=(
        _e("country", SKG.actor, required=True, says="an alignment rate is of one country"),
        _e("aligned_with", SKG.alignedWith),
        Field("percentage", SKG.percentage, "percent", required=True,
              says="an alignment rate is one percentage from 0 to 100"),
        Field("period", SKG.date, "date", required=True, says="an alignment rate has its period"),
        _e("measured_by", SKG.measuredBy),
        # fields of tables: the period's end and scope, the counts, who reported the rate
        Field("end", SKG.endDate, "date"),
        Field("scope", SKG.periodScope, "text"),
        Field("aligned", SKG.countAligned, "count"),
        Field("total", SKG.countTotal, "count"),
        Field("reported_in", SKG.reportedIn, "text", many=True),
        Field("reported_on", SKG.reportedOn, "date"),
        _ROWS,
    ), edges=(
        Edge("aligned_with", "aligns its foreign policy with", "country", ("aligned_with",),
             (("percentage", "percentage"), ("measured_by", "measured_by")), colour="#553c9a"),
    )),
    # a W3C Data Cube observation (qb:dataSet: its source); one actor's yearly value is no tie: no edge
    ClaimType("observation", SKG.Observation, (
        _e("actor", SKG.actor, required=True, says="an observation is of one actor"),
        _c("indicator", SKG.indicator, "Indicators", required=True, says="an observation has one indicator"),
        Field("period", SKG.date, "date", required=True, says="an observation has one period"),
        Field("value", SKG.observedValue, "decimal", required=True, says="an observation has one value (a decimal)"),
        Field("unit", SKG.unit, "text"),
        Field("release", SKG.release, "text"),
        Field("column", SKG.sourceColumn, "text"),
        _ROWS,
    )),
    ClaimType("presence", SKG.Presence, (
        _ONE_ACTOR,
        _e("host", SKG.host),
        _e("location", SKG.location, ("place",)),
        Field("kind", SKG.kindLabel, "text"),
        _DATE,
    ), edges=(
        Edge("present_in", "is present in", "actor", ("host", "location"),
             (("location", "location"), ("presence", "kind")), colour="#dd6b20"),
    )),
    ClaimType("agreement", SKG.Agreement, (
        _e("parties", SKG.party, required=True, many=True),
        Field("name", RDFS.label, "text"),
        _DATE,
    ), edges=(
        Edge("agreement_with", "has an agreement with", "parties", (), (("name", "name"),), colour="#4fd1c5"),
    )),
    # borders are symmetric in the world, but a claim names "country" and "neighbour": kept directed as said
    ClaimType("border", SKG.Border, (
        _e("country", SKG.actor, required=True, says=_ONE_ACTOR.says),
        _e("neighbour", SKG.neighbour),
        Field("count", SKG.quantity, "count"),
        Field("kind", SKG.kindLabel, "text"),
    ), one_of=("neighbour", "count"),
        one_of_says="a border names the neighbour or how many neighbours there are", edges=(
        Edge("borders", "borders", "country", ("neighbour",), (("border", "kind"),), colour="#a0aec0"),
    )),
    ClaimType("position", SKG.Position, (
        _e("holder", SKG.actor, required=True, says=_ONE_ACTOR.says),
        _c("stance", SKG.stance, "Stances", required=True),
        Field("topic", SKG.topic, "text", required=True),
        _e("about", SKG.about, _ANYTHING, many=True),
        _DATE,
    ), edges=(
        Edge("takes_position_on", "takes a position on", "holder", ("about",),
             (("stance", "stance"), ("topic", "topic")), colour="#b83280"),
    )),
    ClaimType("conference", SKG.Conference, (
        _e("organisation", SKG.organisation, required=True),
        _e("host", SKG.host),
        Field("name", RDFS.label, "text"),
        _DATE,
    ), edges=(
        Edge("hosts_conference_of", "hosts a conference of", "host", ("organisation",), (("name", "name"),),
             colour="#2c7a7b"),
    )),
    ClaimType("deployment", SKG.Deployment, (
        _ONE_ACTOR,
        _e("location", SKG.location, ("place",)),
        Field("forces", SKG.kindLabel, "text"),
        _DATE,
    ), edges=(
        Edge("deploys_to", "deploys forces to", "actor", ("location",), (("forces", "forces"),), colour="#c05621"),
    )),
    ClaimType("office", SKG.OfficeHolding, words="office holding", fields=(
        _e("holder", SKG.actor, required=True),
        Field("office", SKG.office, "text", required=True),
        _e("of", SKG.officeOf),
        _DATE,
        _START,
        _END,
    ), edges=(
        Edge("holds_office_in", "holds an office of", "holder", ("of",), (("office", "office"),)),
    )),
    ClaimType("dispute", SKG.Dispute, (
        _e("parties", SKG.party, required=True, many=True),
        Field("topic", SKG.topic, "text"),
        _DATE,
    ), edges=(
        Edge("disputes_with", "is in a dispute with", "parties", (), (("topic", "topic"),)),
    )),
    ClaimType("training", SKG.Training, (
        _e("participants", SKG.participant, required=True, many=True),
        _e("programme", SKG.programme, ("programme",)),
        _DATE,
    ), edges=(
        Edge("trains_with", "trains with", "participants", (), (("programme", "programme"),)),
    )),
    ClaimType("conflict", SKG.ConflictInvolvement, words="war", fields=(
        _ONE_ACTOR,
        _e("target", SKG.target, required=True, says="a war has a target"),
        _c("role", SKG.role, "ConflictRoles", required=True, says="a role in a war is invader or participant"),
        _DATE,
    ), edges=(
        Edge("at_war_with", "wages war on", "actor", ("target",), (("role", "role"),), colour="#742a2a"),
    )),
)}


# --- the projection's edge rules, in properties ---------------------------------------------------

@dataclass(frozen=True)
class EdgeRule:
    """An :class:`Edge` in RDF terms, as the projection reads it.

    Parameters
    ----------
    relation, label, colour, systems:
        As the :class:`Edge`'s.
    claim_class:
        The claim class (``None`` for the registry's ``part_of`` rule).
    source:
        The property whose values are the edges' sources.
    target:
        The properties giving the edges' targets, the first that has a value wins; :data:`HUB` for an
        edge to the claim's own node; empty for a symmetric rule (every pair of ``source`` values).
    extras:
        ``(attribute, property, many)``: copied onto the edge (entities as labels, concepts as their
        local names, literals as Python values); ``many`` keeps every value as a list.
    """

    relation: str
    label: str
    claim_class: URIRef | None
    source: URIRef
    target: tuple[URIRef, ...] | str = ()
    extras: tuple[tuple[str, URIRef, bool], ...] = ()
    colour: str | None = None
    systems: bool = False

    @property
    def symmetric(self) -> bool:
        return self.target == ()


def _rule(ctype: ClaimType, edge: Edge) -> EdgeRule:
    def prop(key: str) -> URIRef:
        found = ctype.field(key)
        if found is None:  # a mistake in this module: fail on import, not in a question
            raise ValueError(f"edge {edge.relation!r} of {ctype.name!r} names no field {key!r}")
        return found.prop

    def many(key: str) -> bool:
        found = ctype.field(key)
        return found is not None and found.many

    target = edge.target if edge.target == HUB else tuple(prop(k) for k in edge.target)
    return EdgeRule(edge.relation, edge.label, ctype.rdf_class, prop(edge.source), target,
                    tuple((name, prop(key), many(key)) for name, key in edge.extras), edge.colour, edge.systems)


#: Identity, not a claim: the registry's ``skg:partOf`` (Serbian Armed Forces is part of Serbia).
PART_OF = EdgeRule("part_of", "is part of", None, SKG.partOf, (SKG.partOf,), colour="#718096")

#: Every edge rule: the claim types' edges, in the order of :data:`CLAIM_TYPES`, then ``part_of``.
EDGE_RULES: tuple[EdgeRule, ...] = tuple(
    _rule(t, e) for t in CLAIM_TYPES.values() for e in t.edges) + (PART_OF,)
#: Relation name -> its human label, for the relations made without weapons systems as nodes.
RELATIONS: dict[str, str] = {r.relation: r.label for r in EDGE_RULES if not r.systems}
#: The relations made only when weapons systems are nodes (``include_systems``).
SYSTEM_RELATIONS: tuple[str, ...] = tuple(r.relation for r in EDGE_RULES if r.systems)
#: The relations of arms transfers: their edges carry the merged deliveries (graph/ask/transfers.py).
TRANSFER_RELATIONS: frozenset[str] = frozenset(e.relation for e in CLAIM_TYPES["transfer"].edges)


# --- node kinds: the ontology's classes of entities -----------------------------------------------

@dataclass(frozen=True)
class NodeClass:
    """A class of entities that become nodes: its kind and its style in the view."""

    rdf_class: URIRef
    kind: str
    style: NodeStyle


#: The classes of entities, in order: an entity of several classes takes the first one's kind. The
#: ``actor`` classes are the ontology's direct subclasses of ``skg:Actor`` (a registry actor's ``type``).
NODE_CLASSES: tuple[NodeClass, ...] = (
    NodeClass(SKG.State, "actor", NodeStyle("#2b6cb0", "dot", "state")),
    NodeClass(SKG.InternationalOrganisation, "actor", NodeStyle("#6b46c1", "hexagon", "international organisation")),
    NodeClass(SKG.StateBody, "actor", NodeStyle("#319795", "square", "state body")),
    NodeClass(SKG.Group, "actor", NodeStyle("#975a16", "triangleDown", "group")),
    NodeClass(SKG.Person, "actor", NodeStyle("#d53f8c", "star", "person")),
    NodeClass(SKG.Organisation, "actor", NodeStyle("#718096", "square", "organisation")),
    NodeClass(SKG.WeaponsSystem, "system", NodeStyle("#c53030", "triangle", "weapons system")),
    NodeClass(SKG.Programme, "programme", NodeStyle("#b7791f", "hexagon", "programme")),
    NodeClass(SKG.Place, "place", NodeStyle("#dd6b20", "dot", "place")),
    NodeClass(SKG.LegalInstrument, "instrument", NodeStyle("#4a5568", "square", "legal instrument")),
    NodeClass(SKG.Resolution, "instrument", NodeStyle("#4a5568", "diamond", "resolution")),
    NodeClass(SKG.Source, "source", NodeStyle("#2d3748", "square", "source (its author's view)")),
)


def local_name(iri: str) -> str:
    """The local name of an ontology IRI (``State`` of ``skg:State``)."""
    return str(iri).rsplit("#", 1)[-1]


#: Class -> node kind.
NODE_KINDS: dict[URIRef, str] = {c.rdf_class: c.kind for c in NODE_CLASSES}
#: Node type (a class's local name) -> its style: the entities' classes, then the claims drawn as nodes.
NODE_STYLES: dict[str, NodeStyle] = {
    **{local_name(c.rdf_class): c.style for c in NODE_CLASSES},
    **{local_name(t.rdf_class): t.node for t in CLAIM_TYPES.values() if t.node is not None},
}
#: The classes an actor may have (the ``type`` of an entry under ``actors`` in the registry).
ACTOR_TYPES: dict[str, URIRef] = {local_name(c.rdf_class): c.rdf_class for c in NODE_CLASSES if c.kind == "actor"}

#: The kinds of disagreement ``serbia-kg conflicts`` lists (``kind``): one both sides prove (one deal, or one
#: measurer's rate reported as two numbers), a date that differs where the sides may describe different
#: deliveries (an article's "a shipment arrived in January" against a dataset's deal delivered the year
#: before), and rates of one period from different measurers (not an error of either).
PROVEN = "conflict"
POSSIBLE = "possible date discrepancy"
MEASURERS_DIFFER = "measurers differ"
