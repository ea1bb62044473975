"""Compile a corpus into an RDF dataset, validate it, and write the outputs atomically.

The flow: read the registry and every source folder; compile each claim (one rule per claim
type, :mod:`graph.compile.claims`); put each source's claims in a named graph of its own, beside the
``registry`` and ``ontology`` graphs; link claims of different sources that describe one fact
(:mod:`graph.compile.corroboration`); check the result with the SHACL shapes (:mod:`graph.compile.validation`,
pySHACL); write TriG, N-Quads, Turtle and JSON-LD (:mod:`graph.compile.serialize`). Every problem found is
reported, each as one line; nothing is written unless there is none. Outputs are sorted and carry no
timestamps, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import multiprocessing
import os
from collections import Counter
import shutil
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from graph.compile.claims import Compiled, compile_claim
from graph.model.dates import parse_date
from graph.model.errors import CorpusInvalid, InputError, KGError, ValidationError
from graph.model.files import Flushing, write_atomically  # noqa: F401 - where the build and its callers write files
from graph.model.rdfterms import ValueCollector, nt_converter, nt_lines, to_oxigraph
from graph.model.registry import Registry, concept_schemes, load_registry
from graph.model.resources import ontology_graph
from graph.compile.sources import Source, discover, load_source
from graph.compile import incremental, merged, serialize
from graph.compile import void
from graph.compile.void import VOID_FILE
from graph.model.terms import GRAPH, PREFIXES, SKG
from graph.compile.pages import PAGES, QUESTIONS, claimed, page_context, page_triples
from graph.compile.ties import TIES, Named, actor_iris, named_actors, tie_groups, tie_triples
from graph.compile import parallel
from graph.compile.parallel import cores, fewer_collections, pool
from graph.compile.shapes import DEFAULT_ENGINE, ENGINES
from graph.model import generation, yamlfile

__all__ = ["Summary", "Compilation", "compile_corpus", "validate", "build", "OUTPUTS", "StoreChanges", "store_changes"]

#: Output files of a build: name -> rdflib format.
OUTPUTS = {
    "serbia-kg.trig": "trig",
    "serbia-kg.nq": "nquads",
    "serbia-kg.ttl": "turtle",
    "serbia-kg.jsonld": "json-ld",
}
SUMMARY_FILE = "summary.json"


@dataclass
class Summary:
    """What a build or validation saw."""

    sources: int
    claims: int
    entities: int
    triples: int
    claims_by_type: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.sources} source(s), {self.claims} claims, {self.entities} entities, "
                f"{self.triples} triples")


@dataclass
class Compilation:
    """A compiled corpus: its named graphs, and where each claim was written (for messages).

    ``graphs`` maps each named graph (its IRI in N-Triples form: the ontology, the registry, one
    per source, the derived links) to its triples, each one N-Triples string ``<s> <p> <o>``, as
    pyoxigraph writes them. ``dataset`` is the same as an rdflib ``Dataset``, made on first use (a
    build does not need it: it validates and serialises from the strings).
    """

    graphs: dict[str, list[str]]
    registry: Registry
    sources: list[Source]
    claims: dict[URIRef, tuple[Source, Compiled]]
    _cache: dict = field(default_factory=dict, repr=False)
    #: The generation a build wrote this compilation into (after :func:`build`).
    written_to: "generation.Generation | None" = field(default=None, repr=False)
    #: A compilation written to disk as it was compiled (by :func:`build`): its graphs are there,
    #: not in ``graphs`` and ``claims`` (both empty), and its sources keep no text.
    spooled: "Spooled | None" = field(default=None, repr=False)
    #: The values of the properties :func:`compile_corpus` was asked to ``read``, collected from every graph
    #: (:class:`graph.model.rdfterms.ValueCollector`): property IRI -> ``(subject, object)`` values; ``None``
    #: when some source's were not collected (a source an incremental build reused from a build that did not).
    read: dict[str, list] | None = field(default=None, repr=False)
    #: A build that found the current generation up to date and wrote nothing (:func:`build` with ``keep``):
    #: this compilation is that generation's (its N-Quads, sources and counts); :attr:`written_to` is ``None``.
    up_to_date: bool = field(default=False, repr=False)

    def nquads_text(self) -> str:
        """The dataset as N-Quads, graph by graph (sorted by name), each graph's triples sorted."""
        if "nq" not in self._cache and self.spooled is not None:  # read back from the build's file
            self._cache["nq"] = self.spooled.nquads_file().read_text(encoding="utf-8")
        if "nq" not in self._cache:
            parts: list[str] = []
            for g in sorted(self.graphs):
                parts.extend(f"{t} {g} .\n" for t in sorted(set(self.graphs[g])))
            self._cache["nq"] = "".join(parts)
        return self._cache["nq"]

    def triple_set(self) -> set[str]:
        """Every triple of every graph, once (N-Triples strings without the final dot)."""
        if "triples" not in self._cache and self.spooled is not None:
            self._cache["triples"] = {line[:line.rindex(" <")] for line in self.nquads_text().splitlines()}
        if "triples" not in self._cache:
            self._cache["triples"] = {t for triples in self.graphs.values() for t in triples}
        return self._cache["triples"]

    def ntriples_text(self) -> str:
        """Every triple once, sorted, as N-Triples (the graphs merged)."""
        return "".join(f"{t} .\n" for t in sorted(self.triple_set()))

    def oxigraph_store(self):
        """The compilation in an in-memory pyoxigraph ``Store`` (made once): what the projection
        and the view read fastest."""
        if "store" not in self._cache:
            store = ox.Store()
            if self.spooled is not None and "nq" not in self._cache:
                store.bulk_load(path=str(self.spooled.nquads_file()), format=ox.RdfFormat.N_QUADS)
            else:
                store.bulk_load(input=self.nquads_text().encode("utf-8"), format=ox.RdfFormat.N_QUADS)
            self._cache["store"] = store
        return self._cache["store"]

    @property
    def dataset(self) -> Dataset:
        """The compilation as an rdflib ``Dataset`` (union default graph, project prefixes bound)."""
        if "dataset" not in self._cache:
            ds = _empty_dataset()
            ds.parse(data=self.nquads_text(), format="nquads")
            self._cache["dataset"] = ds
        return self._cache["dataset"]

    def summary(self) -> Summary:
        if self.spooled is not None:
            by_type = dict(self.spooled.claims_by_type)
            if self.spooled.triples is None:
                raise RuntimeError("a spooled compilation counts its triples when its outputs are written")
            triples = self.spooled.triples
        else:
            by_type = _types(self.claims.values())
            triples = len(self.triple_set())
        return Summary(sources=len(self.sources), claims=sum(by_type.values()), entities=len(self.registry),
                       triples=triples, claims_by_type=dict(sorted(by_type.items())))


def _types(claims) -> dict[str, int]:
    """How many of the ``(source, compiled claim)`` pairs ``claims`` are of each claim type."""
    return dict(Counter(compiled.type for _, compiled in claims))


@dataclass
class Spooled:
    """Where a build keeps a compilation on disk while it writes the outputs (:mod:`graph.compile.serialize`):
    each named graph's N-Quads (``parts``), in files of ``folder``."""

    folder: Path
    parts: list[serialize.Part] = field(default_factory=list)
    claims_by_type: dict[str, int] = field(default_factory=dict)
    #: Every triple once (the graphs merged): counted when the Turtle is written.
    triples: int | None = None
    #: The N-Quads written from it (once :func:`write_outputs` has).
    nquads: Path | None = None
    #: Each source's records (by folder name): what the next build reuses; ``plan``: what this one reused.
    entries: dict[str, incremental.Entry] | None = None
    plan: incremental.Plan | None = None
    #: The graphs an incremental build updated subject by subject (:class:`graph.compile.delta.Patch`, no data).
    patches: dict = field(default_factory=dict)
    #: Files of ``parts`` held in memory, not in ``folder`` (by name), each in pieces (joined, the file): an
    #: incremental build's updated graphs (:attr:`graph.compile.delta.Patch.pieces`).
    held: dict[str, list] = field(default_factory=dict)
    #: Once :func:`write_outputs` has written them: where each graph lies in the N-Quads, and its sha256.
    layout: list[serialize.Part] | None = None
    digests: dict[str, str] = field(default_factory=dict)

    def add(self, graphs: dict[str, list[str]], name: str) -> None:
        """Write ``graphs`` (graph -> N-Triples strings) as the spool's file ``name``."""
        self.parts.extend(serialize.write_slice(self.folder, name, graphs))

    def nquads_file(self) -> Path:
        if self.nquads is None:
            raise RuntimeError("the spooled compilation's N-Quads are not written yet")
        return self.nquads


