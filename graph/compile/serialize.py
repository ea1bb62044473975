"""Writing a compiled corpus in the output formats, streamed through files: the memory a build
needs does not grow with the corpus.

A build compiles its sources slice by slice (:mod:`graph.compile.build`); each slice's named
graphs are written at once into a spool folder (:func:`write_slice`): their N-Quads, each graph's
triples sorted and once. The outputs are then made from the spool, never from the whole dataset in
memory (and the spool is removed once the N-Quads are written):

- N-Quads: the graphs' byte ranges copied in the order of their names (:func:`write_nquads`);
- TriG: each graph's N-Quads parsed by pyoxigraph and written as they are read (:func:`write_chunked`);
- JSON-LD: written from the N-Quads lines as they are read (:mod:`graph.compile.jsonld`: its terms read off
  their N-Triples text, never made into pyoxigraph's objects, which took half its time);
- Turtle (every named graph merged, each triple once): the graphs of the N-Quads file, each sorted
  there, merged and streamed through pyoxigraph's Turtle writer (:mod:`graph.compile.merged`).

The outputs read the build's own N-Quads, every term of which was checked when it was made (a source's
through pyoxigraph's terms, and parsed again by shacl-rust; the derived graphs' made of those): pyoxigraph
parses them ``lenient`` (without checking each IRI again, which took half its parsing time).

Each graph's triples sorted, graphs in order of their names: the same inputs give byte-identical
files, the same bytes the in-memory compilation gives (:meth:`graph.compile.build.Compilation.nquads_text`).
"""

from __future__ import annotations

import hashlib
import heapq
import io
import mmap
import os
import threading
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Iterable, Iterator, cast

import pyoxigraph as ox

from graph.model.terms import PREFIXES

__all__ = ["Part", "write_slice", "SortedGraph", "write_nquads", "HashingWriter", "FORMATS", "CHUNKED",
           "write_chunked", "graph_bytes",
           "nquads_layout"]

#: Output formats (the names rdflib gives them) -> pyoxigraph's format names.
FORMATS = {"nquads": "N_QUADS", "trig": "TRIG", "turtle": "TURTLE", "json-ld": "JSON_LD"}
_BLOCK = 1 << 20


def _prefixes() -> dict[str, str]:
    return {p: str(ns) for p, ns in PREFIXES.items()}


@dataclass(frozen=True)
class Part:
    """Where one named graph's N-Quads lie in a spool: ``length`` bytes at ``offset`` of ``file``."""

    graph: str  # the graph's IRI in N-Triples form
    file: str  # a file name in the spool folder
    offset: int
    length: int
    triples: int


def write_slice(folder: Path, name: str, graphs: dict[str, list[str]]) -> list[Part]:
    """Write the N-Quads of ``graphs`` (graph -> N-Triples strings) to ``folder/name``: graph by
    graph, sorted by name, each graph's triples sorted and once. Returns where each graph lies."""
    parts: list[Part] = []
    offset = 0
    with open(folder / name, "wb") as fh:
        for g in sorted(graphs):
            n, length = _write_quads(fh, sorted(set(graphs[g])), g)
            parts.append(Part(g, name, offset, length, n))
            offset += length
    return parts


def _write_quads(fh: BinaryIO, triples: Iterable[str], graph: str, block: int = 10_000) -> tuple[int, int]:
    """Write the N-Triples strings ``triples`` to ``fh`` as N-Quads of ``graph``, in blocks of ``block`` lines
    (a large graph, kgg:ties, is not copied whole); return how many, and their bytes."""
    suffix = f" {graph} .\n"
    n = length = 0
    it = iter(triples)
    while lines := list(islice(it, block)):
        data = (suffix.join(lines) + suffix).encode("utf-8")
        fh.write(data)
        n, length = n + len(lines), length + len(data)
    return n, length


