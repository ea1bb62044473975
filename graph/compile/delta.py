"""The derived graphs of an incremental build, updated for what changed rather than made again.

``kgg:ties`` and ``kgg:pages`` are sums over the whole corpus (at 1M triples they hold 37 % of the
triples), but one source's claims touch few of their nodes: the ties of the pairs of actors its
claims name, the pages of the lists its claims are in. An incremental build
(:func:`graph.compile.build.compile_corpus` with a previous build) works out those nodes from the
records of the changed sources, before and after (:class:`graph.compile.incremental.Entry`), makes
their triples again with the same functions a full build runs (:func:`graph.compile.ties.tie_triples`,
:data:`graph.compile.pages.QUESTIONS` and :func:`graph.compile.pages.list_lines`) from the records
of every source that bears on them, and puts them in place of their previous triples in the previous
build's N-Quads of the graph (:func:`patch_lines`; a graph's N-Quads are sorted, so one subject's
lines are together). What changed (:class:`Patch`: the lines gone and come, each subject's place)
lets the outputs written graph by graph copy the graph's unchanged subjects from the previous files
(:func:`splice_chunk` for TriG and JSON-LD, :func:`graph.compile.merged.write_spliced` for Turtle).

A node's triples depend only on the records of the claims that bear on it:

- a tie ``(x, y)`` on the claims naming both ``x`` and ``y``;
- a list of a question's (its pages) on the claims in it, and for a question of
  :data:`graph.compile.pages.HOLDS` on which second keys of the same first parameter have a list of their
  own: when one comes or goes (:func:`_held`), all of that first key's lists are made again together.

When that reasoning does not hold (a list's name that two keys share: a parameter's value outside
the project's IRIs), :func:`derive` returns ``None`` and the build makes the graphs whole.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from contextlib import closing
from typing import Any, Callable, Generator, Iterable, Iterator

from graph.compile import pages as paging
from graph.compile.pages import (BUSY, HOLDS, PAGES, QUESTIONS, SOURCE_LISTS, _pages, _part, busy_entities,
                                 list_lines, list_name, named_counts, registry_context, source_context)
from graph.compile.ties import TIES, Named, tie_triples
from graph.model.rdfterms import nt_converter
from graph.model.terms import ENTITY, TIE

__all__ = ["Patch", "Mismatch", "derive", "patch_lines", "splice_chunk"]


class Mismatch(RuntimeError):
    """A previous output, or its record, is not what the splice expects (then that output is written whole)."""


@dataclass
class Patch:
    """How one graph's N-Quads changed: ``pieces`` (its new N-Quads in order, views of the previous ones and the
    lines put in: not joined, the N-Quads' writer takes them as they are; at 10M ``kgg:pages`` is some
    hundreds of MB), ``removed`` and ``added`` (the lines gone and come, N-Quads), and, for the outputs
    spliced subject by subject, the number of subjects before, the (sorted) indices of the previous subjects
    written again, and where each subject written again goes (its index among the previous subjects: before
    the one that has it) with its lines."""

    pieces: list  # of bytes and memoryviews
    triples: int
    removed: bytes
    added: bytes
    subjects_before: int
    drop: list[int] = field(default_factory=list)
    insert: list[int] = field(default_factory=list)
    lines: bytes = b""  # the lines of the subjects written again (sorted N-Quads)
    subjects: bytes = b""  # the graph's subjects after, in order, one a line (what the next build's patch reads)


def _subject(line: bytes) -> bytes:
    return line[:line.index(b" ")]


def _seek(data: bytes, key: bytes, lo: int = 0) -> int:
    """Where the first line of the sorted N-Quads ``data`` that is not before ``key`` starts (from ``lo``, where a
    line starts; ``len(data)``: none), found by bisection over the bytes (the lines are not split)."""
    hi = len(data)
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", lo, mid) + 1 or lo
        end = data.index(b"\n", start)
        if data[start:end] < key:
            lo = end + 1
        else:
            hi = start
    return lo


def _lines_from(data: bytes, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
    """The lines of ``data[lo:hi]`` (whole lines), each with where it starts."""
    at = lo
    for line in data[lo:hi].split(b"\n")[:-1]:
        yield at, line
        at += len(line) + 1


def subject_list(data: bytes) -> list[bytes]:
    """The subjects of the sorted N-Quads ``data``, in order, each once (a subject's run of lines matched at
    once: one match a subject, not a line)."""
    return list(dict.fromkeys(_SUBJECT_RUN.findall(data)))


#: A subject's lines: its first line, then every line that starts with the same subject.
_SUBJECT_RUN = re.compile(rb"([^ \n]+) [^\n]*(?:\n|$)(?:\1 [^\n]*(?:\n|$))*")


def patch_lines(data: bytes, prefixes: Iterable[bytes], belongs: Callable[[bytes], bool],
                new: Iterable[str], subjects: bytes | None = None) -> Patch:
    """The sorted N-Quads ``data`` of one graph with the lines of some units replaced by ``new``.

    A unit's lines start with one of ``prefixes`` (each ``<subject`` and what follows) and are those
    ``belongs`` accepts; every one of them goes, and the lines ``new`` (their subjects those of the
    units, or of units that did not exist) come in their sorted places. ``subjects``: the graph's subjects
    in order, one a line, as the previous build's patch recorded them (:attr:`Patch.subjects`; ``None``: read
    from ``data``). The lines are found by bisection over the bytes and the new data is the old one's
    pieces with the lines cut out and put in: only the units' lines are looked at."""
    if data and not data.endswith(b"\n"):
        raise Mismatch("a graph's N-Quads do not end with a new line")
    gone: dict[int, bytes] = {}  # where each line that goes starts: the line
    for prefix in sorted(set(prefixes)):
        lo = _seek(data, prefix)
        for at, line in _lines_from(data, lo, _seek(data, prefix + b"\xff", lo)):
            if belongs(line):
                gone[at] = line
    come = {line.encode("utf-8") for line in new}
    gone_lines = set(gone.values())
    removed = sorted(gone_lines - come)
    added = sorted(come - gone_lines)
    # the subjects whose lines differ (a unit made again the same is not written again): every line
    # they had is among those gone, and all they have now among those come
    touched = sorted({_subject(line) for line in removed} | {_subject(line) for line in added})
    for s in touched:
        lo = _seek(data, s + b" ")
        if any(at not in gone for at, _ in _lines_from(data, lo, _seek(data, s + b" \xff", lo))):
            raise Mismatch("a subject of the lines made again keeps lines of its own")
    # the lines: those removed cut out, those added put in their places (a line held already is not)
    events = sorted([(at, 1, at + len(line) + 1) for at, line in gone.items() if line not in come]
                    + [(at, 0, line) for at, line in ((_seek(data, line), line) for line in added)
                       if data[at:at + len(line) + 1] != line + b"\n"])
    view = memoryview(data)
    pieces: list = []
    pos = cut = put = 0
    for at, kind, what in events:
        if at > pos:
            pieces.append(view[pos:at])
        if kind:
            pos, cut = what, cut + 1  # type: ignore[assignment]
        else:
            pieces.append(what + b"\n")  # type: ignore[operator]
            pos, put = at, put + 1
    if pos < len(data):
        pieces.append(view[pos:])
    touched_set = set(touched)
    lines_of = sorted(line for line in come if _subject(line) in touched_set)
    after = {_subject(line) for line in lines_of}
    before = subjects if subjects is not None else b"\n".join(subject_list(data))
    count, drop_subjects, insert, now = _resubject(before, touched, after)
    return Patch(pieces=pieces, triples=data.count(b"\n") - cut + put,
                 removed=b"".join(line + b"\n" for line in removed),
                 added=b"".join(line + b"\n" for line in added), subjects_before=count,
                 drop=drop_subjects, insert=insert, lines=b"".join(line + b"\n" for line in lines_of),
                 subjects=now)


