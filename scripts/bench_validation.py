#!/usr/bin/env python
"""Validation engines side by side on one corpus, against the bare pyoxigraph load of its dataset.

The corpus is compiled once (no check); then, in this one process and in turn, the same SHACL
verdicts are computed by

- ``(a) shacl-rust, build slices``: what the build did until now: shacl-rust (in a forked child, as
  :func:`graph.compile.shapes.check_ntriples` runs it) on each slice of about 1 MB of sources, as
  the build cuts them (with the ontology and the registry entries the slice names), and on the
  registry once;
- ``(b) shacl-rust, N slices at once`` and ``(b) shacl-rust, whole``: shacl-rust on larger slices,
  or on the whole (ontology, registry and every source graph in one call);
- ``(c) SPARQL in pyoxigraph``: the shapes turned into one SELECT per constraint
  (:func:`graph.compile.constraints.queries`, generated from the shapes) run in an in-memory
  pyoxigraph store holding the same triples; the store's load and the queries timed apart;
- ``(d) compiled, build slices`` and ``(d) compiled, whole``: the shapes compiled into Python checks
  (:func:`graph.compile.constraints.check_lines`), on the build's slices and on the whole;
- ``pyshacl, whole``: the reference engine, only below ``--pyshacl-max`` triples (it needs minutes
  and gigabytes at 1M);

and the reference: ``bare load``, pyoxigraph's ``bulk_load`` of the built dataset's N-Quads into a
store on disk (as ``scripts/bench.py``). The build's slices run here one after another; in the
build they run on the pool's workers beside the compilation.

Then the same again on the corpus with faults put in (a claim without its recipient, a recipient
that is not an actor, a negative quantity, a date that is not a date, evidence without its quote's
source, a status that is text, ...; one per slice of the first slices): each engine must report
the same violations as (a) (the SPARQL engine is compared without the values: Oxigraph stores
``"-6"^^xsd:nonNegativeInteger`` as ``"-6"^^xsd:integer`` and ``"140.0"`` as ``"140"``).

Prints one table (median of ``--repeat`` runs, seconds and ratio to the bare load) and the load
average before and after. Speed is never asserted; this script prints.

Example::

    python scripts/bench_validation.py --corpus /work/corpora/100k --repeat 3
    python scripts/bench_validation.py --corpus /work/corpora/1m --nq OUT/serbia-kg.nq --repeat 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: Verdicts compared: (focus, message, path, value), N-Triples text.
Verdict = tuple[str, str, "str | None", "str | None"]


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def _timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def _as_verdicts(results) -> list[Verdict]:
    """ShapeResults (rdflib terms) as N-Triples text, sorted."""
    from graph.model.rdfterms import nt_converter

    nt = nt_converter()
    return sorted((nt(r.focus), r.message, None if r.path is None else nt(r.path),
                   None if r.value is None else nt(r.value)) for r in results)


class Corpus:
    """A corpus compiled once: the ontology's and the registry's lines, and each build slice's."""

    def __init__(self, folder: Path) -> None:
        from graph.compile.build import _slices, compile_corpus
        from graph.compile.sources import discover
        from graph.compile.validation import Context
        from graph.model.rdfterms import nt_converter
        from graph.model.terms import GRAPH

        comp = compile_corpus(folder)
        nt = nt_converter()
        self.ontology = comp.graphs[nt(GRAPH.ontology)]
        self.registry = comp.graphs[nt(GRAPH.registry)]
        graph_of = {s.folder.name: nt(s.graph_iri) for s in comp.sources}
        self.slices = [[t for f in folders for t in comp.graphs[graph_of[f.name]]]
                       for folders in _slices(discover(folder))]
        self.ctx = Context(self.ontology, self.registry)
        self.triples = len(self.ontology) + len(self.registry) + sum(len(s) for s in self.slices)

    def whole(self) -> list[str]:
        return self.ontology + self.registry + [t for s in self.slices for t in s]

    def broken(self) -> "Corpus":
        """A copy with one fault in each of the first slices (what the compiler never writes)."""
        other = object.__new__(Corpus)
        other.__dict__.update(self.__dict__)
        other.slices = [list(s) for s in self.slices]
        xsd = "http://www.w3.org/2001/XMLSchema#"
        skg = "https://w3id.org/serbia-kg/ontology#"
        faults = [("recipient", None), ("recipient", "<https://w3id.org/serbia-kg/vocab/aircraft>"),
                  ("quantity", f'"-6"^^<{xsd}integer>'), ("date", '"sometime"'),
                  ("transferStatus", '"delivered"'), ("wasDerivedFrom", None), ("speaker", '"someone"'),
                  ("percentage", f'"140.0"^^<{xsd}decimal>'), ("voter", None), ("claimId", '"x"@en')]
        put = 0
        for k, (pred, obj) in enumerate(faults):  # fault k in the first slice from the k-th on that has the predicate
            full = f"<{skg}{pred}>" if pred != "wasDerivedFrom" else "<http://www.w3.org/ns/prov#wasDerivedFrom>"
            n = len(other.slices)
            for j in range(n):
                lines = other.slices[(k + j) % n]
                i = next((i for i, t in enumerate(lines) if t.split(" ", 2)[1] == full), None)
                if i is not None:
                    s, p, _ = lines[i].split(" ", 2)
                    if obj is None:
                        del lines[i]
                    else:
                        lines[i] = f"{s} {p} {obj}"
                    put += 1
                    break
        other.faults = put
        return other


