"""The first source builds and validates; its outputs parse back, are reproducible and answer SPARQL."""

import sys
from pathlib import Path

import pytest
import yaml
from rdflib import Dataset, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF

from graph.compile.build import OUTPUTS, build
from graph.model.terms import OA
from graph.model.errors import CorpusInvalid
from graph.model.terms import ENTITY, GRAPH, PREFIXES, SKG, SOURCE

from conftest import SEED_CORPUS, SEED_ID
from jsonld_reference import whole_jsonld


def seed_claims():
    return yaml.safe_load((SEED_CORPUS / SEED_ID / "claims.yaml").read_text(encoding="utf-8"))["claims"]


def test_every_seed_claim_compiles_with_a_located_quote(seed_compilation):
    raw = seed_claims()
    compiled = {c.claim_id: c for _, c in seed_compilation.claims.values()}
    assert sorted(compiled) == sorted(c["id"] for c in raw)
    text = (SEED_CORPUS / SEED_ID / "text.txt").read_text(encoding="utf-8")
    ds = seed_compilation.dataset
    for claim_iri, (source, c) in seed_compilation.claims.items():
        evidence = ds.value(claim_iri, SKG.evidence)
        selectors = list(ds.objects(evidence, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in ds)
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in ds)
        start, end = int(ds.value(position, OA.start)), int(ds.value(position, OA.end))
        assert text[start:end] == str(ds.value(quote, OA.exact)), c.claim_id
        assert end > start
        assert ds.value(claim_iri, PROV.wasDerivedFrom) == SOURCE[SEED_ID]


def test_seed_source_metadata_keeps_author_unknown(seed_compilation):
    g = seed_compilation.dataset.graph(GRAPH[SEED_ID])
    src = SOURCE[SEED_ID]
    assert (src, SKG.authorUnknown, Literal(True)) in g
    assert str(g.value(src, SKG.address)) == "https://www.gmfus.org/news/time-serbia-scale-back-military-ties-russia"
    assert str(g.value(src, PROV.wasDerivedFrom) or "") == ""


def test_build_writes_every_output_and_they_parse_back_isomorphic(seed_out: Path, seed_compilation):
    for name in OUTPUTS:
        assert (seed_out / name).stat().st_size > 0
    merged = Graph()
    for s, p, o, _ in seed_compilation.dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    trig = Dataset().parse(seed_out / "serbia-kg.trig", format="trig")
    nq = Dataset().parse(seed_out / "serbia-kg.nq", format="nquads")
    jsonld = Dataset().parse(seed_out / "serbia-kg.jsonld", format="json-ld")
    ttl = Graph().parse(seed_out / "serbia-kg.ttl", format="turtle")
    for ds in (trig, nq, jsonld):
        names = {g.identifier for g in ds.graphs() if len(g)}
        assert {GRAPH[SEED_ID], GRAPH.registry, GRAPH.ontology} <= names
        for name in (GRAPH[SEED_ID], GRAPH.registry):
            assert isomorphic(ds.graph(name), seed_compilation.dataset.graph(name))
    assert isomorphic(ttl, merged)


def test_same_inputs_give_byte_identical_outputs(seed_out: Path, tmp_path: Path):
    build(SEED_CORPUS, tmp_path)
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


DELIVERIES_TO_SERBIA = """
SELECT ?supplier ?what ?quantity ?quote WHERE {
  ?t a skg:ArmsTransfer ; skg:recipient ent:serbia ; skg:evidence/oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?t skg:supplier/skos:prefLabel ?supplier }
  OPTIONAL { ?t skg:system/skos:prefLabel ?system }
  OPTIONAL { ?t skg:category/skos:prefLabel ?category }
  OPTIONAL { ?t skg:quantity ?quantity }
  BIND(COALESCE(?system, ?category) AS ?what)
}"""