class SortedGraph:
    """One named graph written to the spool file ``folder/name`` as :func:`write_slice` writes it (its
    triples sorted and once), in memory bounded by ``run`` triples, whatever the graph's size. The
    N-Triples strings given (:meth:`extend`) are written to the file as they come while each one follows the
    one before (what a maker that gives its triples in order costs: no sort, no copy); from the first one that
    does not, they are sorted in runs of ``run``, each run spilled to a file of its own beside it, and the runs
    (the one written in order first) merged (``heapq.merge``) into the graph's file by :meth:`finish`.
    What a build does with the derived graphs (``kgg:ties``, ``kgg:pages``), which are made from every
    source's records. Each run is written as the graph's N-Quads lines, in the order of their triples: the
    graph's name follows a space, below the ``@`` or ``^`` with which a triple that begins with another goes on
    (``"v"`` and ``"v"@en``)."""

    #: Triples sorted in memory at once (some 100 MB of text).
    RUN = 500_000

    def __init__(self, folder: Path, name: str, graph: str, run: int | None = None) -> None:
        self.folder, self.name, self.graph, self.run = Path(folder), name, graph, run or self.RUN
        self.buf: list[str] = []
        self.runs: list[Path] = []
        self.ordered = True  # every triple given so far followed the one before: written to ``self.stream``
        self.last = ""  # the last of those
        self.stream: BinaryIO | None = None
        self.streamed = self.stream_bytes = 0

    def extend(self, triples: Iterable[str]) -> None:
        it = iter(triples)
        if self.ordered:
            last, block = self.last, []
            for t in it:
                if t > last:
                    block.append(t)
                    last = t
                    if len(block) >= 10_000:
                        self._stream(block)
                        block = []
                elif t != last:  # out of order: what came so far is a run; the rest is sorted
                    self._stream(block)
                    self._end_stream()
                    self.buf.append(t)
                    break
            else:
                self._stream(block)
                self.last = last
                return
        buf, run = self.buf, self.run
        for t in it:
            buf.append(t)
            if len(buf) >= run:
                self._spill()
                buf = self.buf

    def _stream(self, block: list[str]) -> None:
        if not block:
            return
        if self.stream is None:
            self.stream = open(self._run_path(), "wb")
        n, length = _write_quads(self.stream, block, self.graph)
        self.streamed, self.stream_bytes = self.streamed + n, self.stream_bytes + length

    def _end_stream(self) -> None:
        self.ordered = False
        if self.stream is not None:
            self.stream.close()
            self.stream = None
            self.runs.append(self._run_path())

    def _run_path(self) -> Path:
        return self.folder / f"{self.name}.run-{len(self.runs):04d}"

    def _spill(self) -> None:
        path = self._run_path()
        with open(path, "wb") as fh:
            _write_quads(fh, sorted(set(self.buf)), self.graph)
            self.buf = []
        self.runs.append(path)

    def finish(self) -> Part:
        """Write the graph's file; return where the graph lies (the runs' files removed)."""
        path = self.folder / self.name
        if self.ordered:  # every triple came in order: the run written is the graph's file
            if self.stream is not None:
                self.stream.close()
                self.stream = None
                os.replace(self._run_path(), path)
            else:
                path.write_bytes(b"")
            return Part(self.graph, self.name, 0, self.stream_bytes, self.streamed)
        if self.runs:
            if self.buf:
                self._spill()
            with open(path, "wb") as fh:
                n, length = merge_lines(self.runs, fh)
        else:
            with open(path, "wb") as fh:
                n, length = _write_quads(fh, sorted(set(self.buf)), self.graph)
            self.buf = []
        for run in self.runs:
            run.unlink()
        self.runs = []
        return Part(self.graph, self.name, 0, length, n)


def first_last_lines(path: Path) -> tuple[bytes, bytes]:
    """The first and the last line of a file of lines (each ending with a new line); ``b""`` twice when empty."""
    with open(path, "rb") as fh:
        first = fh.readline()
        size = fh.seek(0, os.SEEK_END)
        back = 1 << 16
        while True:
            start = max(0, size - back)
            fh.seek(start)
            data = fh.read(size - start)
            cut = data.rfind(b"\n", 0, len(data) - 1)
            if cut >= 0 or start == 0:
                return first, data[cut + 1:]
            back *= 4


def copy_file(path: Path, out: BinaryIO) -> None:
    """Append the file ``path`` to ``out`` (by the system, not through this process's memory, where it can)."""
    out.flush()
    _copy_range(path, 0, os.path.getsize(path), out.fileno())


