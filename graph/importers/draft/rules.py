"""Rules that propose claims, one function per claim type, over the sentences :mod:`.text` reads.

Each rule looks for its trigger words in a sentence (a transfer's "received", a sanction's
"imposed ... sanctions on"), fills the claim type's fields from the names and dates around them,
and proposes a :class:`Candidate`: the fields, the sentence as the quote, the rule that fired, a
confidence, and notes saying what was inferred (a pronoun read as a state, a relative date).
The confidence is the rule's own score lowered for each inference; it is not a calibrated
probability (``scripts/bench_draft.py`` measures how often drafts are right).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from graph.model.names import words as name_words

from .text import MONTHS, Mention, Sentence, When, lexicon

__all__ = ["RULES", "Candidate", "Context", "propose"]

_PREPS = {"from", "to", "with", "against", "on", "of", "by", "in", "about", "between", "toward", "towards",
          "for", "at", "into", "over", "unlike", "including", "than", "like", "across", "among", "during",
          "under", "and"}
_PRONOUNS = {"it", "its", "the country", "the state", "the government"}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "a dozen": 12, "twenty": 20}


@dataclass
class Candidate:
    """A proposed claim: its type, fields, quote and why it was proposed."""

    type: str
    fields: dict[str, Any]
    quote: str
    rule: str
    confidence: float
    notes: list[str] = field(default_factory=list)
    unknown: list[Mention] = field(default_factory=list)  # unknown names its fields hold

    def key(self) -> tuple:
        """What makes two candidates the same claim (the pull quote repeats a sentence)."""
        def norm(v: Any) -> Any:
            return tuple(sorted(map(str, v))) if isinstance(v, list) else str(v)
        return (self.type, tuple(sorted((k, norm(v)) for k, v in self.fields.items() if k != "date")))


@dataclass
class Context:
    """What earlier sentences said: the state last written about, the group last named."""

    issued: str | None = None  # the publication date as a claim value (2022-03-04)
    topic: Mention | None = None
    group: Mention | None = None
    recipient: Mention | None = None  # of the last transfer proposed
    states: list[Mention] = field(default_factory=list)  # the states last named, most recent last
    person: Mention | None = None  # the person last named (whom "he" or "she" may mean)
    org: Mention | None = None  # the organisation last named ("are already members")

    def update(self, sent: Sentence) -> None:
        subj = subject(sent, len(sent.span.doc))
        if subj is not None and subj.actor is not None and subj.actor.type_name == "State":
            self.topic = subj
        for m in sent.mentions:
            if m.actor is not None and m.actor.type_name == "Person" and not sent.inside_quotation(m.start):
                self.person = m
            if _is_org(m):
                self.org = m
            if m.actor is not None and m.actor.type_name == "State":
                self.states = [x for x in self.states if x.actor != m.actor][-5:] + [m]
        for m in sent.mentions:
            if m.actor is not None and m.actor.type_name == "Group":
                self.group = m


# --- reading helpers --------------------------------------------------------------------------------

def _actor(m: Mention) -> bool:
    return m.actor is not None or (m.entity is None and m.guess == "actors")


def actor_value(m: Mention) -> str:
    return m.actor.id if m.actor is not None else m.text


def _before(sent: Sentence, m: Mention) -> str:
    doc = sent.span.doc
    i = m.start - 1
    while i >= sent.span.start and (doc[i].is_space or doc[i].text in ("the", "The")):
        i -= 1
    return doc[i].lower_ if i >= sent.span.start else ""


def _dateline_end(sent: Sentence) -> int:
    """Where a wire report's dateline ("FLORIN CITY, 12 May 2027 (Fictional Wire) –") ends, else the start."""
    doc = sent.span.doc
    for k in range(sent.span.start, min(sent.span.start + 20, sent.span.end)):
        if doc[k].text in ("–", "—", "--") and any(doc[j].text == ")" or doc[j].is_digit
                                                   for j in range(sent.span.start, k)):
            return k + 1
    return sent.span.start


def _in_brackets(sent: Sentence, i: int) -> bool:
    doc = sent.span.doc
    depth = 0
    for t in doc[sent.span.start:i]:
        depth += (t.text == "(") - (t.text == ")")
    return depth > 0


def subject(sent: Sentence, before: int) -> Mention | None:
    """The first actor named before token ``before`` that no preposition governs (nor a quotation, brackets
    or a dateline)."""
    start = _dateline_end(sent)
    for m in sent.mentions:
        if m.start >= before:
            break
        if m.start < start or not _actor(m) or sent.inside_quotation(m.start) or m.via == "demonym" \
                or _in_brackets(sent, m.start):
            continue
        if _before(sent, m) in _PREPS:
            continue
        return m
    return None


_AUX = {"still", "also", "has", "have", "had", "already", "long", "once", "now", "will", "would", "recently"}


def _antecedent(sent: Sentence, verb: int) -> Mention | None:
    """The actor right before ", which" or ", who" when the verb at ``verb`` is the relative clause's."""
    doc = sent.span.doc
    k = verb - 1
    while k > sent.span.start and doc[k].lower_ in _AUX:
        k -= 1
    if k - 1 > sent.span.start and doc[k].lower_ in ("which", "who") and doc[k - 1].text == ",":
        return next((m for m in sent.mentions if m.end == k - 1 and _actor(m) and m.via != "demonym"), None)
    return None


def _pronoun_before(sent: Sentence, before: int) -> str | None:
    doc = sent.span.doc
    text = " ".join(t.lower_ for t in doc[sent.span.start:before])
    for p in ("the country", "the government", "it", "its"):
        if re.search(rf"\b{p}\b", text):
            return p
    if re.search(r"\bthey\b", text):
        return "they"
    return None


