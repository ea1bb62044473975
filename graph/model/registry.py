"""The registry: every entity (actor, weapons system, place, legal instrument, programme) once.

A corpus keeps its registry in ``<corpus>/registry/*.yaml``. Each file has up to five sections,
each a mapping from a stable id (a readable slug, which becomes the entity's IRI) to its
description::

    actors:
      serbia: {type: State, label: Serbia, aliases: [Republic of Serbia]}
    systems:
      mig-29: {label: MiG-29, category: fighter-aircraft, aliases: [MiG-29 Fulcrum]}
    places:
      belgrade: {label: Belgrade}
    instruments:
      caatsa: {label: Countering America's Adversaries Through Sanctions Act, aliases: [CAATSA]}
    programmes:
      partnership-for-peace: {label: Partnership for Peace, part_of: nato}
    aliases:
      ataka: [9M120 Ataka]      # more names for an entity declared in any file of the registry

Names resolve through ids, labels and aliases, ignoring case, diacritics, separators and the
script (:func:`graph.model.names.resolve`, the one name lookup). Two entities whose names fold
alike, or a name that mixes Latin with Cyrillic or Greek letters in a word, are refused.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from graph.model import generation
from graph.model.errors import InputError, ValidationError
from graph.model import schema
from graph.model.names import Names, fold, mixed_script, resolve
from graph.model.schema import local_name
from graph.model.terms import ENTITY, SKG, SKV, WIKIDATA
from graph.model import yamlfile
from graph.model.resources import DATASET, ontology_graph

__all__ = ["Entity", "Registry", "load_registry", "corpus_registry", "concept_schemes", "broader_categories",
           "ACTOR_TYPES", "SECTIONS", "ALIASES"]

#: The classes an actor may have (the ``type`` of an entry under ``actors``): the schema's actor classes.
ACTOR_TYPES = schema.ACTOR_TYPES

#: Section of a registry file -> (kind, the class of its entities when not given by ``type``).
SECTIONS = {
    "actors": ("actor", None),
    "systems": ("system", SKG.WeaponsSystem),
    "places": ("place", SKG.Place),
    "instruments": ("instrument", SKG.LegalInstrument),
    "programmes": ("programme", SKG.Programme),
}

#: The section that gives more names to an entity declared in any registry file: ``{id: [names]}``.
ALIASES = "aliases"

_INSTRUMENT_TYPES = {local_name(c.rdf_class): c.rdf_class for c in schema.NODE_CLASSES if c.kind == "instrument"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QID = re.compile(r"^Q[1-9][0-9]*$")


@dataclass(frozen=True)
class Entity:
    """One entity of the registry."""

    id: str
    kind: str  # actor, system, place, instrument, programme
    rdf_type: URIRef
    label: str
    aliases: tuple[str, ...] = ()
    category: str | None = None  # systems: a concept of skv:SystemCategories
    part_of: str | None = None
    wikidata: str | None = None  # a Wikidata item id (Q403) that is certainly this entity
    file: str | None = None
    line: int | None = None

    @cached_property
    def iri(self) -> URIRef:  # (made once: rdflib's Namespace makes and checks the IRI at each use)
        return ENTITY[self.id]

    @property
    def type_name(self) -> str:
        return str(self.rdf_type).rsplit("#", 1)[-1]

    def names(self) -> Iterator[str]:
        yield self.id
        yield self.label
        yield from self.aliases


@dataclass
class Registry:
    """All entities of a corpus, and name resolution over them."""

    entities: dict[str, Entity] = field(default_factory=dict)
    names: Names = field(default_factory=Names, repr=False)

    def add(self, entity: Entity) -> None:
        if entity.id in self.entities:
            other = self.entities[entity.id]
            raise ValidationError(
                f"duplicate entity id '{entity.id}' (also at {other.file}:{other.line})",
                file=entity.file, line=entity.line)
        self.entities[entity.id] = entity
        self.names.add(entity.id, entity.kind, entity.label, entity.aliases)

    def __contains__(self, entity_id: str) -> bool:
        return entity_id in self.entities

    def __iter__(self) -> Iterator[Entity]:
        return iter(sorted(self.entities.values(), key=lambda e: e.id))

    def __len__(self) -> int:
        return len(self.entities)

    def add_aliases(self, entity_id: str, aliases: Iterable[str]) -> None:
        """More names for an entity already added (a registry file's ``aliases:`` section)."""
        entity = self.entities[entity_id]
        extra = tuple(a for a in aliases if a not in entity.aliases)
        self.entities[entity_id] = replace(entity, aliases=entity.aliases + extra)
        self.names.add(entity_id, entity.kind, entity.label, extra)

    def get(self, entity_id: str) -> Entity:
        return self.entities[entity_id]

    def by_iri(self, iri: str) -> Entity | None:
        """The entity whose IRI is ``iri``, else ``None``."""
        base = str(ENTITY)
        return self.entities.get(iri[len(base):]) if iri.startswith(base) else None

    def resolve(self, name: str, kinds: Iterable[str] | None = None, *, what: str | None = None) -> Entity:
        """The entity that ``name`` denotes (an id, a label or an alias).

        Parameters
        ----------
        name:
            What a person typed.
        kinds:
            Restrict to these kinds (``actor``, ``system``, ...).
        what:
            The word used in the error ("actor", "system"); defaults to the kinds.

        Raises
        ------
        UnknownName
            With the closest known names as suggestions, when nothing (or more than one
            entity of the wanted kinds) matches.
        """
        return self.entities[resolve(self.names, name, kinds, what=what)]

    def triples(self) -> Iterator[tuple]:
        """The registry as RDF: type, labels, category and part-of of every entity; first, the layout of the
        derived graphs that the build writes beside it (:data:`graph.model.generation.LAYOUT`), which
        every reader of the dataset checks (:func:`graph.model.generation.layout_status`)."""
        yield URIRef(DATASET), SKG.derivedLayout, Literal(generation.LAYOUT, datatype=XSD.integer)
        for e in self:
            yield e.iri, RDF.type, e.rdf_type
            yield e.iri, SKOS.prefLabel, Literal(e.label, lang="en")
            for alias in sorted(set(e.aliases)):
                yield e.iri, SKOS.altLabel, Literal(alias)
            if e.category:
                yield e.iri, SKG.category, SKV[e.category]
            if e.part_of:
                yield e.iri, SKG.partOf, ENTITY[e.part_of]
            if e.wikidata:
                yield e.iri, SKOS.exactMatch, WIKIDATA[e.wikidata]


def _entry(section: str, eid: object, body: object, path: Path, line: int | None) -> Entity:
    kind, default_type = SECTIONS[section]
    if not isinstance(eid, str) or not _SLUG.match(eid):
        raise InputError(f"entity id '{eid}' must be a slug (lower-case letters, digits, hyphens)",
                         file=path, line=line)
    if not isinstance(body, dict):
        raise InputError(f"entity '{eid}' must be a mapping with at least a label", file=path, line=line)
    line = body.get(yamlfile.LINE, line)
    known = {"type", "label", "aliases", "category", "part_of", "wikidata"} | yamlfile.META
    extra = sorted(set(body) - known)
    if extra:
        raise InputError(f"entity '{eid}': unknown field(s) {', '.join(map(str, extra))}; "
                         f"allowed: type, label, aliases, category, part_of, wikidata", file=path, line=line)
    wikidata = body.get("wikidata")
    if wikidata is not None and not (isinstance(wikidata, str) and _QID.match(wikidata)):
        raise InputError(f"entity '{eid}': wikidata '{wikidata}' is not a Wikidata item id (Q and digits, "
                         "such as Q403)", file=path, line=yamlfile.line_of(body, "wikidata") or line)
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"entity '{eid}' has no label", file=path, line=line)
    aliases = body.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InputError(f"entity '{eid}': aliases must be a list of names", file=path, line=line)
    type_name = body.get("type")
    if kind == "actor":
        if type_name not in ACTOR_TYPES:
            raise InputError(f"actor '{eid}' needs a type, one of {', '.join(ACTOR_TYPES)} (got {type_name!r})",
                             file=path, line=line)
        rdf_type = ACTOR_TYPES[type_name]
    elif kind == "instrument":
        if (type_name or "LegalInstrument") not in _INSTRUMENT_TYPES:
            raise InputError(f"instrument '{eid}': type must be one of {', '.join(_INSTRUMENT_TYPES)}",
                             file=path, line=line)
        rdf_type = _INSTRUMENT_TYPES[type_name or "LegalInstrument"]
    else:
        if type_name is not None or default_type is None:
            raise InputError(f"entity '{eid}' in '{section}' takes no type", file=path, line=line)
        rdf_type = default_type
    category = body.get("category")
    if category is not None and kind != "system":
        raise InputError(f"entity '{eid}': only systems have a category", file=path, line=line)
    if kind == "system" and not category:
        raise InputError(f"system '{eid}' needs a category (a concept of skv:SystemCategories)",
                         file=path, line=line)
    return Entity(id=eid, kind=kind, rdf_type=rdf_type, label=label.strip(),
                  aliases=tuple(a.strip() for a in aliases), category=category,
                  part_of=body.get("part_of"), wikidata=wikidata, file=str(path), line=line)