def test_sparql_lists_every_delivery_to_serbia_with_supplier_and_quantity(seed_out: Path):
    ds = Dataset(default_union=True).parse(seed_out / "serbia-kg.trig", format="trig")
    rows = {(str(r.supplier), str(r.what), int(r.quantity) if r.quantity is not None else None)
            for r in ds.query(DELIVERIES_TO_SERBIA, initNs=PREFIXES)}
    assert rows == {
        ("Russia", "MiG-29", 6), ("Russia", "T-72", 30), ("Russia", "armoured vehicle", 30),
        ("Russia", "Pantsir S1", None), ("Russia", "Kornet", None), ("Belarus", "MiG-29", 4),
        ("China", "air-defence system", None), ("China", "armed drone", None),
    }


def test_required_facts_of_the_first_source_are_encoded(seed_compilation):
    ds = seed_compilation.dataset
    by_id = {c.claim_id: iri for iri, (_, c) in seed_compilation.claims.items()}
    # Turkey's S-400 from Russia, and the CAATSA sanctions on Turkey in December 2020
    s400 = by_id["s-400-russia-to-turkey"]
    assert ds.value(s400, SKG.supplier) == ENTITY.russia and ds.value(s400, SKG.recipient) == ENTITY.turkey
    sanction = by_id["caatsa-sanctions-on-turkey"]
    assert ds.value(sanction, SKG.legalBasis) == ENTITY.caatsa and str(ds.value(sanction, SKG.date)) == "2020-12"
    # the two 2021 exercises with their months
    assert str(ds.value(by_id["joint-response-2021"], SKG.date)) == "2021-05"
    assert str(ds.value(by_id["slavic-shield-2021"], SKG.date)) == "2021-10"
    # Croatia's fighter purchase: the supplier is unknown, not guessed
    assert ds.value(by_id["croatia-fighter-purchase"], SKG.supplier) is None
    # alignment rates of the five countries in 2021
    rates = {c: ds.value(by_id[f"alignment-{c}-2021"], SKG.percentage).toPython() for c in
             ("serbia", "albania", "montenegro", "north-macedonia", "bosnia-and-herzegovina")}
    assert rates == {"serbia": 61, "albania": 100, "montenegro": 100, "north-macedonia": 96,
                     "bosnia-and-herzegovina": 70}
    # the author's recommendations are the source's statements, not facts about the world
    rec = by_id["author-demand-scale-back"]
    assert ds.value(rec, SKG.speaker) == SOURCE[SEED_ID]


