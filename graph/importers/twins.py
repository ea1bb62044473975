"""Twins: one weapons system under two registry ids, found on import and in any corpus.

SIPRI names one system differently from one release to the next (``Ataka`` and ``9M120 Ataka``,
``Mistral SAM`` and ``Mistral``, ``Mi-24P`` and ``Mi-24P/Mi-35P``, ``G-4`` and ``G-4 Super
Galeb``). Two kinds of evidence say that two names are one system:

- **the same deal** in two releases: the same supplier and recipient, the same year of order,
  systems of one kind, deliveries in the same years (:func:`deal_twin`). The strongest evidence:
  the import uses the other release's system;
- **the names**, once folded (:func:`graph.names.fold`) and read by SIPRI's conventions
  (:func:`variants`): a designation prefix (``9M120``, ``96K9``), a trailing word of SIPRI's
  descriptions (``SAM``, ``AV``, ``IFV``), names joined by a slash. These are *certain*. A name
  with a nickname added (``G-4 Super Galeb``) is only *suspected*: the import stops and names
  the alias to add, unless told to merge.

Within one release, two designations are two systems: SIPRI itself tells them apart.
:func:`suspected_duplicates` lists the pairs of any corpus that these rules find under two ids
(``serbia-kg duplicates``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable


from graph.model.names import fold, words
from graph.model.registry import broader_categories, corpus_registry
from graph.model.resources import ontology_graph
from graph.model.terms import SKV

__all__ = ["Prior", "Twin", "variants", "related", "prior_deals", "deal_twin", "categories_fit", "suspected_duplicates",
           "corpus_duplicates"]

# a GRAU-style index before the name: 9M120 Ataka, 96K9 Pantsyr-S1, 4K40 Rubezh
_PREFIX = re.compile(r"^(\d{1,2}[A-Z]{1,2}\d+[A-Z0-9]*)\s+(\S.*)$", re.IGNORECASE)
# words of SIPRI's descriptions that some releases append to a designation (and a stray "--")
_DESCRIPTION_WORDS = {"sam", "sams", "av", "ifv", "apc", "mbt", "spg", "mrl", "uav", "ucav", "aag", "--"}
_DESIGNATION = re.compile(r"^[A-Za-z].*\d")  # starts with a letter and holds a digit: Mi-35P, C-118


def _tokens(name: str) -> list[str]:
    return name.split()


def _is_nickname(token: str) -> bool:
    """A word of a name (Galeb, Super), not an abbreviation (MI, SAM) or a calibre (105mm)."""
    return len(token) > 1 and token.isalpha() and token[0].isupper() and token[1:].islower()


def variants(name: str) -> list[tuple[str, str, bool]]:
    """Other names SIPRI's conventions give ``name``: (variant, the rule, whether certain).

    >>> [v for v, _, _ in variants("9M120 Ataka")], [v for v, _, _ in variants("Mistral SAM")]
    (['Ataka'], ['Mistral'])
    >>> [(v, certain) for v, _, certain in variants("Mi-24P/Mi-35P")]
    [('Mi-24P', True), ('Mi-35P', True)]
    >>> variants("G-4 Super Galeb")
    [('G-4', 'a nickname added (Super Galeb)', False)]
    """
    out: list[tuple[str, str, bool]] = []
    m = _PREFIX.match(name.strip())
    if m:
        out.append((m.group(2).strip(), f"a designation prefix ({m.group(1)})", True))
    tokens = _tokens(name)
    trailing: list[str] = []
    while len(tokens) > 1 and tokens[-1].casefold() in _DESCRIPTION_WORDS:
        trailing.insert(0, tokens.pop())
    if trailing:
        out.append((" ".join(tokens), f"a word of SIPRI's descriptions ({' '.join(trailing)})", True))
    if "/" in name and " " not in name.strip():
        parts = [p.strip() for p in name.split("/")]
        if len(parts) > 1 and all(_DESIGNATION.match(p) for p in parts):
            out.extend((p, f"one of the names {name}", True) for p in parts)
    tokens = _tokens(name)
    if len(tokens) > 1 and _DESIGNATION.match(tokens[0]):
        kept = [tokens[0]] + [t for t in tokens[1:] if not _is_nickname(t)]
        dropped = [t for t in tokens[1:] if _is_nickname(t)]
        if dropped and len(kept) < len(tokens) and not (m and len(tokens) == 2):
            out.append((" ".join(kept), f"a nickname added ({' '.join(dropped)})", False))
    seen, unique = {fold(name)}, []
    for v in out:
        if fold(v[0]) and fold(v[0]) not in seen:
            seen.add(fold(v[0]))
            unique.append(v)
    return unique


@lru_cache(maxsize=1)
def _broader() -> dict[str, frozenset[str]]:
    """Each system category (local name) with every category above it and itself, from the ontology."""
    base = str(SKV)
    return {str(c)[len(base):]: frozenset(str(x)[len(base):] for x in seen)
            for c, seen in broader_categories(ontology_graph()).items()}


def categories_fit(a: str | None, b: str | None) -> bool:
    """Whether two system categories are one kind: equal, or one narrower than the other.

    >>> categories_fit("anti-tank-missile", "missile"), categories_fit("missile", "air-defence-system")
    (True, False)
    """
    if a is None or b is None:
        return True
    up = _broader()
    return a in up.get(b, {b}) or b in up.get(a, {a})


@dataclass(frozen=True)
class Prior:
    """A deal an earlier import wrote (a transfer claim of a SIPRI source of the corpus)."""

    source_id: str
    release: str
    claim_id: str
    supplier: str
    recipient: str
    system: str
    designation: str
    category: str | None
    order_year: int | None
    delivered: int | None
    years: tuple[int, ...]
    deal_id: str | None


@dataclass
class Twin:
    """Two names of one system: ``name`` (of the export or the registry) and entity ``entity``."""

    name: str
    entity: str
    entity_label: str
    reason: str
    certain: bool
    line: int | None = None        # the export's line of the deal
    release: str | None = None     # the release that names it ``name``
    entities: tuple[str, str] | None = None  # for the report: the two ids
    by_deal: bool = False          # found through one deal of two releases, not through the names

    def alias_hint(self) -> str:
        if self.by_deal:
            return (f"one system: import the later release again (an import uses the system of the same deal), "
                    f"or add '{self.name}' to the aliases of '{self.entity}' ({self.entity_label}) if it names it")
        return f"add '{self.name}' to the aliases of '{self.entity}' ({self.entity_label})"


def _year(value) -> int | None:
    text = str(value or "")
    return int(text[:4]) if re.match(r"^\d{4}", text) else None


def prior_deals(corpus: Path, skip_source: str | None = None) -> list[Prior]:
    """The transfers of every SIPRI source of ``corpus`` (but ``skip_source``), read from their claims."""
    import yaml

    out: list[Prior] = []
    for meta_file in sorted(Path(corpus).glob("*/source.yaml")):
        folder = meta_file.parent
        if folder.name == skip_source or folder.name.startswith("."):
            continue
        try:
            meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # not ours to judge: the build reports it
        dataset = meta.get("dataset") if isinstance(meta, dict) else None
        if not (isinstance(dataset, dict) and dataset.get("importer") == "sipri"):
            continue
        try:
            claims = (yaml.safe_load((folder / "claims.yaml").read_text(encoding="utf-8")) or {}).get("claims") or []
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        for c in claims:
            if not isinstance(c, dict) or c.get("type") != "transfer" or not c.get("system"):
                continue
            given = (_year(d.get("year")) for d in c.get("deliveries") or [] if isinstance(d, dict))
            years = tuple(sorted(y for y in given if y is not None))
            out.append(Prior(source_id=folder.name, release=str(c.get("release") or dataset.get("release")),
                             claim_id=str(c.get("id")), supplier=str(c.get("supplier")),
                             recipient=str(c.get("recipient")), system=str(c["system"]),
                             designation=str(c.get("designation") or ""), category=c.get("category"),
                             order_year=_year(c.get("ordered")), delivered=c.get("delivered_quantity"),
                             years=years, deal_id=str(c["deal_id"]) if c.get("deal_id") else None))
    return out


def related(a: str, b: str) -> bool:
    """Whether two names are one by folding or by a rule of :func:`variants` (either way).

    >>> related("9M120 Ataka", "Ataka"), related("Mistral", "Mistral SAM"), related("HQ-22", "HQ-22 MI")
    (True, True, False)
    """
    a, b = a.replace("/", "-") if " " in a else a, b.replace("/", "-") if " " in b else b  # M-56/33 105mm
    fa, fb = fold(a), fold(b)
    return (fa == fb or fb in {fold(v) for v, _, _ in variants(a)}
            or fa in {fold(v) for v, _, _ in variants(b)})


def _close(a: str, b: str) -> bool:
    """Names that share a word or hold one another (HQ-22 / HQ-22 MI, aircraft engine / aircraft engine 2001-3000)."""
    fa, fb = fold(a), fold(b)
    return fa in fb or fb in fa or bool(set(words(a).split()) & set(words(b).split()))


def deal_twin(supplier: str, recipient: str, designation: str, category: str | None, order_year: int | None,
              delivered: int | None, years: Iterable[int], deal_id: str | None,
              priors: list[Prior]) -> Prior | None:
    """The one deal of ``priors`` that is this deal, if exactly one is.

    A deal id, where both have one, decides. Otherwise: the same supplier and recipient
    (registry ids), year of order and category of system, and delivery years that meet (a deal
    with no delivery is never matched this way: the per-year export lists delivered deals only).
    Several candidates are told apart by the designation, then by the number and years
    delivered; a candidate whose designation shares nothing with this one must have the same
    number delivered in the same years.
    """
    years = set(years)
    if deal_id is not None:
        same = [p for p in priors if p.deal_id == deal_id]
        if same:
            return same[0] if len({p.system for p in same}) == 1 else None
    if order_year is None or not years:
        return None
    cands = [p for p in priors if p.supplier == supplier and p.recipient == recipient
             and p.order_year == order_year and p.category == category and years & set(p.years)
             and not (deal_id is not None and p.deal_id is not None)]
    cands = [p for p in cands if _close(p.designation, designation)
             or (p.delivered is not None and p.delivered == delivered and set(p.years) == years)]
    if len({p.system for p in cands}) > 1:
        cands = [p for p in cands if related(p.designation, designation)] or cands
    if len({p.system for p in cands}) > 1 and delivered is not None:
        cands = [p for p in cands if p.delivered == delivered and set(p.years) == years] or cands
    return cands[0] if len({p.system for p in cands}) == 1 else None


def suspected_duplicates(registry, priors: list[Prior]) -> list[Twin]:
    """Pairs of systems that look like one system under two ids.

    ``registry`` is a loaded :class:`graph.registry.Registry`; ``priors`` the SIPRI transfers of
    the corpus (:func:`prior_deals`). Two systems are suspected when a name of one is, by
    :func:`variants` or folding, a name of the other (their categories of one kind, and not both
    from one SIPRI release), or when one deal of two releases names them.
    """
    systems = [e for e in registry if e.kind == "system"]
    by_name: dict[str, set[str]] = {}
    for e in systems:
        for n in e.names():
            by_name.setdefault(fold(n), set()).add(e.id)
    found: dict[tuple[str, str], Twin] = {}

    def note(a: str, b: str, name: str, reason: str, certain: bool, by_deal: bool = False) -> None:
        key = (a, b) if a < b else (b, a)
        if a == b or key in found:
            return
        target = registry.get(b)
        found[key] = Twin(name=name, entity=b, entity_label=target.label, reason=reason, certain=certain,
                          entities=key, by_deal=by_deal)

    for e in systems:
        for n in e.names():
            for other in sorted(by_name.get(fold(n), set()) - {e.id}):
                note(e.id, other, n, "names equal once folded", True)
            for v, rule, certain in variants(n):
                for other in sorted(by_name.get(fold(v), set()) - {e.id}):
                    o = registry.get(other)
                    if not categories_fit(e.category, o.category) or (e.file and e.file == o.file
                                                                     and Path(e.file).name.startswith("sipri-")):
                        continue
                    note(e.id, other, n, f"'{n}' is '{v}' with {rule}", certain)
    deals: dict[tuple, set[str]] = {}
    by_release: dict[str, list[Prior]] = {}
    for p in priors:
        by_release.setdefault(p.release, []).append(p)
    releases = sorted(by_release)
    for i, ra in enumerate(releases):
        for rb in releases[i + 1:]:
            for p in by_release[ra]:
                twin = deal_twin(p.supplier, p.recipient, p.designation, p.category, p.order_year, p.delivered,
                                 p.years, p.deal_id, by_release[rb])
                if twin is not None and twin.system != p.system and p.system in registry and twin.system in registry:
                    deals.setdefault(tuple(sorted((p.system, twin.system))), set()).add(
                        f"{ra} {p.claim_id} and {rb} {twin.claim_id}")
    for (a, b), where in sorted(deals.items()):
        note(a, b, registry.get(a).label, "one deal names both: " + "; ".join(sorted(where)), True, by_deal=True)
    return [found[k] for k in sorted(found)]


def corpus_duplicates(corpus: Path) -> list[Twin]:
    """:func:`suspected_duplicates` of a corpus folder (its registry and its SIPRI sources).

    Raises
    ------
    KGError
        When the registry cannot be read.
    """
    registry = corpus_registry(Path(corpus) / "registry")
    return suspected_duplicates(registry, prior_deals(corpus))
