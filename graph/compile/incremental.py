"""What a build keeps for the next one: each source's compiled graph and records, keyed by digests.

A build writes, into its generation beside the outputs, :data:`CACHE_FILE`: for each source, the
digest of its folder's files, where its named graph lies in the generation's ``serbia-kg.nq``, and
the small records the derived graphs are made from (its transfers for ``kgg:links``, its claims
naming two or more actors for ``kgg:ties``, its claims for ``kgg:pages``, its claims by type).
Everything else a source's compilation depends on (the registry, the ontology and its shapes,
serbia-kg's own code and the versions of the libraries that write RDF, the SHACL engine) goes into
one *context* digest.

It also keeps, for every named graph, the sha256 of its N-Quads, its summary for ``void.ttl``
and where its chunk lies in the outputs written graph by graph (TriG, JSON-LD).

The next build of the same output folder (:func:`graph.compile.build.build`) reuses the entry of
every source whose digest is unchanged, when the context digest is the same, and compiles and
checks only the others; the derived graphs are made again from the records of all; a graph whose
N-Quads are unchanged is copied into the TriG and JSON-LD from the previous files. When anything
is in doubt (no previous build, a different context, a cache that cannot be read, a previous
``serbia-kg.nq`` that is not the one the cache describes) the build compiles everything, and its
progress line says why (:func:`plan`).
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import hashlib
import io
import os
import pickle
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from graph.compile.merged import Index
from graph.compile.serialize import Part
from graph.compile.sources import Source
from graph.compile.void import GraphSummary

__all__ = ["CACHE_FILE", "Entry", "Chunks", "Cache", "Plan", "Writer", "context_digest", "source_digest", "source_key",
           "plan", "read", "write"]

#: The cache's file in a generation's folder (not one of the outputs: no name in ``out/`` leads to it).
CACHE_FILE = "incremental.pickle"
_FORMAT = 9
#: Sources whose records are pickled together: a pickle's memo holds every object it wrote, so the
#: records are written in batches, not as one pickle of the corpus's (some 600 MB of memo at 10M).
_BATCH = 32
#: The libraries whose versions can change what a build writes.
_LIBRARIES = ("pyoxigraph", "rdflib", "pyshacl", "PyYAML", "shacl-rust")


@dataclass
class Entry:
    """One source as a build compiled it."""

    key: str                    # :func:`source_digest` of its folder
    source: Source              # its metadata (no text)
    part: Part | None           # where its graph lies in the generation's serbia-kg.nq
    claims_by_type: dict[str, int] = field(default_factory=dict)
    transfers: list = field(default_factory=list)   # corroboration.Transfer
    named: list = field(default_factory=list)       # ties.Named
    pages: list = field(default_factory=list)       # pages.Claimed
    #: The values its graph gave the view (``compile_corpus(read=...)``); ``None``: not collected.
    read: dict | None = None
    #: Its files' names, sizes, times and inodes when ``key`` was taken (:func:`source_key`); ``None``: not trusted.
    stats: tuple | None = None


@dataclass
class Chunks:
    """One named graph of a build: the sha256 of its N-Quads, what ``void.ttl`` says of it, and where
    its chunk lies in each output written graph by graph (:data:`graph.compile.serialize.CHUNKED`:
    format -> offset, length)."""

    sha256: str
    void: GraphSummary
    at: dict[str, tuple[int, int]] = field(default_factory=dict)
    nq: tuple[int, int] | None = None   # offset and length of its N-Quads in the generation's serbia-kg.nq
    #: A graph updated in place (:mod:`graph.compile.delta`): its subjects in order, one a line (``None``: not kept).
    subjects: bytes | None = None


@dataclass
class Cache:
    """A build's entries (by source folder name), for the next build of the same output folder."""

    context: dict[str, str]
    nquads: tuple[int, int]     # size and mtime (ns) of the generation's serbia-kg.nq when written
    entries: dict[str, Entry]
    #: Every named graph's :class:`Chunks`, and each chunked output's file name, size and mtime.
    graphs: dict[str, Chunks] = field(default_factory=dict)
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    #: Where each subject's block lies in the merged Turtle (:mod:`graph.compile.merged`).
    turtle: Index | None = None
    #: The registry as read (:class:`graph.model.registry.Registry`): the same while the context is.
    registry: Any = None
    format: int = _FORMAT
    #: Where each source's graph lies in the generation's serbia-kg.nq (:attr:`Entry.part`, kept apart from
    #: the entries: it moves whenever a graph before it changes).
    parts: dict[str, Part | None] = field(default_factory=dict)
    #: The record's pickles as read (:class:`Pickled`), for the next record (not written).
    pickled: "Pickled | None" = None


