"""Claim types and their RDF form: one declared rule per type.

A claim in ``claims.yaml`` is a mapping with an ``id``, a ``type``, the type's fields and a
``quote``. :data:`CLAIM_TYPES` declares, for every type, its class and, for every field, the
property it becomes and what kind of value it takes. :func:`compile_claim` checks a claim
against that declaration, resolves its entities through the registry, locates its quote and
yields its triples. Nothing about a claim type is written anywhere else.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, QB, RDF, RDFS, XSD

from graph.model.dates import DateError, parse_date
from graph.model.errors import UnknownName, ValidationError
from graph.model.numbers import MAX_TEXT, bounded_count, bounded_decimal, bounded_text
from graph.model.registry import Registry
from graph.compile.sources import Source
from graph.model.terms import CLAIM, OA, SKG, SKV
from graph.model import yamlfile

__all__ = ["Field", "ClaimType", "CLAIM_TYPES", "Compiled", "compile_claim", "OA"]

#: The W3C Web Annotation vocabulary (rdflib ships no class for it).

# Value kinds: an entity of the registry (of the given kinds), a concept of a scheme, or a literal.
ACTOR = ("actor",)


@dataclass(frozen=True)
class Field:
    """One field of a claim type: its YAML key, its property and the kind of value it takes.

    ``kind`` is ``entity`` (with ``kinds``: which registry kinds are allowed), ``concept`` (with
    ``scheme``: the local name of a skv concept scheme), ``date``, ``count`` (a non-negative
    integer), ``decimal``, ``percent`` (a decimal from 0 to 100), ``boolean``, ``text``, ``speaker``
    (an actor, or ``source`` for the source's own author) or ``deliveries`` (a list of
    ``{year, quantity, tiv, estimated}`` mappings, each compiled into a ``skg:Delivery`` node named
    ``<claim IRI>#delivery-<year>``).
    """

    key: str
    prop: URIRef
    kind: str
    kinds: tuple[str, ...] = ()
    scheme: str | None = None
    required: bool = False
    many: bool = False


@dataclass(frozen=True)
class ClaimType:
    """A claim type: the class of its nodes, its fields, and a rule that needs more than one field."""

    name: str
    rdf_class: URIRef
    fields: tuple[Field, ...]
    one_of: tuple[str, ...] = ()  # at least one of these keys must be given

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _e(key, prop, kinds=ACTOR, **kw) -> Field:
    return Field(key, prop, "entity", kinds=kinds, **kw)


def _c(key, prop, scheme, **kw) -> Field:
    return Field(key, prop, "concept", scheme=scheme, **kw)


_DATE = Field("date", SKG.date, "date")
#: A span: "since 2017" is ``start: 2017``; ``end`` where the source gives one.
_START = Field("start", SKG.startDate, "date")
_END = Field("end", SKG.endDate, "date")

CLAIM_TYPES: dict[str, ClaimType] = {t.name: t for t in (
    ClaimType("transfer", SKG.ArmsTransfer, (
        _e("supplier", SKG.supplier),
        _e("recipient", SKG.recipient, required=True),
        _e("system", SKG.system, ("system",)),
        _c("category", SKG.category, "SystemCategories"),
        Field("quantity", SKG.quantity, "count"),
        Field("ordered", SKG.orderDate, "date"),
        Field("delivered", SKG.deliveryDate, "date"),
        _c("status", SKG.transferStatus, "TransferStatuses"),
        _c("condition", SKG.condition, "Conditions"),
        Field("value", SKG.valueAmount, "decimal"),
        Field("currency", SKG.valueCurrency, "text"),
        # fields of datasets (SIPRI's arms-transfer register; see graph/importers/sipri.py)
        Field("deal_id", SKG.dealId, "text"),
        Field("designation", SKG.designation, "text"),
        Field("description", SKG.systemDescription, "text"),
        Field("armament_category", SKG.armamentCategory, "text"),
        Field("ordered_quantity", SKG.quantityOrdered, "count"),
        Field("delivered_quantity", SKG.quantityDelivered, "count"),
        Field("deliveries", SKG.delivery, "deliveries", many=True),
        Field("tiv_unit", SKG.tivPerUnit, "decimal"),
        Field("tiv_base_unit", SKG.tivBasePerUnit, "decimal"),
        Field("tiv_order", SKG.tivOrder, "decimal"),
        Field("tiv_delivered", SKG.tivDelivered, "decimal"),
        _c("estimated", SKG.estimated, "EstimatedValues", many=True),
        Field("local_production", SKG.localProduction, "boolean"),
        Field("comments", SKG.datasetComment, "text"),
        Field("release", SKG.release, "text"),
        Field("rows", SKG.sourceRow, "count", many=True),
        Field("deliveries_from", SKG.deliveriesFrom, "date"),
        Field("deliveries_until", SKG.deliveriesUntil, "date"),
    ), one_of=("system", "category")),
    ClaimType("exercise", SKG.MilitaryExercise, (
        Field("name", RDFS.label, "text", required=True),
        _e("participants", SKG.participant, required=True, many=True),
        _e("host", SKG.host),
        _DATE,
        Field("end", SKG.endDate, "date"),
    )),
    ClaimType("statement", SKG.Statement, (
        Field("speaker", SKG.speaker, "speaker", kinds=ACTOR, required=True),
        _c("kind", SKG.statementKind, "StatementKinds", required=True),
        _DATE,
        Field("words", SKG.words, "text"),
        Field("topic", SKG.topic, "text"),
        _e("about", SKG.about, ("actor", "system", "programme", "instrument", "place"), many=True),
    ), one_of=("words", "topic")),
    ClaimType("vote", SKG.Vote, (
        _e("voter", SKG.voter, required=True),
        _e("body", SKG.body),
        _e("resolution", SKG.resolution, ("instrument",), required=True),
        _c("position", SKG.votePosition, "VotePositions", required=True),
        _DATE,
        # fields of tables (graph/importers/tables.py): who reported the vote, the recorded totals
        Field("totals", SKG.voteTotals, "text"),
        Field("reported_in", SKG.reportedIn, "text", many=True),
        Field("reported_on", SKG.reportedOn, "date"),
        Field("confidence", SKG.confidence, "text"),
        Field("rows", SKG.sourceRow, "count", many=True),
    )),
    ClaimType("sanction", SKG.Sanction, (
        _e("imposer", SKG.imposer, required=True, many=True),
        _e("target", SKG.target, required=True, many=True),
        _e("basis", SKG.legalBasis, ("instrument",)),
        Field("reason", SKG.reason, "text"),
        _DATE,
    )),
    ClaimType("enactment", SKG.Enactment, (
        _e("instrument", SKG.instrument, ("instrument",), required=True),
        _e("enacted_by", SKG.enactedBy),
        _DATE,
    )),
    ClaimType("membership", SKG.Membership, (
        _e("member", SKG.member, required=True),
        _e("organisation", SKG.organisation, ("actor", "programme"), required=True),
        _c("kind", SKG.membershipKind, "MembershipKinds", required=True),
        _DATE,
    )),
    ClaimType("partnership", SKG.Partnership, (
        _e("partners", SKG.partner, required=True, many=True),
        _e("programme", SKG.programme, ("programme",)),
        _DATE,
    )),
    ClaimType("cooperation", SKG.Cooperation, (
        _e("partners", SKG.partner, required=True, many=True),
        Field("domains", SKG.domain, "text", many=True),
        Field("topic", SKG.topic, "text"),
        _c("trend", SKG.trend, "Trends"),
        _DATE,
        _START,
        _END,
    )),
    ClaimType("alignment", SKG.AlignmentRate, (
        _e("country", SKG.actor, required=True),
        _e("aligned_with", SKG.alignedWith),
        Field("percentage", SKG.percentage, "percent", required=True),
        Field("period", SKG.date, "date", required=True),
        _e("measured_by", SKG.measuredBy),
        # fields of tables: the period's end and scope, the counts, who reported the rate
        Field("end", SKG.endDate, "date"),
        Field("scope", SKG.periodScope, "text"),
        Field("aligned", SKG.countAligned, "count"),
        Field("total", SKG.countTotal, "count"),
        Field("reported_in", SKG.reportedIn, "text", many=True),
        Field("reported_on", SKG.reportedOn, "date"),
        Field("rows", SKG.sourceRow, "count", many=True),
    )),
    ClaimType("observation", SKG.Observation, (  # a W3C Data Cube observation (qb:dataSet: its source)
        _e("actor", SKG.actor, required=True),
        _c("indicator", SKG.indicator, "Indicators", required=True),
        Field("period", SKG.date, "date", required=True),
        Field("value", SKG.observedValue, "decimal", required=True),
        Field("unit", SKG.unit, "text"),
        Field("release", SKG.release, "text"),
        Field("column", SKG.sourceColumn, "text"),
        Field("rows", SKG.sourceRow, "count", many=True),
    )),
    ClaimType("presence", SKG.Presence, (
        _e("actor", SKG.actor, required=True),
        _e("host", SKG.host),
        _e("location", SKG.location, ("place",)),
        Field("kind", SKG.kindLabel, "text"),
        _DATE,
    )),
    ClaimType("agreement", SKG.Agreement, (
        _e("parties", SKG.party, required=True, many=True),
        Field("name", RDFS.label, "text"),
        _DATE,
    )),
    ClaimType("border", SKG.Border, (
        _e("country", SKG.actor, required=True),
        _e("neighbour", SKG.neighbour),
        Field("count", SKG.quantity, "count"),
        Field("kind", SKG.kindLabel, "text"),
    ), one_of=("neighbour", "count")),
    ClaimType("position", SKG.Position, (
        _e("holder", SKG.actor, required=True),
        _c("stance", SKG.stance, "Stances", required=True),
        Field("topic", SKG.topic, "text", required=True),
        _e("about", SKG.about, ("actor", "system", "programme", "instrument", "place"), many=True),
        _DATE,
    )),
    ClaimType("conference", SKG.Conference, (
        _e("organisation", SKG.organisation, required=True),
        _e("host", SKG.host),
        Field("name", RDFS.label, "text"),
        _DATE,
    )),
    ClaimType("deployment", SKG.Deployment, (
        _e("actor", SKG.actor, required=True),
        _e("location", SKG.location, ("place",)),
        Field("forces", SKG.kindLabel, "text"),
        _DATE,
    )),
    ClaimType("office", SKG.OfficeHolding, (
        _e("holder", SKG.actor, required=True),
        Field("office", SKG.office, "text", required=True),
        _e("of", SKG.officeOf),
        _DATE,
        _START,
        _END,
    )),
    ClaimType("dispute", SKG.Dispute, (
        _e("parties", SKG.party, required=True, many=True),
        Field("topic", SKG.topic, "text"),
        _DATE,
    )),
    ClaimType("training", SKG.Training, (
        _e("participants", SKG.participant, required=True, many=True),
        _e("programme", SKG.programme, ("programme",)),
        _DATE,
    )),
    ClaimType("conflict", SKG.ConflictInvolvement, (
        _e("actor", SKG.actor, required=True),
        _e("target", SKG.target, required=True),
        _c("role", SKG.role, "ConflictRoles", required=True),
        _DATE,
    )),
)}

_COMMON = {"id", "type", "quote", "note"} | yamlfile.META


@dataclass
class Compiled:
    """A compiled claim: its IRI, its human id, where it is written, and its triples."""

    iri: URIRef
    claim_id: str
    type: str
    line: int | None
    triples: list[tuple]


def _problem(message: str, source: Source, raw: dict, cid: str | None, key: str | None = None) -> ValidationError:
    """An error at the claim's line, or at the line of its field ``key`` when given."""
    line = raw.get(yamlfile.KEY_LINES, {}).get(key) if key else None
    return ValidationError(message, file=source.claims_file, line=line or raw.get(yamlfile.LINE), claim=cid)


def _values(raw_value: Any, many: bool) -> list[Any]:
    if raw_value is None:
        return []
    if isinstance(raw_value, list):
        return raw_value
    return [raw_value]


def _literal(f: Field, value: Any) -> Literal:
    if f.kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{f.key} must be true or false, not {value!r}")
        return Literal(value)
    if f.kind == "date":
        return parse_date(value)
    if f.kind == "count":
        return Literal(bounded_count(value, f.key), datatype=XSD.nonNegativeInteger)
    if f.kind in ("decimal", "percent"):
        number = bounded_decimal(value, f.key)
        if f.kind == "percent" and not Decimal(0) <= number <= Decimal(100):
            raise ValueError(f"{f.key} must be between 0 and 100, not {value}")
        # the canonical lexical form (always with a decimal point), so outputs parse back identical
        lexical = f"{number.to_integral()}.0" if number == number.to_integral() else f"{number.normalize():f}"
        return Literal(lexical, datatype=XSD.decimal)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{f.key} must be text, not {value!r}")
    return Literal(bounded_text(str(value).strip(), f.key))


def compile_claim(raw: Any, source: Source, registry: Registry, concepts: dict[str, set[str]]) -> Compiled:
    """Check one claim and turn it into triples.

    Parameters
    ----------
    raw:
        The claim's mapping as read from ``claims.yaml`` (with its line under ``yamlfile.LINE``).
    source:
        The source the claim belongs to; its text is where the quote must be.
    registry:
        Resolves entity names.
    concepts:
        For each concept scheme's local name, the local names of its concepts.

    Raises
    ------
    KGError
        One error naming the file, line and claim, and what is wrong.
    """
    if not isinstance(raw, dict):
        raise ValidationError("a claim must be a mapping", file=source.claims_file)
    cid = raw.get("id")
    if not isinstance(cid, str) or not cid.strip():
        raise _problem("claim without an 'id'", source, raw, None)
    ctype = CLAIM_TYPES.get(str(raw.get("type")))
    if ctype is None:
        raise _problem(f"unknown type {raw.get('type')!r}; expected one of {', '.join(CLAIM_TYPES)}",
                       source, raw, cid)
    allowed = _COMMON | {f.key for f in ctype.fields}
    extra = sorted(set(raw) - allowed)
    if extra:
        raise _problem(f"unknown field(s) {', '.join(map(str, extra))} for a {ctype.name}; allowed: "
                       f"{', '.join(f.key for f in ctype.fields)}", source, raw, cid)
    quote = raw.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        raise _problem("no quote: every claim needs the verbatim words it rests on", source, raw, cid)
    for key in ("quote", "note"):
        if isinstance(raw.get(key), str) and len(raw[key]) > MAX_TEXT:
            raise _problem(f"{key} has {len(raw[key]):,} characters; at most {MAX_TEXT:,} are allowed",
                           source, raw, cid, key)
    if ctype.one_of and not any(raw.get(k) not in (None, [], "") for k in ctype.one_of):
        raise _problem(f"a {ctype.name} needs at least one of: {', '.join(ctype.one_of)}", source, raw, cid)

    body: list[tuple[URIRef, Any]] = []
    canonical: dict[str, list[str]] = {}
    deliveries: list[dict] = []
    for f in ctype.fields:
        values = _values(raw.get(f.key), f.many)
        if not values:
            if f.required:
                raise _problem(f"missing required field '{f.key}'", source, raw, cid)
            continue
        if len(values) > 1 and not f.many:
            raise _problem(f"'{f.key}' takes one value, not a list", source, raw, cid, f.key)
        if f.kind == "deliveries":
            try:
                deliveries = _deliveries(values, raw.get("delivered_quantity"), concepts)
            except (ValueError, DateError) as exc:
                raise _problem(f"{f.key}: {exc}", source, raw, cid, f.key) from None
            canonical[f.key] = [json.dumps(d, sort_keys=True) for d in deliveries]
            continue
        for value in values:
            try:
                node, key = _node(f, value, source, registry, concepts)
            except UnknownName as exc:
                raise _problem(f"{f.key}: {exc.message}", source, raw, cid, f.key) from None
            except (ValueError, DateError) as exc:
                raise _problem(f"{f.key}: {exc}", source, raw, cid, f.key) from None
            body.append((f.prop, node))
            canonical.setdefault(f.key, []).append(key)

    if source.quotes is None:
        raise _problem("the source has no text to locate the quote in", source, raw, cid)
    selector = source.quotes.locate(quote)
    if selector is None:
        raise _problem(f"quote not found in {source.meta.get('text')}: \"{quote.strip()[:80]}\"", source, raw, cid,
                       "quote")
    words = raw.get("words")
    if words and not source.quotes.contains(str(words), quote):
        raise _problem("'words' must be part of the quote", source, raw, cid)

    digest = hashlib.sha256(json.dumps([source.id, ctype.name, sorted(
        (k, sorted(v)) for k, v in canonical.items())], ensure_ascii=False).encode("utf-8")).hexdigest()[:20]
    iri = CLAIM[digest]
    evidence, qsel, psel = URIRef(iri + "#evidence"), URIRef(iri + "#quote"), URIRef(iri + "#position")
    triples = [
        (iri, RDF.type, ctype.rdf_class),
        (iri, SKG.claimId, Literal(cid)),
        (iri, PROV.wasDerivedFrom, source.iri),
        (iri, SKG.evidence, evidence),
        (evidence, RDF.type, OA.SpecificResource),
        (evidence, OA.hasSource, source.iri),
        (evidence, OA.hasSelector, qsel),
        (evidence, OA.hasSelector, psel),
        (qsel, RDF.type, OA.TextQuoteSelector),
        (qsel, OA.exact, Literal(selector.exact)),
        (qsel, OA.prefix, Literal(selector.prefix)),
        (qsel, OA.suffix, Literal(selector.suffix)),
        (psel, RDF.type, OA.TextPositionSelector),
        (psel, OA.start, Literal(selector.start, datatype=XSD.nonNegativeInteger)),
        (psel, OA.end, Literal(selector.end, datatype=XSD.nonNegativeInteger)),
    ]
    triples.extend((iri, p, o) for p, o in body)
    if ctype.rdf_class == SKG.Observation:  # the Data Cube: the source is the observation's data set
        triples += [(iri, QB.dataSet, source.iri), (source.iri, RDF.type, QB.DataSet),
                    (source.iri, QB.structure, SKG.SeriesStructure)]
    triples.extend(_delivery_triples(iri, deliveries))
    if raw.get("note"):
        triples.append((iri, SKG.note, Literal(str(raw["note"]).strip())))
    return Compiled(iri=iri, claim_id=cid, type=ctype.name, line=raw.get(yamlfile.LINE), triples=triples)


_DELIVERY_KEYS = {"year", "quantity", "tiv", "estimated"}


def _deliveries(values: list, delivered_total: Any, concepts: dict[str, set[str]]) -> list[dict]:
    """Check a transfer's per-year deliveries; their numbers must add up to ``delivered_quantity``."""
    out: list[dict] = []
    for item in values:
        if not isinstance(item, dict):
            raise ValueError(f"each delivery is a mapping with a year (and quantity, tiv, estimated), not {item!r}")
        extra = sorted(str(k) for k in set(item) - _DELIVERY_KEYS - yamlfile.META)
        if extra:
            raise ValueError(f"unknown delivery field(s) {', '.join(extra)}; allowed: year, quantity, tiv, estimated")
        year = parse_date(item.get("year"))
        if year.datatype != XSD.gYear:
            raise ValueError(f"a delivery's year is a year, not {item.get('year')!r}")
        d: dict[str, Any] = {"year": str(year)}
        if item.get("quantity") is not None:
            d["quantity"] = int(_literal(Field("quantity", SKG.quantity, "count"), item["quantity"]))
        if item.get("tiv") is not None:
            d["tiv"] = str(_literal(Field("tiv", SKG.tivDelivered, "decimal"), item["tiv"]))
        flags = item.get("estimated") or []
        for flag in flags if isinstance(flags, list) else [flags]:
            if flag not in concepts.get("EstimatedValues", set()):
                raise ValueError(f"'{flag}' is not in EstimatedValues (one of "
                                 f"{', '.join(sorted(concepts.get('EstimatedValues', set())))})")
        d["estimated"] = sorted(flags if isinstance(flags, list) else [flags])
        if any(o["year"] == d["year"] for o in out):
            raise ValueError(f"two deliveries in {d['year']}: give one per year")
        out.append(d)
    numbers = [d.get("quantity") for d in out]
    total = sum(n for n in numbers if n is not None)
    if delivered_total is not None and numbers and None not in numbers and total != delivered_total:
        raise ValueError(f"the deliveries add up to {total}, not delivered_quantity {delivered_total}")
    return sorted(out, key=lambda d: d["year"])


def _delivery_triples(iri: URIRef, deliveries: list[dict]) -> Iterator[tuple]:
    """The ``skg:Delivery`` nodes of a transfer: IRIs named after the claim and the year (no blank nodes)."""
    for d in deliveries:
        node = URIRef(f"{iri}#delivery-{d['year']}")
        yield iri, SKG.delivery, node
        yield node, RDF.type, SKG.Delivery
        yield node, SKG.date, Literal(d["year"], datatype=XSD.gYear)
        if "quantity" in d:
            yield node, SKG.quantity, Literal(d["quantity"], datatype=XSD.nonNegativeInteger)
        if "tiv" in d:
            yield node, SKG.tivDelivered, Literal(d["tiv"], datatype=XSD.decimal)
        for flag in d["estimated"]:
            yield node, SKG.estimated, SKV[flag]


def _node(f: Field, value: Any, source: Source, registry: Registry, concepts: dict[str, set[str]]):
    """The RDF node for one field value, and its canonical key for the claim's content hash."""
    if f.kind == "speaker" and value == "source":
        return source.iri, "source"
    if f.kind in ("entity", "speaker"):
        if not isinstance(value, str):
            raise ValueError(f"expected an entity name, not {value!r}")
        entity = registry.resolve(value, f.kinds, what=" or ".join(f.kinds))
        return entity.iri, entity.id
    if f.kind == "concept":
        known = concepts.get(f.scheme or "", set())
        if value not in known:
            close = difflib.get_close_matches(str(value), sorted(known), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"'{value}' is not in {f.scheme} (one of {', '.join(sorted(known))}){hint}")
        return SKV[value], value
    lit = _literal(f, value)
    return lit, str(lit)
