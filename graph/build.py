"""Compile a corpus into an RDF dataset, validate it, and write the outputs atomically.

The flow: read the registry and every source folder; compile each claim (one rule per claim
type, :mod:`graph.claims`); put each source's claims in a named graph of its own, beside the
``registry`` and ``ontology`` graphs; check the result with the SHACL shapes (pySHACL); write
TriG, N-Quads, Turtle and JSON-LD. Every problem found is reported, each as one line; nothing is
written unless there is none. Outputs are sorted and carry no timestamps, so the same inputs give
byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from .claims import Compiled, compile_claim
from .dates import parse_date
from .errors import CorpusInvalid, InputError, KGError, ValidationError
from .registry import Registry, load_registry
from .resources import ontology_graph
from . import shapes
from .sources import Source, discover, load_source
from .terms import ENTITY, GRAPH, PREFIXES, SKG, SKV
from . import yamlfile

__all__ = ["Summary", "Compilation", "compile_corpus", "validate", "build", "OUTPUTS", "default_out",
           "concept_schemes"]

#: Output files of a build: name -> rdflib format.
OUTPUTS = {
    "serbia-kg.trig": "trig",
    "serbia-kg.nq": "nquads",
    "serbia-kg.ttl": "turtle",
    "serbia-kg.jsonld": "json-ld",
}
SUMMARY_FILE = "summary.json"
#: Where a build keeps the content hashes of the SHACL units that conformed (inside ``out``).
CACHE_DIR = Path(".cache") / "shacl"


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

    ``graphs`` maps each named graph (ontology, registry, one per source, the derived links) to
    its triples as plain tuples of rdflib terms; ``dataset`` is the same as an rdflib
    ``Dataset``, made on first use (a build does not need it: it validates and serialises from
    ``graphs``).
    """

    graphs: dict[URIRef, list[tuple]]
    registry: Registry
    sources: list[Source]
    claims: dict[URIRef, tuple[Source, Compiled]]
    _dataset: Dataset | None = field(default=None, repr=False)
    #: content hashes of the SHACL units found conforming (see :func:`shacl_problems`)
    shacl_passed: list[str] = field(default_factory=list, repr=False)

    @property
    def dataset(self) -> Dataset:
        """The compilation as an rdflib ``Dataset`` (union default graph, project prefixes bound)."""
        if self._dataset is None:
            ds = _empty_dataset()
            for name, triples in self.graphs.items():
                g = ds.graph(name)
                g.addN((s, p, o, g) for s, p, o in triples)
            self._dataset = ds
        return self._dataset

    def quads(self) -> set[tuple]:
        """Every (subject, predicate, object, graph name) of the compilation, once."""
        return {(s, p, o, name) for name, triples in self.graphs.items() for s, p, o in triples}

    def summary(self) -> Summary:
        by_type: dict[str, int] = {}
        for _, c in self.claims.values():
            by_type[c.type] = by_type.get(c.type, 0) + 1
        triples = len({t for triples in self.graphs.values() for t in triples})  # = len(self.dataset)
        return Summary(sources=len(self.sources), claims=len(self.claims), entities=len(self.registry),
                       triples=triples, claims_by_type=dict(sorted(by_type.items())))