def _resubject(before: bytes, touched: list[bytes], after: set[bytes]) -> tuple[int, list[int], list[int], bytes]:
    """A graph's subjects (``before``: sorted, one a line) once the subjects ``touched`` (sorted) are written
    again, those of ``after`` there now: how many there were, the indices of the touched ones that were there
    (their blocks go), where each touched one now there goes (its index among those before: before the one
    that has it), and the subjects after, one a line. Found by bisection over the bytes, the subjects neither
    split into lines nor sorted again (at 10M, some 200,000 of them for a few hundred touched)."""
    text = before + b"\n" if before else b""
    count = text.count(b"\n")
    drop: list[int] = []
    insert: list[int] = []
    pieces: list = []
    view = memoryview(text)
    pos = index = 0  # where the subjects not yet copied start, and how many subjects lie before there
    for s in touched:
        at = _seek(text, s, pos)  # the first subject not before s
        index += text.count(b"\n", pos, at)
        pieces.append(view[pos:at])
        pos = at
        if text.startswith(s + b"\n", at):
            drop.append(index)
            pos = at + len(s) + 1
        if s in after:
            insert.append(index)
            pieces.append(s + b"\n")
        index += pos > at
    pieces.append(view[pos:])
    return count, drop, insert, b"".join(pieces)[:-1]


