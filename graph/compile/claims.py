"""Compiling claims into RDF, by the one declaration of their types.

A claim in ``claims.yaml`` is a mapping with an ``id``, a ``type``, the type's fields and a
``quote``. The schema (:data:`graph.model.schema.CLAIM_TYPES`) declares, for every type, its class
and, for every field, the property it becomes and what kind of value it takes. :func:`compile_claim`
checks a claim against that declaration, resolves its entities through the registry, locates its
quote and yields its triples.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, QB, RDF, XSD

from graph.model.dates import DateError, parse_date
from graph.model.errors import UnknownName, ValidationError
from graph.model.numbers import MAX_TEXT, bounded_count, bounded_decimal, bounded_text
from graph.model.registry import Registry
from graph.model.schema import CLAIM_TYPES, ClaimType, Field
from graph.compile.sources import Source
from graph.model.terms import CLAIM, OA, SKG, SKV
from graph.model import yamlfile

__all__ = ["Compiled", "compile_claim"]

_COMMON = {"id", "type", "quote", "note"} | yamlfile.META

# rdflib's namespaces resolve an attribute on every use (about 1 µs each): the terms of the hot paths, once
RDF_TYPE, PROV_DERIVED = RDF.type, PROV.wasDerivedFrom
QB_DATASET, QB_DATA_SET, QB_STRUCTURE = QB.dataSet, QB.DataSet, QB.structure
XSD_COUNT, XSD_DECIMAL, XSD_YEAR = XSD.nonNegativeInteger, XSD.decimal, XSD.gYear
SKG_CLAIM_ID, SKG_EVIDENCE, SKG_OBSERVATION = SKG.claimId, SKG.evidence, SKG.Observation
# the evidence's terms, made once (``OA`` is an open rdflib Namespace: each use of ``OA.exact`` makes the IRI again)
(OA_RESOURCE, OA_SOURCE, OA_SELECTOR, OA_QUOTE, OA_EXACT, OA_PREFIX, OA_SUFFIX, OA_POSITION, OA_START,
 OA_END) = (OA.SpecificResource, OA.hasSource, OA.hasSelector, OA.TextQuoteSelector, OA.exact, OA.prefix, OA.suffix,
           OA.TextPositionSelector, OA.start, OA.end)


_NEW = str.__new__
_CLAIM_BASE = str(CLAIM)


def _text(value: str) -> Literal:
    """``Literal(value)`` for a text: the same term, its four slots set as rdflib's constructor sets them for a
    ``str`` (no language, no datatype, the text as its value), without that constructor's casts and checks
    (some 3 µs a literal; a claim has four texts of its own: its id and its quote's exact words, prefix and
    suffix). tests/test_fast_terms.py compares every slot with rdflib's."""
    if value.__class__ is not str:
        return Literal(value)
    lit = _NEW(Literal, value)
    lit._language = lit._datatype = lit._ill_typed = None
    lit._value = value
    return lit


def _count(value: int) -> Literal:
    """``Literal(value, datatype=XSD.nonNegativeInteger)`` for an ``int`` from 0, as :func:`_text` (a quote's
    offsets)."""
    if value.__class__ is not int or value < 0:
        return Literal(value, datatype=XSD_COUNT)
    lit = _NEW(Literal, str(value))
    lit._language = lit._ill_typed = None
    lit._datatype = XSD_COUNT
    lit._value = value
    return lit


def _iri(value: str) -> URIRef:
    """``URIRef(value)`` for an IRI known to be valid (rdflib's constructor checks its characters again)."""
    return _NEW(URIRef, value)


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
    return ValidationError(message, file=source.claims_file, line=yamlfile.line_of(raw, key), claim=cid)