def merge_lines(paths: list[Path], out: BinaryIO) -> tuple[int, int]:
    """Write the lines of the files ``paths`` (each sorted) to ``out``, merged, each once; return how many, and
    their bytes."""
    handles = [open(path, "rb") for path in paths]
    n = length = 0
    try:
        previous = None
        for line in heapq.merge(*handles):
            if line != previous:
                previous = line
                out.write(line)
                n, length = n + 1, length + len(line)
    finally:
        for fh in handles:
            fh.close()
    return n, length


class HashingWriter:
    """A binary file that keeps the sha256 of what is written to it, flushed to the disk on close
    (pyoxigraph's writers take it as a file: they call ``write``)."""

    def __init__(self, path: Path, hashing: bool = True) -> None:
        """``hashing``: whether to take the digest (a part of a file, joined later, has none: :meth:`close`
        gives "")."""
        self.fh: BinaryIO = open(path, "wb")
        self.sha = hashlib.sha256() if hashing else None

    def write(self, data: bytes) -> int:
        if data and self.sha is not None:
            self.sha.update(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()

    def append_ranges(self, ranges: list[tuple[Path | bytes | memoryview, int, int]]) -> None:
        """Append each of ``ranges`` (a file's path or bytes, an offset, a length), in order: a file's bytes
        copied by the system (``os.copy_file_range``: not read into this process and written back), the
        digest taken meanwhile by a thread from a map of each file (hashlib lets go of Python's lock), so
        the copy and the digest run on two cores. At 10M triples (2.3 GB of N-Quads from one file) 1.4 s,
        where reading, hashing and writing it took 5.2-7.4 s (`docs/build.md`)."""
        ranges = [r for r in ranges if r[2]]
        if not ranges:
            return
        self.fh.flush()
        failed: list[BaseException] = []
        hashing = threading.Thread(target=_digest_ranges, args=(self.sha, ranges, failed), daemon=True,
                                   name="serbia-kg-digest") if self.sha is not None else None
        if hashing is not None:
            hashing.start()
        try:
            fd = self.fh.fileno()
            for source, offset, length in ranges:
                if isinstance(source, Path):
                    _copy_range(source, offset, length, fd)
                else:
                    _write_all(fd, memoryview(source)[offset:offset + length])
        finally:
            if hashing is not None:
                hashing.join()
        if failed:
            raise failed[0]

    def close(self, sync: bool = True) -> str:
        """Flush to the disk (``sync``; else only to the system: the caller flushes it, e.g. through
        :class:`graph.model.files.Flushing`) and close; return the hex digest."""
        self.fh.flush()
        if sync:
            os.fsync(self.fh.fileno())
        self.fh.close()
        return self.sha.hexdigest() if self.sha is not None else ""

    def __enter__(self) -> "HashingWriter":
        return self

    def __exit__(self, *exc) -> None:
        if not self.fh.closed:
            self.fh.close()


def write_nquads(folder: Path, parts: Iterable[Part], out: HashingWriter, name: str,
                 held: dict[str, list] | None = None) -> list[Part]:
    """Copy each graph's N-Quads from the spool ``folder`` (or, for a file of ``held``, from its pieces there:
    joined, the file) into ``out`` (the file ``name``), graphs in the order of their names
    (:meth:`HashingWriter.append_ranges`: the graphs that lie one after the other in a file copied at once).
    Returns where each graph lies in ``out``."""
    written: list[Part] = []
    ranges: list[tuple[Path | bytes | memoryview, int, int]] = []
    offset = 0
    held = held or {}
    for part in sorted(parts, key=lambda p: p.graph):
        if part.file in held:
            ranges += [(piece, 0, len(piece)) for piece in piece_views(held[part.file], part.offset, part.length)]
        else:
            path = folder / part.file
            if ranges and ranges[-1][0] == path and ranges[-1][1] + ranges[-1][2] == part.offset:
                ranges[-1] = (path, ranges[-1][1], ranges[-1][2] + part.length)  # (the next bytes of the same file)
            else:
                ranges.append((path, part.offset, part.length))
        written.append(Part(part.graph, name, offset, part.length, part.triples))
        offset += part.length
    out.append_ranges(ranges)
    return written


def piece_views(pieces: list, offset: int, length: int) -> list[memoryview]:
    """The bytes ``offset`` to ``offset + length`` of ``pieces`` joined (bytes and memoryviews), as views of
    the pieces, not joined. :class:`OSError` when they hold fewer."""
    views: list[memoryview] = []
    at = 0  # where the piece begins in the whole
    for piece in pieces:
        n = len(piece)
        if at + n > offset and length:
            start = max(offset - at, 0)
            take = min(n - start, length)
            views.append(memoryview(piece)[start:start + take])
            offset, length = offset + take, length - take
        at += n
    if length:
        raise OSError("an updated graph is shorter than expected")
    return views


def _copy_range(path: Path, offset: int, length: int, fd: int) -> None:
    """Append ``length`` bytes of the file ``path`` from ``offset`` to the file open as ``fd``: by the system
    where it can, else through a buffer."""
    with open(path, "rb") as fh:
        src, done = fh.fileno(), 0
        try:
            while done < length:
                n = os.copy_file_range(src, fd, length - done, offset + done)
                if not n:
                    break
                done += n
        except (AttributeError, OSError):  # (no copy_file_range, or none between these files: through a buffer)
            if done:
                raise
        fh.seek(offset + done)
        while done < length:
            block = fh.read(min(length - done, _BLOCK))
            if not block:
                raise OSError(f"spool file {path.name} is shorter than expected")
            _write_all(fd, block)
            done += len(block)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _digest_ranges(sha: Any, ranges: list[tuple[Path | bytes | memoryview, int, int]],
                   failed: list[BaseException]) -> None:
    """``sha`` updated with each range's bytes, in order: a file's read through a map of it."""
    maps: dict[Path, tuple[Any, mmap.mmap]] = {}
    try:
        for source, offset, length in ranges:
            if not isinstance(source, Path):
                sha.update(memoryview(source)[offset:offset + length])
                continue
            path = source
            if path not in maps:
                fh = open(path, "rb")
                maps[path] = (fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
            view = memoryview(maps[path][1])
            try:
                if len(view) < offset + length:
                    raise OSError(f"spool file {path.name} is shorter than expected")
                for at in range(offset, offset + length, 8 * _BLOCK):
                    sha.update(view[at:min(at + 8 * _BLOCK, offset + length)])
            finally:
                view.release()
    except BaseException as exc:  # noqa: BLE001 - raised by the caller
        failed.append(exc)
    finally:
        for fh, m in maps.values():
            m.close()
            fh.close()


def nquads_layout(parts: Iterable[Part], name: str) -> list[Part]:
    """Where :func:`write_nquads` puts each graph of ``parts`` in the file ``name`` (known before it is written)."""
    written: list[Part] = []
    offset = 0
    for part in sorted(parts, key=lambda p: p.graph):
        written.append(Part(part.graph, name, offset, part.length, part.triples))
        offset += part.length
    return written


class _Reader(io.RawIOBase):
    """A binary file read from an iterator of lines (or blocks of whole lines): what pyoxigraph's parser
    reads, through :meth:`stream`.

    The parser asks for some 2 KB at a time: a buffer of :data:`_READ` in front (:meth:`stream`) asks
    this reader for large reads, and each of its reads hands out what it joined from the start of
    what is left (at 10M, cutting the rest of a 1 MB block off at every 2 KB read cost 13 s)."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines, self.buf, self.at = lines, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self.at >= len(self.buf):
            want = len(b)
            chunks, size = [], 0
            while size < want:
                line = next(self.lines, None)
                if line is None:
                    break
                chunks.append(line)
                size += len(line)
            self.buf, self.at = b"".join(chunks), 0
        n = min(len(b), len(self.buf) - self.at)
        b[:n] = memoryview(self.buf)[self.at:self.at + n]
        self.at += n
        return n

    def stream(self) -> IO[bytes]:
        """This reader behind a buffer of :data:`_READ` (what the parser reads)."""
        return cast(IO[bytes], io.BufferedReader(self, _READ))


#: What :meth:`_Reader.stream` asks its reader for at a time.
_READ = 1 << 20


# --- outputs made of one chunk per named graph (TriG, JSON-LD): what an incremental build reuses --------

#: The outputs written graph by graph: each is a head, one chunk per named graph (in the order of
#: their names) joined by a separator, and a tail; a graph's chunk is the same bytes whatever the
#: other graphs hold, so a build can copy an unchanged graph's chunk from the previous file.
CHUNKED = ("trig", "json-ld")


def graph_bytes(nquads: Path, part: Part) -> bytes:
    """One graph's N-Quads, read from the file ``nquads``."""
    with open(nquads, "rb") as fh:
        fh.seek(part.offset)
        data = fh.read(part.length)
    if len(data) != part.length:
        raise OSError(f"{nquads.name} is shorter than expected")
    return data


def _document(fmt: str, data: bytes) -> bytes:
    """The whole TriG document of the N-Quads ``data`` (``fmt``: ``trig``; the
    JSON-LD is written graph by graph, :func:`graph.compile.jsonld.graph_chunk`)."""
    assert fmt == "trig"
    return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_QUADS, lenient=True), format=ox.RdfFormat.TRIG,
                        prefixes=_prefixes()) or b""