def _fast_nt() -> Callable[[object], str]:
    """:func:`graph.model.rdfterms.nt_converter`, an IRI written at once (``<iri>``, as pyoxigraph writes
    the IRIs of the build, which it has read already)."""
    from rdflib import URIRef

    nt = nt_converter()

    def convert(x: object) -> str:
        return f"<{x}>" if type(x) is URIRef else nt(x)

    return convert


# --- kgg:ties ------------------------------------------------------------------------------------

def _pairs(named: Iterable[Named]) -> set[tuple[str, str]]:
    return {(x, y) for n in named for x in n.actors for y in n.actors if x != y}


def tie_lines(old: list[Named], new: list[Named], every: list[Named]) -> tuple[list[bytes], list[str]]:
    """The ties the changed claims ``old`` (before) and ``new`` (after) bear on: the prefixes of their
    nodes' lines, and their N-Quads lines made from ``every`` claim's record (after)."""
    pairs = _pairs(old) | _pairs(new)
    actors = {x for pair in pairs for x in pair}
    base = len(str(ENTITY))
    nodes = {str(TIE[f"{x[base:]}/{y[base:]}"]) for x, y in pairs}
    # each claim naming two of those actors, as naming those alone: the ties among them are counted as
    # a full build counts them (the claims naming both), the others are not asked for
    relevant = []
    for n in every:
        mine = n.actors & actors
        if len(mine) > 1 and any((x, y) in pairs for x in mine for y in mine if x != y):
            relevant.append(n._replace(actors=frozenset(mine)))
    nt = _fast_nt()
    g = nt(TIES)
    lines = [f"{nt(s)} {nt(p)} {nt(o)} {g} ." for s, p, o in tie_triples(relevant) if str(s) in nodes]
    return [f"<{node}> ".encode("utf-8") for node in nodes], lines


# --- kgg:pages -----------------------------------------------------------------------------------

def _context(sources: Iterable, registry: dict, busy: set[str]) -> dict:
    """The context :func:`graph.compile.pages.page_triples` gives the questions' listers (``registry``: of
    :func:`graph.compile.pages.registry_context`)."""
    return {**source_context(sources), **registry, "busy": busy}


def _bearing(claims: list, keys: set[tuple], part_of: dict[str, set[str]]) -> list:
    """The claims that can be in the lists ``keys`` of a question: all, when a list's first parameter is
    left out; else those naming its value, or something that is part of it (every question's list of a
    first value lists claims that name it so)."""
    firsts = {key[0] for key in keys}
    if None in firsts:
        return claims
    wanted = firsts | {x for x, wholes in part_of.items() if not firsts.isdisjoint(wholes)}
    return [c for c in claims if not wanted.isdisjoint([o for _, o in c.objects])]


_QUESTION: list[Callable[[str], Any]] = []  # (what a forked worker of _each_question calls: inherited, not sent)


def _each_question(one: Callable[[str], Any], claims: int) -> Generator[Any, None, None]:
    """``one(question)`` for every question, in this process or, from
    :data:`graph.compile.parallel.PARALLEL_CLAIMS` claims on, on two forked processes (each a question at a
    time, the costliest first; in the order they end)."""
    from graph.compile import parallel

    questions = sorted(QUESTIONS, key=lambda q: (q not in _COSTLIEST, q))
    if claims < parallel.PARALLEL_CLAIMS or parallel.cores() < 2:
        yield from map(one, questions)
        return
    _QUESTION[:] = [one]
    try:
        with parallel.pool(2) as workers:
            yield from workers.imap_unordered(_question_task, questions)
    finally:
        _QUESTION.clear()


#: The questions whose lists can hold any claim (a list with its first parameter left out): given out first.
_COSTLIEST = ("claims-about-entity",)


def _question_task(question: str) -> Any:
    return _QUESTION[0](question)