def _empty_dataset() -> Dataset:
    ds = Dataset(default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def default_out(corpus: Path) -> Path:
    """The default output folder: ``out/`` beside the corpus folder."""
    return corpus.resolve().parent / "out"


def concept_schemes(ontology: Graph) -> dict[str, set[str]]:
    """Local names of the concepts of each skv concept scheme."""
    schemes: dict[str, set[str]] = {}
    base = str(SKV._NS)
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        schemes.setdefault(str(scheme)[len(base):], set()).add(str(concept)[len(base):])
    return schemes


def _source_triples(source: Source, registry: Registry) -> list[tuple]:
    m, s = source.meta, source.iri
    triples = [(s, RDF.type, SKG.Source), (s, DCTERMS.title, Literal(str(m["title"]).strip())),
               (s, SKG.sourceKind, Literal(m["kind"]))]
    if m.get("publisher"):
        try:
            publisher = registry.resolve(str(m["publisher"]), ("actor",), what="publisher")
        except KGError as exc:
            raise ValidationError(exc.message, file=source.meta_file, line=1) from None
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


def compile_corpus(corpus: Path, progress: Progress | None = None) -> Compilation:
    """Read and compile every source of a corpus into one dataset (named graph per source).

    Raises
    ------
    CorpusInvalid
        With one problem per bad claim, bad metadata file or duplicate, in file order.
    """
    corpus = Path(corpus)
    folders = discover(corpus)
    ontology = ontology_graph()
    schemes = concept_schemes(ontology)
    registry = load_registry(corpus / "registry", categories=schemes.get("SystemCategories"))
    problems: list[KGError] = []
    sources: list[Source] = []
    claims: dict[URIRef, tuple[Source, Compiled]] = {}
    graphs: dict[URIRef, list[tuple]] = {GRAPH.ontology: list(ontology), GRAPH.registry: list(registry.triples())}
    for i, folder in enumerate(folders, 1):
        if progress:
            progress(f"[{i}/{len(folders)}] {folder.name}")
        try:
            source = load_source(folder)
            graph = graphs.setdefault(source.graph_iri, [])
            graph.extend(_source_triples(source, registry))
            raw_claims = _claims_of(source)
        except KGError as exc:
            problems.append(exc)
            continue
        sources.append(source)
        seen_ids: dict[str, int | None] = {}
        for raw in raw_claims:
            cid = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(cid, str) and cid in seen_ids:
                problems.append(ValidationError(f"duplicate claim id (first at line {seen_ids[cid]})",
                                                file=source.claims_file, line=raw.get(yamlfile.LINE), claim=cid))
                continue
            if isinstance(cid, str):
                seen_ids[cid] = raw.get(yamlfile.LINE)
            try:
                compiled = compile_claim(raw, source, registry, schemes)
            except KGError as exc:
                problems.append(exc)
                continue
            if compiled.iri in claims:
                first = claims[compiled.iri][1]
                problems.append(ValidationError(
                    f"duplicate claim: says the same as '{first.claim_id}' (line {first.line})",
                    file=source.claims_file, line=compiled.line, claim=compiled.claim_id))
                continue
            claims[compiled.iri] = (source, compiled)
            graph.extend(compiled.triples)
    if problems:
        raise CorpusInvalid(problems)
    from .corroboration import LINKS, corroborate  # several sources, one fact: the derived kgg:links graph
    graphs[LINKS] = list(corroborate(_corroboration_dataset(graphs, sources, claims)).triples())
    return Compilation(graphs=graphs, registry=registry, sources=sources, claims=claims)


def _corroboration_dataset(graphs: dict[URIRef, list[tuple]], sources: list[Source], claims: dict) -> Dataset:
    """The part of the dataset that corroboration reads: the ontology, the registry, every source's
    metadata and the transfer claims (with their evidence and deliveries). Corroboration gives the
    same answer on it as on the whole dataset, and it is smaller to load into rdflib."""
    ds = _empty_dataset()
    for name in (GRAPH.ontology, GRAPH.registry):
        g = ds.graph(name)
        g.addN((s, p, o, g) for s, p, o in graphs[name])
    for source, compiled in claims.values():
        if compiled.type == "transfer":
            g = ds.graph(source.graph_iri)
            g.addN((s, p, o, g) for s, p, o in compiled.triples)
    for source in sources:
        g = ds.graph(source.graph_iri)
        g.addN((s, p, o, g) for s, p, o in graphs[source.graph_iri] if s == source.iri)
    return ds


#: Source graphs are validated in chunks of about this many triples (plus the ontology and the
#: registry entities they name): each chunk costs the same, so validation grows linearly.
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
    nt = _term_strings(comp)
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
    nm = _empty_dataset().namespace_manager
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


def validate(corpus: Path, progress: Progress | None = None,
             cache: Path | None = None) -> tuple[Compilation, Summary]:
    """Run every check on a corpus without writing anything.

    ``cache``: a folder of content hashes of SHACL units that conformed before (see
    :func:`shacl_problems`); read only.

    Raises
    ------
    CorpusInvalid
        When any claim, metadata file or shape check fails.
    """
    comp = compile_corpus(corpus, progress)
    if progress:
        progress("checking SHACL shapes")
    problems = shacl_problems(comp, progress, cache)
    if problems:
        raise CorpusInvalid(problems)
    return comp, comp.summary()


#: Output formats written by pyoxigraph's serializers (5-20x faster than rdflib's on large datasets).
_OX_FORMATS = {"nquads": "N_QUADS", "trig": "TRIG", "turtle": "TURTLE", "json-ld": "JSON_LD"}


def _term_converter(comp: Compilation) -> Callable:
    """rdflib term -> (pyoxigraph term, its N-Triples form); each distinct term converted once per compilation."""
    conv = getattr(comp, "_conv", None)
    if conv is not None:
        return conv
    import pyoxigraph as ox
    from rdflib import BNode
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    terms: dict = {}

    def conv(x):
        r = terms.get(x)
        if r is None:
            if isinstance(x, Literal):
                if x.language:
                    t = ox.Literal(str(x), language=x.language)
                else:
                    t = ox.Literal(str(x), datatype=conv(x.datatype)[0] if x.datatype else None)
            elif isinstance(x, BNode):
                t = ox.BlankNode(str(x))
            elif x == DATASET_DEFAULT_GRAPH_ID:
                t = ox.DefaultGraph()
            else:
                t = ox.NamedNode(str(x))
            r = terms[x] = (t, str(t))
        return r

    comp._conv = conv  # type: ignore[attr-defined]
    return conv


def _term_strings(comp: Compilation) -> Callable:
    conv = _term_converter(comp)
    return lambda x: conv(x)[1]


def _ox_quads(comp: Compilation) -> list:
    """The dataset's quads as pyoxigraph quads, sorted (graph, subject, predicate, object); made once.

    Each distinct rdflib term is converted (and its N-Triples form, the sort key, computed) once.
    """
    cached = getattr(comp, "_ox_quads", None)
    if cached is not None:
        return cached
    import pyoxigraph as ox

    conv = _term_converter(comp)
    rows: dict = {}
    for name, triples in comp.graphs.items():
        g, gk = conv(name)
        for s, p, o in triples:
            (s, sk), (p, pk), (o, ok) = conv(s), conv(p), conv(o)
            rows[(gk, sk, pk, ok)] = (s, p, o, g)
    keys = sorted(rows)
    out = [ox.Quad(*rows[k]) for k in keys]
    comp._ox_quads = out  # type: ignore[attr-defined]
    comp._ox_keys = keys  # type: ignore[attr-defined]
    return out


def serialize(comp: Compilation, fmt: str) -> bytes:
    """One output format of the dataset, deterministic for the same input.

    The quads are sorted, then written by pyoxigraph's serializers (TriG and Turtle with the
    project's prefixes; Turtle is every named graph merged, each triple once).
    """
    import pyoxigraph as ox

    if fmt not in _OX_FORMATS:
        return comp.dataset.serialize(format=fmt, encoding="utf-8")
    quads = _ox_quads(comp)
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    fmt_ox = getattr(ox.RdfFormat, _OX_FORMATS[fmt])
    if fmt == "turtle":
        by_triple = {}  # (subject, predicate, object) N-Triples -> the triple, once
        for k, q in zip(comp._ox_keys, quads):  # type: ignore[attr-defined]
            by_triple.setdefault(k[1:], q)
        triples = [by_triple[k].triple for k in sorted(by_triple)]
        return ox.serialize(triples, format=fmt_ox, prefixes=prefixes)
    if fmt == "nquads":  # sorted lines, as before
        return b"".join(sorted(ox.serialize(quads, format=fmt_ox).splitlines(keepends=True)))
    data = ox.serialize(quads, format=fmt_ox, prefixes=prefixes if fmt == "trig" else None)
    return data if data.endswith(b"\n") else data + b"\n"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(corpus: Path, out: Path | None = None, progress: Progress | None = None) -> tuple[Compilation, Summary]:
    """Compile, validate and write a corpus's dataset to ``out`` (default: ``out/`` beside the corpus).

    All outputs are serialised in memory first, then each is written to a temporary file and
    renamed into place: a failing build leaves the previous outputs untouched.

    ``out/.cache/shacl/`` keeps the content hash of each SHACL unit (the registry; a chunk of
    source graphs with what they name) that conformed in the last successful build; a rebuild
    checks only the units whose content (or the shapes, or this code) changed. The cache is
    written only after a successful build; deleting it forces a full check.
    """
    corpus = Path(corpus)
    out = Path(out) if out is not None else default_out(corpus)
    cache = out / CACHE_DIR
    comp, summary = validate(corpus, progress, cache=cache)
    blobs = {}
    for name, fmt in OUTPUTS.items():
        if progress:
            progress(f"serialising {name}")
        blobs[name] = serialize(comp, fmt)
    blobs[SUMMARY_FILE] = (json.dumps(asdict(summary), indent=1, sort_keys=True) + "\n").encode("utf-8")
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", file=out)
    for name, data in blobs.items():
        write_atomically(out / name, data)
    _record_cache(cache, comp.shacl_passed)
    return comp, summary


def _record_cache(cache: Path, keys: list[str]) -> None:
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