def agent(sent: Sentence, before: int, ctx: Context, notes: list[str]) -> tuple[Mention | None, float]:
    """Who does what the trigger at ``before`` says: the subject, the actor a relative clause is about
    ("Sylvania, which supplied ..."), or the state a pronoun points to."""
    rel = _antecedent(sent, before)
    if rel is not None:
        return rel, 0.05
    subj = subject(sent, before)
    if subj is not None:
        if subj.via:
            notes.append(f'"{subj.text}" read as {subj.actor.label if subj.actor else subj.text} ({subj.via}).')
        return subj, 0.0
    pronoun = _pronoun_before(sent, before)
    if pronoun == "they" and ctx.group is not None:
        notes.append(f'"They" read as {ctx.group.text}, named just before.')
        return ctx.group, 0.2
    if pronoun in _PRONOUNS and ctx.topic is not None:
        notes.append(f'"{pronoun}" read as {ctx.topic.actor.label if ctx.topic.actor else ctx.topic.text}, '
                     "the state the text is about.")
        return ctx.topic, 0.15
    return None, 0.0


def _after(sent: Sentence, word_set: set[str], start: int, stop: set[str] | None = None) -> list[Mention]:
    """Actors named right after the first of ``word_set`` at or after token ``start`` ("on A, B and C")."""
    doc = sent.span.doc
    stop = stop or {"for", "in", "over", "because", "after", "since", "as", "which", "who", "that", "to", ";",
                    ".", "while", "but", "(", ")"}
    i = start
    while i < sent.span.end and doc[i].lower_ not in word_set:
        i += 1
    out: list[Mention] = []
    j = i + 1
    ms = [m for m in sent.mentions if m.start >= j]
    while j < sent.span.end:
        m = next((m for m in ms if m.start == j), None)
        if m is not None:
            if _actor(m) and not (m.end < sent.span.end and doc[m.end].text in ("'s", "’s")):
                out.append(m)  # not "Freedonia's" in "Rufus Firefly, Freedonia's defence minister"
            j = m.end
            continue
        t = doc[j]
        if t.lower_ in stop or (t.text == "," and not out):
            break
        if not out and t.is_alpha and not t.is_stop:
            break  # "to the border": a word that is no name comes first
        if out and t.is_alpha and t.lower_ not in ("and", "the", "also"):
            if t.lower_ in word_set | {"its", "their", "his", "her"}:
                nxt = _next_actor(sent, ms, j, stop)
                if nxt is not None:  # "on A and on its arms maker B": the list goes on
                    j = nxt
                    continue
            break
        j += 1
    return out


def _next_actor(sent: Sentence, ms: list[Mention], j: int, stop: set[str]) -> int | None:
    """The start of an actor named within four tokens after ``j``, before any stop word."""
    doc = sent.span.doc
    for k in range(j, min(j + 5, sent.span.end)):
        if doc[k].lower_ in stop or doc[k].text == ",":
            return None
        if any(m.start == k and _actor(m) for m in ms):
            return k
    return None


def _date(sent: Sentence, near: int | None = None) -> When | None:
    dates = sent.dates
    if not dates:
        return None
    if near is None:
        return dates[0]
    return min(dates, key=lambda d: abs(d.start - near))


def _speaker_kind(word: str) -> str | None:
    return lexicon()["speech_verbs"].get(word)


def slug(*parts: str) -> str:
    return "-".join(p for p in (re.sub(r"[^a-z0-9]+", "-", name_words(x)).strip("-") for x in parts if x) if p)


# --- transfers -------------------------------------------------------------------------------------

@dataclass
class _Thing:
    start: int
    end: int
    system: Mention | None
    category: str | None


@lru_cache(maxsize=1)
def _categories() -> list[tuple[list[str], str]]:
    out = []
    for phrase, concept in lexicon()["categories"].items():
        out.append((name_words(phrase).split(), concept))
    return sorted(out, key=lambda x: -len(x[0]))


def _category_at(doc, i: int, end: int) -> tuple[int, str] | None:
    """A category phrase starting at token ``i`` (plural or singular): its end and concept."""
    if not doc[i].is_alpha:
        return None
    toks = [w for w in (name_words(doc[k].text) for k in range(i, min(end, i + 8))) if w]
    for phrase, concept in _categories():
        n = len(phrase)
        got = toks[:n]
        if len(got) < n:
            continue
        if got[:-1] == phrase[:-1] and got[-1] in (phrase[-1], phrase[-1] + "s", phrase[-1] + "es"):
            # advance over n word tokens (hyphens and spaces are skipped)
            k, seen = i, 0
            while k < end and seen < n:
                if name_words(doc[k].text) and not doc[k].is_space:
                    seen += 1
                k += 1
            return k, concept
    return None


def _things(sent: Sentence) -> list[_Thing]:
    doc = sent.span.doc
    out: list[_Thing] = []
    systems = [m for m in sent.mentions if m.kind == "system" or (m.entity is None and m.guess == "systems")]
    i = sent.span.start
    end = sent.span.end
    while i < end:
        sysm = next((m for m in systems if m.start == i), None)
        if sysm is not None:
            j = sysm.end
            while j < end and (doc[j].is_space or doc[j].text in ("-", "class") or doc[j].lower_ == "class"):
                j += 1  # "Sokol-class corvettes"
            cat = _category_at(doc, j, end)
            for k in range(j + 1, min(j + 4, end)):  # "Pike anti-ship missiles": a few words before the kind
                if cat is not None or not (doc[k - 1].is_alpha or doc[k - 1].text == "-"):
                    break
                cat = _category_at(doc, k, end)
            out.append(_Thing(i, cat[0] if cat else sysm.end, sysm, cat[1] if cat else None))
            i = cat[0] if cat else sysm.end
            continue
        if not sent.inside_quotation(i) and (cat := _category_at(doc, i, end)) is not None:
            if cat[1] not in ("weapons", "engine"):
                out.append(_Thing(i, cat[0], None, cat[1]))
            i = cat[0]
            continue
        i += 1
    return out


