"""Compile a corpus into an RDF dataset, validate it, and write the outputs atomically.

The flow: read the registry and every source folder; compile each claim (one rule per claim
type, :mod:`graph.claims`); put each source's claims in a named graph of its own, beside the
``registry`` and ``ontology`` graphs; link claims of different sources that describe one fact
(:mod:`graph.corroboration`); check the result with the SHACL shapes (:mod:`graph.validation`,
pySHACL); write TriG, N-Quads, Turtle and JSON-LD (:mod:`graph.serialize`). Every problem found is
reported, each as one line; nothing is written unless there is none. Outputs are sorted and carry no timestamps, so the same inputs give
byte-identical files.
"""

from __future__ import annotations

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
from .sources import Source, discover, load_source
from .serialize import serialize
from .terms import GRAPH, PREFIXES, SKG, SKV
from .validation import CACHE_DIR, record_cache, shacl_problems
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
    record_cache(cache, comp.shacl_passed)
    return comp, summary