def _frame(fmt: str) -> tuple[bytes, bytes, bytes]:
    """The head, separator and tail of the chunked output ``fmt``."""
    if fmt == "json-ld":
        from graph.compile import jsonld

        return jsonld.frame()
    sample = b"<https://w3id.org/serbia-kg/x> <https://w3id.org/serbia-kg/x> <https://w3id.org/serbia-kg/x> " \
             b"<https://w3id.org/serbia-kg/graph/x> .\n"
    doc = _document(fmt, sample)  # the prefixes, then the graphs
    return doc[:doc.index(b"\n", doc.rindex(b"@prefix ")) + 1], b"", b""


def _chunk(fmt: str, data: bytes, frame: tuple[bytes, bytes, bytes]) -> bytes:
    if fmt == "json-ld":  # written graph by graph
        from graph.compile import jsonld

        buf = io.BytesIO()
        jsonld.graph_chunk([data], buf)
        return buf.getvalue()
    doc = _document(fmt, data)
    head, _, tail = frame
    if not (doc.startswith(head) and doc.endswith(tail)):
        raise RuntimeError(f"the {fmt} writer's output no longer has the form of one chunk per graph")
    return doc[len(head):len(doc) - len(tail)]


class _Trimmed:
    """A binary file that passes what is written to ``out`` but its first ``len(head)`` bytes and its last
    ``len(tail)`` bytes, which must be ``head`` and ``tail`` (:meth:`close` checks); ``length``: bytes passed."""

    def __init__(self, out: HashingWriter, head: bytes, tail: bytes) -> None:
        self.out, self.head, self.tail = out, head, tail
        self.seen, self.held, self.length = b"", b"", 0

    def write(self, data: bytes) -> int:
        n = len(data)
        if len(self.seen) < len(self.head):  # the head, checked and dropped
            want = len(self.head) - len(self.seen)
            self.seen += data[:want]
            data = data[want:]
            if not self.head.startswith(self.seen):
                raise RuntimeError("the writer's output no longer has the form of one chunk per graph")
        data = self.held + data
        keep = len(self.tail)
        self.held = data[len(data) - keep:] if keep else b""
        data = data[:len(data) - keep] if keep else data
        if data:
            self.out.write(data)
            self.length += len(data)
        return n

    def flush(self) -> None:
        pass

    def close(self) -> int:
        if self.seen != self.head or self.held != self.tail:
            raise RuntimeError("the writer's output no longer has the form of one chunk per graph")
        return self.length