def _empty_dataset() -> Dataset:
    ds = Dataset(default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def _source_triples(source: Source, registry: Registry) -> list[tuple]:
    m, s = source.meta, source.iri
    triples = [(s, RDF.type, SKG.Source), (s, DCTERMS.title, Literal(str(m["title"]).strip())),
               (s, SKG.sourceKind, Literal(m["kind"]))]
    if m.get("publisher"):
        try:
            publisher = registry.resolve(str(m["publisher"]), ("actor",), what="publisher")
        except KGError as exc:
            raise ValidationError(exc.message, file=source.meta_file,
                                  line=yamlfile.line_of(m, "publisher")) from None
        triples.append((s, DCTERMS.publisher, publisher.iri))
    if m.get("author"):
        triples.append((s, DCTERMS.creator, Literal(str(m["author"]))))
    else:
        triples.append((s, SKG.authorUnknown, Literal(True)))
    if m.get("issued") is not None:
        triples.append((s, DCTERMS.issued, parse_date(m["issued"])))
    if m.get("language"):
        triples.append((s, DCTERMS.language, Literal(str(m["language"]))))
    if m.get("url"):
        triples.append((s, SKG.address, Literal(str(m["url"]), datatype=XSD.anyURI)))
    for url in m.get("republished_at") or []:
        triples.append((s, SKG.republishedAt, Literal(str(url), datatype=XSD.anyURI)))
    if m.get("rights"):
        triples.append((s, DCTERMS.rights, Literal(" ".join(str(m["rights"]).split()))))
    header = (m.get("dataset") or {}).get("header") if isinstance(m.get("dataset"), dict) else None
    if header:  # a table's header line: the names of the cells of each quoted row
        triples.append((s, SKG.columnNames, Literal(str(header))))
    if source.text is not None:
        triples.append((s, SKG.textFile, Literal(str(m["text"]))))
        triples.append((s, SKG.textSha256, Literal(source.text_sha256)))
    return triples


def _claims_of(source: Source) -> list:
    if not source.claims_file.is_file():
        return []
    data = yamlfile.load(source.claims_file)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise InputError("claims.yaml must hold a mapping with a list under 'claims'", file=source.claims_file,
                         line=1)
    return data["claims"]


Progress = Callable[[str], None]

#: Sources are compiled (and checked) in slices of about this many bytes of claims.yaml (some
#: 60,000 triples), on a pool over the cores when there are several slices.
SLICE_BYTES = 1_000_000

_JOB: dict = {}  # what :func:`_compile_slice` reads (in a worker: sent once, by the pool's initializer)


def _init_slices(job: dict) -> None:
    _JOB.clear()
    _JOB.update(job)


@dataclass
class _Slice:
    """What compiling one slice of sources gave."""

    sources: list[Source] = field(default_factory=list)
    graphs: dict[str, list[str]] = field(default_factory=dict)
    claims: dict[URIRef, tuple[Source, Compiled]] = field(default_factory=dict)
    problems: list[KGError] = field(default_factory=list)
    transfers: list = field(default_factory=list)
    named: list = field(default_factory=list)  # ties.Named: claims naming two or more actors
    pages: list = field(default_factory=list)  # pages.Claimed: every claim, for the saved questions' pages
    shacl: list[KGError] = field(default_factory=list)
    #: When spooled: where the slice's graphs were written, its claims by type (``graphs`` and
    #: ``claims`` are then empty).
    parts: list[serialize.Part] = field(default_factory=list)
    claims_by_type: dict[str, int] = field(default_factory=dict)
    #: Each source's records (by folder name), for the next build (:mod:`graph.compile.incremental`).
    entries: dict[str, incremental.Entry] = field(default_factory=dict)
    #: With ``read``: each source's collected values (by folder name), as :attr:`Compilation.read` holds them.
    read: dict[str, dict[str, list]] = field(default_factory=dict)
    #: The digests (and files' stats) of the slice's sources new to this build (by folder name):
    #: :func:`graph.compile.incremental.source_key`, taken here rather than before the pool starts.
    keys: dict[str, tuple[str, tuple | None]] = field(default_factory=dict)


def _slices(folders: list[Path]) -> list[list[Path]]:
    out: list[list[Path]] = [[]]
    size = 0
    for folder in folders:
        try:
            n = (folder / "claims.yaml").stat().st_size
        except OSError:
            n = 0
        if out[-1] and size + n > SLICE_BYTES:
            out.append([])
            size = 0
        out[-1].append(folder)
        size += n
    return [s for s in out if s]


def _compile_slice(index: int) -> _Slice:
    """Compile the sources of one slice into N-Triples strings; with a SHACL engine, check them.

    The garbage collector is off meanwhile: a slice makes some 400,000 objects that the collector
    tracks, and its passes over them (full ones, as they pile up) took a quarter of a worker's CPU;
    a slice's few cycles (its errors' tracebacks) are left to a later pass."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compiled_slice(index)
    finally:
        if enabled:
            gc.enable()


def _compiled_slice(index: int) -> _Slice:
    from graph.compile.corroboration import Triples, transfers

    job = _JOB
    registry, schemes = job["registry"], job["schemes"]
    terms: dict = {}
    nt = nt_converter(terms)  # one per slice: its cache of terms does not grow with the corpus
    collector = ValueCollector(*job["read"]) if job.get("read") is not None else None  # one per slice, as nt
    res = _Slice()
    corroboration: list[tuple] = []
    deferred = job.get("deferred") or ()
    for folder in job["slices"][index]:
        try:
            if folder.name in deferred:
                res.keys[folder.name] = incremental.source_key(folder, None)
            source = load_source(folder)
            meta = _source_triples(source, registry)
            raw_claims = _claims_of(source)
        except KGError as exc:
            res.problems.append(exc)
            continue
        res.sources.append(source)
        corroboration.extend(meta)
        triples = list(meta)
        seen_ids: dict[str, int | None] = {}
        for raw in raw_claims:
            cid = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(cid, str) and cid in seen_ids:
                res.problems.append(ValidationError(f"duplicate claim id (first at line {seen_ids[cid]})",
                                                    file=source.claims_file, line=raw.get(yamlfile.LINE), claim=cid))
                continue
            if isinstance(cid, str):
                seen_ids[cid] = raw.get(yamlfile.LINE)
            try:
                compiled = compile_claim(raw, source, registry, schemes)
            except KGError as exc:
                res.problems.append(exc)
                continue
            if compiled.iri in res.claims:
                first = res.claims[compiled.iri][1]
                res.problems.append(ValidationError(
                    f"duplicate claim: says the same as '{first.claim_id}' (line {first.line})",
                    file=source.claims_file, line=compiled.line, claim=compiled.claim_id))
                continue
            triples.extend(compiled.triples)
            actors = named_actors(compiled.iri, compiled.triples, job["actors"])
            if len(actors) > 1:
                res.named.append(Named(compiled.claim_id, sys.intern(str(source.graph_iri)), str(compiled.iri), actors))
            res.pages.append(claimed(compiled.iri, compiled.claim_id, source.graph_iri, compiled.triples))
            if compiled.type == "transfer":
                corroboration.extend(compiled.triples)
            compiled.triples = []  # kept as strings in the graph; not sent back from a worker
            res.claims[compiled.iri] = (source, compiled)
        res.graphs[nt(source.graph_iri)] = nt_lines(triples, nt, terms)
        if collector is not None:
            res.read[source.folder.name] = collector.collect(triples)
        source.quotes = None  # located already; not sent back from a worker
        if job.get("spool") is not None:
            source.text = None  # written already (its digest is in the graph); a build does not hold every text
    if res.problems:
        return res
    if "context index" not in job:  # the ontology and the registry, indexed once per process, not per slice
        job["context index"] = Triples(job["context"])
    res.transfers = transfers(Triples(corroboration, base=job["context index"]))
    if job["engine"]:
        from graph.compile.validation import check_slice

        lines = [t for g in res.graphs.values() for t in g]
        res.shacl.extend(check_slice(job["shacl"], lines, res.claims, registry, job["engine"]))
    if job.get("spool") is not None and not res.shacl:  # written now; only where it lies goes back
        res.parts = serialize.write_slice(job["spool"], f"slice-{index:06d}.nq", res.graphs)
        res.claims_by_type = _types(res.claims.values())
        res.entries = _entries(res)
        res.graphs, res.claims = {}, {}
    return res


def _entries(res: _Slice) -> dict[str, incremental.Entry]:
    """The records of each source of a compiled slice, by folder name (:class:`incremental.Entry`)."""
    by_graph: dict[str, incremental.Entry] = {}
    by_iri: dict[str, incremental.Entry] = {}
    entries: dict[str, incremental.Entry] = {}
    for source in res.sources:
        entry = entries[source.folder.name] = incremental.Entry(key="", source=source, part=None)
        by_graph[str(source.graph_iri)] = by_iri[str(source.iri)] = entry
    for src, compiled in res.claims.values():
        counts = by_graph[str(src.graph_iri)].claims_by_type
        counts[compiled.type] = counts.get(compiled.type, 0) + 1
    for t in res.transfers:
        by_iri[str(t.source)].transfers.append(t)
    for n in res.named:
        by_graph[n.graph].named.append(n)
    for c in res.pages:
        by_graph[c.graph].pages.append(c)
    for name, values in res.read.items():
        entries[name].read = values
    return entries


def compile_corpus(corpus: Path, progress: Progress | None = None,
                   shacl_engine: str | None = None, *, spool: Path | None = None,
                   reuse: incremental.Plan | None = None,
                   read: tuple[Sequence[str], Sequence[str]] | None = None) -> Compilation:
    """Read and compile every source of a corpus into one dataset (named graph per source).

    The sources are compiled in slices (:data:`SLICE_BYTES`), on a pool over the cores when there
    are several; each slice is checked against the SHACL shapes as soon as it is compiled when
    ``shacl_engine`` is given (``shacl-rust`` or ``pyshacl``; :func:`validate` does this).
    With ``spool`` (an empty folder), each slice's graphs are written there as soon as it is
    compiled and checked, and the compilation holds where they are (:class:`Spooled`), not its
    triples and claims: what :func:`build` does, so that its memory does not grow with the corpus.
    With ``spool`` and ``reuse`` (what a previous build left, :func:`graph.compile.incremental.plan`),
    only the sources whose files changed are compiled and checked; the others' graphs are taken from
    the previous build's N-Quads, and the derived graphs are made from every source's records.
    With ``read`` (properties, classes), the values of those properties (of ``rdf:type``: the instances of
    those classes) are collected from every graph as it is made, in the slices' workers (a reused source's
    were kept with its records): :attr:`Compilation.read`, what the view of a build reads
    (:class:`graph.store.native.ValuesReader`).

    Raises
    ------
    CorpusInvalid
        With one problem per bad claim, bad metadata file or duplicate, in file order; or, when
        everything compiles, one per SHACL violation.
    """
    from graph.compile.validation import Context

    corpus = Path(corpus)
    looked = reuse.looked if spool is not None and reuse is not None and reuse.incremental else None
    folders = looked[0] if looked is not None else discover(corpus, progress)
    keys: dict[str, str] = dict(looked[1]) if looked is not None else {}
    stats: dict[str, tuple | None] = dict(looked[2]) if looked is not None else {}
    deferred: set[str] = set()  # a source new to this build: its digest taken by the worker that compiles it
    if spool is not None:
        known = reuse.entries if reuse is not None and reuse.incremental else {}
        for folder in folders:
            if folder.name not in known:
                deferred.add(folder.name)
            elif looked is None:
                keys[folder.name], stats[folder.name] = incremental.source_key(folder, known[folder.name])
    reused: dict[str, incremental.Entry] = {}
    if spool is not None and reuse is not None and reuse.incremental:
        reused = {f.name: reuse.entries[f.name] for f in folders
                  if f.name in keys and reuse.entries[f.name].key == keys[f.name]}
    ontology = ontology_graph()
    schemes = concept_schemes(ontology)
    if reuse is not None and reuse.incremental and reuse.registry is not None:  # read as before: its files unchanged
        registry = reuse.registry
    else:
        registry = load_registry(corpus / "registry", categories=schemes.get("SystemCategories"))
    nt = nt_converter()
    ontology_triples, registry_triples = list(ontology), list(registry.triples())
    graphs: dict[str, list[str]] = {
        nt(GRAPH.ontology): [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in ontology_triples],
        nt(GRAPH.registry): [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in registry_triples],
    }
    to_compile = [f for f in folders if f.name not in reused]
    if progress and reuse is not None:
        _announce(reuse, to_compile, keys, len(reused), progress)
    slices = _slices(to_compile)
    job = dict(registry=registry, schemes=schemes, slices=slices, engine=shacl_engine,
               actors=actor_iris(ontology_triples, registry_triples),
               context=ontology_triples + registry_triples,
               shacl=Context(graphs[nt(GRAPH.ontology)], graphs[nt(GRAPH.registry)]),
               spool=spool, read=read, deferred=deferred)
    results = _compile_slices(job, len(to_compile), progress, shacl_engine)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise CorpusInvalid(problems)
    for r in results:
        for name, (key, stat) in r.keys.items():
            keys[name], stats[name] = key, stat
    claims: dict[URIRef, tuple[Source, Compiled]] = {}
    for r in results:
        graphs.update(r.graphs)
        claims.update(r.claims)
    # checked before the sources' entries are gathered: a slice that fails SHACL leaves none
    if shacl_engine:
        _check_shapes(results, Context(graphs[nt(GRAPH.ontology)], graphs[nt(GRAPH.registry)]), registry,
                      shacl_engine, reuse is None or not reuse.incremental, progress)
    spooled = None
    if spool is not None:
        spooled = _spooled(Path(spool), results, folders, keys, reused, reuse)
        for name, entry in (spooled.entries or {}).items():
            entry.stats = stats[name]
        entries = list((spooled.entries or {}).values())
        sources = [e.source for e in entries]
        collected = [e.read for e in entries]
        transfers = [t for e in entries for t in e.transfers]
        named = [n for e in entries for n in e.named]
        claimed_list = [c for e in entries for c in e.pages]
    else:
        sources = [s for r in results for s in r.sources]
        collected = [values for r in results for values in r.read.values()]
        transfers = [t for r in results for t in r.transfers]
        named = [n for r in results for n in r.named]
        claimed_list = [c for r in results for c in r.pages]
    patched = None
    if spooled is not None and reuse is not None and reuse.incremental:
        changed = [e for name, e in reuse.entries.items() if name not in reused]
        patched = _patched(spooled, reuse, changed, [spooled.entries[f.name] for f in to_compile] if spooled.entries
                           else [], registry_triples, read)
    if patched is not None and spooled is not None and reuse is not None and read is None \
            and _links_as_before(reuse, transfers, spooled):  # kgg:ties and kgg:pages updated; kgg:links as it was
        graphs, values = {}, {}
    elif patched is not None:  # kgg:ties and kgg:pages updated for what changed; kgg:links made again
        graphs = {}
        values = _derived(graphs, ontology_triples, registry_triples, read, sources, transfers, None, None)
    else:
        values = _derived(graphs, ontology_triples, registry_triples, read, sources, transfers, named, claimed_list,
                          spooled)
    if spooled is not None and graphs:  # the ontology, the registry, the derived graphs (or kgg:links): its last file
        spooled.add(graphs, "whole.nq")
        graphs = {}
    # every source's values, or none (a reused source whose values were not kept)
    whole = read is not None and len(collected) == len(sources) and all(v is not None for v in collected)
    return Compilation(graphs=graphs, registry=registry, sources=sources, claims=claims, spooled=spooled,
                       read=_merged([*collected, values]) if whole else None)


def _links_as_before(reuse: incremental.Plan, transfers: list, spooled: Spooled) -> bool:
    """Whether kgg:links is made of the same records as the previous build's (every source's transfers, in
    order; the ontology and the registry are as they were in an incremental build): then it is taken, as
    the previous build wrote it, from its N-Quads (added to ``spooled``)."""
    from graph.compile.corroboration import LINKS

    previous = reuse.graphs.get(nt_converter()(LINKS))
    if previous is None or previous.nq is None or reuse.previous_nquads is None:
        return False
    if [t for e in reuse.entries.values() for t in e.transfers] != transfers:
        return False
    if not (spooled.folder / PREVIOUS).exists():
        os.link(reuse.previous_nquads, spooled.folder / PREVIOUS)
    spooled.parts.append(serialize.Part(nt_converter()(LINKS), PREVIOUS, *previous.nq, previous.void.triples))
    return True


def _announce(reuse: incremental.Plan, to_compile: list[Path], keys: dict[str, str], unchanged: int,
              progress: Progress) -> None:
    """The build's first line: what an incremental build compiles again, or why the build is full."""
    if reuse.incremental:
        removed = sum(1 for name in reuse.entries if name not in keys)
        added = sum(1 for f in to_compile if f.name not in reuse.entries)
        progress(f"incremental build: {len(to_compile) - added} source(s) changed, {added} added, {removed} "
                 f"removed, {unchanged} unchanged (--full rebuilds everything)")
    elif reuse.reason:
        progress(reuse.reason)


