"""SHACL validation of a compiled corpus, linear in its size, with a cache of what conformed.

pySHACL checks the registry (with the ontology) once, then the source graphs in chunks of about
:data:`SHACL_CHUNK` triples, each chunk with the ontology and the registry entries of the entities it
names. Only violations whose focus is one of the chunk's own nodes count (entities are reported by the
registry check); a claim refers to nothing outside its source, the registry and the ontology, so this
finds exactly the violations of checking the union at once. Chunks run on a pool over the cores when
there are several. The content hashes of conforming units can be cached, so that a rebuild checks only
what changed. Each violation becomes a ``ValidationError`` at the claim's (or entity's) file and line.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rdflib import Graph, URIRef

from . import shapes
from .errors import ValidationError
from .serialize import term_strings
from .terms import ENTITY, GRAPH, PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    from .build import Compilation

__all__ = ["shacl_problems", "record_cache", "CACHE_DIR", "SHACL_CHUNK"]

#: Where a build keeps the content hashes of the SHACL units that conformed (inside ``out``).
CACHE_DIR = Path(".cache") / "shacl"

Progress = Callable[[str], None]

SHACL_CHUNK = 6000

_CHUNKS: list[tuple[list[tuple], set | None]] = []  # set before a pool forks; workers read them by index


def _shacl_chunks(comp: Compilation) -> list[tuple[list[tuple], set | None]]:
    """The validation units: (triples, the focus nodes whose violations count, or None for all).

    The registry with the ontology is checked once, as a whole (every violation counts). The
    source graphs are grouped, in order, into chunks of about :data:`SHACL_CHUNK` triples; each
    chunk is checked with the ontology and the registry entries of the entities it names, and
    only violations whose focus is one of the chunk's own subjects count (the entities are
    reported by the registry check). A claim refers to nothing outside its source, the registry
    and the ontology, so this finds exactly the violations of checking the union at once.
    """
    ontology = comp.graphs[GRAPH.ontology]
    by_entity: dict = {}
    for t in comp.graphs[GRAPH.registry]:
        by_entity.setdefault(t[0], []).append(t)
    units: list[tuple[list[tuple], set | None]] = [(ontology + comp.graphs[GRAPH.registry], None)]
    names = [name for name in comp.graphs if name not in (GRAPH.ontology, GRAPH.registry)]
    chunk: list[tuple] = []
    for i, name in enumerate(names):
        chunk.extend(comp.graphs[name])
        if len(chunk) >= SHACL_CHUNK or i == len(names) - 1:
            named = {o for _, _, o in chunk if o in by_entity}
            units.append((ontology + [t for e in sorted(named) for t in by_entity[e]] + chunk,
                          {t[0] for t in chunk}))
            chunk = []
    return units


def _check_unit(index: int) -> list[tuple]:
    triples, own = _CHUNKS[index]
    data = Graph()
    data.addN((s, p, o, data) for s, p, o in triples)
    results = shapes.check(data, with_ontology=False, inplace=True)
    return [(r.focus, r.message, r.path, r.value) for r in results if own is None or r.focus in own]


_SALT: list[bytes] = []


def _cache_salt() -> bytes:
    """What a cached check depends on besides its triples: the shapes and the checking code."""
    if not _SALT:
        import pyshacl
        import rdflib

        from .resources import SHAPES_FILE, ontology_dir

        h = hashlib.sha256(f"{pyshacl.__version__} {rdflib.__version__}".encode())
        for path in (ontology_dir() / SHAPES_FILE, Path(shapes.__file__), Path(__file__)):
            h.update(path.read_bytes())
        _SALT.append(h.digest())
    return _SALT[0]


def _unit_key(comp: Compilation, triples: list[tuple], own: set | None) -> str:
    """A content hash of one validation unit: its triples (N-Triples, sorted) and whose violations count."""
    nt = term_strings(comp)
    h = hashlib.sha256(_cache_salt())
    h.update("\n".join(sorted({f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in triples})).encode("utf-8"))
    h.update(b"\n--\n" + ("\n".join(sorted(nt(x) for x in own)) if own is not None else "*").encode("utf-8"))
    return h.hexdigest()


def shacl_problems(comp: Compilation, progress: Progress | None = None,
                   cache: Path | None = None) -> list[ValidationError]:
    """Check the compiled dataset against the SHACL shapes; one ``ValidationError`` per violation,
    located at the claim's (or the registry entity's) file and line.

    pySHACL checks the registry once and the source graphs in chunks (see :func:`_shacl_chunks`),
    on both cores when there are several chunks. With ``cache`` (a folder), a unit whose content
    hash is there conformed before and is not checked again; the hashes of the units that conform
    now are kept in ``comp.shacl_passed`` for :func:`build` to record once the build succeeds.
    """
    global _CHUNKS
    units = _shacl_chunks(comp)
    keys = [_unit_key(comp, t, own) for t, own in units] if cache is not None else [None] * len(units)
    todo = [i for i, k in enumerate(keys) if k is None or not (cache / k).is_file()]  # type: ignore[operator]
    if progress and len(todo) < len(units):
        progress(f"checking SHACL shapes: {len(units) - len(todo)} of {len(units)} unit(s) unchanged (cached)")
    _CHUNKS = units
    found: list[list[tuple]] = [[] for _ in units]
    try:
        import multiprocessing as mp

        workers = min(os.cpu_count() or 1, len(todo))
        big = sum(len(units[i][0]) for i in todo) > 2 * SHACL_CHUNK  # a pool is worth its start-up
        if workers > 1 and big and "fork" in mp.get_all_start_methods():
            import pyshacl  # noqa: F401  (imported before the fork, once)

            with mp.get_context("fork").Pool(workers) as pool:
                for k, (i, res) in enumerate(zip(todo, pool.imap(_check_unit, todo))):
                    if progress:
                        progress(f"checking SHACL shapes [{k + 1}/{len(todo)}]")
                    found[i] = res
        else:
            for i in todo:
                found[i] = _check_unit(i)
    finally:
        _CHUNKS = []
    comp.shacl_passed = [k for k, res in zip(keys, found) if k is not None and not res]
    nm = Graph().namespace_manager
    for prefix, ns in PREFIXES.items():
        nm.bind(prefix, ns)
    problems = []
    for focus, message, path, value in (r for res in found for r in res):
        detail = ""
        if path is not None:
            detail = f" ({nm.normalizeUri(path)}"
            detail += f" = {value})" if value is not None else ")"
        entity, owner = _entity(focus, comp), _owner(focus, comp)
        if entity is not None:
            problems.append(ValidationError(f"SHACL: entity '{entity.id}': {message}{detail}",
                                            file=entity.file, line=entity.line))
        elif owner is not None:
            source, compiled = owner
            problems.append(ValidationError(f"SHACL: {message}{detail}", file=source.claims_file,
                                            line=compiled.line, claim=compiled.claim_id))
        else:
            problems.append(ValidationError(f"SHACL: {message}{detail} at <{focus}>"))
    return problems


def _entity(focus, comp: Compilation):
    base = str(ENTITY)
    text = str(focus)
    if text.startswith(base) and text[len(base):] in comp.registry:
        return comp.registry.get(text[len(base):])
    return None


def _owner(focus, comp: Compilation):
    if focus in comp.claims:
        return comp.claims[focus]
    base = str(focus).split("#", 1)[0]
    return comp.claims.get(URIRef(base))


def record_cache(cache: Path, keys: list[str]) -> None:
    """Keep exactly ``keys`` (the units that conform now) in the SHACL cache folder."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        keep = set(keys)
        for old in cache.iterdir():
            if old.name not in keep:
                old.unlink(missing_ok=True)
        for k in keep:
            (cache / k).touch()
    except OSError:
        pass  # a cache that cannot be written only makes the next build slower