def _blocks(path: Path, part: Part, size: int = _BLOCK) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(part.offset)
        left = part.length
        while left:
            data = fh.read(min(left, size))
            if not data:
                raise OSError(f"{path.name} is shorter than expected")
            left -= len(data)
            yield data


def _chunk_to(fmt: str, nquads: Path, part: Part, frame: tuple[bytes, bytes, bytes], out: HashingWriter) -> int:
    """Write one graph's chunk (what :func:`_chunk` gives) to ``out`` as it is made, its N-Quads read from
    the file as a stream (a graph of millions of triples is not held); return its length."""
    if fmt == "json-ld":  # written graph by graph
        from graph.compile import jsonld

        return jsonld.graph_chunk(_blocks(nquads, part), out)
    head, _, tail = frame
    trimmed = _Trimmed(out, head, tail)
    quads = ox.parse(_Reader(_blocks(nquads, part)).stream(), format=ox.RdfFormat.N_QUADS, lenient=True)
    ox.serialize(quads, cast(IO[bytes], trimmed), format=ox.RdfFormat.TRIG, prefixes=_prefixes())
    return trimmed.close()


#: A graph of more bytes of N-Quads than this is written to its chunk as a stream (:func:`_chunk_to`).
STREAMED_CHUNK = 64 << 20