def _triggers(sent: Sentence) -> list[tuple[int, str, dict]]:
    trig = lexicon()["transfer_triggers"]
    low = [t.lower_ for t in sent.span]
    out = []
    for n, w in enumerate(low):
        for phrase, spec in trig.items():
            words = phrase.split()
            if w == words[0] and low[n:n + len(words)] == words:
                attached = (n and low[n - 1] == "-") or low[n + 1:n + 2] in (["in"], ["by"])
                if phrase in ("built", "made") and not attached:
                    continue
                out.append((sent.span.start + n, phrase, spec))
    return out


def _quantity(sent: Sentence, thing: _Thing) -> int | None:
    doc = sent.span.doc
    for k in range(thing.start - 1, max(sent.span.start, thing.start - 4) - 1, -1):
        t = doc[k]
        if t.is_space or t.lower_ in ("other", "new", "more", "additional", "used", "modernised", "modernized"):
            continue
        if t.like_num and t.text.isdigit() and len(t.text) < 5:
            return int(t.text)
        if t.lower_ in _NUMBERS:
            return _NUMBERS[t.lower_]
        break
    return None


_MONEY = re.compile(r"([€$£])\s?(\d+(?:[.,]\d+)?)\s*(billion|million|bn|m)?\b")
_CURRENCY = {"€": "EUR", "$": "USD", "£": "GBP"}