def test_the_main_job_writes_the_rdf_and_the_view(tmp_path: Path):
    """`serbia-kg build` is the main job: the dataset and the offline HTML view, the same page `view` writes."""
    from click.testing import CliRunner

    from graph.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "-q", "--sources", str(SEED_CORPUS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out / "serbia-kg.html"
    assert page.is_file() and "Serbia" in page.read_text(encoding="utf-8")
    for name in OUTPUTS:
        assert (out / name).is_file()
    again = CliRunner().invoke(main, ["view", "-q", "--sources", str(SEED_CORPUS), "--data", str(out),
                                      "--out", str(tmp_path / "view.html")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "view.html").read_bytes() == page.read_bytes()
    skipped = CliRunner().invoke(main, ["build", "-q", "--no-view", "--sources", str(SEED_CORPUS),
                                        "--out", str(tmp_path / "bare")])
    assert skipped.exit_code == 0 and not (tmp_path / "bare" / "serbia-kg.html").exists()


# --- slices on a pool -----------------------------------------------------------------------------

def _synthetic(tmp_path: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from generate_corpus import generate

    corpus = tmp_path / "corpus"
    generate(12000, corpus, seed=3)
    return corpus


@pytest.mark.slow
def test_a_corpus_compiled_in_slices_on_a_pool_gives_the_same_bytes(tmp_path: Path, monkeypatch):
    import graph.compile.build as build_mod

    corpus = _synthetic(tmp_path)
    _, whole = build(corpus, tmp_path / "whole")
    assert len(build_mod._slices(build_mod.discover(corpus))) == 1
    monkeypatch.setattr(build_mod, "SLICE_BYTES", 5_000)
    assert len(build_mod._slices(build_mod.discover(corpus))) > 3
    _, sliced = build(corpus, tmp_path / "sliced")
    assert sliced == whole and whole.claims > 100
    for name in OUTPUTS:
        assert (tmp_path / "sliced" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_a_bad_claim_in_a_later_slice_is_reported_at_its_file_and_line(tmp_path: Path, monkeypatch):
    import graph.compile.build as build_mod

    corpus = _synthetic(tmp_path)
    last = sorted(corpus.glob("*/claims.yaml"))[-1]
    text = last.read_text(encoding="utf-8")
    first_quote = next(i for i, line in enumerate(text.splitlines()) if line.strip().startswith("quote:"))
    lines = text.splitlines()
    lines[first_quote] = lines[first_quote].split("quote:")[0] + 'quote: "words that are not in the text"'
    last.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(build_mod, "SLICE_BYTES", 5_000)
    with pytest.raises(CorpusInvalid) as err:
        build_mod.validate(corpus)
    (problem,) = err.value.problems
    assert problem.file == str(last) and problem.line is not None and "quote not found" in problem.message


# --- the streamed build against the whole dataset in memory ------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("pooled", [False, True], ids=["one-process", "slices-and-outputs-on-a-pool"])
def test_a_streamed_build_writes_the_bytes_of_the_whole_dataset_serialised_in_memory(tmp_path: Path, monkeypatch,
                                                                                    pooled: bool):
    import json

    import pyoxigraph as ox

    import graph.compile.build as build_mod
    from graph.compile.void import describe

    corpus = _synthetic(tmp_path)
    if pooled:  # many slices, compiled on a pool; the outputs written by two processes; the derived graphs
        # written through runs of 500 triples (made in order, they need none)
        from graph.compile import parallel, serialize
        from graph.compile.serialize import SortedGraph

        monkeypatch.setattr(build_mod, "SLICE_BYTES", 5_000)
        monkeypatch.setattr(build_mod, "PARALLEL_TRIPLES", 1_000)
        monkeypatch.setattr(SortedGraph, "RUN", 500)
        monkeypatch.setattr(parallel, "PARALLEL_CLAIMS", 10)
        monkeypatch.setattr(serialize, "STREAMED_CHUNK", 1_000)  # every chunk of TriG and JSON-LD streamed
        monkeypatch.setattr(build_mod, "SPAN_MIN", 1)  # TriG and JSON-LD written in spans of graphs, joined
    from graph.compile import serialize as serialize_mod

    events: list[str] = []  # the pools forked and the N-Quads written, in order
    forked, write_nquads = build_mod.pool, serialize_mod.write_nquads
    monkeypatch.setattr(build_mod, "pool", lambda *a: events.append("pool") or forked(*a))
    monkeypatch.setattr(serialize_mod, "write_nquads", lambda *a, **k: events.append("nq") or write_nquads(*a, **k))
    comp, summary = build(corpus, tmp_path / "out")
    if pooled:  # the slices', the derived graphs', then the outputs' processes, forked before the N-Quads are written
        assert events == ["pool", "pool", "pool", "nq"]
    whole, whole_summary = build_mod.validate(corpus)  # every triple in memory, as the build held them before
    assert summary == whole_summary and summary.triples == len(whole.triple_set()) > 10_000
    out = tmp_path / "out"
    nq = whole.nquads_text()
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    quads = list(ox.parse(nq.encode(), format=ox.RdfFormat.N_QUADS))
    triples = list(ox.parse(whole.ntriples_text().encode(), format=ox.RdfFormat.N_TRIPLES))
    trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    expected = {
        "serbia-kg.nq": nq.encode(),
        "serbia-kg.trig": trig if trig.endswith(b"\n") else trig + b"\n",
        "serbia-kg.ttl": ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes),
        "serbia-kg.jsonld": whole_jsonld(quads),
        "void.ttl": describe(nq, list(OUTPUTS)),
        "summary.json": (json.dumps(whole_summary.__dict__, indent=1, sort_keys=True) + "\n").encode(),
    }
    for name, data in expected.items():
        assert (out / name).read_bytes() == data, name
    assert comp.nquads_text() == nq  # read back from the build's file
    assert not list(out.glob(".spool*"))  # the spool is removed


def test_the_questions_pages_are_joined_one_after_another_or_merged_when_they_overlap(tmp_path: Path):
    """kgg:pages is written question by question, each sorted (graph/compile/build.py: _derived_task); the files are
    joined one after another when each one's lines come before the next one's, else merged, each line once."""
    from graph.compile.build import _joined
    from graph.compile.serialize import Part, first_last_lines

    def write(name: str, lines: list[str]) -> Part:
        data = "".join(f"{t} <g> .\n" for t in lines).encode()
        (tmp_path / name).write_bytes(data)
        return Part("<g>", name, 0, len(data), len(lines))

    long = "<a> <q> \"" + "x" * 200_000 + "\""  # (a line longer than what is read of a file's end at first)
    for files, expected in (
            ({"b": ["<b1> <p> <o>", "<b2> <p> <o>"], "a": ["<a> <p> <o>", long], "c": [], "d": ["<d> <p> <o>"]},
             ["<a> <p> <o>", long, "<b1> <p> <o>", "<b2> <p> <o>", "<d> <p> <o>"]),
            ({"x": ["<a> <p> <o>", "<c> <p> <o>"], "y": ["<b> <p> <o>", "<c> <p> <o>", "<d> <p> <o>"]},
             ["<a> <p> <o>", "<b> <p> <o>", "<c> <p> <o>", "<d> <p> <o>"])):
        parts = [write(name, lines) for name, lines in files.items()]
        assert first_last_lines(tmp_path / "a" if "a" in files else tmp_path / "x")[1].startswith(b"<")
        part = _joined(tmp_path, "pages.nq", "<g>", parts)
        data = (tmp_path / "pages.nq").read_bytes()
        assert data == "".join(f"{t} <g> .\n" for t in expected).encode()
        assert part == Part("<g>", "pages.nq", 0, len(data), len(expected))
        assert not any((tmp_path / name).exists() for name in files)


def test_a_graph_sorted_on_disk_in_runs_is_written_as_one_sorted_in_memory(tmp_path: Path):
    from graph.compile.serialize import SortedGraph, write_slice

    import random

    rng = random.Random(7)
    triples = [f"<https://e.org/s{rng.randrange(300)}> <https://e.org/p> \"v{rng.randrange(50)}\\n\u00e9\""
               for _ in range(5_000)]
    triples += ['<https://e.org/s1> <https://e.org/p> "v"', '<https://e.org/s1> <https://e.org/p> "v"@en',
                '<https://e.org/s1> <https://e.org/p> "v"^^<https://e.org/t>']
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (expected,) = write_slice(tmp_path / "a", "g.nq", {"<https://e.org/g>": triples})
    for run in (7, 1_000, 10_000):
        out = SortedGraph(tmp_path / "b", "g.nq", "<https://e.org/g>", run=run)
        out.extend(iter(triples))
        part = out.finish()
        assert part == expected and (tmp_path / "b" / "g.nq").read_bytes() == (tmp_path / "a" / "g.nq").read_bytes()
        assert [f.name for f in (tmp_path / "b").iterdir()] == ["g.nq"]  # the runs removed
    assert expected.triples < len(triples)  # duplicates written once


def test_a_graph_given_in_order_is_written_as_it_comes_and_one_out_of_order_is_sorted(tmp_path: Path, monkeypatch):
    from graph.compile.serialize import SortedGraph, write_slice

    import random

    rng = random.Random(11)
    # "a/b>" sorts after "a/b-c>": the order of the lines' text, not of their terms
    triples = sorted({f"<https://e.org/s{rng.randrange(300)}> <https://e.org/p> <https://e.org/o{rng.randrange(50)}-x>"
                      for _ in range(3_000)} | {"<https://e.org/a/b> <https://e.org/p> \"v\"",
                                                "<https://e.org/a/b-c> <https://e.org/p> \"v\"@en"})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (expected,) = write_slice(tmp_path / "a", "g.nq", {"<https://e.org/g>": triples})
    spilled: list[int] = []
    spill = SortedGraph._spill
    monkeypatch.setattr(SortedGraph, "_spill", lambda self: spilled.append(len(self.buf)) or spill(self))
    out = SortedGraph(tmp_path / "b", "g.nq", "<https://e.org/g>", run=100)
    for i in range(0, len(triples), 70):  # in order, each given twice, in several calls
        out.extend(t for t in triples[i:i + 70] for _ in range(2))
    assert out.ordered and out.finish() == expected and not spilled
    assert (tmp_path / "b" / "g.nq").read_bytes() == (tmp_path / "a" / "g.nq").read_bytes()
    # in order, then not: what came in order is a run of its own, merged with the runs of the rest
    shuffled = triples[1_000:]
    rng.shuffle(shuffled)
    out = SortedGraph(tmp_path / "b", "g.nq", "<https://e.org/g>", run=100)
    out.extend(triples[:1_000])
    out.extend(shuffled + triples[:10])
    assert not out.ordered and out.finish() == expected and len(spilled) > 15
    assert (tmp_path / "b" / "g.nq").read_bytes() == (tmp_path / "a" / "g.nq").read_bytes()
    assert [f.name for f in (tmp_path / "b").iterdir()] == ["g.nq"]  # the runs removed


def test_the_derived_graphs_are_made_in_the_order_they_are_written(tmp_path: Path, monkeypatch):
    """kgg:ties and kgg:pages are made a tie, or a list, at a time in the order of their IRIs' text (entity ids
    such as kelmark and kelmark-major, whose pages' IRIs sort the other way): written as made, never sorted
    whole, however small the runs."""
    import graph.compile.build as build_mod
    from graph.compile import parallel
    from graph.compile.serialize import SortedGraph

    corpus = _synthetic(tmp_path)
    spilled: list[str] = []
    spill = SortedGraph._spill
    monkeypatch.setattr(SortedGraph, "_spill", lambda self: spilled.append(self.name) or spill(self))
    monkeypatch.setattr(SortedGraph, "RUN", 50)
    monkeypatch.setattr(parallel, "PARALLEL_CLAIMS", 10 ** 9)  # the tasks in this process, where they are seen
    comp, _ = build(corpus, tmp_path / "out")
    assert not spilled
    nq = (tmp_path / "out" / "serbia-kg.nq").read_text(encoding="utf-8").splitlines()
    for graph in ("ties", "pages"):
        lines = [line for line in nq if line.endswith(f"/graph/{graph}> .")]
        assert len(lines) > 500 and lines == sorted(set(lines)), graph


def test_ties_and_pages_are_made_in_the_order_of_their_iris_text():
    """An id that begins another (almark, almark-major): its ties' and its pages' IRIs sort after the other's."""
    from graph.compile.pages import Claimed, iter_page_lists
    from graph.compile.ties import Named, tie_groups
    from graph.model.rdfterms import nt_converter
    from graph.model.terms import ENTITY, GRAPH, SKG

    nt = nt_converter()
    ids = ["almark", "almark-major", "alm", "almark-major-x"]
    actors = frozenset(str(ENTITY[i]) for i in ids)
    named = [Named(f"c{i}", str(GRAPH[f"s{i}"]), f"https://e.org/claim/{i}", actors) for i in range(3)]
    claims = [Claimed(f"https://e.org/claim/{i}", f"c{i:03d}", str(GRAPH[f"s{i % 7}"]), str(SKG.Statement),
                      tuple(sorted((str(SKG.actor), str(ENTITY[x])) for x in ids)))
              for i in range(250)]
    for groups in (tie_groups(named), iter_page_lists(claims, [], [], ["claims-about-entity"], {"busy": set()})):
        lines = [line for g in groups for line in sorted(f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in g)]
        assert len(lines) > 20 and lines == sorted(set(lines))


def test_a_failed_build_leaves_no_spool_and_no_generation(tmp_path: Path):
    corpus = tmp_path / "corpus"
    import shutil

    shutil.copytree(SEED_CORPUS, corpus)
    claims = corpus / SEED_ID / "claims.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("quote:", "quote: not in the text", 1),
                      encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        build(corpus, tmp_path / "out")
    assert not list((tmp_path / "out").glob(".spool*"))
    builds = tmp_path / "out" / ".builds"
    assert not builds.exists() or not any(builds.iterdir())
    assert not (tmp_path / "out" / ".current").exists()