def page_lines(old: list, new: list, every: list, old_sources: list, new_sources: list, every_source: list,
               registry: Iterable[tuple]) -> tuple[list[bytes], Callable[[bytes], bool], list[str]] | None:
    """The lists of the questions the changed claims ``old`` (before, of the sources ``old_sources``)
    and ``new`` (after) are in: the prefixes of their pages' lines, which of those lines are theirs,
    and their N-Quads lines made from ``every`` claim's record; ``None`` when a list's name is not its own,
    or when an entity became busy or stopped being so (:data:`graph.compile.pages.BUSY`: the lists of
    ``tie-sources`` for its pairs come or go)."""
    known = registry_context(registry)
    part_of = known["part_of"]
    counts = named_counts(every)  # (tie-sources: the pairs of busy entities have lists)
    busy = busy_entities((), counts)
    if busy_entities((), counts - named_counts(new) + named_counts(old)) != busy:
        return None  # an entity became busy or stopped being so (before: every - new + old): its pairs' lists change
    before = _context(old_sources, known, busy)
    after = _context(every_source, known, busy)
    changed_after = _context(new_sources, known, busy)
    g = _fast_nt()(PAGES)

    def one(question: str) -> tuple[dict[str, int], set[str], list[str]] | None:
        """What goes of ``question``'s pages and what comes: the names of its lists whose lines go (each with the
        start of its first page that goes), name prefixes (a question of HOLDS: every list of a first key), and
        the N-Quads lines made again; ``None`` when a list's name is not its own."""
        lister = QUESTIONS[question]
        exact: dict[str, int] = {}
        firsts: set[str] = set()
        made: list[str] = []
        old_lists, new_lists = lister(old, before), lister(new, changed_after)
        if question in SOURCE_LISTS:  # a list of the sources: changed where a source's graph went or came
            old_lists, new_lists = _gone(old_lists, new_lists), _gone(new_lists, old_lists)
        keys = set(old_lists) | set(new_lists)
        if not keys:
            return exact, firsts, made
        if any(_part(v) == "other" for key in keys for v in key):
            return None
        first = {key[0] for key in keys}
        lists = lister(_bearing(every, keys, part_of), {**after, "only": first})  # (their first keys' lists alone)
        # each list to make again, with the changed claims' rows in it before and after (to page it from the
        # first page they change); for a question of HOLDS whose second keys' lists came or went, none: every list
        # of the first keys is made again
        held = _held(question, lists, old_lists, new_lists, first) if question in HOLDS else None
        holds = question in HOLDS and held is None
        changed = held if held is not None else {key: (old_lists.get(key, []), new_lists.get(key, [])) for key in keys}
        if holds:
            firsts.update(list_name(question, (k,)) + "/" for k in first)
        else:
            exact.update({list_name(question, key): 0 for key in changed})
        for key in lists:
            if (key[0] in first) if holds else (key in changed):
                lists[key].sort()  # (once: the pages sort their rows, and sorted rows are gone through once)
                start = 0 if holds else _first_changed(question, lists[key], *changed[key])
                if not holds:
                    exact[list_name(question, key)] = start
                made += [f"{line} {g} ." for line in list_lines(question, key, lists, start)]
        return exact, firsts, made

    exact: dict[str, int] = {}    # list names whose lines go: the start of the first page that goes
    firsts: set[str] = set()      # name prefixes (a question of HOLDS: every list of a first key)
    made: list[str] = []
    with closing(_each_question(one, len(every))) as each:  # (a None: the workers ended at once)
        for got in each:
            if got is None:
                return None
            exact.update(got[0])
            firsts |= got[1]
            made += got[2]
    prefixes = [f"<{name}/".encode("utf-8") for name in exact] + [f"<{name}".encode("utf-8") for name in firsts]
    starts = tuple(f"<{name}".encode("utf-8") for name in firsts)
    names = {f"<{name}".encode("utf-8"): start for name, start in exact.items()}

    def belongs(line: bytes) -> bool:
        subject = line[:line.index(b" ")]
        cut = subject.rindex(b"/")
        start = names.get(subject[:cut])
        return (start is not None and int(subject[cut + 1:-1]) >= start) or subject.startswith(starts)

    return prefixes, belongs, made


