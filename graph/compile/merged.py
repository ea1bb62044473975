"""The merged Turtle file (every graph's triples, each once), written whole or spliced subject by subject.

pyoxigraph's Turtle writer, given sorted N-Triples, writes one block per subject: a line that
starts with the subject, then lines that start with a tab (a literal's new lines are escaped). A
block's bytes depend on its subject's triples only, so the file is its prefixes followed by the
blocks in the order of their subjects. A full build writes the file from every graph merged
(:func:`write_full`) and notes where each subject's block begins, and how many graphs hold each
triple that more than one graph holds (:class:`Index`). An incremental build (:func:`write_spliced`)
finds the subjects of the graphs that changed, works out their triples from their previous blocks
and the changed graphs' old and new triples (a triple stays while some graph still holds it), writes
their blocks again and copies every other block from the previous file.
"""

from __future__ import annotations

import bisect
import heapq
import os
import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, cast

import pyoxigraph as ox

from graph.compile.serialize import HashingWriter, Part, _prefixes, _Reader

__all__ = ["Index", "Mismatch", "write_full", "write_spliced"]

_BLOCK = 1 << 23


class Mismatch(RuntimeError):
    """The previous Turtle file, its index and the changed graphs do not fit together (then the
    file is written whole)."""


@dataclass
class Index:
    """Where each subject's block lies in a merged Turtle file, and the triples held by several graphs."""

    #: The subjects in N-Triples form, in the file's order, one a line (one bytes object, not millions:
    #: the index goes from the process that writes the Turtle to the build's, and into its record).
    subjects: bytes
    starts: array                       # offset of each subject's block; the file's size last
    shared: dict[bytes, int] = field(default_factory=dict)   # triple -> graphs holding it (>= 2)
    triples: int = 0

    def subject_list(self) -> list[bytes]:
        """The subjects, in the file's order."""
        return self.subjects.split(b"\n") if self.subjects else []


def _lines_of(fd: int, part: Part, chunk: int = 1 << 14) -> Iterator[list[bytes]]:
    """One graph of an N-Quads file (sorted there) as its triples, in lists of them (each ``s p o``, the text
    of an N-Triples line without its `` .``): a block split where each line ends, at its graph's name (the
    text `` <graph> .`` and a new line, which a line holds only at its end: a literal's new line is escaped).
    A triple sorts as its line does (no term of a triple ends where another goes on with a space or less)."""
    tail = b" " + part.graph.encode("utf-8") + b" .\n"
    pos, end, rest, count = part.offset, part.offset + part.length, b"", 0
    while pos < end:
        data = os.pread(fd, min(chunk, end - pos), pos)
        if not data:
            raise OSError(f"{part.file} is shorter than expected")
        pos += len(data)
        lines = (rest + data).split(tail)
        rest = lines.pop()  # (what follows the last whole line)
        if lines:
            count += len(lines)
            yield lines
    if rest or count != part.triples:
        raise OSError(f"{part.file}: the graph {part.graph} is not where it was written")