def concept_schemes(ontology: Graph) -> dict[str, set[str]]:
    """Local names of the concepts of each skv concept scheme."""
    schemes: dict[str, set[str]] = {}
    base = str(SKV)
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        schemes.setdefault(str(scheme)[len(base):], set()).add(str(concept)[len(base):])
    return schemes


def broader_categories(g: Any) -> dict[Any, set[Any]]:
    """Each system category with every category above it (``skos:broader``, followed up) and itself.

    ``g`` is anything with rdflib's ``subjects`` and ``objects`` (a graph, or a view of quads)."""
    up: dict[Any, set[Any]] = {}
    for c in g.subjects(SKOS.inScheme, SKV.SystemCategories):
        seen, todo = {c}, [c]
        while todo:
            for b in g.objects(todo.pop(), SKOS.broader):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        up[c] = seen
    return up


def corpus_registry(folder: Path) -> Registry:
    """The registry in ``folder``, its systems' categories checked against the ontology's (:func:`load_registry`)."""
    return load_registry(folder, categories=concept_schemes(ontology_graph()).get("SystemCategories"))


def load_registry(folder: Path, categories: set[str] | None = None) -> Registry:
    """Read every ``*.yaml`` file of a registry folder.

    ``categories`` (the local names of skv:SystemCategories concepts) lets unknown system
    categories be reported here, at the line that names them.

    Raises
    ------
    CorpusInvalid-style problems are raised one at a time as ``KGError``.
    """
    registry = Registry()
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise InputError("no registry: expected one or more *.yaml files", file=folder)
    more_names: list[tuple[Path, int | None, object, object]] = []
    for path in files:
        if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder.parent)):
            raise InputError(f"is a link to {os.path.realpath(path)}, outside the corpus; copy the file in instead",
                             file=path)
        data = yamlfile.load(path) or {}
        if not isinstance(data, dict):
            raise InputError("a registry file must be a mapping of sections", file=path, line=1)
        for section, entries in data.items():
            if section in yamlfile.META:
                continue
            if section not in SECTIONS and section != ALIASES:
                raise InputError(f"unknown section '{section}'; expected one of {', '.join([*SECTIONS, ALIASES])}",
                                 file=path)
            if not isinstance(entries, dict):
                raise InputError(f"section '{section}' must map ids to entities", file=path,
                                 line=data.get(yamlfile.LINE))
            for eid, body in entries.items():
                if eid in yamlfile.META:
                    continue
                if section == ALIASES:
                    more_names.append((path, entries.get(yamlfile.KEY_LINES, {}).get(eid), eid, body))
                else:
                    registry.add(_entry(section, eid, body, path, entries.get(yamlfile.LINE)))
    for path, line, eid, names in more_names:
        if not isinstance(eid, str) or eid not in registry:
            raise ValidationError(f"aliases: '{eid}' is not an entity of the registry", file=path, line=line)
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise InputError(f"aliases: '{eid}' takes a list of names", file=path, line=line)
        registry.add_aliases(eid, [n.strip() for n in names])
    _check_names(registry)
    for e in registry:
        if e.part_of and e.part_of not in registry:
            raise ValidationError(f"entity '{e.id}': part_of '{e.part_of}' is not in the registry",
                                  file=e.file, line=e.line)
        if categories is not None and e.category and e.category not in categories:
            close = difflib.get_close_matches(e.category, sorted(categories), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValidationError(f"system '{e.id}': unknown category '{e.category}'{hint}",
                                  file=e.file, line=e.line)
    return registry


def _check_names(registry: Registry) -> None:
    """Refuse a name that mixes scripts in a word, and two entities whose names fold alike.

    Raises
    ------
    ValidationError
        Naming the entity (or both entities, each with its file and line) and the names.
    """
    for e in registry:
        for name in (e.label, *e.aliases):
            word = mixed_script(name)
            if word is not None:
                raise ValidationError(f"entity '{e.id}': the name '{name}' mixes Latin with Cyrillic or Greek "
                                      f"letters in '{word}' (a look-alike letter?)", file=e.file, line=e.line)
    for folded, ids in registry.names.clashes():
        first, second = sorted((registry.get(i) for i in ids[:2]), key=lambda e: (e.file or "", e.line or 0, e.id))
        name_a, name_b = (next(n for n in (e.label, *e.aliases, e.id) if fold(n) == folded)
                          for e in (first, second))
        raise ValidationError(f"entities '{first.id}' ('{name_a}', {first.file}:{first.line}) and '{second.id}' "
                              f"('{name_b}') have names that fold alike: a name must denote one entity",
                              file=second.file, line=second.line)