def _check_shapes(results: list[_Slice], context, registry: Registry, engine: str, with_registry: bool,
                  progress: Progress | None) -> None:
    """Raise the slices' SHACL violations, and the registry's when ``with_registry`` (an incremental
    build's registry is the previous one's, checked then), as one :class:`CorpusInvalid`."""
    from graph.compile.validation import check_registry

    registry_problems: list[KGError] = []
    if with_registry:
        if progress:
            progress(f"checking the registry against the SHACL shapes ({engine})")
        registry_problems = [*check_registry(context, registry, engine)]
    problems = registry_problems + [p for r in results for p in r.shacl]
    if problems:
        raise CorpusInvalid(problems)


def _spooled(spool: Path, results: list[_Slice], folders: list[Path], keys: dict[str, str],
             reused: dict[str, incremental.Entry], reuse: incremental.Plan | None) -> Spooled:
    """Where every source's graph lies in the spool (the compiled ones) or in the previous build's
    N-Quads (the reused ones, linked into the spool), with each source's records, in corpus order."""
    compiled = {name: e for r in results for name, e in r.entries.items()}
    entries: dict[str, incremental.Entry] = {}
    for folder in folders:  # in the order of a full build
        entry = reused.get(folder.name) or compiled[folder.name]
        entry.key = keys[folder.name]
        entry.source.folder = folder
        entries[folder.name] = entry
    parts = [p for r in results for p in r.parts]
    if reused:  # the unchanged sources' graphs: read from the previous build's N-Quads
        assert reuse is not None and reuse.previous_nquads is not None
        os.link(reuse.previous_nquads, spool / PREVIOUS)
        parts += [dataclasses.replace(e.part, file=PREVIOUS) for e in reused.values() if e.part is not None]
    return Spooled(spool, parts, dict(sum((Counter(e.claims_by_type) for e in entries.values()), Counter())),
                   entries=entries, plan=reuse)


