#!/usr/bin/env python
"""Generate a synthetic serbia-kg corpus of about N triples, with clearly fictional names.

The corpus has exactly the layout and the claims format of ``sources/``: a ``registry/`` folder
of entities and one folder per source with ``source.yaml``, ``text.txt`` and ``claims.yaml``.
Every claim's quote is a sentence of its source's generated text, so the real build checks it
like any other. Names are invented ("Freedonia", "Sylvania", the "ZX-17 Kestrel") and every
text says it is synthetic: nothing here is a fact about the world. It is for benchmarks only.

What is generated: states, international organisations, state bodies, people, weapons systems,
places, resolutions and programmes (the registry); and, in articles of about 50 claims each,
arms transfers (with quantities, years, and for some SIPRI-style per-year deliveries),
exercises with several participants, statements, votes, alignment rates, sanctions, memberships,
partnerships, cooperation, positions, presence, agreements, enactments, conferences,
deployments, conflicts and borders. Actors are drawn with a skewed (Zipf-like) weight, so that
a few hubs have many ties, as in real data; ``freedonia`` is the focal state (the role Serbia
has in the real corpus).

The same ``--seed`` and ``--triples`` give byte-identical files. ``corpus.json`` at the corpus's
root records the parameters, the counts and the entities benchmarks should ask about.

Example::

    python scripts/generate_corpus.py --triples 100k --out /tmp/corpus-100k --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graph.compile.pages import (BUSY, PAGE_ROWS, Claimed, exercises_by_partner,  # noqa: E402  (the build's pages)
                                 list_triples, memberships, systems_by_origin, transfers_by_supplier)
from graph.model.terms import ENTITY, SKG  # noqa: E402
from rdflib.namespace import RDFS  # noqa: E402

__all__ = ["generate", "parse_size", "Generated"]

#: About this many claims per source.
CLAIMS_PER_SOURCE = 50
#: The focal state, named in many claims.
HUB = "freedonia"

_STATES = ["Freedonia", "Sylvania", "Latveria", "Genovia", "Ruritania", "Graustark", "Elbonia", "Molvania",
           "Borduria", "Syldavia", "Carpania", "Orsinia", "Kravnia", "Estovakia", "Osea", "Yuktobania",
           "Belka", "Usea", "Aurelia", "Leasath", "Erusea", "Emmeria", "Nordennavia", "Sapin", "Wellow"]
_SYL_A = ["Al", "Bel", "Cor", "Dra", "El", "Fen", "Gal", "Hes", "Ist", "Jor", "Kel", "Lor", "Mar", "Nor",
          "Ost", "Pel", "Quar", "Ros", "Sar", "Tav", "Ul", "Val", "Wes", "Xan", "Yr", "Zel"]
_SYL_B = ["ania", "avia", "oria", "istan", "onia", "esia", "mark", "land", "ovia", "aria", "enia", "uria"]
_GIVEN = ["Ana", "Boris", "Clara", "Dorin", "Elena", "Feliks", "Greta", "Hugo", "Irina", "Jonas", "Katya",
          "Lev", "Mira", "Niko", "Olga", "Pavel", "Rada", "Stefan", "Tamar", "Viktor", "Yana", "Zoran"]
_FAMILY = ["Adler", "Brask", "Corvin", "Dravic", "Estel", "Falk", "Gorin", "Holm", "Ivar", "Jask", "Korvel",
           "Lind", "Marek", "Novak", "Orlan", "Petra", "Rusk", "Sorel", "Tarn", "Udal", "Varga", "Wren"]
_BIRDS = ["Kestrel", "Harrier", "Osprey", "Merlin", "Falcon", "Heron", "Condor", "Raven", "Shrike", "Swift",
          "Lynx", "Badger", "Viper", "Cobra", "Marten", "Bison", "Otter", "Wolverine", "Hornet", "Mantis"]
_CATEGORIES = ["fighter-aircraft", "helicopter", "armed-drone", "main-battle-tank", "armoured-vehicle",
               "air-defence-system", "anti-tank-missile", "missile", "artillery", "sensor", "ship", "engine"]
_CAT_WORDS = {"fighter-aircraft": "fighter aircraft", "helicopter": "helicopters", "armed-drone": "armed drones",
              "main-battle-tank": "tanks", "armoured-vehicle": "armoured vehicles",
              "air-defence-system": "air defence systems", "anti-tank-missile": "anti-tank missiles",
              "missile": "missiles", "artillery": "artillery pieces", "sensor": "radars", "ship": "patrol ships",
              "engine": "engines"}
_ORGS = ["Northern Concord Alliance", "Council of Free Republics", "Union of the Inner Sea",
         "Eastern Security Compact", "League of Coastal States", "Assembly of Nations", "Southern Defence Pact",
         "Continental Economic Union", "Association of Mountain States", "Treaty Organisation of the Steppe"]
_TOPICS = ["air defence", "border security", "arms exports", "military neutrality", "joint procurement",
           "peacekeeping", "cyber defence", "naval access", "sanctions policy", "defence budgets",
           "training missions", "intelligence sharing", "nuclear restraint", "regional stability"]
_DOMAINS = ["political", "economic", "security", "military", "technical", "intelligence"]
_PRESENCE = ["training centre", "liaison office", "humanitarian centre", "radar station", "logistics base"]
_FILLER = [
    "The account below is synthetic, written by a generator for benchmarks; none of it describes the world.",
    "Officials declined to give further details.",
    "Analysts in the region followed the developments closely.",
    "The figures could not be checked independently.",
    "Observers expect the debate to continue next year.",
]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1m`` -> 1000000, ``2500`` -> 2500.

    >>> parse_size("10k"), parse_size("1M"), parse_size("2500")
    (10000, 1000000, 2500)
    """
    t = str(text).strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


