"""Names: how people's spellings are matched to entities, and the one resolver that matches them.

Folding makes case, diacritics, hyphens, spacing, punctuation and the script irrelevant:
"Vucic" and "Вучић" find "Vučić", "MiG29" finds "MiG-29", "Србија" finds "Srbija". Serbian
Cyrillic is read as Serbian Latin (Gaj's alphabet, by ``cyrtranslit``); any other letter that is
not ASCII is transliterated by ``anyascii``.

:func:`resolve` is the one name lookup: an entity's id names it, else its folded label or alias
must name exactly one entity of the kinds asked for; otherwise :class:`graph.model.errors.UnknownName`
says so with the closest names (:func:`suggest`). It reads through a :class:`NameTable`: in memory
(:class:`Names`, which the registry keeps) or the supplies index of a store.

>>> fold("Vučić") == fold("VUCIC") == fold("Вучић")
True
>>> fold("Pantsir-S1"), fold("MiG 29") == fold("mig-29") == fold("MiG29"), fold("Србија")
('pantsirs1', True, 'srbija')
>>> words("Pantsir-S1")
'pantsir s1'
>>> mixed_script("Ѕerbia"), mixed_script("Vučić Вучић")
('Ѕerbia', None)
>>> names = Names()
>>> names.add("serbia", "actor", "Serbia", ["Srbija"])
>>> names.add("russia", "actor", "Russia", ["Russian Federation"])
>>> resolve(names, "Србија", ["actor"])
'serbia'
>>> resolve(names, "Rusia", ["actor"])
Traceback (most recent call last):
    ...
graph.model.errors.UnknownName: unknown actor 'Rusia'; did you mean 'Russia'?
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from anyascii import anyascii

from graph.model.errors import UnknownName

# cyrtranslit (its tables) and rapidfuzz take 20-100 ms to import (python -X importtime,
# 2026-12-01), a fifth of a cold `serbia-kg supplies --store`: they are imported when first needed,
# cyrtranslit by a name that is not ASCII, rapidfuzz by a suggestion.

__all__ = ["fold", "words", "mixed_script", "NameTable", "Names", "resolve", "suggest", "SUGGESTIONS"]

#: How many names a suggestion lists at most.
SUGGESTIONS = 3
#: The least similarity (0-100, rapidfuzz's ratio) of a suggested name to the name asked for.
_CUTOFF = 60.0
#: Names within this much of the best are suggested with it ("Rusia": "Russia", not also "USA").
_SPREAD = 10.0

_SEP = re.compile(r"[\s\-_‐‑–—.,'’]+")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def words(name: str) -> str:
    """Casefold, read Cyrillic as Latin, strip diacritics, and turn runs of separators into one space."""
    text = str(name)
    if not text.isascii():
        import cyrtranslit

        text = cyrtranslit.to_latin(text, "sr")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    if not text.isascii():
        text = anyascii(text)
    return _SEP.sub(" ", text.casefold()).strip()


def fold(name: str) -> str:
    """A name as it is matched: :func:`words` without the spaces (so no separator matters)."""
    return words(name).replace(" ", "")


def _script(c: str) -> str | None:
    if not c.isalpha():
        return None
    first = unicodedata.name(c, "").split(" ", 1)[0]
    return first if first in _SCRIPTS else None


def mixed_script(name: str) -> str | None:
    """The first word of ``name`` that mixes Latin, Cyrillic or Greek letters (a look-alike), else ``None``."""
    for word in str(name).split():
        if len({s for c in word if (s := _script(c)) is not None}) > 1:
            return word
    return None


class NameTable(Protocol):
    """What :func:`resolve` reads: entities by id, and the ids of each folded name."""

    def kind_of(self, eid: str) -> str | None:
        """The kind of the entity ``eid`` (``None``: no such entity)."""

    def label_of(self, eid: str) -> str:
        """The preferred label of the entity ``eid``."""

    def named(self, folded: str) -> list[str]:
        """The ids of the entities one of whose names folds to ``folded``."""

    def candidates(self, kinds: frozenset[str] | None) -> dict[str, str]:
        """Every folded name of the entities of ``kinds`` (``None``: all) -> the label it suggests."""


@dataclass
class Names:
    """Every entity's names (id, label, aliases), folded: a :class:`NameTable` in memory."""

    _kind: dict[str, str] = field(default_factory=dict)
    _label: dict[str, str] = field(default_factory=dict)
    _index: dict[str, list[str]] = field(default_factory=dict)

    def add(self, eid: str, kind: str, label: str, names: Iterable[str] = ()) -> None:
        """Add an entity: its id and label name it, and so do ``names`` (its aliases)."""
        self._kind[eid] = kind
        self._label[eid] = label
        for name in (eid, label, *names):
            ids = self._index.setdefault(fold(name), [])
            if eid not in ids:
                ids.append(eid)

    def kind_of(self, eid: str) -> str | None:
        return self._kind.get(eid)

    def label_of(self, eid: str) -> str:
        return self._label[eid]

    def named(self, folded: str) -> list[str]:
        return sorted(self._index.get(folded, ()))

    def candidates(self, kinds: frozenset[str] | None) -> dict[str, str]:
        found: dict[str, str] = {}
        for folded, ids in self._index.items():
            for eid in ids:
                if kinds is None or self._kind[eid] in kinds:
                    found.setdefault(folded, self._label[eid])
        return found

    def clashes(self) -> list[tuple[str, list[str]]]:
        """Folded names shared by several entities, with their ids: ``[(folded, [id, ...]), ...]``, sorted."""
        return sorted((folded, sorted(ids)) for folded, ids in self._index.items() if len(ids) > 1)

    def table(self, kinds: Iterable[str]) -> list[tuple[str, str, str, list[str]]]:
        """``(id, kind, label, folded names)`` of the entities of ``kinds``, sorted by id (for an index)."""
        wanted = set(kinds)
        folded: dict[str, list[str]] = {}
        for name, ids in self._index.items():
            for eid in ids:
                folded.setdefault(eid, []).append(name)
        return [(eid, kind, self._label[eid], sorted(folded.get(eid, [])))
                for eid, kind in sorted(self._kind.items()) if kind in wanted]