def _derived(graphs: dict[str, list[str]], ontology_triples: list, registry_triples: list,
             read: tuple[Sequence[str], Sequence[str]] | None, sources: list[Source], transfers: list,
             named: list | None, claimed_list: list | None, spooled: Spooled | None = None) -> dict[str, list]:
    """Add the derived graphs (kgg:links, kgg:ties, kgg:pages) to ``graphs``, made from every source's
    records; with ``read``, return the values of those properties in them, the ontology and the registry.
    With ``spooled``, kgg:ties and kgg:pages are not added to ``graphs`` but written to the spool as they
    are made, each in order (:class:`graph.compile.serialize.SortedGraph`, which sorts what is not): the largest
    graphs of the dataset (together 37 % of the triples), never held whole."""
    from graph.compile.corroboration import LINKS, link_transfers, Triples

    nt = nt_converter()
    collector = ValueCollector(*read) if read is not None else None
    values: dict[str, list] = collector.collect(ontology_triples + registry_triples) if collector else {}

    def through(triples):
        return collector.through(triples, values) if collector is not None else triples

    def make_links() -> None:
        # several sources, one fact: the derived kgg:links graph
        links = link_transfers(transfers, Triples(ontology_triples + registry_triples))
        graphs[nt(LINKS)] = [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in through(links.triples())]

    own_tasks = spooled is not None and named is not None and claimed_list is not None and (
        collector is None or not _DERIVED_READS & {str(x) for x in (*read[0], *read[1])})  # type: ignore[index]
    if not own_tasks:  # (else made while the derived graphs' tasks run)
        make_links()
    if named is None or claimed_list is None:  # updated elsewhere (:mod:`graph.compile.delta`)
        return values
    if spooled is None:
        # actors named together: the derived kgg:ties graph
        graphs[nt(TIES)] = [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in through(tie_triples(named))]
        # the saved questions' answers in order, a page at a time: the derived kgg:pages graph
        pages = page_triples(claimed_list, sources, registry_triples)
        graphs[nt(PAGES)] = [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in through(pages)]
        return values

    # nothing of theirs collected for the view (no property it reads is a tie's or a page's): made by the
    # derived graphs' own tasks (:func:`_derived_task`), on a pool when the corpus is large, kgg:links here meanwhile
    if own_tasks:
        job = dict(folder=spooled.folder, ties=nt(TIES), pages=nt(PAGES), named=named, claimed=claimed_list,
                   context=page_context(claimed_list, sources, registry_triples))
        if len(claimed_list) >= parallel.PARALLEL_CLAIMS and cores() > 1:
            with pool(2, _init_derived, (job,)) as workers:
                running = workers.imap_unordered(_derived_task, _DERIVED_TASKS)
                make_links()
                done = list(running)
        else:
            make_links()
            _init_derived(job)
            try:
                done = [_derived_task(task) for task in _DERIVED_TASKS]
            finally:
                _DERIVED.clear()
        spooled.parts.append(next(part for part in done if part.graph == nt(TIES)))
        spooled.parts.append(_joined(spooled.folder, "pages.nq", nt(PAGES), [p for p in done if p.graph != nt(TIES)]))
        return values

    def spool(graph: URIRef, name: str, triples) -> None:
        out = serialize.SortedGraph(spooled.folder, name, nt(graph))
        term = _terms()  # its cache bounded: a page's claims are seen once or twice, not again
        out.extend(f"{term(s)} {term(p)} {term(o)}" for s, p, o in through(triples))
        spooled.parts.append(out.finish())

    # the values collected in the order of the triples, as they were: ties as made, pages sorted
    spool(TIES, "ties.nq", tie_triples(named))
    spool(PAGES, "pages.nq", page_triples(claimed_list, sources, registry_triples))
    return values


_DERIVED: dict = {}  # what :func:`_derived_task` reads (given to the forked pool)


def _init_derived(job: dict) -> None:
    _DERIVED.clear()
    _DERIVED.update(job)


#: The derived graphs' tasks (:func:`_derived_task`), the costliest first (at 1M: ties 2 s of CPU, then
#: claims-about-entity 1.2 s, exercises-by-partner 0.7 s, the others 0.25 s or less), so that the pool's two
#: processes end together.
_DERIVED_TASKS = ["ties", "claims-about-entity", "exercises-by-partner",
                  *sorted(q for q in QUESTIONS if q not in ("claims-about-entity", "exercises-by-partner"))]


def _derived_task(task: str) -> serialize.Part:
    """One part of the derived graphs, written to the spool (where it lies): ``ties``, the whole ``kgg:ties``;
    a question's name, its lists' ``kgg:pages`` triples (sorted, once), which the caller joins with the other
    questions' into the graph (:func:`_joined`). Both are made a tie, or a list, at a time in the order of their
    IRIs, each one's lines sorted: the graph's file written as they come, sorted without a sort of the whole."""
    from graph.compile.pages import iter_page_lists, list_lines

    job = _DERIVED
    if task == "ties":
        out = serialize.SortedGraph(job["folder"], "ties.nq", job["ties"])
        term = _terms()  # its cache bounded
        groups: Iterator[list[str]] = ([f"{term(s)} {term(p)} {term(o)}" for s, p, o in triples]
                                       for triples in tie_groups(job["named"]))
    else:  # (made as N-Triples at once: a page's claims are seen once or twice, not again)
        out = serialize.SortedGraph(job["folder"], f"pages.{task}.nq", job["pages"])
        groups = iter_page_lists(job["claimed"], (), (), [task], job["context"], form=list_lines)
    for lines in groups:
        out.extend(sorted(lines))
    return out.finish()


def _joined(folder: Path, name: str, graph: str, parts: list[serialize.Part]) -> serialize.Part:
    """One graph's N-Quads written as the file ``name`` of ``folder`` from several files of its lines (``parts``,
    each sorted and each line once, as :class:`graph.compile.serialize.SortedGraph` writes them), which are then
    removed: the files one after the other when each one's lines all come before the next one's (the questions'
    pages: a page's IRI begins with its question's name), else their lines merged (each once)."""
    given = parts
    ends = sorted(((serialize.first_last_lines(folder / p.file), p) for p in given if p.length), key=lambda e: e[0])
    parts = [p for _, p in ends]
    apart = all(a[0][1] < b[0][0] for a, b in zip(ends, ends[1:]))
    with open(folder / name, "wb", buffering=0 if apart else -1) as out:
        if apart:
            for p in parts:
                serialize.copy_file(folder / p.file, out)
            n, length = sum(p.triples for p in parts), sum(p.length for p in parts)
        else:
            n, length = serialize.merge_lines([folder / p.file for p in parts], out)
    for p in given:
        (folder / p.file).unlink()
    return serialize.Part(graph, name, 0, length, n)


def _terms(limit: int = 200_000) -> Callable[[Any], str]:
    """:func:`graph.model.rdfterms.nt_converter`, its cache emptied whenever it holds ``limit`` terms."""
    terms: dict = {}

    def nt(x: Any) -> str:
        if type(x) is URIRef:  # the most of them (claims, pages): made at once, not kept; the IRIs of the project,
            return f"<{x}>"    # of claims and pages, as pyoxigraph writes them (at 10M, 3x faster than through it)
        r = terms.get(x)
        if r is None:
            if len(terms) >= limit:
                terms.clear()
            r = terms[x] = str(to_oxigraph(x))
        return r

    return nt


#: What the derived graphs kgg:ties and kgg:pages hold: a build that collects any of it for the view
#: makes them whole (:func:`_patched`).
_DERIVED_READS = {str(x) for x in (SKG.tieFrom, SKG.tieTo, SKG.claimCount, SKG.sourceCount, SKG.firstClaim,
                                    SKG.pageOf, SKG.pageKey, SKG.pageStart, SKG.pageSecondKey, SKG.pageItem,
                                    SKG.Tie)}


def _patched(spooled: Spooled, reuse: incremental.Plan, old: list[incremental.Entry], new: list[incremental.Entry],
             registry_triples: list, read: tuple[Sequence[str], Sequence[str]] | None) -> dict | None:
    """An incremental build's kgg:ties and kgg:pages, updated for the sources that changed (their records
    before, ``old``, and after, ``new``) in the previous build's (:mod:`graph.compile.delta`), written to the
    spool; with the ontology's and the registry's graphs, taken from the previous build's N-Quads. ``None``
    (nothing done) when they are to be made whole."""
    from graph.compile import delta

    nt = nt_converter()
    wanted = [nt(GRAPH.ontology), nt(GRAPH.registry), nt(TIES), nt(PAGES)]
    if reuse.previous_nquads is None or any(g not in reuse.graphs or reuse.graphs[g].nq is None for g in wanted):
        return None
    if read is not None and _DERIVED_READS & {str(x) for x in (*read[0], *read[1])}:
        return None
    if spooled.entries is None:
        return None
    previous = reuse.previous_nquads

    def graph(g: str) -> bytes:
        offset, length = reuse.graphs[g].nq  # type: ignore[misc]
        return _range(previous, offset, length)

    try:
        patches = delta.derive(old, new, list(spooled.entries.values()), registry_triples, graph,
                               lambda g: reuse.graphs[g].subjects)
    except delta.Mismatch:
        return None
    if patches is None:
        return None
    if not (spooled.folder / PREVIOUS).exists():
        os.link(previous, spooled.folder / PREVIOUS)
    for g in wanted[:2]:  # unchanged: as the previous build wrote them
        offset, length = reuse.graphs[g].nq  # type: ignore[misc]
        spooled.parts.append(serialize.Part(g, PREVIOUS, offset, length, reuse.graphs[g].void.triples))
    for i, g in enumerate(sorted(patches)):  # held, not written to the spool (only to the N-Quads)
        name = f"derived.{i}.nq"
        spooled.held[name] = patches[g].pieces
        spooled.parts.append(serialize.Part(g, name, 0, sum(map(len, patches[g].pieces)), patches[g].triples))
    spooled.patches = {g: dataclasses.replace(p, pieces=[]) for g, p in patches.items()}
    return patches