def write_chunked(fmt: str, nquads: Path, parts: list[Part], out: HashingWriter,
                  reuse: dict[str, tuple[int, int]] | None = None,
                  previous: Path | None = None, *, splice: dict | None = None,
                  wait: Callable[[], Any] | None = None,
                  span: tuple[int, int] | None = None) -> dict[str, tuple[int, int]]:
    """Write the output ``fmt`` (one of :data:`CHUNKED`) of the N-Quads file ``nquads`` (whose graphs
    lie at ``parts``, in order), graph by graph. A graph in ``reuse`` is copied from the file
    ``previous`` (``(offset, length)`` of its chunk there: the caller knows its triples are the
    same); a graph in ``splice`` (``(offset, length)`` of its previous chunk, and how it changed: a
    :class:`graph.compile.delta.Patch`) has its previous chunk's unchanged subjects copied
    (:func:`graph.compile.delta.splice_chunk`; written whole if that chunk is not as expected); every
    other graph is written from its N-Quads. A part's file is ``nquads`` or another (its path, or its name
    beside ``nquads``): ``wait`` (when given) returns once ``nquads`` is written, called before it is first
    read. Returns where each graph's chunk lies.

    ``span`` (``(start, end)``): only the graphs ``parts[start:end]``, as they lie in the whole file (the head
    only when ``start`` is 0, the tail only when ``end`` is the last, the separator before the first chunk when a
    graph before ``start`` has one): the files of consecutive spans, joined, are the whole file (where each
    chunk lies is then counted from the span's first byte)."""
    from graph.compile import delta

    def path_of(part: Part) -> Path:
        path = nquads.parent / part.file
        if wait is not None and path == nquads:
            wait()
        return path

    frame = _frame(fmt)
    head, sep, tail = frame
    reuse = reuse or {}
    splice = splice or {}
    start, end = span if span is not None else (0, len(parts))
    first = not any(p.length for p in parts[:start])  # (no chunk before this span's: no separator before its first)
    if start == 0:
        out.write(head)
    pos = len(head) if start == 0 else 0
    where: dict[str, tuple[int, int]] = {}
    old = open(previous, "rb") if previous is not None and (reuse or splice) else None
    try:
        for i, part in enumerate(p for p in parts[start:end] if p.length):  # (a graph with no triples: no chunk)
            if i or not first:
                out.write(sep)
                pos += len(sep)
            if old is not None and part.graph in reuse:
                offset, length = reuse[part.graph]
                old.seek(offset)
                data = old.read(length)
                if len(data) != length:
                    raise OSError(f"{previous} is shorter than expected")
            elif old is not None and part.graph in splice:
                (offset, length), patch = splice[part.graph]
                old.seek(offset)
                data = old.read(length)
                try:
                    data = delta.splice_chunk(fmt, data, patch, lambda lines: _chunk(fmt, lines, frame))
                except delta.Mismatch:
                    data = _chunk(fmt, graph_bytes(path_of(part), part), frame)
            elif part.length > STREAMED_CHUNK:
                length = _chunk_to(fmt, path_of(part), part, frame, out)
                where[part.graph] = (pos, length)
                pos += length
                continue
            else:
                data = _chunk(fmt, graph_bytes(path_of(part), part), frame)
            out.write(data)
            where[part.graph] = (pos, len(data))
            pos += len(data)
    finally:
        if old is not None:
            old.close()
    if end >= len(parts):
        out.write(tail)
    return where