def resolve(table: NameTable, name: str, kinds: Iterable[str] | None = None, *, what: str | None = None) -> str:
    """The id of the one entity of ``kinds`` that ``name`` (an id, a label or an alias) denotes.

    Raises
    ------
    UnknownName
        ``unknown actor 'X'; did you mean 'Y', 'Z'?``: nothing matches (the closest names are
        suggested), or several entities do (they are listed).
    """
    allowed = frozenset(kinds) if kinds else None
    kind = table.kind_of(name)
    if kind is not None and (allowed is None or kind in allowed):
        return name
    label = what or ("/".join(sorted(allowed)) if allowed else "entity")
    ids = [i for i in table.named(fold(name)) if allowed is None or table.kind_of(i) in allowed]
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        raise UnknownName(label, name, [table.label_of(i) for i in ids])
    raise UnknownName(label, name, suggest(name, table.candidates(allowed)))


def suggest(name: str, candidates: dict[str, str], n: int = SUGGESTIONS) -> list[str]:
    """The labels of the candidates (folded name -> label) closest to ``name``: at most ``n``.

    A name one of whose words is ``name`` comes first ("Vucic" suggests "Aleksandar Vučić"); then
    the names most alike (rapidfuzz's ratio, at least 60 of 100), only those nearly as close as the
    best one, so that "Rusia" suggests "Russia" and not also "United States" (through "USA").
    """
    from rapidfuzz import fuzz, process

    query = fold(name)
    if not query:
        return []
    by_word = sorted({label for folded, label in candidates.items()
                      if query in folded and query in words(label).split(" ")})  # a substring first: cheap
    scored = process.extract(query, list(candidates), scorer=fuzz.ratio, score_cutoff=_CUTOFF, limit=None)
    best = max((score for _, score, _ in scored), default=0.0)
    close = [candidates[c] for c, score, _ in sorted(scored, key=lambda s: (-s[1], s[0])) if score >= best - _SPREAD]
    return list(dict.fromkeys(by_word + close))[:n]