class _Merged:
    """Every triple of the graphs ``parts`` of an N-Quads file once, sorted, as blocks of N-Triples
    lines; as they go, the subjects in order (:attr:`subjects`), the triples several graphs hold
    (:attr:`shared`: triple -> graphs) and the triples (:attr:`triples`).

    The graphs, each sorted in the file, are merged by runs: the graph whose next line is the
    smallest gives every line up to the next line of any other graph (found by bisection in its
    block), as one block, so the heap is touched once a run, not once a line (a claim's lines, or a
    block of kgg:pages, are one run). A run's subjects are found by bisection too: a subject's lines
    all begin with it and a space, and end before it followed by ``!``. A line sorts as its triple
    does (no term of a triple ends where another goes on with a space): the merge is the order of
    the triples, and a triple that several graphs hold comes from each in turn, once written."""

    def __init__(self, nquads: Path, parts: Iterable[Part]) -> None:
        self.nquads, self.parts = nquads, list(parts)
        self.subjects: list[bytes] = []
        self.shared: dict[bytes, int] = {}
        self.triples = 0

    def __iter__(self) -> Iterator[bytes]:
        fd = os.open(self.nquads, os.O_RDONLY)
        try:
            heap = []
            for i, part in enumerate(self.parts):
                blocks = _lines_of(fd, part)
                lines = next(blocks, None)
                if lines:
                    heap.append((lines[0], i, 0, lines, blocks))
            heapq.heapify(heap)
            subjects, shared = self.subjects, self.shared
            previous, subject = None, None
            while heap:
                _, i, pos, lines, blocks = heap[0]
                if len(heap) > 2:
                    end = bisect.bisect_right(lines, min(heap[1][0], heap[2][0]), pos)
                elif len(heap) == 2:
                    end = bisect.bisect_right(lines, heap[1][0], pos)
                else:
                    end = len(lines)
                if lines[pos] == previous:  # a triple another graph held too (a graph holds it once)
                    key = lines[pos]
                    shared[key] = shared.get(key, 1) + 1
                    pos += 1
                if pos < end:
                    at = pos
                    while at < end:
                        line = lines[at]
                        s = line[:line.index(b" ")]
                        if s != subject:
                            subject = s
                            subjects.append(s)
                        at = bisect.bisect_left(lines, s + b"!", at + 1, end)
                    previous = lines[end - 1]
                    self.triples += end - pos
                    yield b" .\n".join(lines[pos:end]) + b" .\n"
                if end < len(lines):
                    heapq.heapreplace(heap, (lines[end], i, end, lines, blocks))
                else:
                    lines = next(blocks, None)
                    if lines:
                        heapq.heapreplace(heap, (lines[0], i, 0, lines, blocks))
                    else:
                        heapq.heappop(heap)
        finally:
            os.close(fd)


def _block_starts(path: Path) -> array:
    """Offsets of the lines of a Turtle file that start neither with a tab nor with ``@prefix``, and its size."""
    starts = array("q")
    line = re.compile(rb"\n(?=[^\t])")
    with open(path, "rb") as fh:
        base, newline = 0, False
        while True:
            data = fh.read(_BLOCK)
            if not data:
                break
            if newline and data[:1] != b"\t" and not data.startswith(b"@prefix "):
                starts.append(base)
            for m in line.finditer(data):
                if not data.startswith(b"@prefix ", m.end()):
                    starts.append(base + m.end())
            newline = data.endswith(b"\n")
            base += len(data)
    starts.append(base)
    return starts


def write_full(nquads: Path, parts: Iterable[Part], out: HashingWriter, path: Path) -> tuple[int, Index | None]:
    """Turtle of every triple of the N-Quads file once, sorted, streamed into ``out`` (the file ``path``).
    Returns the triples and the file's :class:`Index` (``None`` when the file's blocks cannot be told apart)."""
    merged = _Merged(nquads, parts)
    triples = ox.parse(_Reader(iter(merged)).stream(), format=ox.RdfFormat.N_TRIPLES, lenient=True)  # (serialize.py)
    ox.serialize(triples, cast(IO[bytes], out), format=ox.RdfFormat.TURTLE, prefixes=_prefixes())
    out.flush()
    starts = _block_starts(path)
    subjects = merged.subjects
    if len(starts) != len(subjects) + 1 or any(b <= a for a, b in zip(starts, starts[1:])):
        return merged.triples, None
    return merged.triples, Index(b"\n".join(subjects), starts, merged.shared, merged.triples)


def _lines(data: bytes) -> list[bytes]:
    """The triples of N-Quads lines (their graph and dot cut off)."""
    return [line[:line.rindex(b" <", 0, len(line) - 2)] for line in data.splitlines()]


def _nt(t) -> bytes:
    return f"{t.subject} {t.predicate} {t.object}".encode("utf-8")