def _merged(parts: list) -> dict[str, list]:
    """The collected values of several graphs, as one (each property's values in the graphs' order)."""
    found: dict[str, list] = {}
    for part in parts:
        for key, pairs in part.items():
            if key in found:
                found[key].extend(pairs)
            else:
                found[key] = list(pairs)
    return found


#: The previous build's N-Quads, linked into the spool of an incremental build.
PREVIOUS = "previous.nq"


def _compile_slices(job: dict, total: int, progress: Progress | None, shacl_engine: str | None) -> list[_Slice]:
    """Compile (and check) every slice of ``job``, on a pool when there are several."""
    slices = job["slices"]
    results: list[_Slice] = []
    workers = min(cores(), len(slices))
    if workers > 1:
        with pool(workers, _init_slices, (job,)) as workers_pool:
            for res in workers_pool.imap(_compile_slice, range(len(slices))):
                results.append(res)
                if progress:
                    done = sum(len(x) for x in slices[:len(results)])
                    progress(f"[{done}/{total}] sources compiled"
                             + (f" and checked ({shacl_engine})" if shacl_engine else ""))
    else:
        _init_slices(job)
        try:
            done = 0
            for i, folder_slice in enumerate(slices):
                if progress:
                    for k, folder in enumerate(folder_slice, done + 1):
                        progress(f"[{k}/{total}] {folder.name}")
                results.append(_compile_slice(i))
                done += len(folder_slice)
        finally:
            _JOB.clear()
    return results


def validate(corpus: Path, progress: Progress | None = None,
             shacl_engine: str = DEFAULT_ENGINE) -> tuple[Compilation, Summary]:
    """Run every check on a corpus without writing anything.

    ``shacl_engine``: ``shacl-rust`` (the default) or ``pyshacl`` (see :mod:`graph.compile.shapes`).

    Raises
    ------
    CorpusInvalid
        When any claim, metadata file or shape check fails.
    """
    if shacl_engine not in ENGINES:
        raise InputError(f"unknown SHACL engine '{shacl_engine}'; choose one of {', '.join(ENGINES)}")
    with fewer_collections():
        comp = compile_corpus(corpus, progress, shacl_engine=shacl_engine)
    return comp, comp.summary()


#: What a build writes beyond the RDF outputs, into the generation before it is switched in
#: (:func:`graph.pipeline.build` passes one that writes the view and the store).
Extras = Callable[[Compilation, generation.Generation], None]

#: Whether a generation (its folder and its ``build.json``) holds what a build's :data:`Extras` would write
#: (:func:`graph.pipeline.build` asks: the view if one is asked for, the store at the path asked for).
Holds = Callable[[Path, dict], bool]


def _up_to_date(out: Path, corpus: Path, reuse: incremental.Plan, holds: Holds,
                progress: Progress | None) -> Compilation | None:
    """The current generation of ``out`` as a compilation, when a build of ``corpus`` would write it again:
    every source's files as that build read them (``reuse``: the same registry, ontology, code, libraries and
    SHACL engine), no source added or removed, every file of the generation as it was written (none changed
    since its ``build.json``: by the time of its last change, which no tool sets back) and ``holds`` true of
    it; else ``None``. Like make, a build trusts what it recorded; ``--full`` builds anyway."""
    folder = generation.current(out)
    record = generation.stamp(folder) if folder is not None else None
    if folder is None or record is None or not reuse.incremental or reuse.registry is None \
            or not holds(folder, record):
        return None
    try:
        stamped = os.stat(folder / generation.STAMP).st_ctime_ns
        if any(os.stat(folder / name).st_ctime_ns > stamped for name in record.get("files") or []
               if name != generation.STORE):
            return None
        summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folders = discover(corpus, progress)
    keys: dict[str, str] = {}
    stats: dict[str, tuple | None] = {}
    for f in folders:  # (what compile_corpus would look at next: looked at once)
        if f.name in reuse.entries:
            keys[f.name], stats[f.name] = incremental.source_key(f, reuse.entries[f.name])
    reuse.looked = (folders, keys, stats)
    if sorted(keys) != sorted(reuse.entries) or len(keys) != len(folders) \
            or any(reuse.entries[name].key != key for name, key in keys.items()):
        return None
    try:  # its names in out/ lead into it again (`serbia-kg view` writes its page over the build's name)
        generation.relink(out)
    except OSError:  # (a build then says what the folder refuses)
        return None
    spooled = Spooled(folder, claims_by_type=dict(summary["claims_by_type"]), triples=int(summary["triples"]),
                      nquads=folder / "serbia-kg.nq", entries=reuse.entries, plan=reuse)
    if progress:
        progress(f"up to date: nothing changed since the current build ({folder.name}); nothing written "
                 "(--full builds everything again)")
    return Compilation(graphs={}, registry=reuse.registry, sources=[reuse.entries[f.name].source for f in folders],
                       claims={}, spooled=spooled, up_to_date=True)