@dataclass
class Pickled:
    """The pickles a record was read from: the registry's, and each batch of entries' with what its entries
    were (:func:`_signature`). A build whose batch of entries is as a previous one's writes its bytes again."""

    registry: bytes
    batches: list[tuple[tuple, bytes]]
    registry_object: Any = None  # the registry those bytes are of


@dataclass
class Plan:
    """What the next build reuses: ``entries`` (by folder name; empty: compile everything) and why."""

    context: dict[str, str]
    entries: dict[str, Entry] = field(default_factory=dict)
    previous_nquads: Path | None = None
    reason: str = ""
    #: The previous build's graphs, and its chunked outputs that are still as it wrote them (format -> path).
    graphs: dict[str, Chunks] = field(default_factory=dict)
    chunked: dict[str, Path] = field(default_factory=dict)
    turtle: Index | None = None
    registry: Any = None
    pickled: Pickled | None = None
    #: The corpus's source folders, and the digests and stats of those the previous build had, once a build
    #: has looked (``(folders, keys, stats)``: :func:`graph.compile.build.compile_corpus` does not look again).
    looked: tuple[list[Path], dict[str, str], dict[str, tuple | None]] | None = None

    @property
    def incremental(self) -> bool:
        return self.previous_nquads is not None


def _digest_files(h: Any, root: Path) -> None:
    """Feed every file under ``root`` (its path relative to ``root`` and its bytes) to ``h``, sorted."""
    if not root.exists():
        h.update(b"\0missing\0")
        return
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        files += [Path(folder) / n for n in names if not n.endswith((".pyc", ".pyo"))]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix().encode("utf-8")
        h.update(len(rel).to_bytes(4, "big") + rel)
        try:
            data = path.read_bytes()
        except OSError:  # a dangling link: what the build would say is its own business
            data = b"\0unreadable\0"
        h.update(len(data).to_bytes(8, "big") + data)


def source_digest(folder: Path) -> str:
    """The digest of a source folder: the names and bytes of all its files (links followed)."""
    h = hashlib.sha256()
    _digest_files(h, Path(folder))
    return h.hexdigest()