def _held(question: str, lists: dict, old_lists: dict, new_lists: dict, first: set) -> dict | None:
    """For a question of :data:`HOLDS`, the lists of the first keys ``first`` that the changed claims bear on,
    each with the changed claims' rows before and after (``old_lists`` and ``new_lists``, of the question's
    lister on those claims; ``lists``: on every claim that bears on them, after): a first key's list with its
    second key left out, and the lists of its own of the second keys those rows name (for such a list, the rows
    of the claims naming that second key: their first is no later than the first that changed). ``None`` when a
    second key got a list of its own or lost it (more than :data:`graph.compile.pages.PAGE_ROWS` claims, before
    or after): then the pages of the first key's list can name other second keys (``skg:pageSecondKey``, of the
    second keys without a list), and every list of the first key is made again."""
    second = HOLDS[question]
    out: dict[tuple, tuple[list, list]] = {}
    for value in first:
        whole = (value, None)
        old_rows, new_rows = old_lists.get(whole, []), new_lists.get(whole, [])
        out[whole] = (old_rows, new_rows)
        touched = {second(row) for row in old_rows + new_rows} - {""}
        claims_now: dict[str, set[str]] = {other: set() for other in touched}
        for row in lists.get(whole, ()):
            if (other := second(row)) in claims_now:
                claims_now[other].add(row.claim)
        for other in touched:
            was = {row.claim for row in old_rows if second(row) == other}
            now = {row.claim for row in new_rows if second(row) == other}
            then = len(claims_now[other]) - len(now) + len(was)  # before: all but the changed, and those before
            limit = paging.PAGE_ROWS  # (read when run: tests set it)
            if (len(claims_now[other]) > limit) != (then > limit):
                return None
            if (value, other) in lists:
                out[(value, other)] = ([row for row in old_rows if row.claim in was],
                                       [row for row in new_rows if row.claim in now])
    return out


def _gone(lists: dict, others: dict) -> dict:
    """The rows of ``lists`` not in ``others``' list of the same key (the lists left empty left out)."""
    out = {}
    for key, rows in lists.items():
        there = set(others.get(key, ()))
        if gone := [row for row in rows if row not in there]:
            out[key] = gone
    return out


def _first_changed(question: str, rows: list, old_rows: list, new_rows: list) -> int:
    """Where the first page of a list (its ``rows`` now, sorted) that can differ from its previous pages starts: the
    page open at its first changed row (of the rows of the changed claims before, ``old_rows``, and after,
    ``new_rows``), as :func:`graph.compile.pages._pages` pages it; the pages before it are made of the same rows
    and start where they did. 0 (every page) when a page's triples depend on the whole list: a list of
    ``claims-about-entity`` whose entity becomes, or stops being, one of :data:`graph.compile.pages.BUSY`
    claims or fewer."""
    if not old_rows and not new_rows:
        return 0
    if question == "claims-about-entity":
        now = len({r.claim for r in rows})
        then = now - len({r.claim for r in new_rows}) + len({r.claim for r in old_rows})
        if (now <= BUSY) != (then <= BUSY):
            return 0
    changed = min(old_rows + new_rows)
    pages = [start for start, _ in _pages(rows[:bisect.bisect_left(rows, changed)])]
    return pages[-1] if pages else 0


def _issued(entries: list) -> dict[str, tuple]:
    """Each source's graph: its IRI and issue date (what the lists read of a source, :func:`_context`)."""
    return {str(e.source.graph_iri): (str(e.source.iri), str(e.source.meta.get("issued"))) for e in entries}


def _differing(old: list, new: list, graphs: set[str] | frozenset[str] = frozenset()) -> tuple[list, list]:
    """The records of ``old`` not in ``new`` and of ``new`` not in ``old`` (a record of ``graphs`` in both)."""
    old_set, new_set = set(old), set(new)
    return ([r for r in old if r not in new_set or r.graph in graphs],
            [r for r in new if r not in old_set or r.graph in graphs])