def write_outputs(comp: Compilation, gen: generation.Generation, progress: Progress | None = None, *,
                  waiting: Callable[[], None] | None = None) -> Summary:
    """Write a spooled compilation's outputs into the generation ``gen`` (every :data:`OUTPUTS`
    file, ``summary.json`` and ``void.ttl``), each streamed from the spool (:mod:`graph.compile.serialize`).
    ``waiting``, when the outputs are written by worker processes, runs in a thread of this one while it waits
    for them (started once they are forked, joined before they are done with); an error in it is ignored.

    TriG and JSON-LD are written graph by graph: after a previous build (``comp.spooled.plan``), a
    graph whose N-Quads are the same bytes is copied from the previous file. Returns the summary
    (its triples counted as the Turtle is written). The build id is the sha256 of the N-Quads
    (``gen.digests["serbia-kg.nq"]``; the same inputs give the same id).
    """
    spooled = comp.spooled
    if spooled is None:
        raise ValueError("write_outputs writes a compilation made with a spool (compile_corpus(spool=...))")
    if progress:
        progress(f"serialising {', '.join(OUTPUTS.values())}")
    nq = gen.path("serbia-kg.nq")
    plan = spooled.plan
    # each output flushed to the disk by a thread of its own once it is written, all of them before this returns
    # (the generation is switched in after): not one after another, each waiting for the disk
    flushing = Flushing()
    # an incremental build's outputs are written by their processes while the N-Quads are: they read a graph
    # from where it lies now (a source compiled again: the spool; unchanged: the previous build's N-Quads), and
    # the N-Quads (waiting for them) only for a graph held in memory here (kgg:ties, kgg:pages updated), which
    # they splice from its changes (read whole only when the previous file is not as expected)
    early = plan is not None and bool(plan.chunked)
    large = sum(p.triples for p in spooled.parts) > PARALLEL_TRIPLES
    on_pool = large and cores() > 1
    # and on the pool, a full build's too: its processes are forked first, and this one writes the N-Quads while
    # they write from the spool (the Turtle, which reads the N-Quads, waiting for them)
    deferred = early or on_pool

    # the digests of the graphs held in memory (updated in place), taken from there by a thread while the N-Quads
    # are written (rather than read back from them)
    held_digests: dict[str, str] = {}

    def hash_held(held: dict[str, list]) -> None:
        for part in spooled.parts:
            if part.file in held and part.graph in later:
                sha = hashlib.sha256()
                for piece in serialize.piece_views(held[part.file], part.offset, part.length):
                    sha.update(piece)
                held_digests[part.graph] = sha.hexdigest()

    def write_nquads() -> list[serialize.Part]:
        hashing = threading.Thread(target=hash_held, args=(spooled.held,), daemon=True) if early else None
        if hashing is not None:
            hashing.start()
        try:
            with serialize.HashingWriter(nq) as out:
                written = serialize.write_nquads(spooled.folder, spooled.parts, out, nq.name, held=spooled.held)
                gen.digests["serbia-kg.nq"] = out.close(sync=False)
        finally:
            if hashing is not None:
                hashing.join()
        flushing.add(nq)
        spooled.nquads = nq
        spooled.held = {}
        return written

    reused = {p.graph for p in spooled.parts if p.file == PREVIOUS}
    if deferred:
        parts = serialize.nquads_layout(spooled.parts, nq.name)
        spooled_at = {p.graph: p for p in spooled.parts}
        folder = spooled.folder.resolve()  # (a part's file: its path, whatever folder it is read beside)
        now = [part if spooled_at[part.graph].file in spooled.held
               else dataclasses.replace(spooled_at[part.graph], file=str(folder / spooled_at[part.graph].file))
               for part in parts]
    else:
        now = parts = write_nquads()
        for name in {p.file for p in spooled.parts}:  # read from the N-Quads from now on
            (spooled.folder / name).unlink()
    # each graph's digest and VoID summary: what an incremental build's tasks reuse by; a full build's are
    # taken while the outputs' processes run
    patches = spooled.patches or {}
    # a graph updated in place: the previous build's bytes when no line changed; else known to differ from
    # them, its digest taken while the outputs' processes run (what the tasks need is that it differs)
    later = {g for g, p in patches.items() if p.removed or p.added} if early else set()
    reused |= {g for g in patches if g not in later and plan is not None and g in plan.graphs}
    graphs = _graph_digests(gen.folder, [p for p in now if p.graph not in later], reused, plan) if early else {}
    graphs.update({g: incremental.Chunks("", void.GraphSummary(0, False, ())) for g in later})  # (no digest is "")

    def digests_meanwhile() -> dict[str, incremental.Chunks]:
        """The digests not taken above: every graph's (a full build), or those of the graphs of ``later``."""
        return _graph_digests(gen.folder, [p for p in parts if not early or p.graph in later], reused, plan, patches,
                              held_digests)

    chunked = {fmt: name for name, fmt in OUTPUTS.items() if fmt in serialize.CHUNKED}
    tasks: list[tuple] = [("serbia-kg.ttl", str(nq), tuple(parts),
                           *_turtle_splice(plan, graphs, now, gen.folder, patches), None)]
    for fmt, name in chunked.items():
        previous = plan.chunked.get(fmt) if plan is not None else None
        reuse = {g: plan.graphs[g].at[fmt] for g, c in graphs.items()
                 if previous is not None and plan is not None and g in plan.graphs
                 and plan.graphs[g].sha256 == c.sha256 and fmt in plan.graphs[g].at}
        # a graph updated subject by subject: its previous chunk, its unchanged subjects' blocks copied
        splice = {g: (plan.graphs[g].at[fmt], dataclasses.replace(patch, removed=b"", added=b"", subjects=b""))
                  for g, patch in patches.items() if previous is not None and plan is not None and g in plan.graphs
                  and g not in reuse and fmt in plan.graphs[g].at}
        # on the pool, cut into spans of graphs, each written by a task to a file of its own, joined in order here
        spans = _spans(now, reuse, splice) if on_pool else [(0, len(now))]
        for i, (start, end) in enumerate(spans):
            tasks.append((name, str(nq), tuple(now), (reuse, splice), str(previous) if previous else None,
                          (i, len(spans), start, end) if len(spans) > 1 else None))
    # the costliest first, so that the two processes end together: the last tasks are the small spans
    tasks.sort(key=_task_cost, reverse=True)
    written: dict[str, tuple[str, int | None, Any]] = {}
    record = None
    if spooled.entries is not None and plan is not None:  # what the next build reuses: written meanwhile
        where_nq = {p.graph: p for p in parts}
        nt = nt_converter()
        for entry in spooled.entries.values():
            entry.part = where_nq.get(nt(entry.source.graph_iri))
        record = incremental.Writer(gen.folder, plan.pickled)
    try:
        if on_pool:
            ready = multiprocessing.get_context("fork").Event() if deferred else None
            with pool(2, _init_outputs, (str(gen.folder), ready, tasks)) as workers:  # (forked: the tasks not sent)
                aside = _aside(waiting) if waiting is not None else None
                saving = _Saving(record, spooled.entries, comp.registry) if record is not None else None
                # the tasks' results taken (the spans joined) by a thread while this one takes the digests
                taking = _Taking(workers.imap_unordered(_write_task, range(len(tasks))), gen.folder, written,
                                 flushing)
                try:
                    if ready is not None:
                        _nquads_as_laid(write_nquads(), parts)
                        ready.set()
                    graphs.update(digests_meanwhile())
                    taking.join()  # (not after an error here: a task may wait for the N-Quads; the pool is ended)
                finally:
                    if aside is not None:
                        aside.join()
                    if saving is not None:
                        saving.join()
        else:
            if early:
                _nquads_as_laid(write_nquads(), parts)
            if record is not None:
                record.records(spooled.entries or {}, comp.registry)
            graphs.update(digests_meanwhile())
            _init_outputs(str(gen.folder), None, [])
            for task in tasks:
                name, digest, n, where = _write_output(task)
                written[name] = (digest, n, where)
                flushing.add(gen.folder / name)  # (not on the pool: no spans)
    except BaseException:
        if record is not None:
            record.close()
        raise
    for name in OUTPUTS:
        if name != "serbia-kg.nq":
            gen.path(name)
            gen.digests[name] = written[name][0]
    spooled.triples = written["serbia-kg.ttl"][1]
    spooled.layout = parts
    spooled.digests = {g: c.sha256 for g, c in graphs.items()}
    summary = comp.summary()
    gen.write(SUMMARY_FILE, (json.dumps(asdict(summary), indent=1, sort_keys=True) + "\n").encode("utf-8"))
    gen.write(VOID_FILE, void.describe_graphs({g[1:-1]: c.void for g, c in graphs.items()}, list(OUTPUTS)))
    if record is not None and plan is not None:  # what the next build reuses
        for part in parts:
            graphs[part.graph].nq = (part.offset, part.length)
        for g, patch in (patches or {}).items():
            graphs[g].subjects = patch.subjects
        for fmt, name in chunked.items():
            for g, at in written[name][2].items():
                graphs[g].at[fmt] = at
        record.finish(plan.context, graphs, dict(chunked, turtle="serbia-kg.ttl"), written["serbia-kg.ttl"][2],
                      sync=False)
        flushing.add(record.path)
    flushing.join()
    return summary


@dataclass
class StoreChanges:
    """How an incremental build's dataset differs from the previous build's, graph by graph: what a store
    that holds the previous build needs to hold this one (:func:`graph.store.backends.update_store`).
    Graphs are named in N-Triples form (``<IRI>``)."""

    #: The previous build's N-Quads and this build's.
    previous: Path
    nquads: Path
    #: The graphs the previous build had and this one has not.
    removed: list[str]
    #: The graphs that are new or whose N-Quads differ (a source compiled again, ``kgg:links`` made again):
    #: where each lies in :attr:`nquads`, to be loaded in place of the previous graph.
    replaced: list[serialize.Part]
    #: The graphs updated subject by subject (``kgg:ties``, ``kgg:pages``): their lines gone and come (N-Quads).
    patched: dict[str, tuple[bytes, bytes]]
    #: Every graph of this build that holds a quad, and its quads in all.
    graphs: list[str]
    quads: int


def store_changes(comp: Compilation) -> StoreChanges | None:
    """How ``comp`` (written by :func:`write_outputs`) differs from the previous build it was made from,
    graph by graph; ``None`` for a full build (or one whose previous graphs are not all known)."""
    spooled = comp.spooled
    if spooled is None or spooled.layout is None or spooled.nquads is None:
        return None
    plan = spooled.plan
    if plan is None or not plan.incremental or plan.previous_nquads is None or not plan.graphs:
        return None
    before = plan.graphs
    patches = spooled.patches or {}
    replaced, patched = [], {}
    for part in spooled.layout:
        g = part.graph
        old = before.get(g)
        patch = patches.get(g)
        if patch is not None and old is not None:  # updated in place: its lines gone and come, if any
            if patch.removed or patch.added:
                patched[g] = (patch.removed, patch.added)
            continue
        if old is not None and old.sha256 and old.sha256 == spooled.digests.get(g):
            continue  # the same bytes as before
        replaced.append(part)
    now = {p.graph for p in spooled.layout}
    return StoreChanges(previous=plan.previous_nquads, nquads=spooled.nquads,
                        removed=sorted(g for g in before if g not in now), replaced=replaced, patched=patched,
                        graphs=[p.graph for p in spooled.layout if p.length],  # (an empty graph: none in a store)
                        quads=sum(p.triples for p in spooled.layout))


#: On the pool, a chunked output's graphs are cut into spans (:func:`_spans`) of about this share of its cost
#: (:func:`_task_cost`) each, but not under :data:`SPAN_MIN`: the last tasks the pool runs are small, whatever
#: each output's writer costs, so that its two processes end together.
SPANS = 8
SPAN_MIN = 24 << 20