def _literal(f: Field, value: Any) -> Literal:
    if f.kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{f.key} must be true or false, not {value!r}")
        return Literal(value)
    if f.kind == "date":
        return parse_date(value)
    if f.kind == "count":
        return Literal(bounded_count(value, f.key), datatype=XSD_COUNT)
    if f.kind in ("decimal", "percent"):
        number = bounded_decimal(value, f.key)
        if f.kind == "percent" and not Decimal(0) <= number <= Decimal(100):
            raise ValueError(f"{f.key} must be between 0 and 100, not {value}")
        # the canonical lexical form (always with a decimal point), so outputs parse back identical
        lexical = f"{number.to_integral()}.0" if number == number.to_integral() else f"{number.normalize():f}"
        return Literal(lexical, datatype=XSD_DECIMAL)
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
    cid, ctype, quote = _checked(raw, source)
    body, canonical, deliveries = _fields(raw, cid, ctype, source, registry, concepts)
    selector = _located(raw, cid, quote, source)
    digest = hashlib.sha256(_canonical_text(source.id, ctype.name, canonical).encode("utf-8")).hexdigest()[:20]
    iri = _iri(_CLAIM_BASE + digest)  # CLAIM[digest], a valid IRI: hex digits
    triples = [(iri, RDF_TYPE, ctype.rdf_class), (iri, SKG_CLAIM_ID, _text(cid)),
               (iri, PROV_DERIVED, source.iri), *_evidence_triples(iri, source, selector)]
    triples += [(iri, p, o) for p, o in body]
    if _facts(ctype)[2]:  # an observation: the Data Cube: the source is the observation's data set
        triples += [(iri, QB_DATASET, source.iri), (source.iri, RDF_TYPE, QB_DATA_SET),
                    (source.iri, QB_STRUCTURE, SKG.SeriesStructure)]
    triples.extend(_delivery_triples(iri, deliveries))
    if raw.get("note"):
        triples.append((iri, SKG.note, Literal(str(raw["note"]).strip())))
    return Compiled(iri=iri, claim_id=cid, type=ctype.name, line=raw.get(yamlfile.LINE), triples=triples)


_QUOTED = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes a text with


def _canonical_text(source_id: str, type_name: str, canonical: dict[str, list[str]]) -> str:
    """``json.dumps([source_id, type_name, sorted((k, sorted(v)) for k, v in canonical.items())],
    ensure_ascii=False)``, the text a claim's IRI is the digest of, written without the encoder's
    machinery (every item is a text; the keys are distinct). tests/test_fast_terms.py compares them."""
    fields = ", ".join([f"[{_QUOTED(k)}, [{', '.join(map(_QUOTED, sorted(canonical[k])))}]]"
                        for k in sorted(canonical)])
    return f"[{_QUOTED(source_id)}, {_QUOTED(type_name)}, [{fields}]]"


#: By a type's name: the type, the keys its claims may have, and whether its class is skg:Observation.
_FACTS: dict[str, tuple[ClaimType, set, bool]] = {}


def _facts(ctype: ClaimType) -> tuple[ClaimType, set, bool]:
    """What :data:`_FACTS` holds of ``ctype``, made at its first claim."""
    known = _FACTS.get(ctype.name)
    if known is None or known[0] is not ctype:
        known = _FACTS[ctype.name] = (ctype, _COMMON | {f.key for f in ctype.fields},
                                      ctype.rdf_class == SKG_OBSERVATION)
    return known


def _checked(raw: Any, source: Source) -> tuple[str, ClaimType, str]:
    """The claim's id, type and quote, once its shape is right: a mapping with an id, a known type,
    only its type's fields, a quote, texts within bounds, one of the fields its type needs."""
    if not isinstance(raw, dict):
        raise ValidationError("a claim must be a mapping", file=source.claims_file)
    cid = raw.get("id")
    if not isinstance(cid, str) or not cid.strip():
        raise _problem("claim without an 'id'", source, raw, None)
    ctype = CLAIM_TYPES.get(str(raw.get("type")))
    if ctype is None:
        raise _problem(f"unknown type {raw.get('type')!r}; expected one of {', '.join(CLAIM_TYPES)}",
                       source, raw, cid)
    allowed = _facts(ctype)[1]
    extra = sorted(set(raw) - allowed) if not allowed.issuperset(raw) else None
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
    return cid, ctype, quote


def _fields(raw: dict, cid: str, ctype: ClaimType, source: Source, registry: Registry,
            concepts: dict[str, set[str]]) -> tuple[list[tuple[URIRef, Any]], dict[str, list[str]], list[dict]]:
    """Each field's RDF values (property, node), its canonical keys (for the claim's IRI), and the deliveries."""
    body: list[tuple[URIRef, Any]] = []
    canonical: dict[str, list[str]] = {}
    deliveries: list[dict] = []
    get = raw.get
    for f in ctype.fields:
        value = get(f.key)  # as _values gives them
        values = [] if value is None else value if isinstance(value, list) else [value]
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
    return body, canonical, deliveries