def write_spliced(previous: Path, index: Index, changed: list[tuple[bytes, bytes]], out: HashingWriter) -> Index:
    """The merged Turtle after the graphs ``changed`` (each its old and its new N-Quads) changed,
    from the previous file ``previous`` and its ``index``. Returns the new file's index."""
    before: Counter = Counter()
    after: Counter = Counter()
    for old, new in changed:  # a triple a graph holds before and after changes nothing
        old_lines, new_lines = set(_lines(old)), set(_lines(new))
        before.update(old_lines - new_lines)
        after.update(new_lines - old_lines)
    touched = sorted({t[:t.index(b" ")] for t in (set(before) | set(after))})
    previous_subjects = index.subject_list()
    if previous_subjects != sorted(previous_subjects):  # (in order, as they are written: found by bisection)
        raise Mismatch("the previous build's record of its Turtle is not in the order of its subjects")
    n_before = len(previous_subjects)
    starts = index.starts
    # each touched subject's place among the previous subjects, and whether the file has a block of it
    places = [bisect.bisect_left(previous_subjects, s) for s in touched]
    found = [i for s, i in zip(touched, places) if i < n_before and previous_subjects[i] == s]
    with open(previous, "rb") as fh:
        head = _read(fh, 0, starts[0])
        old_text = [_read(fh, starts[i], starts[i + 1]) for i in found]
    # every touched subject's triples before, each with how many graphs held it
    held: dict[bytes, int] = {}
    for t in ox.parse(head + b"".join(old_text), format=ox.RdfFormat.TURTLE, lenient=True):
        line = _nt(t)
        held[line] = index.shared.get(line, 1)
    count = index.triples
    shared = dict(index.shared)
    for t in set(before) | set(after):
        was = held.get(t, 0)
        n = was - before[t] + after[t]
        if n < 0:
            raise Mismatch("the previous build's record of its Turtle does not match its N-Quads")
        count += (n > 0) - (was > 0)
        held[t] = n
        if n >= 2:
            shared[t] = n
        else:
            shared.pop(t, None)
    blocks = _blocks(sorted(t for t, n in held.items() if n > 0), head)
    # the file: the prefixes, then the previous file's blocks copied in runs, between them the touched
    # subjects' blocks written again (a subject without triples now has none)
    out.write(head)
    subjects: list[bytes] = []
    new_starts = array("q")
    pos, at = len(head), 0  # where the next block goes; the next previous block to copy
    with open(previous, "rb") as fh:
        def copy(upto: int) -> None:
            nonlocal pos, at
            if upto > at:
                _copy(fh, starts[at], starts[upto], out)
                shift = pos - starts[at]
                new_starts.extend([x + shift for x in starts[at:upto]])
                subjects.extend(previous_subjects[at:upto])
                pos += starts[upto] - starts[at]
                at = upto

        for s, i in zip(touched, places):
            copy(i)
            if i < n_before and previous_subjects[i] == s:  # its previous block: not copied
                at = i + 1
            if s in blocks:
                out.write(blocks[s])
                subjects.append(s)
                new_starts.append(pos)
                pos += len(blocks[s])
        copy(n_before)
    new_starts.append(pos)
    return Index(b"\n".join(subjects), new_starts, shared, count)


def _blocks(triples: list[bytes], head: bytes) -> dict[bytes, bytes]:
    """Each subject's Turtle block of the sorted N-Triples ``triples``."""
    if not triples:
        return {}
    lines = b"".join(t + b" .\n" for t in triples)
    doc = ox.serialize(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES, lenient=True), format=ox.RdfFormat.TURTLE,
                       prefixes=_prefixes()) or b""
    if not doc.startswith(head):
        raise Mismatch("the Turtle writer's prefixes differ from the previous file's")
    body = doc[len(head):]
    cuts = [0] + [m.end() for m in re.finditer(rb"\n(?=[^\t])", body)] + [len(body)]
    subjects = sorted({t[:t.index(b" ")] for t in triples})
    if len(cuts) != len(subjects) + 1:
        raise Mismatch("the Turtle writer's blocks could not be told apart")
    return {s: body[cuts[i]:cuts[i + 1]] for i, s in enumerate(subjects)}


def _read(fh, start: int, end: int) -> bytes:
    fh.seek(start)
    data = fh.read(end - start)
    if len(data) != end - start:
        raise Mismatch("the previous Turtle file is shorter than expected")
    return data


def _copy(fh, start: int, end: int, out: HashingWriter) -> None:
    fh.seek(start)
    left = end - start
    while left:
        data = fh.read(min(left, _BLOCK))
        if not data:
            raise Mismatch("the previous Turtle file is shorter than expected")
        out.write(data)
        left -= len(data)
