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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from graph.model.errors import UnknownName
from graph.model.names import fold
from graph.model.registry import Entity, Registry

__all__ = ["MONTHS", "Mention", "Reader", "Sentence", "When", "lexicon"]

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
_SEASONS = {"spring", "summer", "fall", "autumn", "winter"}
_OPEN, _CLOSE = "“\"«„", "”\"»"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The drafting rules' words (``lexicon.yaml``): capitals, demonyms, categories, triggers."""
    text = resources.files(__package__).joinpath("lexicon.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Mention:
    """A name in a sentence: a registry entity (``entity``) or an unknown name (``name``)."""

    start: int  # token offsets in the document
    end: int
    text: str
    entity: Entity | None = None
    via: str | None = None  # "capital" or "demonym" when the word names its state indirectly
    stands_for: Entity | None = None  # a place of the registry that is also a capital: its state
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


def _fold_token(text: str) -> str:
    return fold(text) or text


def _is_acronym(name: str) -> bool:
    return len(name) <= 5 and " " not in name and sum(c.isupper() for c in name) >= 2


@lru_cache(maxsize=1)
def _pipeline() -> Language:
    """spaCy's blank English pipeline (tokeniser) with its rule-based sentence splitter; made once per
    process (building the tokeniser's exceptions is most of the cost), shared by every reader."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class Reader:
    """The pipeline for one registry: call it on a text to get its sentences."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.nlp: Language = _pipeline()
        self.names = Matcher(self.nlp.vocab)
        self.dates = Matcher(self.nlp.vocab)
        self._indirect: dict[str, tuple[Entity, str]] = {}
        self._capitals: dict[str, Entity] = {}
        self._add_registry()
        self._add_indirect()
        self._add_dates()

    # --- patterns ---------------------------------------------------------------------------------
    def _pattern(self, name: str) -> list[dict]:
        if _is_acronym(name):
            return [{"ORTH": name}]
        tokens = [t.text for t in self.nlp.make_doc(name)]
        pattern: list[dict] = []
        if tokens and tokens[0].lower() == "the":
            tokens = tokens[1:]
            pattern.append({"LOWER": "the", "OP": "?"})
        for n, tok in enumerate(tokens):
            if n:
                pattern.append({"IS_SPACE": True, "OP": "?"})
            f = fold(tok)
            if not f:
                pattern.append({"IS_PUNCT": True, "OP": "?"})
            elif n == len(tokens) - 1 and f[-1].isalnum():
                pattern.append({"NORM": {"IN": [f, f + "s", f + "es"]}})
            else:
                pattern.append({"NORM": f})
        return pattern

    def _add_registry(self) -> None:
        for e in self.registry:
            patterns = [self._pattern(n) for n in dict.fromkeys((e.label, *e.aliases))]
            self.names.add(e.id, [p for p in patterns if p], greedy="LONGEST")

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
            self.names.add(key, [[{"ORTH": word}], [{"ORTH": word}, {"ORTH": {"IN": ["’s", "'s"]}}]])

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
        for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
            doc = self.nlp(para.group())
            for t in doc:
                t.norm_ = _fold_token(t.text)
            names = self._mentions(doc)
            dates = self._dates(doc, issued, issued_text)
            quotes = _quotations(doc)
            for sent in _sentences(doc):
                if not sent.text.strip():
                    continue
                out.append(Sentence(
                    span=sent,
                    mentions=[m for m in names if sent.start <= m.start < sent.end],
                    dates=[d for d in dates if sent.start <= d.start < sent.end],
                    quotations=[(a, b) for a, b in quotes if sent.start <= a < sent.end]))
        return out

    def _mentions(self, doc: Doc) -> list[Mention]:
        spans = []
        for key, start, end in self.names(doc):
            spans.append(Span(doc, start, end, label=key))
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
        mentions.extend(_unknown_names(doc, mentions))
        return sorted(mentions, key=lambda m: m.start)

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
    and a sentence does not end inside an open quotation."""
    sents = list(doc.sents)
    starts = [s.start for s in sents]
    for n, s in enumerate(sents[:-1]):
        last = doc[s.end - 1]
        if last.text in "“«„" and s.end - 1 > s.start:
            starts[n + 1] = s.end - 1
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
    return [(a, b) for a, b in out if b - a >= 3]


_CONNECT = {"of", "for", "and", "the", "through", "on", "in"}
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