def engines(c: Corpus, pyshacl: bool, group: int) -> dict[str, Callable[[], tuple[list[Verdict], dict]]]:
    """Each way of checking ``c``: a function giving its verdicts and any partial times."""
    from graph.compile import constraints, shapes
    from graph.compile.validation import registry_results, slice_results

    def by_slices(engine: str, slices: list[list[str]]):
        def run():
            results = list(registry_results(c.ctx, engine))
            for lines in slices:
                results.extend(slice_results(c.ctx, lines, engine))
            return _as_verdicts(results), {}
        return run

    def grouped(n: int) -> list[list[str]]:
        return [[t for s in c.slices[i:i + n] for t in s] for i in range(0, len(c.slices), n)]

    def whole(engine: str):
        def run():
            if engine == "compiled":
                return sorted(constraints.check_lines(c.whole())), {}
            text = "".join(f"{t} .\n" for t in dict.fromkeys(c.whole()))
            return _as_verdicts(shapes.check_ntriples(text, engine=engine)), {}
        return run

    def sparql():
        import pyoxigraph as ox

        t0 = time.perf_counter()
        store = ox.Store()
        store.bulk_load("".join(f"{t} .\n" for t in c.whole()).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        t1 = time.perf_counter()
        found = sorted(constraints.check_store(store))
        return found, {"load": t1 - t0, "queries": time.perf_counter() - t1}

    out = {
        "(a) shacl-rust, build slices": by_slices("shacl-rust", c.slices),
        f"(b) shacl-rust, {group} slices at once": by_slices("shacl-rust", grouped(group)),
        "(b) shacl-rust, whole": whole("shacl-rust"),
        "(c) SPARQL in pyoxigraph (in memory)": sparql,
        "(d) compiled, build slices": by_slices("compiled", c.slices),
        "(d) compiled, whole": whole("compiled"),
    }
    if pyshacl:
        out["pyshacl, whole"] = whole("pyshacl")
    return out


def bare_load(nq: Path, repeat: int) -> list[float]:
    import pyoxigraph as ox

    def load():
        tmp = Path(tempfile.mkdtemp(prefix="bare-", dir=nq.parent.parent))
        try:
            s = ox.Store(str(tmp))
            s.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
            s.flush()
            del s
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return _timed(load, repeat)[0]


def _same(name: str, got: list[Verdict], ref: list[Verdict]) -> bool:
    if name.startswith("(c)"):  # Oxigraph rewrites the values (above): compared without them
        return sorted(v[:3] for v in got) == sorted(v[:3] for v in ref)
    return got == ref


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="a corpus folder (scripts/generate_corpus.py)")
    ap.add_argument("--nq", type=Path, help="its built serbia-kg.nq (default: built into --workdir first)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serbia-kg-bench-validation")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each engine; the median is shown")
    ap.add_argument("--group", type=int, default=8, help="build slices per call for (b) (default 8)")
    ap.add_argument("--pyshacl-max", type=int, default=200_000, help="run pySHACL up to this many triples")
    ap.add_argument("--builds", type=int, default=0,
                    help="also time this many full builds with each engine, alternated (shacl-rust, compiled, ...)")
    ap.add_argument("--skip", default="", help="comma-separated words: an engine whose name has one is left out")
    args = ap.parse_args(argv)
    print(f"load average before: {_load()}")
    nq = args.nq
    if nq is None:
        from graph.compile.build import build

        out = args.workdir / args.corpus.name
        shutil.rmtree(out, ignore_errors=True)
        build(args.corpus, out)
        nq = out / "serbia-kg.nq"
    t = time.perf_counter()
    corpus = Corpus(args.corpus)
    print(f"corpus {args.corpus}: {corpus.triples:,} triples checked, {len(corpus.slices)} build slices "
          f"(compiled in {time.perf_counter() - t:.1f} s, not counted)")
    broken = corpus.broken()
    rows: list[tuple[str, str, float, str]] = []
    bare = statistics.median(bare_load(nq, args.repeat))
    rows.append(("bare load (reference)", "", bare, ""))
    skip = [w for w in args.skip.split(",") if w]
    for label, c in (("corpus", corpus), (f"with {broken.faults} faults", broken)):
        ways = engines(c, c.triples <= args.pyshacl_max, args.group)
        ref: list[Verdict] | None = None
        for name, fn in ways.items():
            if any(w in name for w in skip):
                continue
            times, (found, parts) = _timed(fn, args.repeat)  # type: ignore[misc]
            if ref is None:
                ref = found
            same = "same as (a)" if _same(name, found, ref) else f"DIFFERENT from (a): {len(found)} against {len(ref)}"
            extra = " (" + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()) + ")" if parts else ""
            rows.append((f"{name}{extra}", label, statistics.median(times), f"{len(found)} violations, {same}"))
            print(f"  {label}: {rows[-1][0]}: {rows[-1][2]:.2f} s, {rows[-1][3]}", flush=True)
    print()
    print(f"| engine | on | seconds (median of {args.repeat}) | / bare load | verdicts |")
    print("|---|---|---|---|---|")
    for name, on, sec, verdicts in rows:
        print(f"| {name} | {on} | {sec:.2f} | {sec / bare:.2f}x | {verdicts} |")
    if args.builds:
        builds(args.corpus, args.workdir, args.builds, bare)
    print(f"\nload average after: {_load()}")
    return 0