def derive(old: list, new: list, entries: list, registry_triples: list,
           previous: Callable[[str], bytes],
           subjects: Callable[[str], bytes | None] = lambda graph: None) -> dict[str, Patch] | None:
    """``kgg:ties`` and ``kgg:pages`` after the sources whose records were ``old`` became ``new`` (each
    a list of :class:`graph.compile.incremental.Entry`), ``entries`` the records of every source now;
    ``previous(graph)``: a graph's N-Quads in the previous build, ``subjects(graph)`` its subjects as that build's
    patch recorded them (:attr:`Patch.subjects`, or ``None``). ``None`` when they must be made whole."""
    nt = nt_converter()
    # only the claims whose records differ before and after bear on what changed (a claim whose record and
    # source's issue date are the same is in the same rows of the same lists); its source's date changed, all
    redated = {g for g, _ in _issued(old).items() ^ _issued(new).items()}
    pages = page_lines(*_differing([c for e in old for c in e.pages], [c for e in new for c in e.pages], redated),
                       [c for e in entries for c in e.pages], [e.source for e in old], [e.source for e in new],
                       [e.source for e in entries], registry_triples)
    if pages is None:
        return None
    prefixes, belongs, made = pages
    patches = {nt(PAGES): patch_lines(previous(nt(PAGES)), prefixes, belongs, made, subjects(nt(PAGES)))}
    prefixes, lines = tie_lines(*_differing([n for e in old for n in e.named], [n for e in new for n in e.named]),
                                [n for e in entries for n in e.named])
    patches[nt(TIES)] = patch_lines(previous(nt(TIES)), prefixes, lambda line: True, lines, subjects(nt(TIES)))
    return patches


# --- TriG and JSON-LD chunks, subject by subject -----------------------------------------------------

_TRIG_BLOCK = re.compile(rb"\n\t(?=[^\t])")
_JSONLD_NODE = re.compile(rb'\{"@id":"[^"]*",')  # a node (an IRI's object, {"@id":...}, has no other key)


def _bounds(fmt: str, chunk: bytes) -> tuple[list[int], list[int], bytes]:
    """Where a graph's chunk's subjects' blocks start and end (in order), and its tail."""
    if fmt == "trig":
        starts = [m.start() + 1 for m in _TRIG_BLOCK.finditer(chunk)]
        tail, sep = b"}\n", 0
    else:
        head = chunk.index(b'"@graph":[') + len(b'"@graph":[') - 1 if b'"@graph":[' in chunk else -1
        if head < 0:
            raise Mismatch("a JSON-LD chunk without its graph")
        starts = [m.start() for m in _JSONLD_NODE.finditer(chunk, head + 1)]
        tail, sep = b"]}", 1
    if not starts or not chunk.endswith(tail):
        raise Mismatch(f"a {fmt} chunk whose blocks cannot be told apart")
    return starts, [s - sep for s in starts[1:]] + [len(chunk) - len(tail)], tail


def _cut(fmt: str, chunk: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A graph's chunk as its head, its subjects' blocks (in order) and its tail."""
    starts, ends, tail = _bounds(fmt, chunk)
    return chunk[:starts[0]], [chunk[a:b] for a, b in zip(starts, ends)], tail


def splice_chunk(fmt: str, old: bytes, patch: Patch, make: Callable[[bytes], bytes]) -> bytes:
    """The new chunk of a graph in the output ``fmt`` (``trig`` or ``json-ld``): its previous chunk
    ``old`` with the blocks of the subjects ``patch`` wrote again made by ``make`` (the chunk of N-Quads);
    the blocks between them copied in runs."""
    starts, ends, tail = _bounds(fmt, old)
    head = old[:starts[0]]
    if len(starts) != patch.subjects_before:
        raise Mismatch(f"the previous {fmt} chunk has {len(starts)} subjects, not {patch.subjects_before}")
    fresh: list[bytes] = []
    if patch.lines:
        new_head, fresh, new_tail = _cut(fmt, make(patch.lines))
        if (new_head, new_tail) != (head, tail):
            raise Mismatch(f"the {fmt} writer's head of a graph differs from the previous file's")
    if len(fresh) != len(patch.insert):
        raise Mismatch(f"the {fmt} writer's blocks could not be told apart")
    view = memoryview(old)
    out: list = []  # runs of the previous blocks (with what separates them there) and blocks written again
    drop = set(patch.drop)
    n, i, k = len(starts), 0, 0  # i: the first previous block not yet placed; k: the next fresh block
    for at in sorted(drop | set(patch.insert)) + [n]:
        if at > i:  # the previous blocks i..at-1, as they lie
            out.append(view[starts[i]:ends[at - 1]])
        i = max(i, at)
        if at == n:
            break
        while k < len(fresh) and patch.insert[k] <= at:  # blocks written again go before the block they name
            out.append(fresh[k])
            k += 1
        if at in drop:
            i = at + 1
    out.extend(fresh[k:])
    if not out:
        raise Mismatch("a graph spliced to nothing")
    return b"".join([head, (b"," if fmt == "json-ld" else b"").join(out), tail])