def _stats(folder: Path) -> tuple:
    files = []
    for where, dirs, names in os.walk(folder):
        dirs.sort()
        for n in names:
            path = os.path.join(where, n)
            try:
                st = os.stat(path)
                files.append((os.path.relpath(path, folder), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            except OSError:
                files.append((os.path.relpath(path, folder), -1, 0, 0, 0))
    return tuple(sorted(files))


#: A file changed less than this long (ns) before its source's digest was taken is read again next time.
SETTLED_NS = 2_000_000_000


def source_key(folder: Path, previous: Entry | None) -> tuple[str, tuple | None]:
    """The digest of a source folder (:func:`source_digest`) and its files' stats, for the next build.

    Like make and rsync, a build trusts a folder whose files have the sizes, times (of change, as
    ``ctime``, which no tool sets back) and inodes that ``previous`` recorded: its digest is the one
    recorded, not read again. A folder with a file changed less than :data:`SETTLED_NS` before the digest
    is taken records no stats (a change in the same tick of the clock would leave its time as it was)."""
    now = time.time_ns()
    stats = _stats(folder)
    if previous is not None and previous.stats is not None and previous.stats == stats:
        return previous.key, stats
    key = source_digest(folder)
    settled = all(max(mtime, ctime) < now - SETTLED_NS for _, _, mtime, ctime, _ in stats)
    return key, stats if settled else None


def context_digest(corpus: Path, shacl_engine: str) -> dict[str, str]:
    """The digests of everything every source's compilation depends on besides its own folder, by
    what a user would call it: the registry, the ontology (and shapes), serbia-kg's code, the RDF
    libraries' versions, the SHACL engine."""
    from graph.model.resources import ontology_dir

    parts: dict[str, str] = {}
    for label, root in (("the registry", Path(corpus) / "registry"), ("the ontology", ontology_dir()),
                        ("serbia-kg", Path(__file__).resolve().parents[1])):
        h = hashlib.sha256(f"serbia-kg incremental {_FORMAT}\0".encode())
        _digest_files(h, root)
        parts[label] = h.hexdigest()
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    parts["the RDF libraries"] = ",".join(versions)
    parts["the SHACL engine"] = shacl_engine
    return parts


def _stat(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def plan(previous: Path | None, corpus: Path, shacl_engine: str, *, full: bool = False) -> Plan:
    """What a build of ``corpus`` can reuse from the generation ``previous`` (``None``: there is none)."""
    context = context_digest(corpus, shacl_engine)
    if full:
        return Plan(context, reason="full build (asked for)")
    if previous is None:
        return Plan(context)
    path = Path(previous) / CACHE_FILE
    if not path.is_file():
        return Plan(context, reason="full build: the previous build kept no record of its sources")
    try:
        cache = read(path)
        ok = True
    except Exception:  # noqa: BLE001 - any unreadable cache means: compile everything
        ok = False
    if not ok:
        return Plan(context, reason="full build: the previous build's record of its sources is unreadable")
    if cache.context != context:
        changed = [k for k in context if cache.context.get(k) != context[k]] if isinstance(cache.context, dict) \
            else list(context)
        return Plan(context, reason=f"full build: {' and '.join(changed)} changed since the previous build")
    nquads = Path(previous) / "serbia-kg.nq"
    try:
        same = _stat(nquads) == tuple(cache.nquads)
    except OSError:
        same = False
    if not same:
        return Plan(context, reason="full build: the previous build's serbia-kg.nq is not the one it wrote")
    chunked = {}
    for fmt, (name, size, mtime) in cache.files.items():
        try:
            if _stat(Path(previous) / name) == (size, mtime):
                chunked[fmt] = Path(previous) / name
        except OSError:
            pass
    return Plan(context, entries=cache.entries, previous_nquads=nquads, graphs=cache.graphs, chunked=chunked,
                turtle=cache.turtle, registry=cache.registry, pickled=cache.pickled)


def _iri(value: str) -> Any:
    """An rdflib IRI of a record, made as it was kept (it was checked when it was first made)."""
    from rdflib import URIRef

    return str.__new__(URIRef, value)


def _reduce_iri(obj: Any) -> tuple:
    return _iri, (str(obj),)


def _Pickler(fh: Any, protocol: int) -> pickle.Pickler:
    """A pickler that keeps an rdflib IRI as its text, read back by :func:`_iri` (rdflib's own way checks it
    again: the record's many IRIs made its reading slow). Through the pickler's table of reductions by type,
    looked up by the pickler itself: a ``reducer_override`` was a call into Python for every object that is
    not a plain str, number, tuple, list or dict (every record, row and term: 8 s of a 10M build)."""
    from rdflib import URIRef

    pickler = pickle.Pickler(fh, protocol=protocol)
    pickler.dispatch_table = {**copyreg.dispatch_table, URIRef: _reduce_iri}
    return pickler


class Writer:
    """The record of a build, written into its generation in two parts: the sources' records and the
    registry (:meth:`records`, while the outputs are written by other processes), then what the outputs
    are (:meth:`finish`, once they are). ``previous``: the pickles of the record the build started from
    (:attr:`Plan.pickled`): a batch of entries as they were there is not pickled again, its bytes are copied."""

    def __init__(self, folder: Path, previous: Pickled | None = None) -> None:
        self.folder = Path(folder)
        self.previous = previous
        self.entries: dict[str, Entry] = {}
        self.fh = open(self.path, "wb")

    def records(self, entries: dict[str, Entry], registry: Any) -> None:
        self.entries = entries
        _dump_entries(self.fh, entries, registry, self.previous)

    def finish(self, context: dict[str, str], graphs: dict[str, Chunks], files: dict[str, str],
               turtle: Index | None, *, sync: bool = True) -> None:
        """The second part (``files``: each chunked output's file name), flushed to the disk (``sync``; else
        the caller flushes :attr:`path`)."""
        folder = self.folder
        cache = Cache(context=context, nquads=_stat(folder / "serbia-kg.nq"), entries={}, graphs=graphs,
                      files={fmt: (name, *_stat(folder / name)) for fmt, name in files.items()}, turtle=turtle,
                      parts={name: e.part for name, e in self.entries.items()})
        with self.fh as fh:
            _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(cache)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())

    @property
    def path(self) -> Path:
        return self.folder / CACHE_FILE

    def close(self) -> None:
        self.fh.close()


def _signature(batch: dict[str, Entry]) -> tuple:
    """What a batch of entries is, as far as a build changes an entry it reuses: the sources, in order, each
    with its digest, its files' stats and its folder (and every entry compiled again has another digest)."""
    return tuple((name, e.key, e.stats, str(e.source.folder)) for name, e in batch.items())


def _pickle(obj: Any) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _dump_entries(fh: Any, entries: dict[str, Entry], registry: Any, previous: Pickled | None = None) -> None:
    """The first part of a record: its format and how many batches of entries follow, the registry; then the
    entries, :data:`_BATCH` sources a pickle (without their :attr:`Entry.part`, kept in :attr:`Cache.parts`).
    With ``previous``, a batch that was one of its batches as they were, and the registry, are copied."""
    items = list(entries.items())
    batches = range(0, len(items), _BATCH)
    _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump((_FORMAT, len(batches)))
    known = dict(previous.batches) if previous is not None else {}
    if previous is not None and registry is previous.registry_object:
        fh.write(previous.registry)
    else:
        _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(registry)
    for i in batches:
        batch = dict(items[i:i + _BATCH])
        data = known.get(_signature(batch))
        if data is None:
            data = _pickle({name: dataclasses.replace(e, part=None) for name, e in batch.items()})
        fh.write(data)


def read(path: Path) -> Cache:
    """A record as :class:`Writer` wrote it (raises when it cannot be read); its pickles kept in
    :attr:`Cache.pickled`. Python's collector of cycles is held while it is read: the record is some
    hundreds of thousands of small objects, which it would otherwise go through again and again (at 1M,
    0.57 s read with it, 0.17 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(path)
    finally:
        if enabled:
            gc.enable()


def _read(path: Path) -> Cache:
    entries: dict[str, Entry] = {}
    data = Path(path).read_bytes()
    fh = io.BytesIO(data)
    head = pickle.load(fh)
    if not (isinstance(head, tuple) and len(head) == 2 and head[0] == _FORMAT and isinstance(head[1], int)):
        raise ValueError("not a record of this version")
    at = fh.tell()
    registry = pickle.load(fh)
    pickled = Pickled(data[at:fh.tell()], [], registry)
    for _ in range(head[1]):
        at = fh.tell()
        batch = pickle.load(fh)
        if not isinstance(batch, dict):
            raise ValueError("not a record of this version")
        pickled.batches.append((_signature(batch), data[at:fh.tell()]))
        entries.update(batch)
    cache = pickle.load(fh)
    if not (isinstance(cache, Cache) and cache.format == _FORMAT):
        raise ValueError("not a record of this version")
    for name, entry in entries.items():
        entry.part = cache.parts.get(name)
    cache.entries, cache.registry, cache.pickled = entries, registry, pickled
    return cache


def write(path: Path, cache: Cache) -> None:
    """Write ``cache`` as :class:`Writer` does (for tests that change a record)."""
    with open(path, "wb") as fh:
        _dump_entries(fh, cache.entries, cache.registry)
        _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(dataclasses.replace(
            cache, entries={}, registry=None, pickled=None, parts={name: e.part for name, e in cache.entries.items()}))