def builds(corpus: Path, workdir: Path, rounds: int, bare: float) -> None:
    """Full builds (``graph.compile.build.build``, no view, no store) with shacl-rust and with the
    compiled checks, alternated, so that both meet the same load."""
    from graph.compile.build import build

    times: dict[str, list[float]] = {"shacl-rust": [], "compiled": []}
    digests: dict[str, set[str]] = {e: set() for e in times}
    for _ in range(rounds):
        for engine in times:
            out = workdir / f"build-{engine}"
            shutil.rmtree(out, ignore_errors=True)
            t = time.perf_counter()
            comp, _ = build(corpus, out, shacl_engine=engine)
            times[engine].append(time.perf_counter() - t)
            digests[engine].add(comp.written_to.digests["serbia-kg.nq"] if comp.written_to else "")
            print(f"  build with {engine}: {times[engine][-1]:.1f} s (load {_load()})", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    print()
    print("| build (full, no view) with | seconds (each run) | median / bare load |")
    print("|---|---|---|")
    for engine, ts in times.items():
        print(f"| {engine} | {', '.join(f'{x:.1f}' for x in ts)} | {statistics.median(ts) / bare:.2f}x |")
    same = len(digests["shacl-rust"] | digests["compiled"]) == 1
    print(f"the same N-Quads (sha256) from every build: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