@dataclass
class Ent:
    id: str
    label: str
    kind: str
    type: str | None = None
    aliases: list[str] = field(default_factory=list)
    category: str | None = None
    part_of: str | None = None

    def triples(self) -> int:
        return 2 + len(self.aliases) + (self.category is not None) + (self.part_of is not None)


@dataclass
class Generated:
    """What :func:`generate` wrote: counts and the entities to ask about."""

    folder: Path
    sources: int
    claims: int
    entities: int
    triples_estimate: int
    focus: dict


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


class _World:
    """The fictional registry, sized for the target, with skewed weights for drawing actors."""

    def __init__(self, rng: random.Random, target: int) -> None:
        self.rng = rng
        n_states = max(12, min(300, int(12 + target ** 0.5 / 4)))
        n_systems = max(15, min(2000, target // 600))
        n_resolutions = max(6, min(1500, target // 800))
        self.states: list[Ent] = []
        names = list(_STATES)
        seen = {n.lower() for n in names}
        while len(names) < n_states:
            n = rng.choice(_SYL_A) + rng.choice(_SYL_B)
            n2 = n if n.lower() not in seen else n + " " + rng.choice(["Major", "Minor", "Nova", "Alta"])
            if n2.lower() not in seen:
                seen.add(n2.lower())
                names.append(n2)
        for name in names[:n_states]:
            self.states.append(Ent(_slug(name), name, "actor", "State", aliases=[f"Republic of {name}"]))
        self.orgs = [Ent(_slug(n), n, "actor", "InternationalOrganisation",
                         aliases=["".join(w[0] for w in n.split() if w[0].isupper())]) for n in _ORGS]
        # acronyms may clash; keep the first only
        acr: set[str] = set()
        for o in self.orgs:
            if o.aliases[0] in acr:
                o.aliases = []
            acr.update(o.aliases)
        self.bodies: list[Ent] = []
        self.people: list[Ent] = []
        self.places: list[Ent] = []
        used_people: set[str] = set()
        for s in self.states:
            self.bodies.append(Ent(f"{s.id}-armed-forces", f"{s.label} Armed Forces", "actor", "StateBody",
                                   part_of=s.id))
            self.bodies.append(Ent(f"{s.id}-ministry-of-defence", f"{s.label} Ministry of Defence", "actor",
                                   "StateBody", part_of=s.id))
            self.places.append(Ent(f"{s.id}-capital", f"Port of {s.label}", "place"))  # one name, one place
            for role in ("president", "defence-minister"):
                while True:
                    name = f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
                    if name not in used_people:
                        break
                    name = f"{name} {rng.choice(_FAMILY)}"
                    if name not in used_people:
                        break
                used_people.add(name)
                self.people.append(Ent(f"{_slug(name)}", name, "actor", "Person"))
        self.leaders = {s.id: (self.people[2 * i], self.people[2 * i + 1]) for i, s in enumerate(self.states)}
        self.thinktanks = [Ent(f"institute-{i + 1}", f"Institute for {t.title()} Studies {i + 1}", "actor",
                               "Organisation") for i, t in enumerate(rng.sample(_TOPICS, 6))]
        self.systems = []
        for i in range(n_systems):
            prefix = rng.choice(["ZX", "QV", "KR", "TM", "VL", "BX"])
            label = f"{prefix}-{i + 1} {rng.choice(_BIRDS)}"
            self.systems.append(Ent(_slug(label), label, "system", category=rng.choice(_CATEGORIES),
                                    aliases=[f"{prefix}-{i + 1}"]))
        self.resolutions = [Ent(f"assembly-resolution-{i + 1}", f"Assembly of Nations resolution {i + 1}/"
                                f"{2000 + i % 25}", "instrument", "Resolution") for i in range(n_resolutions)]
        self.laws = [Ent(f"{s.id}-sanctions-act", f"{s.label} Sanctions Act", "instrument", "LegalInstrument")
                     for s in self.states[:10]]
        self.programmes = [Ent(f"{o.id}-partnership-programme", f"{o.label} Partnership Programme",
                               "programme", part_of=o.id) for o in self.orgs[:5]]
        # skewed weights: the focal state and a few big powers are drawn far more often
        self.state_w = [1.0 / (i + 1) ** 0.9 for i in range(len(self.states))]
        self.system_w = [1.0 / (i + 1) ** 0.6 for i in range(len(self.systems))]

    def entities(self) -> dict[str, list[Ent]]:
        return {"actors": self.states + self.orgs + self.bodies + self.people + self.thinktanks,
                "systems": self.systems, "places": self.places,
                "instruments": self.resolutions + self.laws, "programmes": self.programmes}

    def state(self) -> Ent:
        return self.rng.choices(self.states, self.state_w)[0]

    def states_k(self, k: int) -> list[Ent]:
        out: dict[str, Ent] = {}
        while len(out) < k:
            s = self.state()
            out[s.id] = s
        return list(out.values())

    def pair(self) -> tuple[Ent, Ent]:
        a, b = self.states_k(2)
        return a, b

    def system(self) -> Ent:
        return self.rng.choices(self.systems, self.system_w)[0]


def _date(rng: random.Random, year: int, precision: str | None = None) -> tuple[str, str]:
    """A date at a random precision: (YAML value, words for the text)."""
    p = precision or rng.choice(["year", "year", "month", "day"])
    if p == "year":
        return str(year), f"in {year}"
    m = rng.randint(1, 12)
    if p == "month":
        return _q(f"{year}-{m:02d}"), f"in {_MONTHS[m - 1]} {year}"
    d = rng.randint(1, 28)
    return _q(f"{year}-{m:02d}-{d:02d}"), f"on {d} {_MONTHS[m - 1]} {year}"


class _Pages:
    """The build's ``kgg:pages`` graph (graph/compile/pages.py), counted as claims are written: each claim
    is an item of every list it is in (claims-about-entity: all claims and each entity named;
    statements-by-speaker: each of speaker and kind, either left out; positions-on-topic: all positions
    and each holder; votes and sanctions: all; alignment rates: all and each actor aligned with; transfers:
    each recipient; exercises: each participant; memberships: each member; every source: claims-per-source),
    and each page of :data:`PAGE_ROWS` items is 3 triples (4 with a second key).
    Exact where a list's sort keys are unique; a statements list whose page would end between two
    statements of one speaker and day ends later in the build (a page or so in a large corpus).
    The exercises' and transfers' lists are counted as they come (for the target), then exactly by
    :meth:`finish`: their pages are cut as the build cuts them (by partner or supplier, and year), name the
    partners (suppliers) of their claims, and a busy pair has a list of its own. Each member's memberships are a
    list, counted as they come, then exactly by :meth:`finish` (by organisation, then claim id, which two
    sources' claims may share: a page ends only where they change)."""

    def __init__(self, entities: set[str]) -> None:
        self.entities = entities
        self.sizes: Counter = Counter()
        self.counted = 0  # the exercises' pages' triples counted as they came
        self.named: dict[tuple, set[str]] = {}  # an exercises list's page being counted: its partners
        self.exercises: list[tuple[list[str], str, str, str]] = []  # participants, date, name, host
        self.transfers: list[tuple[str, str, str, str, str]] = []  # supplier, recipient, date property, date, system
        self.memberships: list[tuple[str, str, str]] = []  # member, organisation, claim id

    def source(self) -> int:
        """A source written: an item of ``claims-per-source``'s one list (the build's order is not this one, but
        every page but the last holds :data:`PAGE_ROWS` sources, so the count is the same)."""
        return self._item(("source",), False)

    def _item(self, key: tuple, second: bool) -> int:
        n = self.sizes[key]
        self.sizes[key] = n + 1
        return 1 + ((4 if second else 3) if n % PAGE_ROWS == 0 else 0)

    def triples(self, ctype: str, fields: dict, cid: str = "") -> int:
        """The pages' triples that one more claim (of id ``cid``) adds."""
        values = [x for v in fields.values() for x in (v if isinstance(v, list) else [v]) if isinstance(x, str)]
        named = {x for x in values if x in self.entities}
        n = self._item(("entity", None), False)
        for e in sorted(named):  # an entity's pages are tie-sources' too (one more triple) while it is not busy
            key = ("entity", e)
            n += self._item(key, self.sizes[key] < BUSY)
            if self.sizes[key] == BUSY + 1:  # it became busy: its pages no longer are (tie-sources' lists of
                n -= BUSY // PAGE_ROWS      # pairs of busy entities are not counted: far past the sizes tested)
        if ctype == "statement":
            speaker, kind = fields["speaker"], fields["kind"]
            n += sum(self._item(("statement", *key), True)
                     for key in ((None, None), (speaker, None), (None, kind), (speaker, kind)))
        if ctype == "position":
            n += self._item(("position", None), False) + self._item(("position", fields["holder"]), False)
        # the lists of questions asked by default: every vote, every sanction, each recipient's transfers,
        # each participant's exercises (the generator's participants are states: each has partners)
        if ctype == "vote":
            n += self._item(("vote", None), False)
        if ctype == "sanction":  # every sanction, and those of each imposer
            n += self._item(("sanction", None), False) + sum(self._item(("sanction", i), False)
                                                               for i in sorted(set(fields["imposer"])))
        if ctype == "alignment":  # every rate, and those of each actor aligned with
            n += self._item(("alignment", None), False) + self._item(("alignment", fields["aligned_with"]), False)
        if ctype == "membership":  # its member's list (as they come; exactly by finish: ties of organisation and id)
            self.memberships.append((fields["member"], fields["organisation"], cid))
            counted = self._item(("membership", fields["member"]), False)
            self.counted += counted
            n += counted
        if ctype == "transfer":
            prop, date = next(((p, str(fields[k]).strip('"')) for k, p in
                               (("delivered", SKG.deliveryDate), ("ordered", SKG.orderDate)) if k in fields))
            self.transfers.append((fields["supplier"], fields["recipient"], str(prop), date, fields["system"]))
            key = ("transfer", fields["recipient"])
            if self.sizes[key] % PAGE_ROWS == 0:
                self.named[key] = set()  # (a new page, as they come: the suppliers it names)
            counted = self._item(key, True) + (fields["supplier"] not in self.named[key])
            self.named[key].add(fields["supplier"])
            self.counted += counted
            n += counted
        if ctype == "exercise":
            self.exercises.append((list(fields["participants"]), fields["date"].strip("\""), json.loads(fields["name"]),
                                   fields["host"]))
            counted = 0
            for actor in sorted(set(fields["participants"])):
                key = ("exercise", actor)
                if self.sizes[key] % PAGE_ROWS == 0:
                    self.named[key] = set()  # (a new page, as they come: the partners it names)
                counted += self._item(key, True)
                new = set(fields["participants"]) - {actor} - self.named[key]
                self.named[key] |= new
                counted += len(new)
            self.counted += counted
            n += counted
        return n

    def finish(self) -> int:
        """What the exercises', transfers' and memberships' pages add beyond what was counted as they came: the
        build's own lists (:func:`graph.compile.pages.exercises_by_partner`, the generator's participants being
        states, each labelled and part of nothing; :func:`graph.compile.pages.transfers_by_supplier`,
        :func:`graph.compile.pages.systems_by_origin` and :func:`graph.compile.pages.memberships`) and their
        triples (:func:`graph.compile.pages.list_triples`)."""
        ent, participant, host, date = str(ENTITY), str(SKG.participant), str(SKG.host), str(SKG.date)
        claims = [Claimed(f"urn:synthetic:exercise:{i:09d}", "", "", str(SKG.MilitaryExercise),
                          tuple(sorted([(participant, ent + p) for p in set(parts)] + [(host, ent + where)])),
                          tuple(sorted([(date, year), (str(RDFS.label), name)])))
                  for i, (parts, year, name, where) in enumerate(self.exercises)]
        labelled = {ent + p for parts, *_ in self.exercises for p in parts}
        lists = exercises_by_partner(claims, {"labelled": labelled, "part_of": {}})
        exact = sum(len(list_triples("exercises-by-partner", key, lists)) for key in lists)
        transfers = [Claimed(f"urn:synthetic:transfer:{i:09d}", "", "", str(SKG.ArmsTransfer),
                             ((str(SKG.recipient), ent + recipient), (str(SKG.supplier), ent + supplier),
                              (str(SKG.system), ent + system)),
                             ((prop, date),))
                     for i, (supplier, recipient, prop, date, system) in enumerate(self.transfers)]
        lists = transfers_by_supplier(transfers, {})
        exact += sum(len(list_triples("transfers-by-supplier", key, lists)) for key in lists)
        # systems-by-origin: a list of a pair of more than a page of transfers (every system has a label; the
        # label orders the rows, not how many triples they are)
        lists = systems_by_origin(transfers, {"labels": {ent + t[4]: (t[4],) for t in self.transfers}})
        exact += sum(len(list_triples("systems-by-origin", key, lists)) for key in lists)
        # memberships: a list of each member's, by organisation, then claim id
        claims = [Claimed(f"urn:synthetic:membership:{i:09d}", cid, "", str(SKG.Membership),
                          tuple(sorted([(str(SKG.member), ent + member), (str(SKG.organisation), ent + organisation)])))
                  for i, (member, organisation, cid) in enumerate(self.memberships)]
        lists = memberships(claims, {})
        exact += sum(len(list_triples("memberships", key, lists)) for key in lists)
        return exact - self.counted


class _Article:
    """One source being written: its claims (YAML lines) and its text (sentences)."""

    def __init__(self, sid: str, year: int, actors: set[str], known_ties: set[tuple[str, str]],
                 pages: _Pages) -> None:
        self.sid = sid
        self.pages = pages
        self.year = year
        self.actors = actors
        self.known_ties = known_ties
        self.sentences: list[str] = []
        self.claims: list[list[str]] = []
        self.signatures: set[str] = set()
        self.triples = 0
        self.ties: set[tuple[str, str]] = set()  # ordered pairs of actors this article ties first

    def add(self, ctype: str, fields: dict, sentence: str, quote: str | None = None,
            extra_triples: int = 0, note: str | None = None) -> bool:
        """Add a claim; its quote is ``quote`` (a part of the sentence) or the whole sentence."""
        sig = json.dumps([ctype, fields], sort_keys=True)
        if sig in self.signatures:
            return False
        self.signatures.add(sig)
        cid = f"{ctype}-{len(self.claims) + 1}"
        lines = [f"  - id: {cid}", f"    type: {ctype}"]
        n_values = 0
        for k, v in fields.items():
            if isinstance(v, list):
                lines.append(f"    {k}: [{', '.join(v)}]")
                n_values += len(v)
            elif isinstance(v, dict):  # a list of mappings (deliveries)
                lines.append(f"    {k}:")
                for item in v["items"]:
                    lines.append("      - {" + ", ".join(f"{a}: {b}" for a, b in item.items()) + "}")
            else:
                lines.append(f"    {k}: {v}")
                n_values += 1
        lines.append(f"    quote: {_q(quote or sentence)}")
        if note:
            lines.append(f"    note: {_q(note)}")
        self.claims.append(lines)
        self.sentences.append(sentence)
        self.triples += 15 + n_values + extra_triples + (1 if note else 0)
        self.triples += self.pages.triples(ctype, fields, cid)
        # the build's kgg:ties graph: 6 triples for each ordered pair of actors named together first here
        named = {x for v in fields.values() for x in (v if isinstance(v, list) else [v])
                 if isinstance(x, str) and x in self.actors}
        new = {(x, y) for x in named for y in named if x != y} - self.known_ties - self.ties
        self.ties |= new
        self.triples += 6 * len(new)
        return True


def _transfer(w: _World, a: _Article, rng: random.Random) -> None:
    supplier = w.state()
    recipient = w.state() if rng.random() > 0.15 else w.states[0]
    if recipient.id == supplier.id:
        recipient = w.states[(w.states.index(supplier) + 1) % len(w.states)]
    system = w.system()
    qty = rng.choice([2, 4, 6, 8, 10, 12, 16, 20, 24, 30, 36, 48, 60, 100, 150, 200])
    year = rng.randint(a.year - 15, a.year - 5)
    f: dict = {"supplier": supplier.id, "recipient": recipient.id, "system": system.id, "quantity": qty}
    status = rng.choice(["ordered", "delivered", "delivered", "purchased", "ongoing"])
    extra = 0
    if rng.random() < 0.2:  # SIPRI-like: an order and per-year deliveries that add up
        f["ordered"] = year
        f["status"] = "delivered"
        years = sorted(rng.sample(range(year + 1, year + 5), rng.randint(1, 3)))
        parts = [qty // len(years)] * len(years)
        parts[-1] += qty - sum(parts)
        f["delivered_quantity"] = qty
        f["deliveries"] = {"items": [{"year": y, "quantity": n} for y, n in zip(years, parts)]}
        extra = 4 * len(years)
        when = f"ordered in {year} and delivered between {years[0]} and {years[-1]}"
    else:
        key = "delivered" if status == "delivered" else "ordered"
        value, words = _date(rng, year)
        f[key] = value
        f["status"] = status
        when = f"{'delivered' if key == 'delivered' else 'ordered'} {words}"
    if rng.random() < 0.3:
        f["condition"] = rng.choice(["new", "second-hand", "second-hand-modernised"])
    sentence = (f"{recipient.label} received {qty} {system.label} {_CAT_WORDS[system.category]} from "
                f"{supplier.label}, {when}.")
    a.add("transfer", f, sentence, extra_triples=extra)


def _exercise(w: _World, a: _Article, rng: random.Random) -> None:
    parts = w.states_k(rng.randint(2, 6))
    host = parts[0]
    year = rng.randint(a.year - 5, a.year)
    value, words = _date(rng, year)
    name = f"{rng.choice(['Shield', 'Storm', 'Bridge', 'Thunder', 'Guardian', 'Horizon'])} {year}-" \
           f"{rng.randint(1, 999)}"
    others = ", ".join(p.label for p in parts[1:])
    sentence = f"Forces of {host.label} hosted the exercise {name} {words}, with troops from {others}."
    a.add("exercise", {"name": _q(name), "participants": [p.id for p in parts], "host": host.id, "date": value},
          sentence)


def _statement(w: _World, a: _Article, rng: random.Random) -> None:
    s = w.state()
    speaker = w.leaders[s.id][rng.randint(0, 1)]
    about = w.state()
    topic = rng.choice(_TOPICS)
    words = f"{about.label} remains a {rng.choice(['reliable', 'difficult', 'key', 'cautious'])} partner on {topic}"
    kind = rng.choice(["assessment", "announcement", "warning"])
    year = rng.randint(a.year - 2, a.year)
    value, when = _date(rng, year, "day")
    sentence = f"{speaker.label} said {when}: \"{words}\"."
    a.add("statement", {"speaker": speaker.id, "kind": kind, "words": _q(words), "topic": _q(topic),
                        "about": [about.id], "date": value}, sentence)


def _vote(w: _World, a: _Article, rng: random.Random) -> None:
    voter = w.state()
    res = rng.choice(w.resolutions)
    pos = rng.choice(["in-favour", "in-favour", "against", "abstention"])
    words = {"in-favour": "voted in favour of", "against": "voted against", "abstention": "abstained on"}[pos]
    year = rng.randint(a.year - 3, a.year)
    value, when = _date(rng, year, "month")
    sentence = f"{voter.label} {words} {res.label} at the Assembly of Nations {when}."
    a.add("vote", {"voter": voter.id, "body": "assembly-of-nations", "resolution": res.id, "position": pos,
                   "date": value}, sentence)


def _alignment(w: _World, a: _Article, rng: random.Random) -> None:
    country = w.state()
    org = rng.choice(w.orgs[:4])
    pct = round(rng.uniform(20, 100), 1)
    year = rng.randint(a.year - 4, a.year - 1)
    sentence = f"In {year}, {country.label} aligned with {pct}% of the foreign policy declarations of the {org.label}."
    a.add("alignment", {"country": country.id, "aligned_with": org.id, "percentage": pct, "period": year,
                        "measured_by": org.id}, sentence)


def _sanction(w: _World, a: _Article, rng: random.Random) -> None:
    imposers = w.states_k(rng.randint(1, 3))
    targets = [t for t in w.states_k(rng.randint(1, 2)) if t.id not in {i.id for i in imposers}]
    if not targets:
        return
    year = rng.randint(a.year - 3, a.year)
    value, when = _date(rng, year)
    law = next((x for x in w.laws if x.id == f"{imposers[0].id}-sanctions-act"), None)
    reason = f"its support for {rng.choice(w.states).label}'s {rng.choice(['missile', 'naval', 'drone'])} programme"
    f: dict = {"imposer": [i.id for i in imposers], "target": [t.id for t in targets]}
    if law is not None:
        f["basis"] = law.id
    f["reason"] = _q(reason)
    f["date"] = value
    sentence = (f"{' and '.join(i.label for i in imposers)} imposed sanctions on "
                f"{' and '.join(t.label for t in targets)} {when} for {reason}.")
    a.add("sanction", f, sentence)


def _membership(w: _World, a: _Article, rng: random.Random) -> None:
    member = w.state()
    if rng.random() < 0.3:
        org = rng.choice(w.programmes)
        kind = "participant"
    else:
        org = rng.choice(w.orgs)
        kind = rng.choice(["member", "member", "partner", "accession-candidate"])
    year = rng.randint(1990, a.year)
    words = {"member": "became a member of", "partner": "became a partner of",
             "accession-candidate": "became an accession candidate of", "participant": "joined"}[kind]
    sentence = f"{member.label} {words} the {org.label} in {year}."
    a.add("membership", {"member": member.id, "organisation": org.id, "kind": kind, "date": year}, sentence)


def _cooperation(w: _World, a: _Article, rng: random.Random) -> None:
    x, y = w.pair()
    domains = sorted(rng.sample(_DOMAINS, rng.randint(1, 3)))
    trend = rng.choice(["expanding", "shrinking"])
    year = rng.randint(a.year - 3, a.year)
    verb = "expanded" if trend == "expanding" else "scaled back"
    sentence = f"{x.label} and {y.label} {verb} their {', '.join(domains)} ties in {year}."
    a.add("cooperation", {"partners": [x.id, y.id], "domains": [_q(d) for d in domains], "trend": trend,
                          "date": year}, sentence)


def _partnership(w: _World, a: _Article, rng: random.Random) -> None:
    x = w.state()
    prog = rng.choice(w.programmes)
    org = next(o for o in w.orgs if o.id == prog.part_of)
    year = rng.randint(1995, a.year)
    sentence = f"{x.label} has worked with the {org.label} through the {prog.label} since {year}."
    a.add("partnership", {"partners": [x.id, org.id], "programme": prog.id, "date": year}, sentence)


def _position(w: _World, a: _Article, rng: random.Random) -> None:
    holder = w.state()
    stance = rng.choice(["supports", "opposes"])
    topic = rng.choice(_TOPICS)
    about = w.state()
    year = rng.randint(a.year - 2, a.year)
    sentence = f"{holder.label} {'supports' if stance == 'supports' else 'opposes'} {about.label}'s policy on {topic}."
    a.add("position", {"holder": holder.id, "stance": stance, "topic": _q(topic), "about": [about.id],
                       "date": year}, sentence)


def _presence(w: _World, a: _Article, rng: random.Random) -> None:
    actor, host = w.pair()
    place = next(p for p in w.places if p.id == f"{host.id}-capital")
    kind = rng.choice(_PRESENCE)
    year = rng.randint(a.year - 8, a.year)
    sentence = f"{actor.label} has operated a {kind} in {place.label}, {host.label}, since {year}."
    a.add("presence", {"actor": actor.id, "host": host.id, "location": place.id, "kind": _q(kind), "date": year},
          sentence)


def _agreement(w: _World, a: _Article, rng: random.Random) -> None:
    x, y = w.pair()
    topic = rng.choice(_TOPICS)
    year = rng.randint(a.year - 6, a.year)
    name = f"{x.label}-{y.label} agreement on {topic}"
    value, when = _date(rng, year)
    sentence = f"{x.label} and {y.label} signed an agreement on {topic} {when}."
    a.add("agreement", {"parties": [x.id, y.id], "name": _q(name), "date": value}, sentence)


def _enactment(w: _World, a: _Article, rng: random.Random) -> None:
    i = rng.randrange(len(w.laws))
    law, state = w.laws[i], w.states[i]
    body = next(b for b in w.bodies if b.id == f"{state.id}-ministry-of-defence")
    year = rng.randint(a.year - 10, a.year)
    sentence = f"The {law.label} was put into force by the {body.label} in {year}."
    a.add("enactment", {"instrument": law.id, "enacted_by": body.id, "date": year}, sentence)


def _conference(w: _World, a: _Article, rng: random.Random) -> None:
    org = rng.choice(w.orgs)
    host = w.state()
    year = rng.randint(a.year - 3, a.year)
    name = f"{org.label} summit {year}"
    sentence = f"{host.label} hosted the {name} in {year}."
    a.add("conference", {"organisation": org.id, "host": host.id, "name": _q(name), "date": year}, sentence)


def _deployment(w: _World, a: _Article, rng: random.Random) -> None:
    s, host = w.pair()
    actor = next(b for b in w.bodies if b.id == f"{s.id}-armed-forces")
    place = next(p for p in w.places if p.id == f"{host.id}-capital")
    forces = f"{rng.choice([1, 2, 3, 4])} {rng.choice(['battalions', 'companies', 'squadrons'])}"
    year = rng.randint(a.year - 5, a.year)
    sentence = f"The {actor.label} deployed {forces} to {place.label} in {year}."
    a.add("deployment", {"actor": actor.id, "location": place.id, "forces": _q(forces), "date": year}, sentence)


def _conflict(w: _World, a: _Article, rng: random.Random) -> None:
    x, y = w.pair()
    year = rng.randint(a.year - 10, a.year)
    sentence = f"{x.label} invaded {y.label} in {year}."
    a.add("conflict", {"actor": x.id, "target": y.id, "role": "invader", "date": year}, sentence)


def _border(w: _World, a: _Article, rng: random.Random) -> None:
    x, y = w.pair()
    sentence = f"{x.label} shares a land border with {y.label}."
    a.add("border", {"country": x.id, "neighbour": y.id, "kind": _q("land")}, sentence)


#: Claim makers and their weights (transfers, votes and statements dominate, as in real corpora).
_MAKERS = [(_transfer, 30), (_vote, 16), (_statement, 12), (_exercise, 9), (_alignment, 5), (_sanction, 5),
           (_membership, 4), (_cooperation, 4), (_position, 3), (_partnership, 2), (_presence, 2),
           (_agreement, 2), (_enactment, 1), (_conference, 1), (_deployment, 2), (_conflict, 1), (_border, 1)]


def _registry_yaml(world: _World) -> str:
    out = ["# A synthetic registry written by scripts/generate_corpus.py: every name is invented.", ""]
    for section, ents in world.entities().items():
        out.append(f"{section}:")
        for e in sorted(ents, key=lambda e: e.id):
            parts = []
            if e.type:
                parts.append(f"type: {e.type}")
            parts.append(f"label: {_q(e.label)}")
            if e.aliases:
                parts.append("aliases: [" + ", ".join(_q(x) for x in e.aliases) + "]")
            if e.category:
                parts.append(f"category: {e.category}")
            if e.part_of:
                parts.append(f"part_of: {e.part_of}")
            out.append(f"  {e.id}: {{{', '.join(parts)}}}")
        out.append("")
    return "\n".join(out)


def _ontology_triples() -> int:
    """The ontology's triples, and the registry graph's one about the dataset (the layout of its derived graphs)."""
    try:
        from graph.model.resources import ontology_graph
        return len(ontology_graph()) + 1
    except Exception:  # noqa: BLE001 - only an estimate; the package may not be importable
        return 800


def generate(target: int, out: Path, seed: int = 1, *, claims_per_source: int = CLAIMS_PER_SOURCE,
             force: bool = False) -> Generated:
    """Write a corpus of about ``target`` triples (as the real build counts them) to ``out``.

    Parameters
    ----------
    target:
        Wanted number of triples of the built dataset (ontology and registry included).
    out:
        The corpus folder to write (``registry/`` and one folder per source).
    seed:
        The same seed and target give byte-identical files.
    claims_per_source:
        About this many claims in each source.
    force:
        Replace ``out`` if it exists (only if it looks like a generated corpus).

    Returns
    -------
    Generated

    Raises
    ------
    FileExistsError
        If ``out`` exists and ``force`` is not given, or it is not a generated corpus.
    """
    out = Path(out)
    if out.exists():
        if not force:
            raise FileExistsError(f"{out} exists; pass --force to replace it")
        if not (out / "corpus.json").is_file():
            raise FileExistsError(f"{out} exists and is not a generated corpus (no corpus.json); not replacing it")
        shutil.rmtree(out)
    rng = random.Random(seed)
    world = _World(rng, target)
    (out / "registry").mkdir(parents=True)
    (out / "registry" / "entities.yaml").write_text(_registry_yaml(world), encoding="utf-8")
    ents = world.entities()
    triples = _ontology_triples() + sum(e.triples() for group in ents.values() for e in group)
    makers = [m for m, _ in _MAKERS]
    weights = [wt for _, wt in _MAKERS]
    n_sources = n_claims = 0
    actors = {e.id for e in ents["actors"]}
    ties: set[tuple[str, str]] = set()
    pages = _Pages({e.id for group in ents.values() for e in group})
    while triples < target:
        n_sources += 1
        year = rng.randint(2005, 2024)
        main = world.state()
        sid = f"synthetic-{year}-{n_sources:06d}-{main.id}"[:80]
        art = _Article(sid, year, actors, ties, pages)
        want = max(1, int(rng.gauss(claims_per_source, claims_per_source / 5)))
        guard = 0
        while len(art.claims) < want and triples + art.triples < target + 40 and guard < want * 3:
            guard += 1
            rng.choices(makers, weights)[0](world, art, rng)
        if not art.claims:  # (the target is reached: no source is written, none counted)
            n_sources -= 1
            break
        folder = out / sid
        folder.mkdir()
        title = f"{main.label} and its partners: a synthetic report, {year}"
        publisher = world.thinktanks[n_sources % len(world.thinktanks)]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        (folder / "source.yaml").write_text(
            f"# Synthetic: written by scripts/generate_corpus.py (seed {seed}); not a real source.\n"
            f"id: {sid}\nkind: {'report' if n_sources % 5 == 0 else 'article'}\ntitle: {_q(title)}\n"
            f"publisher: {publisher.id}\nauthor: null\nissued: {year}-{month:02d}-{day:02d}\nlanguage: en\n"
            f"url: https://example.org/synthetic/{sid}\ntext: text.txt\n"
            f"rights: {_q('Synthetic text for benchmarks; no rights reserved.')}\n", encoding="utf-8")
        paragraphs = [f"{title}.\n\n{_FILLER[0]}"]
        for i in range(0, len(art.sentences), 5):
            chunk = art.sentences[i:i + 5]
            if rng.random() < 0.5:
                chunk.append(rng.choice(_FILLER[1:]))
            paragraphs.append(" ".join(chunk))
        (folder / "text.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        body = [f"# Synthetic claims of {sid} (scripts/generate_corpus.py, seed {seed}).", "", "claims:"]
        for lines in art.claims:
            body.extend(lines)
            body.append("")
        (folder / "claims.yaml").write_text("\n".join(body), encoding="utf-8")
        # per source: type, title, kind, publisher, authorUnknown, issued, language, address, rights,
        # textFile, textSha256
        triples += art.triples + 11
        triples += pages.source()  # (claims-per-source: every source is an item of its one list)
        n_claims += len(art.claims)
        ties |= art.ties
    triples += pages.finish()
    states = world.states
    focus = {"hub": HUB, "partners": [states[1].id, states[2].id], "system": world.systems[0].id,
             "resolution": world.resolutions[0].id, "topic": _TOPICS[0],
             "source": next((p.name for p in sorted(out.iterdir()) if p.name.startswith("synthetic-")), None)}
    n_entities = sum(len(g) for g in ents.values())
    info = {"generator": "scripts/generate_corpus.py", "seed": seed, "target_triples": target,
            "triples_estimate": triples, "sources": n_sources, "claims": n_claims, "entities": n_entities,
            "focus": focus}
    (out / "corpus.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Generated(folder=out, sources=n_sources, claims=n_claims, entities=n_entities,
                     triples_estimate=triples, focus=focus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic serbia-kg corpus (fictional names) of about N triples.",
        epilog="Example: python scripts/generate_corpus.py --triples 100k --out /tmp/corpus-100k --seed 1")
    parser.add_argument("--triples", default="10k", help="target size: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--out", type=Path, required=True, help="corpus folder to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--claims-per-source", type=int, default=CLAIMS_PER_SOURCE)
    parser.add_argument("--force", action="store_true", help="replace an existing generated corpus")
    args = parser.parse_args(argv)
    try:
        target = parse_size(args.triples)
    except ValueError:
        print(f"error: --triples: not a size: {args.triples!r} (e.g. 10k, 1m, 2500)", file=sys.stderr)
        return 2
    try:
        g = generate(target, args.out, args.seed, claims_per_source=args.claims_per_source, force=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {g.sources} sources, {g.claims} claims, {g.entities} entities, about {g.triples_estimate} "
          f"triples -> {g.folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