def transfers(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """Someone received, bought, ordered or was sold weapons systems (or a kind of them)."""
    triggers = _triggers(sent)
    if not triggers:
        return
    things = _things(sent)
    verbs = [t for t in triggers if t[1] not in ("built", "made")] or triggers
    for thing in things:
        # "Sylvanian-built corvettes", "vehicles built in X": a maker attached to the things; else the nearest verb
        made = [t for t in triggers if t[1] in ("built", "made")
                and (thing.start - 2 <= t[0] < thing.start or thing.end <= t[0] < thing.end + 3)]
        near = made[0] if made else min(verbs, key=lambda t: (abs(t[0] - thing.start), t[0] > thing.start))
        notes: list[str] = []
        supplier, recipient, conf = _parties(sent, ctx, thing, near, verbs, notes,
                                             0.85 if thing.system else 0.6)
        if recipient is None:
            continue
        if supplier is not None and actor_value(supplier) == actor_value(recipient):
            continue
        fields = _transfer_fields(sent, ctx, thing, things, near, supplier, recipient, notes)
        unknown = [m for m in (supplier, recipient, thing.system) if m is not None and m.entity is None]
        if unknown:
            conf -= 0.2
        ctx.recipient = recipient
        yield Candidate("transfer", fields, sent.text, f"transfer:{near[1]}", round(max(conf, 0.05), 2), notes,
                        unknown)


def _parties(sent: Sentence, ctx: Context, thing: _Thing, near: tuple, verbs: list, notes: list[str],
             conf: float) -> tuple[Mention | None, Mention | None, float]:
    """The supplier and the recipient of the things, read by the trigger verb's role (active or passive),
    then by owners, makers and demonyms; the confidence lowered for each guess (noted in ``notes``)."""
    doc = sent.span.doc
    at, phrase, spec = near
    role = spec["subject"]
    supplier = recipient = None
    src = _after(sent, {spec.get("supplier_after") or "from"}, min(at, thing.start))
    if _passive(sent, at) and role in ("recipient", "supplier"):
        # "were handed over to the Kravonian Navy by Ruritania", "were ordered by Borduria from Syldavia"
        by = _after(sent, {"by"}, at)
        subj = subject(sent, at)
        if role == "supplier":
            supplier = by[0] if by else (src[0] if src else None)
            to = _after(sent, {"to"}, at)
            recipient = to[0] if to else subj
        else:
            recipient = by[0] if by else subj
            supplier = src[0] if src else None
        if recipient is None:
            recipient, pen = agent(sent, at, ctx, notes)
            conf -= pen
    elif role == "recipient":
        recipient, pen = agent(sent, at, ctx, notes)
        conf -= pen
        supplier = src[0] if src else None
    elif role == "supplier":
        supplier, pen = agent(sent, at, ctx, notes)
        conf -= pen
        to = _after(sent, {"to"}, at)
        recipient = to[0] if to else _object(sent, at + len(phrase.split()))
        if recipient is None and ctx.recipient is not None and \
                not any(t.lower_ == "to" and doc[t.i - 1].lower_ != "according"
                        for t in doc[at:sent.span.end]):  # "sent tanks to the border"
            recipient = ctx.recipient
            notes.append(f"The recipient is not named: read as {ctx.recipient.text}, the last recipient named.")
            conf -= 0.2
    elif role == "possessor":  # "its import of ..."
        recipient = _possessor(sent, at, ctx, notes)
        supplier = src[0] if src else None
    else:  # "arrived from X": the recipient is the owner named, else the state the text is about
        supplier = src[0] if src else None
        recipient = _owner(sent, thing)
        receiving = [t for t in verbs if t[2]["subject"] == "recipient"]
        if recipient is not None:
            notes.append(f'The recipient is the owner named: "{recipient.text}".')
        elif receiving and (got := agent(sent, receiving[0][0], ctx, notes))[0] is not None:
            recipient, pen = got  # "Kravonia has taken delivery of ... vehicles built in Ruritania"
            conf -= pen
        elif (recipient := ctx.recipient or ctx.topic) is not None:
            why = "the last recipient named" if ctx.recipient else "the state the text is about"
            notes.append(f"The recipient is not named: read as {recipient.actor.label if recipient.actor else ''}"
                         f", {why}.")
            conf -= 0.2
    if recipient is None and (owner := _owner(sent, thing)) is not None:
        recipient = owner  # "supplied the bulk of Freedonia's armour"
        notes.append(f'The recipient is the owner named: "{owner.text}".')
    if supplier is None and (maker := _maker(sent, thing)) is not None:
        supplier = maker
        notes.append(f'Made in {maker.text}: read as the supplier.')
        conf -= 0.1
    supplier, recipient = _as_state(supplier, notes), _as_state(recipient, notes)
    if supplier is None:
        dem = _demonym_before(sent, thing)
        if dem is not None:
            supplier = dem
            notes.append(f'"{dem.text}" read as the supplier, {dem.actor.label if dem.actor else dem.text}.')
            conf -= 0.1
    return supplier, recipient, conf


def _transfer_fields(sent: Sentence, ctx: Context, thing: _Thing, things: list, near: tuple,
                     supplier: Mention | None, recipient: Mention, notes: list[str]) -> dict[str, Any]:
    """The claim's fields: the parties, the system (or its category), quantity, status, value and date."""
    doc = sent.span.doc
    at, _, spec = near
    fields: dict[str, Any] = {}
    if supplier is not None:
        fields["supplier"] = actor_value(supplier)
    fields["recipient"] = actor_value(recipient)
    if thing.system is not None:  # an unknown one too: accepted only once the registry has it
        fields["system"] = thing.system.value
    else:
        fields["category"] = thing.category
    q = _quantity(sent, thing)
    if q is not None:
        fields["quantity"] = q
    if spec.get("status"):
        fields["status"] = spec["status"]
    money = _MONEY.search(doc[thing.start:sent.span.end].text) if thing.system is None else None
    if money is None:
        money = _MONEY.search(sent.span.text) if len(things) == 1 else None
    if money is not None:
        amount = float(money.group(2).replace(",", "."))
        scale = {"billion": 10**9, "bn": 10**9, "million": 10**6, "m": 10**6}.get(money.group(3) or "", 1)
        fields["value"] = int(amount * scale) if float(amount * scale).is_integer() else amount * scale
        fields["currency"] = _CURRENCY[money.group(1)]
    when = _date(sent, at)
    if when is not None and when.value == ctx.issued:
        when = None  # the dateline: the day of publication, not of the transfer
    if when is not None and not _other_event(sent):
        key = "delivered" if fields.get("status") == "delivered" else "ordered"
        fields[key] = when.value
        if when.note:
            notes.append(when.note)
    return fields


def _owner(sent: Sentence, thing: _Thing) -> Mention | None:
    """The actor whose the things are: "Freedonia's armour", "Guilder's ageing fleet of ... corvettes"."""
    doc = sent.span.doc
    for k in range(thing.start - 1, max(sent.span.start, thing.start - 7), -1):
        if doc[k].text in (",", ";", ".") or doc[k].lower_ in ("from", "to", "by", "with"):
            return None
        if doc[k].text in ("'s", "’s"):
            m = next((m for m in sent.mentions if m.end == k and _actor(m) and m.via != "demonym"), None)
            return m
    return None


def _maker(sent: Sentence, thing: _Thing) -> Mention | None:
    """Where the things were made: "patrol boats built in Grand Fenwick"."""
    doc = sent.span.doc
    for k in range(thing.end, min(thing.end + 3, sent.span.end - 1)):  # "Volk-2 vehicles built in ..."
        if doc[k].lower_ in ("built", "made", "manufactured", "produced") and doc[k + 1].lower_ in ("in", "by"):
            found = _after(sent, {doc[k + 1].lower_}, k)
            return found[0] if found else None
        if not doc[k].is_alpha:
            break
    return None


_BE = {"was", "were", "been", "being", "be", "is", "are"}


def _passive(sent: Sentence, at: int) -> bool:
    """Whether the trigger at ``at`` is a passive verb ("were handed over", "has been delivered")."""
    doc = sent.span.doc
    k = at - 1
    while k >= sent.span.start and (doc[k].is_space or doc[k].lower_ in ("also", "already", "recently", "reportedly",
                                                                       "finally", "not", "now", "since", "then")):
        k -= 1
    return k >= sent.span.start and doc[k].lower_ in _BE


def _as_state(m: Mention | None, notes: list[str]) -> Mention | None:
    """A state's body as a party to a transfer: the state ("the Kravonian Navy" -> Kravonia)."""
    if m is None or m.state is None:
        return m
    notes.append(f'"{m.text}" read as {m.state.label}, the state it belongs to.')
    return replace(m, entity=m.state, state=None, via="body")


def _object(sent: Sentence, j: int) -> Mention | None:
    """The actor right after a verb ("supply Borduria with ...", "sell Ruritania two ...")."""
    doc = sent.span.doc
    while j < sent.span.end and (doc[j].is_space or doc[j].lower_ in ("the", "its", "their")):
        j += 1
    m = next((m for m in sent.mentions if m.start == j), None)
    return m if m is not None and _actor(m) else None


def _possessor(sent: Sentence, at: int, ctx: Context, notes: list[str]) -> Mention | None:
    doc = sent.span.doc
    k = at - 1
    while k >= sent.span.start and doc[k].lower_ in ("the", "its", "their", "'s", "’s") and doc[k].lower_ != "its":
        k -= 1
    if k >= sent.span.start and doc[k].lower_ == "its":
        before = [m for m in sent.mentions if m.end <= k and _actor(m) and m.actor is not None
                  and m.actor.type_name == "State" and m.via != "demonym"]
        if before:
            notes.append(f'"its" read as {before[-1].text}, named just before.')
            return before[-1]
        if ctx.topic is not None:
            notes.append(f'"its" read as {ctx.topic.text}, the state the text is about.')
            return ctx.topic
    return subject(sent, at)


def _demonym_before(sent: Sentence, thing: _Thing) -> Mention | None:
    for m in sent.mentions:
        if m.via == "demonym" and 0 <= thing.start - m.end <= 2:
            return m
    return None


def _other_event(sent: Sentence) -> bool:
    return any(t.lower_ in ("sanctions", "sanctioned") for t in sent.span)


# --- exercises -------------------------------------------------------------------------------------

_EXERCISE_WORDS = {"exercise", "exercises", "drill", "drills", "manoeuvres", "maneuvers", "wargames"}
_TRAINING_WORDS = _EXERCISE_WORDS | {"trained", "train", "training", "trains"}


#: Words that make a capitalised name with a year an exercise even without "exercise" ("flew together in
#: Silver Lance 2026", "took part in Grey Tide 2026").
_TOGETHER = r"\b(?:together|jointly|took part|taking part|take part|takes part|participated|held)\b"


def exercises(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """A named military exercise ("Slavic Shield 2021", "the Joint Response exercise") and who took part."""
    doc = sent.span.doc
    low = sent.span.text.lower()
    if not any(t.lower_ in _TRAINING_WORDS for t in sent.span) and not re.search(_TOGETHER, low):
        return
    names = list(_exercise_names(sent))
    if not names:
        return
    taken = {i for a, b in names for i in range(a, b)}
    host = _after(sent, {"hosted", "host", "hosts"}, sent.span.start)
    host = [h for h in host if doc[h.start - 1].lower_ == "by" or doc[h.start - 1].lower_ in ("host", "hosts")]
    parts = [m for m in sent.mentions if _actor(m) and m.start not in taken and not sent.inside_quotation(m.start)
             and (m.via != "demonym" or _military_noun(sent, m)) and all(h.start != m.start for h in host)]
    forces = [m for m in parts if m.actor is not None and m.actor.type_name == "StateBody"]
    chosen = forces if len(forces) >= 2 else parts
    pair = re.search(r"\b(?:the two|both) (?:countries|nations|states|sides|governments|armies|navies|air forces|"
                     r"militaries|armed forces)\b", sent.span.text.lower())
    if len(chosen) < 2 and pair is not None and len(ctx.states) >= 2:
        chosen = ctx.states[-2:]  # "the two countries' air forces": the two states named last
    for a, b in names:
        name = doc[a:b].text
        notes: list[str] = []
        whose = _whose_members(sent, a)
        if whose is not None:
            chosen = [whose]
            notes.append(f'"whose members" read as the members of {whose.text}: the organisation takes part.')
        fields: dict[str, Any] = {"name": name, "participants": list(dict.fromkeys(actor_value(m) for m in chosen))}
        if host and host[0].actor is not None:
            fields["host"] = host[0].actor.id
        if any(m.via == "demonym" for m in chosen):
            notes.append("A state's troops read as the state taking part.")
        if pair is not None and chosen == ctx.states[-2:]:
            notes.append(f'"{pair.group()}" read as the two states named last: '
                         f'{" and ".join(m.actor.label for m in chosen if m.actor)}.')
        conf = 0.8 if len(chosen) >= 2 else 0.5
        year = doc[b - 1].text if doc[b - 1].shape_ == "dddd" else None
        when = _month_after(sent, b)
        if when is not None and when.month_only and year:
            fields["date"] = f"{year}-{when.value[5:7]}"
            notes.append(f'"{when.text}" with the year of the name: {fields["date"]}.')
        elif when is not None:
            fields["date"] = when.value
            if when.note:
                notes.append(when.note)
        elif year:
            fields["date"] = year
            notes.append("The year is the one in the exercise's name.")
        if not fields["participants"]:
            continue
        unknown = [m for m in chosen if m.entity is None]
        yield Candidate("exercise", fields, sent.text, "exercise:named", round(conf - 0.2 * bool(unknown), 2),
                        notes, unknown)


def _whose_members(sent: Sentence, before: int) -> Mention | None:
    """"The Northern Defence Compact, whose members held ... exercise": the actor the clause is about."""
    doc = sent.span.doc
    for k in range(before - 1, sent.span.start + 1, -1):
        if doc[k].lower_ == "whose" and doc[k - 1].text == "," and k + 1 < before and \
                doc[k + 1].lower_ in ("members", "forces", "troops", "armies", "navies", "militaries"):
            m = next((m for m in sent.mentions if m.end == k - 1 and _actor(m)), None)
            return m
    return None


_MILITARY = {"troops", "soldiers", "sailors", "marines", "pilots", "crews", "forces", "army", "navy", "units", "airmen",
             "military", "paratroopers", "servicemen", "contingent", "battalion", "brigade"}


def _military_noun(sent: Sentence, m: Mention) -> bool:
    """Whether a state's adjective names its forces ("Ruritanian troops", "Kravonian and Ruritanian sailors")."""
    doc = sent.span.doc
    for k in range(m.end, min(m.end + 4, sent.span.end)):
        w = doc[k].lower_
        if w in _MILITARY:
            return True
        if not (w in ("and", ",", "air", "special", "naval", "armed") or any(x.start == k for x in sent.mentions)):
            return False
    return False


def _exercise_names(sent: Sentence) -> Iterator[tuple[int, int]]:
    doc = sent.span.doc
    known = {i for m in sent.mentions if m.entity is not None for i in range(m.start, m.end)}
    i = sent.span.start
    while i < sent.span.end:
        t = doc[i]
        if t.is_title and not t.is_stop and i not in known and not t.is_sent_start and t.lower_ not in MONTHS:
            j = i
            while j < sent.span.end and doc[j].is_title and j not in known and not doc[j].is_stop \
                    and doc[j].lower_ not in MONTHS:
                j += 1
            if j < sent.span.end and doc[j].shape_ == "dddd":
                yield i, j + 1
                i = j + 1
                continue
            ahead = [t.lower_ for t in doc[j:min(j + 6, sent.span.end)]]
            if ahead and (ahead[0] in _EXERCISE_WORDS or (
                    ahead[0] == "," and len(ahead) > 1 and ahead[1] in ("a", "an", "the")
                    and any(w in _EXERCISE_WORDS for w in ahead[2:]))):
                yield i, j
                i = j
                continue
            i = j
            continue
        i += 1


def _month_after(sent: Sentence, end: int) -> When | None:
    for d in sent.dates:
        if 0 <= d.start - end <= 2:
            return d
    return None


# --- statements ------------------------------------------------------------------------------------

_REPORTING = {"said", "says", "stated", "warned", "warns", "announced", "announces", "argued", "noted", "declared",
              "added"}
_CLAUSE_START = {"it", "they", "he", "she", "we", "the", "its", "their", "this", "there"}  # "said it would ..."


def statements(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """Words quoted and who said them; a view reported with a speech verb; the author's recommendations."""
    doc = sent.span.doc
    speech = [(t.i, _speaker_kind(t.lower_)) for t in sent.span
              if _speaker_kind(t.lower_) and not sent.inside_quotation(t.i)]
    if sent.quotations:
        if not any(t.lower_ == "resolution" for t in sent.span):  # a resolution's words: a vote, not a statement
            yield from _quoted(sent, speech, ctx)
        return
    reported = [(i, k) for i, k in speech if doc[i].lower_ in ("considers", "believes")
                or (i + 1 < sent.span.end and doc[i + 1].lower_ == "that")
                or (i + 1 < sent.span.end and doc[i].lower_ in _REPORTING and doc[i + 1].lower_ in _CLAUSE_START)]
    if reported and not any(t.lower_ == "resolution" for t in doc[sent.span.start:reported[0][0]]):
        at, kind = reported[0]
        notes: list[str] = []
        who, pen = agent(sent, at, ctx, notes)
        if who is not None and who.actor is not None and who.actor.type_name != "Group":
            rest = doc[at + 1:sent.span.end].text.strip().rstrip(".")
            rest = re.sub(r"^(that|about)\s+", "", rest)
            fields: dict[str, Any] = {"speaker": actor_value(who), "kind": kind, "topic": rest}
            about = _about(sent, who)
            if about:
                fields["about"] = about
            if (when := _date(sent)) is not None:
                fields["date"] = when.value
                if when.note:
                    notes.append(when.note)
            notes.append("Reported, not quoted: the topic is the words after the verb; shorten it.")
            yield Candidate("statement", fields, sent.text, f"statement:reported:{doc[at].lower_}",
                            round(0.6 - pen, 2), notes)
            return
    low = sent.text.lower()
    advice = r"\b(should|needs? to|ought to|would be wise to|would do well to)\b"
    if re.match(r"^it is time\b", low) or re.search(advice, low):
        if re.search(r"\b(if|whether|said|says|according)\b[^,]*" + advice, low) \
                or low.endswith("?"):
            return
        rec: dict[str, Any] = {"speaker": "source", "kind": "recommendation", "words": sent.text}
        about = _about(sent, None)
        if about:
            rec["about"] = about
        if ctx.issued:
            rec["date"] = ctx.issued
        yield Candidate("statement", rec, sent.text, "statement:author-recommendation", 0.5,
                        ["The author's own recommendation (speaker: source), dated with the article."])


def _quoted(sent: Sentence, speech: list, ctx: Context) -> Iterator[Candidate]:
    doc = sent.span.doc
    a, b = max(sent.quotations, key=lambda q: q[1] - q[0])
    words = doc[a:b].text.strip()
    outside = [m for m in sent.mentions if _actor(m) and not sent.inside_quotation(m.start) and m.via != "demonym"
               and _before(sent, m) not in ("told", "addressed")]  # "he told the Assembly": not the speaker
    notes: list[str] = []
    speaker = None
    low = [t.lower_ for t in sent.span]
    if "according" in low:
        k = low.index("according") + sent.span.start
        after = [m for m in outside if m.start > k]
        speaker = _best_speaker(after[:3])
        rule = "statement:according-to"
    else:
        speaker = _best_speaker(outside)
        rule = f"statement:quoted:{doc[speech[0][0]].lower_}" if speech else "statement:quoted"
        he = _he(sent, speech[0][0]) if speech else None
        if he is not None and ctx.person is not None and (speaker is None or speaker.actor is None
                                                          or speaker.actor.type_name != "Person"):
            speaker = ctx.person
            notes.append(f'"{he}" read as {ctx.person.text}, named just before.')
    if speaker is None:
        return
    kind = speech[0][1] if speech else "assessment"
    fields: dict[str, Any] = {"speaker": actor_value(speaker), "kind": kind, "words": words}
    about = _about(sent, speaker)
    if about:
        fields["about"] = about
    when = _date(sent)
    if when is not None:
        fields["date"] = when.value
        if when.note:
            notes.append(when.note)
    else:
        notes.append("The source does not say when this was said (or the draft did not find it).")
    conf = 0.8 if speaker.actor is not None and speaker.actor.type_name == "Person" else 0.65
    yield Candidate("statement", fields, sent.text, rule, round(conf - 0.2 * (speaker.entity is None), 2), notes,
                    [speaker] if speaker.entity is None else [])


def _he(sent: Sentence, verb: int) -> str | None:
    """"He" or "she" next to a speech verb ("he told", "said she"): the word, else ``None``."""
    doc = sent.span.doc
    for k in (verb - 1, verb + 1):
        if sent.span.start <= k < sent.span.end and doc[k].lower_ in ("he", "she"):
            return doc[k].text
    return None


def _best_speaker(ms: list[Mention]) -> Mention | None:
    order = {"Person": 0, "StateBody": 1, "Organisation": 2, "InternationalOrganisation": 3, "State": 4}
    ranked = [m for m in ms if (m.actor.type_name if m.actor else m.guess_type or "") in order]
    if not ranked:
        return None
    return min(ranked, key=lambda m: (order[m.actor.type_name if m.actor else m.guess_type or "State"], -m.start))


def _about(sent: Sentence, speaker: Mention | None) -> list[str]:
    out = []
    for m in sent.mentions:
        if m.actor is None or m.actor.type_name == "Person" or (speaker is not None and m.actor == speaker.actor):
            continue
        out.append(m.actor.id)
    return list(dict.fromkeys(out))


# --- sanctions -------------------------------------------------------------------------------------

_IMPOSE = {"impose", "imposed", "imposes", "imposing", "applying", "applied", "apply", "introduced", "adopted",
           "levied", "announced", "extended"}


def sanctions(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """Someone imposed (or is applying) sanctions on someone."""
    doc = sent.span.doc
    low = [t.lower_ for t in sent.span]
    yield from _measures(sent, ctx)
    if not any(w in ("sanctions", "sanction", "embargo") for w in low):
        return
    verbs = [sent.span.start + n for n, w in enumerate(low) if w in _IMPOSE]
    if not verbs:
        return
    at = verbs[0]
    notes: list[str] = []
    targets = _named_after_description(sent, _after(sent, {"on", "against"}, at))
    if not targets:
        return
    imposer, pen = agent(sent, at, ctx, notes)
    if imposer is None:
        return
    fields: dict[str, Any] = {"imposer": [actor_value(imposer)], "target": [actor_value(m) for m in targets]}
    for m in targets:
        if m.via:
            notes.append(f'"{m.text}" read as {m.actor.label if m.actor else m.text} ({m.via}).')
    basis = [m for m in sent.mentions if m.kind == "instrument" and at < m.start < targets[0].start]
    if basis:
        fields["basis"] = basis[0].entity.id  # type: ignore[union-attr]
    k = next((i for i in range(targets[-1].end, sent.span.end) if doc[i].lower_ == "for"), None)
    if k is not None:
        fields["reason"] = doc[k:sent.span.end].text.strip().rstrip(".")
    when = _date(sent, targets[-1].end)
    if when is not None:
        fields["date"] = when.value
        if when.note:
            notes.append(when.note)
    unknown = [m for m in [imposer, *targets] if m.entity is None]
    yield Candidate("sanction", fields, sent.text, f"sanction:{doc[at].lower_}-on",
                    round(0.8 - pen - 0.2 * bool(unknown), 2), notes, unknown)


#: Measures named by a verb and a noun rather than "sanctions": the verbs, the nouns within a few words
#: after them, and the word before the target ("banned exports of spare parts to X", "froze the assets of X").
_MEASURES = (
    ({"ban", "bans", "banned", "banning", "suspend", "suspends", "suspended", "halt", "halts", "halted"},
     {"exports", "sales", "deliveries", "transfers", "supplies"}, {"to"}),
    ({"froze", "freeze", "freezes", "frozen", "freezing"}, {"assets"}, {"of"}),
)


def _measures(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """Restrictive measures without the word "sanctions": export bans, suspended sales, frozen assets."""
    doc = sent.span.doc
    for verbs, nouns, preps in _MEASURES:
        for at in (t.i for t in sent.span if t.lower_ in verbs and not sent.inside_quotation(t.i)):
            noun = next((k for k in range(at + 1, min(at + 6, sent.span.end)) if doc[k].lower_ in nouns), None)
            if noun is None:
                continue
            targets = _after(sent, preps, noun)
            if not targets:
                continue
            notes: list[str] = []
            imposer, pen = agent(sent, at, ctx, notes)
            if imposer is None:
                continue
            fields: dict[str, Any] = {"imposer": [actor_value(imposer)], "target": [actor_value(m) for m in targets]}
            when = _date(sent, at)
            if when is not None:
                fields["date"] = when.value
                if when.note:
                    notes.append(when.note)
            unknown = [m for m in [imposer, *targets] if m.entity is None]
            yield Candidate("sanction", fields, sent.text, f"sanction:{doc[at].lower_}-{doc[noun].lower_}",
                            round(0.65 - pen - 0.2 * bool(unknown), 2), notes, unknown)


def _named_after_description(sent: Sentence, found: list[Mention]) -> list[Mention]:
    """"On two Kravonian shipyards, Port Alder Yards and Marisk Dockworks": a state's adjective before a
    noun describes what is named after the comma, not the state itself."""
    if not found or any(m.via != "demonym" or _military_noun(sent, m) for m in found):
        return found
    doc = sent.span.doc
    for k in range(found[-1].end, min(found[-1].end + 4, sent.span.end)):
        if doc[k].text == ",":
            return [m for m in _after(sent, {","}, k) if m.via != "demonym"]
        if not doc[k].is_alpha:
            break
    return []


# --- memberships -----------------------------------------------------------------------------------

def _is_org(m: Mention) -> bool:
    return (m.actor is not None and m.actor.type_name == "InternationalOrganisation") or m.kind == "programme"


def memberships(sent: Sentence, ctx: Context) -> Iterator[Candidate]:
    """Someone is a member of, joined, seeks to join, or takes part in an organisation."""
    text = sent.span.text.lower()
    orgs = [m for m in sent.mentions if _is_org(m)]
    used: set[str] = set()
    for pattern, kind, where in (
            (r"\bmembers? of\b", "member", "after"),
            (r"\bjoined\b", "member", "after"),
            (r"\bjoin\b", "member", "after"),
            (r"\bmembership (?:in|of)\b", "member", "after"),
            (r"\b(?:participant|participates|taking part|takes part)\b", "participant", "near"),
            (r"\bpartner of\b", "partner", "after"),
            (r"\bobserver (?:at|in|of|to)\b", "participant", "after"),
            (r"\b(?:is|are) (?:already |now |also |both )*(?:a )?(?:full )?members?\b", "member", "named before")):
        m = re.search(pattern, text)
        if m is None:
            continue
        at = _token_at(sent, m.start())
        notes: list[str] = []
        members: list[Mention] = []
        if where == "after":
            org = next((o for o in orgs if o.start > at), None)
            if org is None:  # "the Compact, which both Florin and Guilder joined"
                org, members = _relative_members(sent, orgs, at)
        elif where == "near":
            org = min(orgs, key=lambda o: abs(o.start - at)) if orgs else None
        else:
            org = next((o for o in orgs if o.start > at), None) or (None if orgs else ctx.org)
            if org is not None and org is ctx.org:
                notes.append(f"The organisation is not named: read as {org.text}, named just before.")
        if org is None or org.value in used or re.search(r"\b(not|never)\b[^,.]*$", text[:m.start()]):
            continue
        if kind == "member" and re.search(r"\b(pursu\w*|seek\w*|appl\w*|accession|candidate|wants? to)\b", text):
            kind = "accession-candidate"
        pen = 0.0
        if not members:
            member, pen = agent(sent, at, ctx, notes)
            members = _coordinated(sent, member) if member is not None else []
        if m.group().startswith("observer"):
            notes.append("An observer: the closest kind of membership is participant.")
        for member in members:
            if member is org or actor_value(member) == org.value:
                continue
            fields: dict[str, Any] = {"member": actor_value(member), "organisation": org.value, "kind": kind}
            unknown = [x for x in (member, org) if x.entity is None]
            yield Candidate("membership", fields, sent.text, f"membership:{m.group().strip()}",
                            round(0.75 - pen - 0.2 * bool(unknown), 2), notes, unknown)
        used.add(org.value)


def _coordinated(sent: Sentence, first: Mention) -> list[Mention]:
    """An actor and those joined to it by "and" or commas ("Zubrowka and Grand Fenwick are ...")."""
    doc = sent.span.doc
    out = [first]
    j = first.end
    while j + 1 < sent.span.end and doc[j].lower_ in ("and", ","):
        k = j + 1
        if doc[k].lower_ == "and":
            k += 1
        nxt = next((m for m in sent.mentions if m.start == k and _actor(m) and m.via != "demonym"), None)
        if nxt is None:
            break
        out.append(nxt)
        j = nxt.end
    return out


def _relative_members(sent: Sentence, orgs: list[Mention], verb: int) -> tuple[Mention | None, list[Mention]]:
    """"The Coastal Security Organisation, which both Florin and Guilder joined": the organisation and
    the members named between "which" and the verb."""
    doc = sent.span.doc
    for o in reversed([o for o in orgs if o.end < verb]):
        if o.end + 1 < verb and doc[o.end].text == "," and doc[o.end + 1].lower_ == "which":
            ms = [m for m in sent.mentions if o.end + 1 < m.start < verb and _actor(m) and not _is_org(m)
                  and m.via != "demonym"]
            return (o, ms) if ms else (None, [])
    return None, []


def _token_at(sent: Sentence, char: int) -> int:
    base = sent.span.start_char
    for t in sent.span:
        if t.idx >= base + char:
            return t.i
    return sent.span.end


#: The rules, by claim type, in the order they are tried.
RULES: dict[str, Callable[[Sentence, Context], Iterator[Candidate]]] = {
    "transfer": transfers,
    "exercise": exercises,
    "statement": statements,
    "sanction": sanctions,
    "membership": memberships,
}


def propose(sentences: list[Sentence], issued: str | None) -> list[Candidate]:
    """Every candidate of every rule, sentence by sentence, without repeats."""
    ctx = Context(issued=issued)
    seen: set[tuple] = set()
    said: list[str] = []
    out: list[Candidate] = []
    for sent in sentences:
        if sent.heading:  # a title repeats what the text says, in fewer words
            ctx.update(sent)
            continue
        for rule in RULES.values():
            for cand in rule(sent, ctx):
                words = name_words(str(cand.fields.get("words") or ""))
                if cand.key() in seen or (words and any(words in w for w in said)):
                    continue  # said again (a pull quote repeats a sentence, or a part of one)
                seen.add(cand.key())
                said.append(words) if words else None
                out.append(cand)
        ctx.update(sent)
    return out