def _spans(parts: list[serialize.Part], reuse: dict, splice: dict) -> list[tuple[int, int]]:
    """The graphs ``parts`` (in order) of a chunked output cut into spans (``(start, end)``, consecutive) of about
    ``1 / SPANS`` of the N-Quads to write each (a graph is not cut; one copied from the previous file costs
    nothing, one spliced a quarter of its bytes): one span when there is less than :data:`SPAN_MIN` to write."""
    cost = [0 if p.graph in reuse else p.length // 4 if p.graph in splice else p.length for p in parts]
    target = max(sum(cost) // SPANS, SPAN_MIN)
    spans: list[tuple[int, int]] = []
    start, held = 0, 0
    for i, c in enumerate(cost):
        if held and held + c > target:
            spans.append((start, i))
            start, held = i, 0
        held += c
    spans.append((start, len(parts)))
    return spans


#: What writing an output costs, by N-Quads byte to write, as measured at 1M (relative; only the order of the
#: outputs' tasks depends on it, and the spans keep the last tasks small whatever it is).
_COST = {"serbia-kg.ttl": 1.3, "serbia-kg.trig": 1.0, "serbia-kg.jsonld": 2.0}


def _task_cost(task: tuple) -> float:
    """An outputs' task's cost (:data:`_COST`), for their order: what it writes (the Turtle spliced: a tenth)."""
    name, _, parts, reuse, _, span = task
    if name == "serbia-kg.ttl":
        return _COST[name] * sum(p.length for p in parts) / (10 if reuse is not None else 1)
    copied, spliced = reuse
    start, end = (span[2], span[3]) if span is not None else (0, len(parts))
    return _COST.get(name, 1.0) * sum(0 if p.graph in copied else p.length // 4 if p.graph in spliced else p.length
                                      for p in parts[start:end])


def _span_file(folder: Path, name: str, index: int) -> Path:
    """Where the outputs' task writes the span ``index`` of the output ``name``."""
    return folder / f".{name}.span-{index:03d}"


class _Taking(threading.Thread):
    """The outputs' tasks' results (:func:`_write_task`), taken into ``written`` as they come, by a thread; the
    spans of an output (:func:`_spans`) joined in order into the output (its digest taken) as soon as the first
    not joined yet is written. :meth:`join` raises what the tasks or the joins raised."""

    def __init__(self, results: Any, folder: Path, written: dict, flushing: Flushing) -> None:
        super().__init__(name="serbia-kg-outputs", daemon=True)
        self.results, self.folder, self.written, self.flushing = results, folder, written, flushing
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        joining: dict[str, dict] = {}
        try:
            for name, digest, n, where in self.results:
                if n is None or not isinstance(n, tuple):  # a whole output
                    self.written[name] = (digest, n, where)
                    self.flushing.add(self.folder / name)
                    continue
                index, count, length = n
                state = joining.get(name)
                if state is None:
                    state = joining[name] = dict(out=serialize.HashingWriter(self.folder / name), next=0, pos=0,
                                                 done={}, where={}, count=count)
                state["done"][index] = (length, where)
                while state["next"] in state["done"]:
                    length, where = state["done"].pop(state["next"])
                    span = _span_file(self.folder, name, state["next"])
                    _append(span, length, state["out"])
                    span.unlink()
                    state["where"].update({g: (state["pos"] + at, size) for g, (at, size) in where.items()})
                    state["pos"] += length
                    state["next"] += 1
                if state["next"] == count:
                    self.written[name] = (state["out"].close(sync=False), None, state["where"])
                    self.flushing.add(self.folder / name)
        except BaseException as exc:  # noqa: BLE001 - raised again by join
            self.error = exc
        finally:
            for state in joining.values():
                if not state["out"].fh.closed:
                    state["out"].fh.close()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error


def _append(path: Path, length: int, out: serialize.HashingWriter) -> None:
    """Copy the file ``path`` (``length`` bytes) into ``out``."""
    with open(path, "rb") as fh:
        left = length
        while data := fh.read(min(left, 8 << 20)) if left else b"":
            out.write(data)
            left -= len(data)
    if left:
        raise OSError(f"{path.name} is shorter than expected")


class _Saving(threading.Thread):
    """The first part of a build's record (:meth:`graph.compile.incremental.Writer.records`), written by a
    thread while the outputs' processes run; :meth:`join` raises what it raised."""

    def __init__(self, record: incremental.Writer, entries: dict | None, registry: Registry) -> None:
        super().__init__(name="serbia-kg-record", daemon=True)
        self.args_ = (record, entries or {}, registry)
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        record, entries, registry = self.args_
        try:
            record.records(entries, registry)
        except BaseException as exc:  # noqa: BLE001 - raised again by join
            self.error = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error


def _aside(work: Callable[[], None]) -> threading.Thread:
    """``work`` started in a thread of its own (an error in it ignored: it only prepares what comes later)."""

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 (what it prepares fails again, with its error, when it is needed)
            pass

    thread = threading.Thread(target=run, name="serbia-kg-aside", daemon=True)
    thread.start()
    return thread


def _nquads_as_laid(written: list[serialize.Part], parts: list[serialize.Part]) -> None:
    """Check that the N-Quads lie where the outputs' processes were told (:func:`serialize.nquads_layout`)."""
    if written != parts:
        raise RuntimeError("the N-Quads were not written where they were laid out")


def _turtle_splice(plan: incremental.Plan | None, graphs: dict[str, incremental.Chunks],
                   parts: list[serialize.Part], folder: Path, patches: dict | None = None) -> tuple[Any, str | None]:
    """What the Turtle's task needs to splice the previous file (:func:`graph.compile.merged.write_spliced`):
    its index and, for each graph that changed, where its old and new N-Quads lie (the new: the file of its
    part, beside ``folder``, and where in it; or, for a graph updated subject by subject, ``patches``, its
    lines gone and come); ``(None, None)`` when the file is written whole."""
    previous = plan.chunked.get("turtle") if plan is not None else None
    if plan is None or previous is None or plan.turtle is None or plan.previous_nquads is None:
        return None, None
    new = {p.graph: (str(folder / p.file), p.offset, p.length) for p in parts}
    changed = []
    for g in sorted(set(graphs) | set(plan.graphs)):
        old = plan.graphs.get(g)
        if old is not None and g in graphs and old.sha256 == graphs[g].sha256:
            continue
        if patches and g in patches:
            changed.append((patches[g].removed, patches[g].added))
            continue
        if old is not None and old.nq is None:
            return None, None
        changed.append((old.nq if old is not None else (0, 0), new.get(g, ("", 0, 0))))
    return (plan.turtle, str(plan.previous_nquads), changed), str(previous)


def _graph_digests(folder: Path, parts: list[serialize.Part], reused: set[str],
                   plan: incremental.Plan | None, patches: dict | None = None,
                   digests: dict[str, str] | None = None) -> dict[str, incremental.Chunks]:
    """Each graph's sha256 of its N-Quads and its VoID summary: a graph taken from the previous
    build's has them already; the others are read from their parts' files (beside ``folder``; a graph updated
    in place, ``patches``: its summary made from the previous one and its lines gone and come,
    :func:`_patched_summary`, and its digest ``digests[graph]`` when given, else read)."""
    graphs: dict[str, incremental.Chunks] = {}
    for part in parts:
        known = plan.graphs.get(part.graph) if plan is not None and part.graph in reused else None
        if known is not None:
            graphs[part.graph] = incremental.Chunks(known.sha256, known.void, subjects=known.subjects)
            continue
        patch = (patches or {}).get(part.graph)
        before = plan.graphs.get(part.graph) if plan is not None and patch is not None else None
        summary = _patched_summary(part.graph, before.void, patch) if before is not None else None
        if summary is not None and digests and part.graph in digests:
            graphs[part.graph] = incremental.Chunks(digests[part.graph], summary)
        elif summary is not None:
            sha = hashlib.sha256()
            for block in serialize._blocks(folder / part.file, part):
                sha.update(block)
            graphs[part.graph] = incremental.Chunks(sha.hexdigest(), summary)
        elif part.length > serialize.STREAMED_CHUNK:  # read in blocks of whole lines, not whole
            graphs[part.graph] = _streamed_digest(folder / part.file, part)
        else:
            data = serialize.graph_bytes(folder / part.file, part)
            graphs[part.graph] = incremental.Chunks(hashlib.sha256(data).hexdigest(),
                                                    void.summarise(part.graph[1:-1], data),
                                                    subjects=_subjects(part.graph, [data]))
    return graphs


#: The graphs an incremental build updates in place (:mod:`graph.compile.delta`): a build that writes one whole
#: keeps its subjects in order (:attr:`graph.compile.incremental.Chunks.subjects`), which the next build's
#: update reads rather than finding them in the graph's N-Quads (at 1M, 0.2 s).
_IN_PLACE = frozenset({f"<{TIES}>", f"<{PAGES}>"})


def _subjects(graph: str, blocks: list[bytes]) -> bytes | None:
    """The subjects of a graph of :data:`_IN_PLACE` whose N-Quads are ``blocks`` (of whole lines, in order),
    each once, one a line (``None`` for another graph)."""
    if graph not in _IN_PLACE:
        return None
    from graph.compile.delta import subject_list

    return b"\n".join(dict.fromkeys(s for block in blocks for s in subject_list(block)))


def _patched_summary(graph: str, before: void.GraphSummary, patch: Any) -> void.GraphSummary | None:
    """The VoID summary of a graph updated in place (:class:`graph.compile.delta.Patch`) from its summary
    ``before``, when none of its lines gone or come describes a source or has Serbia as its subject (so its
    lines that do are those it had, in the same order); ``None`` otherwise (then it is read whole)."""
    for lines in (patch.removed, patch.added):
        summary = void.summarise(graph[1:-1], lines)
        if summary.serbia or summary.meta:
            return None
    return void.GraphSummary(patch.triples, before.serbia, before.meta)


def _streamed_digest(nq: Path, part: serialize.Part) -> incremental.Chunks:
    """:func:`_graph_digests` of one large graph, its N-Quads read in blocks: the summary of each block of
    whole lines (:func:`graph.compile.void.summarise` looks at each line alone), added up."""
    from graph.compile.delta import subject_list as delta_subjects

    sha = hashlib.sha256()
    triples, serbia, meta = 0, False, list[str]()
    rest = b""
    subjects: dict[bytes, None] = {}  # (a graph of _IN_PLACE: its subjects, each once, in order)
    keep = part.graph in _IN_PLACE
    for block in serialize._blocks(nq, part):
        sha.update(block)
        data = rest + block
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            summary = void.summarise(part.graph[1:-1], data[:cut])
            triples, serbia = triples + summary.triples, serbia or summary.serbia
            meta.extend(summary.meta)
            if keep:
                subjects.update(dict.fromkeys(delta_subjects(data[:cut])))
    if rest:
        summary = void.summarise(part.graph[1:-1], rest)
        triples, serbia = triples + summary.triples, serbia or summary.serbia
        meta.extend(summary.meta)
        if keep:
            subjects.update(dict.fromkeys(delta_subjects(rest)))
    return incremental.Chunks(sha.hexdigest(), void.GraphSummary(triples, serbia, tuple(meta)),
                              subjects=b"\n".join(subjects) if keep else None)


#: Above this many triples, the outputs are written by two processes at once.
PARALLEL_TRIPLES = 200_000

#: The generation's folder, the N-Quads' event and the tasks, for :func:`_write_output` (given to the forked pool).
_OUT: list[Any] = []


def _init_outputs(folder: str, ready: Any, tasks: list[tuple]) -> None:
    """``ready``: set once the N-Quads are written (``None``: they are)."""
    _OUT[:] = [folder, ready, tasks]  # (what the process has from the build is frozen out of its collections: pool)


def _write_task(index: int) -> tuple[str, str, Any, Any]:
    """:func:`_write_output` of the pool's task ``index`` (the tasks, some large, are not sent to the processes:
    they have them from the fork)."""
    return _write_output(_OUT[2][index])


def _wait() -> None:
    """Return once the generation's N-Quads are written."""
    if _OUT[1] is not None:
        _OUT[1].wait()


def _range(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def _write_output(task: tuple) -> tuple[str, str, Any, Any]:
    """Write one output file into the generation from the N-Quads; return its name, its sha256,
    (for Turtle) its triples and its index, (for the chunked outputs) where each graph's chunk lies; for a span
    of a chunked output's graphs (the task's last item, ``(index, count, start, end)``), written to a file of its
    own: its name, "", ``(index, count, its length)``, where each of its chunks lies in that file."""
    name, source, parts, reuse, previous, span = task
    path = Path(_OUT[0]) / name
    if span is not None:  # a span of a chunked output's graphs, to a file of its own (:class:`_Taking` joins them)
        index, count, start, end = span
        at = _span_file(Path(_OUT[0]), name, index)
        with serialize.HashingWriter(at, hashing=False) as out:
            chunks = serialize.write_chunked(OUTPUTS[name], Path(source), list(parts), out, reuse[0],
                                             Path(previous) if previous else None, splice=reuse[1], wait=_wait,
                                             span=(start, end))
            out.close(sync=False)
        return name, "", (index, count, at.stat().st_size), chunks
    if name == "serbia-kg.ttl" and reuse is not None:  # the previous file, its changed subjects written again
        index, old_nq, changed = reuse
        if any(not isinstance(new, bytes) and new[0] == source for _, new in changed):
            _wait()
        pieces = [(old, new) if isinstance(old, bytes)
                  else (_range(Path(old_nq), *old), _range(Path(new[0]), *new[1:]) if new[0] else b"")
                  for old, new in changed]
        try:
            with serialize.HashingWriter(path) as out:
                spliced = merged.write_spliced(Path(previous), index, pieces, out)
                return name, out.close(sync=False), spliced.triples, spliced
        except merged.Mismatch:  # the previous file or its record is not what it should be: written whole
            pass
    with serialize.HashingWriter(path) as out:
        n: int | None = None
        where: Any = {}
        if name == "serbia-kg.ttl":  # every graph's triples merged, each once
            _wait()
            n, where = merged.write_full(Path(source), parts, out, path)
        else:
            where = serialize.write_chunked(OUTPUTS[name], Path(source), list(parts), out, reuse[0],
                                            Path(previous) if previous else None, splice=reuse[1], wait=_wait)
        return name, out.close(sync=False), n, where


def build(corpus: Path, out: Path | None = None, progress: Progress | None = None,
          shacl_engine: str = DEFAULT_ENGINE, *, extras: Extras | None = None,
          record: dict | None = None, stores: Sequence[Path] = (), full: bool = False,
          read: tuple[Sequence[str], Sequence[str]] | None = None,
          waiting: Callable[[], None] | None = None, keep: Holds | None = None) -> tuple[Compilation, Summary]:
    """Compile, validate and write a corpus's dataset to ``out`` (default: ``out/`` beside the corpus).

    When ``out`` holds a previous build made with the same registry, ontology, SHACL engine and
    serbia-kg, only the sources whose files changed (or were added) are compiled and checked, the
    others are reused, and the outputs are the same bytes a full build writes
    (:mod:`graph.compile.incremental`); ``full`` compiles everything.

    The build is one generation (:mod:`graph.model.generation`): every output is written into a
    new folder, ``extras`` (if given) adds more to it, and one rename switches ``out/`` to it. A
    failing or killed build leaves the previous outputs untouched; a second build of the same
    ``out`` while one runs is refused (:class:`graph.model.generation.Busy`). ``record`` is added
    to the generation's ``build.json``; ``stores``: store paths beside which to remove what killed
    builds left. ``shacl_engine`` as for :func:`validate`; ``read`` as for :func:`compile_corpus`; ``waiting``
    as for :func:`write_outputs` (what ``extras`` will need, prepared while the outputs are written).

    With ``keep`` (and not ``full``), a build that would write the current generation again writes nothing:
    when no source, registry, ontology, code or engine changed since it was built, its files are as it wrote
    them and ``keep(folder, record)`` says it holds what ``extras`` would add, the returned compilation is
    that generation's (:attr:`Compilation.up_to_date`; :func:`graph.pipeline.build` passes one).

    Raises
    ------
    CorpusInvalid
        When a check fails (nothing is written).
    InputError
        When ``out`` is not a folder, another build holds it, or the disk refuses a write.
    """
    corpus = Path(corpus)
    out = Path(out) if out is not None else generation.default_out(corpus)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", file=out)
    if shacl_engine not in ENGINES:
        raise InputError(f"unknown SHACL engine '{shacl_engine}'; choose one of {', '.join(ENGINES)}")
    with generation.locked(out), fewer_collections():
        spool = out / f".spool.{os.getpid()}.tmp"  # what a killed build leaves here, the next one prunes
        # what earlier builds left (the generation before the last among it), found before this build makes
        # anything and removed by a thread while it compiles (joined before its generation begins)
        leftovers = generation.leftovers(out, list(stores))
        generation.remove([p for p in leftovers if p == spool])  # (a killed build's of the same process id)
        pruning = _aside(lambda: generation.remove([p for p in leftovers if p != spool])) if leftovers else None
        frozen = False
        try:
            try:
                collecting = gc.isenabled()
                gc.disable()  # (the record's objects, once read, not gone through as the collector comes back)
                try:
                    reuse = incremental.plan(generation.current(out), corpus, shacl_engine, full=full)
                    kept = _up_to_date(out, corpus, reuse, keep, progress) if keep is not None else None
                    if kept is not None:
                        return kept, kept.summary()
                    if reuse.incremental:  # the record's objects, and all alive now, left out of the collections
                        gc.freeze()  # of cycles: they would be gone through again and again (1M: some 1 s of 4.5)
                        frozen = True
                finally:
                    if collecting:
                        gc.enable()
                spool.mkdir()  # (after the check: a build up to date writes nothing, on a read-only disk too)
                comp = compile_corpus(corpus, progress, shacl_engine=shacl_engine, spool=spool, reuse=reuse,
                                      read=read)
            except OSError as exc:  # the spool's disk is full or read-only
                raise generation.write_error(exc, out) from None
            if pruning is not None:
                pruning.join()
            gen = generation.begin(out)
            try:
                summary = write_outputs(comp, gen, progress, waiting=waiting)
                shutil.rmtree(spool, ignore_errors=True)
                if extras is not None:
                    extras(comp, gen)
                gen.commit(dict(record or {}, build=gen.digests["serbia-kg.nq"]))
            except OSError as exc:  # a full disk, a read-only folder: one line, the previous build kept
                gen.abort()
                raise generation.write_error(exc, out) from None
            except BaseException:
                gen.abort()
                raise
        finally:
            shutil.rmtree(spool, ignore_errors=True)
            if frozen:
                gc.unfreeze()
            if pruning is not None:
                pruning.join()
        comp.written_to = gen
    return comp, summary