def _located(raw: dict, cid: str, quote: str, source: Source) -> Any:
    """Where the quote stands in the source's text (its selector); ``words`` must be part of it."""
    if source.quotes is None:
        raise _problem("the source has no text to locate the quote in", source, raw, cid)
    selector = source.quotes.locate(quote)
    if selector is None:
        raise _problem(f"quote not found in {source.meta.get('text')}: \"{quote.strip()[:80]}\"", source, raw, cid,
                       "quote")
    words = raw.get("words")
    if words and not source.quotes.contains(str(words), quote):
        raise _problem("'words' must be part of the quote", source, raw, cid)
    return selector


def _evidence_triples(iri: URIRef, source: Source, selector: Any) -> list[tuple]:
    """The claim's evidence: the source, and the quote's text and position selectors (Web Annotation)."""
    # the claim's IRI (CLAIM and a digest's hex digits) and these suffixes make valid IRIs
    evidence, qsel, psel = _iri(f"{iri}#evidence"), _iri(f"{iri}#quote"), _iri(f"{iri}#position")
    return [
        (iri, SKG_EVIDENCE, evidence),
        (evidence, RDF_TYPE, OA_RESOURCE),
        (evidence, OA_SOURCE, source.iri),
        (evidence, OA_SELECTOR, qsel),
        (evidence, OA_SELECTOR, psel),
        (qsel, RDF_TYPE, OA_QUOTE),
        (qsel, OA_EXACT, _text(selector.exact)),
        (qsel, OA_PREFIX, _text(selector.prefix)),
        (qsel, OA_SUFFIX, _text(selector.suffix)),
        (psel, RDF_TYPE, OA_POSITION),
        (psel, OA_START, _count(selector.start)),
        (psel, OA_END, _count(selector.end)),
    ]


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
        if year.datatype != XSD_YEAR:
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
        yield node, RDF_TYPE, SKG.Delivery
        yield node, SKG.date, Literal(d["year"], datatype=XSD_YEAR)
        if "quantity" in d:
            yield node, SKG.quantity, Literal(d["quantity"], datatype=XSD_COUNT)
        if "tiv" in d:
            yield node, SKG.tivDelivered, Literal(d["tiv"], datatype=XSD_DECIMAL)
        for flag in d["estimated"]:
            yield node, SKG.estimated, SKV[flag]


def _node(f: Field, value: Any, source: Source, registry: Registry, concepts: dict[str, set[str]]):
    """The RDF node for one field value, and its canonical key for the claim's content hash."""
    if f.kind == "speaker" and value == "source":
        return source.iri, "source"
    if f.kind in ("entity", "speaker"):
        if not isinstance(value, str):
            raise ValueError(f"expected an entity name, not {value!r}")
        what = _WHAT.get(f.kinds)
        if what is None:
            what = _WHAT[f.kinds] = " or ".join(f.kinds)
        entity = registry.resolve(value, f.kinds, what=what)
        return entity.iri, entity.id
    if f.kind == "concept":
        known = concepts.get(f.scheme or "", set())
        if value not in known:
            close = difflib.get_close_matches(str(value), sorted(known), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"'{value}' is not in {f.scheme} (one of {', '.join(sorted(known))}){hint}")
        node = _CONCEPTS.get(value)
        if node is None:
            node = _CONCEPTS[value] = SKV[value]
        return node, value
    kind = value.__class__
    if kind is str or kind is int or kind is date:  # the same field and value give the same literal: made once
        key = (f.kind, f.key, kind, value)
        made = _LITERALS.get(key)
        if made is None:
            if len(_LITERALS) >= _LITERALS_HELD:
                _LITERALS.clear()
            lit = _literal(f, value)
            made = _LITERALS[key] = (lit, str(lit))
        return made
    lit = _literal(f, value)
    return lit, str(lit)


#: The words naming the kinds of a field's entities (for an error), by the kinds; the concepts' IRIs, by name.
_WHAT: dict[tuple, str] = {}
_CONCEPTS: dict[str, URIRef] = {}
#: The literals :func:`_node` made, by field and value (of a type whose equal values print alike: not a
#: float, whose -0.0 equals 0.0): dates, counts and names repeat across claims. At most this many held.
_LITERALS: dict[tuple, tuple[Literal, str]] = {}
_LITERALS_HELD = 100_000
