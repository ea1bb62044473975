"""Reading an article for drafting: sentences, the registry's entities, unknown names and dates.

A blank English spaCy pipeline (tokeniser and sentence splitter, no statistical model) splits the
text; a ``Matcher`` built from the registry's labels and aliases finds its entities, comparing
tokens as :func:`graph.names.fold` folds them (case, diacritics and hyphens do not matter, short
acronyms such as "US" match only in capitals). Capitals and adjectives of states ("Moscow",
"Russian") are read as the state when the registry has it; other capitalised names are kept as
unknown names, to be proposed as registry entries. Dates are read against the publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from spacy.lang.en import English
from spacy.matcher import Matcher, PhraseMatcher
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans
from spacy.vocab import Vocab

from graph.model.errors import UnknownName
from graph.model.names import fold
from graph.model.names import words as name_words
from graph.model.registry import Entity, Registry

__all__ = ["MONTHS", "Mention", "Reader", "Sentence", "When", "lexicon"]

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
_SEASONS = {"spring", "summer", "fall", "autumn", "winter"}
_OPEN, _CLOSE = "“\"«„", "”\"»"
_ENDS = ".!?…:;\"”’»)"  # what ends a paragraph that is a sentence (not a heading)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The drafting rules' words (``lexicon.yaml``): capitals, demonyms, categories, triggers."""
    text = resources.files(__package__).joinpath("lexicon.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass(frozen=True)
class Mention:
    """A name in a sentence: a registry entity (``entity``) or an unknown name (``name``)."""

    start: int  # token offsets in the document
    end: int
    text: str
    entity: Entity | None = None
    via: str | None = None  # "capital" or "demonym" when the word names its state indirectly
    stands_for: Entity | None = None  # a place of the registry that is also a capital: its state
    state: Entity | None = None  # a state's body (its armed forces, a ministry): the state
    guess: str | None = None  # unknown names: the section guessed ("actors", "systems", ...)
    guess_type: str | None = None

    @property
    def kind(self) -> str:
        return self.entity.kind if self.entity else "unknown"

    @property
    def type_name(self) -> str:
        return self.entity.type_name if self.entity else (self.guess_type or "")

    @property
    def actor(self) -> Entity | None:
        """The actor this mention names: itself, or the state its capital stands for."""
        if self.entity is not None and self.entity.kind == "actor":
            return self.entity
        return self.stands_for

    @property
    def value(self) -> str:
        """What a claim's field holds: the registry id, or the name as written."""
        return self.entity.id if self.entity else self.text


@dataclass(frozen=True)
class When:
    """A date read in the text: its value (2021, 2021-05, 2021-05-04) and a note when it was inferred."""

    start: int
    end: int
    text: str
    value: str
    note: str | None = None
    month_only: bool = False  # "in May": a month whose year comes from elsewhere


@dataclass
class Sentence:
    """One sentence: its span, names, dates and quotations (token ranges inside quote marks)."""

    span: Span
    mentions: list[Mention] = field(default_factory=list)
    dates: list[When] = field(default_factory=list)
    quotations: list[tuple[int, int]] = field(default_factory=list)
    heading: bool = False  # a title or heading (a paragraph of one line without a full stop)

    @property
    def text(self) -> str:
        """The sentence as the text has it (its quote), without a bracket the splitter left unpaired."""
        t = self.span.text.strip()
        if t.endswith("(") or (t.endswith(")") and t.count(")") > t.count("(")):
            t = t[:-1].rstrip()
        if t.startswith(")") or (t.startswith("(") and t.count("(") > t.count(")")):
            t = t[1:].lstrip()
        return t

    def inside_quotation(self, i: int) -> bool:
        return any(a <= i < b for a, b in self.quotations)


@lru_cache(maxsize=None)
def _fold_token(text: str) -> str:
    return fold(text) or text


_PUNCT = "\u00b6"  # what any word without letters or digits folds to when names are matched


@lru_cache(maxsize=None)
def _fold_key(text: str) -> str:
    return fold(text) or _PUNCT


def _is_acronym(name: str) -> bool:
    return len(name) <= 5 and " " not in name and sum(c.isupper() for c in name) >= 2


@lru_cache(maxsize=1)
def _pipeline() -> tuple[English, Sentencizer]:
    """spaCy's English tokeniser and its rule-based sentence splitter, made directly (not through
    ``spacy.blank`` and the registry of factories); made once per process (building the tokeniser's
    exceptions is most of the cost), shared by every reader."""
    return English(), Sentencizer()


class Reader:
    """The pipeline for one registry: call it on a text to get its sentences."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.nlp, self._sentencizer = _pipeline()
        # names are matched by phrase (a hash look-up per token, whatever the registry's size):
        # registry names on the folded words of the text (spaces dropped, any punctuation one
        # symbol), acronyms, capitals and demonyms as written
        self._keys = Vocab()  # the folded words' own vocabulary: no lexical attributes to compute
        self.folded = PhraseMatcher(self._keys, attr="ORTH")
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.dates = Matcher(self.nlp.vocab)
        self._indirect: dict[str, tuple[Entity, str]] = {}
        self._capitals: dict[str, Entity] = {}
        self._bodies: dict[str, list[tuple[tuple[str, ...], Entity]]] = {}
        self._add_registry()
        self._add_bodies()
        self._add_indirect()
        self._add_dates()

    # --- patterns ---------------------------------------------------------------------------------
    def _variants(self, name: str) -> list[list[str]]:
        """The folded word sequences a name matches: a leading "the" and punctuation inside the
        name optional, the last word also with a plural ending ("Pantsir-S1" matches "Pantsir S1s")."""
        words = [_fold_key(t.text) for t in self.nlp.make_doc(name) if not t.is_space]
        out: list[list[str]] = [[]]
        for n, w in enumerate(words):
            optional = w == _PUNCT or (n == 0 and w == "the" and len(words) > 1)
            last = n == len(words) - 1 and w != _PUNCT and w[-1].isalnum()
            forms = [w + e for e in ("", "s", "es")] if last else [w]
            out = [v + [f] for v in out for f in forms] + (out if optional else [])
        return [v for v in out if v and any(w != _PUNCT for w in v)]

    def _add_registry(self) -> None:
        for e in self.registry:
            folded: list[Doc] = []
            exact: list[Doc] = []
            for name in dict.fromkeys((e.label, *e.aliases)):
                if _is_acronym(name):
                    exact.append(Doc(self.nlp.vocab, words=[name]))
                else:
                    folded.extend(Doc(self._keys, words=v) for v in self._variants(name))
            if folded:
                self.folded.add(e.id, folded)
            if exact:
                self.exact.add(e.id, exact)
        # a person named again by the surname alone ("Firefly told reporters"), written with a capital,
        # when no other entity has that name
        names = {fold(n) for e in self.registry for n in (e.label, *e.aliases)}
        surnames: dict[str, list[str]] = {}
        for e in self.registry:
            if e.kind == "actor" and e.type_name == "Person" and len(e.label.split()) >= 2:
                surnames.setdefault(e.label.split()[-1], []).append(e.id)
        for surname, ids in surnames.items():
            if len(ids) == 1 and fold(surname) not in names and surname[:1].isupper():
                self.exact.add(ids[0], [Doc(self.nlp.vocab, words=[surname])])

    def _add_bodies(self) -> None:
        """The bodies of each state, by their label's words without the state's ("foreign ministry")."""
        for e in self.registry:
            if e.kind != "actor" or e.type_name != "StateBody" or not e.part_of or e.part_of not in self.registry:
                continue
            state = self.registry.get(e.part_of)
            stem = name_words(state.label).split()[0][:5]
            words = tuple(w for w in name_words(e.label).split() if not w.startswith(stem))
            if words:
                self._bodies.setdefault(state.id, []).append((words, e))
        for bodies in self._bodies.values():
            bodies.sort(key=lambda b: -len(b[0]))

    def _state(self, label: str) -> Entity | None:
        try:
            e = self.registry.resolve(label, ("actor",))
        except UnknownName:
            return None
        return e if e.type_name == "State" or e.type_name == "InternationalOrganisation" else None

    def _add_indirect(self) -> None:
        lex = lexicon()
        words: dict[str, tuple[Entity, str]] = {}
        for e in self.registry:
            if e.kind == "actor" and e.type_name == "State":
                label = e.label
                derived = label + "n" if label.endswith("a") else (
                    label[:-1] + "ian" if label.endswith("e") else label + "ian")
                words[derived] = (e, "demonym")
        for word, label in lex["demonyms"].items():
            if (state := self._state(label)) is not None:
                words[word] = (state, "demonym")
        for word, label in lex["capitals"].items():
            if (state := self._state(label)) is not None:
                words[word] = (state, "capital")
                self._capitals[word] = state
        for word, (e, how) in words.items():
            key = f"{how}:{e.id}:{word}"
            self._indirect[key] = (e, how)
            self.exact.add(key, [Doc(self.nlp.vocab, words=[word, *s]) for s in ([], ["’s"], ["'s"])])

    def _add_dates(self) -> None:
        month = {"LOWER": {"IN": MONTHS}}
        year = {"SHAPE": "dddd"}
        day = {"SHAPE": {"IN": ["d", "dd"]}}
        opt_in = {"LOWER": {"IN": ["in", "on", "since", "until", "by"]}, "OP": "?"}
        self.dates.add("DAY", [[opt_in, day, month, year], [opt_in, month, day, {"ORTH": ",", "OP": "?"}, year]],
                       greedy="LONGEST")
        self.dates.add("MONTH_YEAR", [[opt_in, month, year]], greedy="LONGEST")
        self.dates.add("IN_YEAR", [[{"LOWER": {"IN": ["in", "since", "until", "by", "from"]}}, year],
                                   [{"LOWER": "a"}, year]])
        self.dates.add("IN_MONTH", [[{"LOWER": "in"}, month]])
        self.dates.add("LAST", [[{"LOWER": {"IN": ["last", "this"]}},
                                 {"LOWER": {"IN": ["year", "month", *_SEASONS]}}]])

    # --- reading ----------------------------------------------------------------------------------
    def read(self, text: str, issued: dt.date | None, issued_text: str | None) -> list[Sentence]:
        """The sentences of ``text``, paragraph by paragraph, with their names, dates and quotations."""
        out: list[Sentence] = []
        named: dict[str, Entity] = {}  # organisations named so far, by the last word of their label
        for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
            doc = self._sentencizer(self.nlp.make_doc(para.group()))
            for t in doc:
                t.norm_ = _fold_token(t.text)
            names = self._mentions(doc, named)
            dates = self._dates(doc, issued, issued_text)
            quotes = _quotations(doc)
            heading = "\n" not in para.group().strip() and para.group().rstrip()[-1:] not in _ENDS
            for sent in _sentences(doc):
                if not sent.text.strip():
                    continue
                out.append(Sentence(
                    span=sent,
                    mentions=[m for m in names if sent.start <= m.start < sent.end],
                    dates=[d for d in dates if sent.start <= d.start < sent.end],
                    quotations=[(a, b) for a, b in quotes if sent.start <= a < sent.end],
                    heading=heading))
        return out

    def _mentions(self, doc: Doc, named: dict[str, Entity]) -> list[Mention]:
        spans = [Span(doc, start, end, label=key) for key, start, end in self.exact(doc)]
        kept_tokens = [t.i for t in doc if not t.is_space]
        reduced = Doc(self._keys, words=[_fold_key(doc[i].text) for i in kept_tokens])
        for key, start, end in self.folded(reduced):
            spans.append(Span(doc, kept_tokens[start], kept_tokens[end - 1] + 1, label=self._keys.strings[key]))
        kept = filter_spans(spans)
        by_range: dict[tuple[int, int], set[str]] = {}
        for s in spans:
            by_range.setdefault((s.start, s.end), set()).add(s.label_)
        mentions: list[Mention] = []
        for s in kept:
            keys = sorted(by_range[(s.start, s.end)])
            direct = [k for k in keys if k in self.registry]
            if len(direct) == 1:
                e = self.registry.get(direct[0])
                state = self._capitals.get(s.text) if e.kind == "place" else None
                mentions.append(Mention(s.start, s.end, s.text, entity=e, stands_for=state,
                                        via="capital" if state else None))
            elif len(direct) > 1:
                continue  # two entities share the name: left to the reviewer
            else:
                e, how = self._indirect[keys[0]]
                mentions.append(Mention(s.start, s.end, s.text, entity=e, via=how))
        mentions = [self._with_state(self._possessive_body(doc, m)) for m in sorted(mentions, key=lambda m: m.start)]
        mentions.extend(_anaphora(doc, mentions, named))
        mentions.extend(_unknown_names(doc, mentions))
        return sorted(mentions, key=lambda m: m.start)

    def _with_state(self, m: Mention) -> Mention:
        """A state's body with the state it belongs to (following ``part_of`` up to a state)."""
        e, seen = m.entity, 0
        if e is None or e.type_name != "StateBody":
            return m
        while e is not None and e.type_name != "State" and e.part_of and e.part_of in self.registry and seen < 5:
            e, seen = self.registry.get(e.part_of), seen + 1
        return replace(m, state=e) if e is not None and e.type_name == "State" else m

    def _possessive_body(self, doc: Doc, m: Mention) -> Mention:
        """A state's body named by the state's possessive ("Borduria's foreign ministry" for the registry's
        *Bordurian Foreign Ministry*): the body's label without the state's name or adjective."""
        state = m.actor
        if state is None or m.end >= len(doc) or doc[m.end].text not in ("'s", "’s"):
            return m
        after = [name_words(t.text) for t in doc[m.end + 1:m.end + 5]]
        for words, body in self._bodies.get(state.id, []):
            end = m.end + 1 + len(words)
            if after[:len(words)] == list(words) and all(doc[k].is_lower for k in range(m.end + 1, end)):
                return Mention(m.start, end, doc[m.start:end].text, entity=body, via="possessive")
        return m

    def _dates(self, doc: Doc, issued: dt.date | None, issued_text: str | None) -> list[When]:
        spans = filter_spans([Span(doc, s, e, label=k) for k, s, e in self.dates(doc)])
        out = []
        for span in spans:
            when = _read_date(span, issued, issued_text)
            if when is not None:
                out.append(when)
        return out


def _sentences(doc: Doc) -> list[Span]:
    """The sentencizer's sentences, mended: an opening quote mark starts the sentence after it,
    and a sentence does not end inside an open quotation. A straight quote mark opens when a space
    comes before it and a word after it (``together. "We``); one right after the full stop closes."""
    sents = list(doc.sents)
    starts = [s.start for s in sents]
    for n, s in enumerate(sents[:-1]):
        i = s.end - 1
        if i > s.start and (doc[i].text in "“«„" or (
                doc[i].text == '"' and (doc[i - 1].whitespace_ or doc[i - 1].is_space)
                and not doc[i].whitespace_ and not doc[i + 1].is_space)):
            starts[n + 1] = i
    merged: list[tuple[int, int]] = []
    depth = 0
    bounds = [(starts[i], starts[i + 1] if i + 1 < len(starts) else len(doc)) for i in range(len(starts))]
    for a, b in bounds:
        if merged and depth > 0:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
        for t in doc[a:b]:
            if t.text in "“«„":
                depth += 1
            elif t.text in "”»" and depth > 0:
                depth -= 1
    return [doc[a:b] for a, b in merged if b > a]


def _quotations(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges between typographic (or straight) quote marks."""
    out, opened, straight = [], None, None
    for t in doc:
        if t.text in "“«„":
            opened = t.i + 1
        elif t.text in "”»" and opened is not None:
            out.append((opened, t.i))
            opened = None
        elif t.text == '"':
            if straight is None:
                straight = t.i + 1
            else:
                out.append((straight, t.i))
                straight = None
    return [(a, b) for a, b in out if b - a >= 2]


_ORGANISATIONS = {"InternationalOrganisation", "Organisation"}


def _anaphora(doc: Doc, known: list[Mention], named: dict[str, Entity]) -> list[Mention]:
    """"The compact", "the organisation": an organisation named earlier in the text by the last word of
    its label ("Northern Defence Compact"). ``named`` carries the organisations from paragraph to paragraph."""
    taken = {i for m in known for i in range(m.start, m.end)}
    at = {m.start: m for m in known}
    out: list[Mention] = []
    for t in doc:
        m = at.get(t.i)
        if m is not None and m.entity is not None and (m.entity.type_name in _ORGANISATIONS
                                                       or m.entity.kind == "programme"):
            named[name_words(m.entity.label).split()[-1]] = m.entity
            continue
        if t.i in taken or t.i == 0 or not t.is_lower or t.lower_ not in named:
            continue
        the = doc[t.i - 1]
        if the.lower_ == "the" and (t.i + 1 >= len(doc) or not doc[t.i + 1].is_title or doc[t.i + 1].is_sent_start):
            out.append(Mention(t.i - 1, t.i + 1, doc[t.i - 1:t.i + 1].text, entity=named[t.lower_], via="anaphora"))
    return out


_CONNECT = {"of", "for", "and", "the", "through", "on", "in"}
_PLACE_WORDS = {"gulf", "sea", "strait", "straits", "bay", "coast", "island", "islands", "river", "lake", "peninsula",
                "channel", "mountains", "valley", "desert", "ocean", "cape", "province", "region", "harbour", "harbor"}
_ORG_WORDS = {"ministry", "department", "forces", "army", "navy", "guard", "parliament", "government",
              "council", "agency", "command", "police", "office", "assembly", "senate", "congress"}
_IO_WORDS = {"union", "organization", "organisation", "alliance", "movement", "nations", "community",
             "league", "pact"}
_INSTRUMENT_WORDS = {"act", "treaty", "resolution", "law", "agreement", "convention", "directive"}
_PROGRAMME_WORDS = {"initiative", "program", "programme", "partnership", "summit", "mission", "plan"}
_SKIP = set(MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _unknown_names(doc: Doc, known: list[Mention]) -> list[Mention]:
    """Runs of capitalised words (and designations such as "Su-35") that no registry name covers."""
    taken = {i for m in known for i in range(m.start, m.end)}
    titles = [t.split() for t in lexicon()["titles"]]
    out: list[Mention] = []
    i = 0
    while i < len(doc):
        if i in taken or not _name_word(doc[i]):
            i += 1
            continue
        j = i + 1
        while j < len(doc) and j not in taken and (
                _name_word(doc[j]) or (doc[j].lower_ in _CONNECT and j + 1 < len(doc) and j + 1 not in taken
                                       and _name_word(doc[j + 1]) and doc[j].lower_ != "the")
                or (doc[j].text in ("-", "’s", "'s") and j + 1 < len(doc) and _name_word(doc[j + 1]))):
            j += 1
        span = doc[i:j]
        while len(span) and (span[0].is_stop or span[0].lower_ in _SKIP):
            span = doc[span.start + 1:span.end]
        # a title ("President", "Defense Minister") is not part of the name it precedes
        for title in sorted(titles, key=len, reverse=True):
            if [t.text for t in span[:len(title)]] == title and len(span) > len(title):
                span = doc[span.start + len(title):span.end]
                break
        if len(span) and span.text in lexicon()["titles"] or len(span) and span[0].lower_ in _CONNECT:
            span = doc[span.end:span.end]
        if len(span) and _worth_proposing(span):
            section, type_name = _guess(span, doc)
            out.append(Mention(span.start, span.end, span.text, guess=section, guess_type=type_name))
        i = j
    return out


def _name_word(t: Token) -> bool:
    if t.is_space or t.is_punct:
        return False
    if t.is_title or (t.is_upper and len(t) >= 2 and t.is_alpha):
        return True
    return bool(re.match(r"^[A-Z][A-Za-z]*-?\d", t.text))  # Su-35, T-72, J-20


def _worth_proposing(span: Span) -> bool:
    sent = span.sent
    if sent.text.rstrip()[-1:] not in ".!?)”\"":
        return False  # a heading, not a sentence
    if len(span) == 1 and re.search(r"(an|ese|ish)s?$", span.text):
        return False  # an adjective or a people ("European", "Serbs" stay; "Europeans" go)
    if span.end < len(span.doc) and span.doc[span.end].shape_ == "dddd":
        return False  # a named event ("Slavic Shield 2021"), read by the exercise rule
    quoted = _quotations(span.doc)
    if any(a <= span.start < b for a, b in quoted):
        return False
    if all(t.is_stop or t.lower_ in _SKIP or t.is_digit for t in span):
        return False
    first = span[0]
    if len(span) == 1 and first.is_sent_start and not re.search(r"\d", first.text):
        # a capitalised first word is usually just a first word
        return any(t.text == first.text and not t.is_sent_start for t in first.doc)
    return not (len(span) == 1 and first.is_sent_start)


def _guess(span: Span, doc: Doc) -> tuple[str, str | None]:
    words = [t.lower_ for t in span]
    last = words[-1]
    titles = {t.split()[-1] for t in lexicon()["titles"]}
    if re.search(r"[A-Za-z]-?\d", span.text):
        return "systems", None
    after = [t.lower_ for t in doc[span.end:span.end + 2]]
    if after[:1] == ["class"] or after[:2] == ["-", "class"]:
        return "systems", None  # "Sokol-class corvettes"
    if set(words) & _PLACE_WORDS:
        return "places", None
    if span.start > 0 and doc[span.start - 1].text in titles:
        return "actors", "Person"
    if last in _INSTRUMENT_WORDS:
        return "instruments", None
    if last in _PROGRAMME_WORDS:
        return "programmes", None
    if set(words) & _IO_WORDS:
        return "actors", "InternationalOrganisation"
    if set(words) & _ORG_WORDS:
        return "actors", "StateBody"
    if len(span) == 2 and all(t.is_title for t in span):
        return "actors", "Person"
    if len(span) == 1 and re.search(r"(ia|stan|land)$", span.text):
        return "actors", "State"
    return "actors", None


def _read_date(span: Span, issued: dt.date | None, issued_text: str | None) -> When | None:
    """A date expression as a value of the claims' date fields, relative ones against ``issued``."""
    kind = span.label_
    toks = [t for t in span if not t.is_space]
    words = [t.lower_ for t in toks]
    text = span.text
    if kind == "DAY":
        nums = [t.text for t in toks if t.like_num]
        month = next(MONTHS.index(w) + 1 for w in words if w in MONTHS)
        year = int(next(n for n in nums if len(n) == 4))
        day = int(next(n for n in nums if len(n) <= 2))
        try:
            return When(span.start, span.end, text, dt.date(year, month, day).isoformat())
        except ValueError:
            return None
    if kind == "MONTH_YEAR":
        month = next(MONTHS.index(w) + 1 for w in words if w in MONTHS)
        return When(span.start, span.end, text, f"{toks[-1].text}-{month:02d}")
    if kind == "IN_YEAR":
        year = int(toks[-1].text)
        if not 1900 <= year <= 2100:
            return None
        return When(span.start, span.end, text, str(year))
    if issued is None:
        return None  # relative to a publication date the source does not give: left unresolved
    article = f"an article of {issued_text}"
    if kind == "IN_MONTH":
        month = MONTHS.index(words[-1]) + 1
        year = issued.year if month <= issued.month else issued.year - 1
        value = f"{year}-{month:02d}"
        name = dt.date(year, month, 1).strftime("%B %Y")
        return When(span.start, span.end, text, value, f'"{text}" in {article}: {name}.', month_only=True)
    if kind == "LAST":
        which, unit = words
        if unit == "month":
            back = issued.month - 1 if which == "last" else issued.month
            year = issued.year if back >= 1 else issued.year - 1
            back = back if back >= 1 else 12
            name = dt.date(year, back, 1).strftime("%B %Y")
            return When(span.start, span.end, text, f"{year}-{back:02d}", f'"{text}" in {article}: {name}.')
        year = issued.year - 1 if which == "last" else issued.year
        if unit in _SEASONS:
            return When(span.start, span.end, text, str(year), f'"{text}" in {article}: {unit} {year}.')
        return When(span.start, span.end, text, str(year), f'"{text}" in {article}: {year}.')
    return None
