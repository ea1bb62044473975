#!/usr/bin/env python
"""Benchmark ``serbia-kg dossier``: the page for Serbia after importing SIPRI's samples, and for the
busiest actor of a synthetic corpus.

Each case runs the command as a user does, a new process each time (wall time, imports included),
``--repeat`` times, and prints the median and the range beside the goal of issue 17 (Serbia with
both SIPRI samples under 2 s; the busiest actor of the 1M-triple corpus under 5 s). With
``--compare DIR`` (another checkout of serbia-kg, e.g. ``git worktree add /tmp/before main~5``)
the same command runs with that checkout's code too, alternating with this one's in each repeat,
so that both meet the same load; the ratio of the medians is printed. The Vega bundle is made once
before timing (it is cached per machine; its one-off cost is printed apart). Speed is never
asserted: this script prints.

Example::

    python scripts/bench_dossier.py --sizes sipri,1m --built 1m=CORPORA/built-1m --compare /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

from generate_corpus import generate, parse_size  # noqa: E402

EXTERNAL = REPO.parent / "shared" / "data" / "external"
#: Both SIPRI samples: the 2026 per-delivery-year export and the 2025-03 order-level register, each
#: with Serbia's imports and exports.
SIPRI_FILES = [(EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv", None),
               (EXTERNAL / "sipri_trade_register_2026" / "serbia_exports_1995_2024.csv", None),
               (EXTERNAL / "sipri_trade_register_2025_orders" / "serbia_yugoslavia_imports_orders.csv", "2025-03"),
               (EXTERNAL / "sipri_trade_register_2025_orders" / "serbia_yugoslavia_exports_orders.csv", "2025-03")]
GOALS = {"sipri": 2.0, "1m": 5.0}


def _run(args: list[str], code: Path | None) -> float:
    env = dict(os.environ)
    if code is not None:  # the other checkout's package first on the path
        env["PYTHONPATH"] = str(code) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.perf_counter()
    # run from a folder without a graph/ package: ``python -m`` puts the working folder first on the path
    subprocess.run([sys.executable, "-m", "graph.cli", *args], check=True, stdout=subprocess.DEVNULL, env=env,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - t0


def _paired(args: list[str], page: Path, repeat: int, compare: Path | None) -> tuple[dict[str, list[float]],
                                                                                    dict[str, int]]:
    """``repeat`` runs of this checkout's code and, with ``compare``, as many of the other's, alternating;
    each code writes its own page (``page`` with ``-this`` or ``-compare`` in its name), whose size is returned."""
    times: dict[str, list[float]] = {"this": [], "compare": []}
    pages = {name: page.with_name(f"{page.stem}-{name}{page.suffix}") for name in times}
    for i in range(repeat):
        order = [("this", None), ("compare", compare)] if compare is not None else [("this", None)]
        for name, code in (order if i % 2 == 0 else order[::-1]):
            times[name].append(_run([*args, "--html", str(pages[name])], code))
    return times, {name: p.stat().st_size for name, p in pages.items() if times[name]}


def sipri_case(workdir: Path, repeat: int, compare: Path | None) -> dict:
    from graph.compile.build import build
    from graph.importers.sipri import import_sipri

    corpus, out = workdir / "sipri" / "sources", workdir / "sipri" / "out"
    if not (out / "serbia-kg.nq").is_file():
        shutil.rmtree(workdir / "sipri", ignore_errors=True)
        shutil.copytree(REPO / "sources", corpus)
        for path, release in SIPRI_FILES:
            import_sipri(path, corpus, release=release)
        build(corpus, out)
    times, sizes = _paired(["dossier", "Serbia", "--out", str(out), "-q"], workdir / "sipri" / "serbia.html", repeat,
                           compare)
    return {"case": "Serbia, default corpus + both SIPRI samples (out/, no store)", "actor": "Serbia",
            "times": times, "bytes": sizes}


def corpus_case(size: str, workdir: Path, repeat: int, compare: Path | None, built: Path | None,
                seed: int = 7) -> dict:
    """The busiest actor (by degree) of a synthetic corpus, from its store. ``built``: a folder holding
    ``out/`` and ``store/`` of that corpus already built with ``--store`` (read only); else one is
    generated and built in ``workdir``."""
    from graph.ask.questions import KnowledgeGraph, write_store_caches
    from graph.compile.build import build
    from graph.store.backends import load_store

    if built is not None:
        out, store = built / "out", built / "store"
    else:
        corpus, out, store = (workdir / f"corpus-{size}-s{seed}", workdir / f"out-{size}", workdir / f"store-{size}")
        info = corpus / "corpus.json"
        if not info.is_file() or json.loads(info.read_text()).get("target_triples") != parse_size(size):
            generate(parse_size(size), corpus, seed, force=True)
        if not store.is_dir():
            build(corpus, out)
            load_store(out, store, index=write_store_caches)
    top = KnowledgeGraph.load(store=store).centrality("degree", top=1)[0]["actor"]
    times, sizes = _paired(["dossier", top, "--store", str(store), "--out", str(out), "-q"],
                           workdir / f"dossier-{size}.html", repeat, compare)
    return {"case": f"busiest actor of the {size} corpus (--store)", "actor": top, "times": times, "bytes": sizes}


def _cell(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f})" if times else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time serbia-kg dossier as a user runs it; prints a table.")
    parser.add_argument("--sizes", default="sipri", help="comma-separated: sipri and/or corpus sizes (10k, 1m)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serbia-kg-bench")
    parser.add_argument("--built", action="append", default=[], metavar="SIZE=DIR",
                        help="a corpus already built: DIR holds out/ and store/ (read only), e.g. 1m=corpora/built-1m")
    parser.add_argument("--compare", type=Path, default=None, metavar="DIR",
                        help="another checkout whose code runs the same command, alternating with this one")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.compare is not None:  # the runs must import the other checkout's code, not this one's
        env = dict(os.environ, PYTHONPATH=str(args.compare))
        found = subprocess.run([sys.executable, "-c", "import graph; print(graph.__file__)"], env=env, check=True,
                               capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout.strip()
        if not Path(found).resolve().is_relative_to(args.compare.resolve()):
            parser.error(f"--compare {args.compare}: the runs would import {found}")
    built = dict(b.split("=", 1) for b in args.built)
    from graph.present.dossier import vega_bundle

    t0 = time.perf_counter()
    vega_bundle()
    print(f"Vega bundle (once per machine, cached): {time.perf_counter() - t0:.2f} s", flush=True)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; each case a new process, "
          f"{args.repeat} runs" + (f", alternating with {args.compare}" if args.compare else "") + "\n")
    print("| case | actor | this code: median (range) | compared code | ratio | page (compared code's) | goal |\n"
          "|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        if size == "sipri" and not all(p.is_file() for p, _ in SIPRI_FILES):
            print(f"| {size} | | skipped: SIPRI samples not in {EXTERNAL} | | | | |")
            continue
        r = sipri_case(args.workdir, args.repeat, args.compare) if size == "sipri" else \
            corpus_case(size, args.workdir, args.repeat, args.compare,
                        Path(built[size]) if size in built else None)
        this, other = r["times"]["this"], r["times"]["compare"]
        med = statistics.median(this)
        goal = GOALS.get(size)
        verdict = "" if goal is None else (f"< {goal:.0f} s: {'met' if med < goal else 'NOT met'}")
        ratio = f"{statistics.median(other) / med:.1f}x faster" if other else ""
        size = f"{r['bytes']['this'] / 1e6:.1f} MB" + (f" ({r['bytes']['compare'] / 1e6:.1f} MB)" if other else "")
        print(f"| {r['case']} | {r['actor']} | {_cell(this)} | {_cell(other)} | {ratio} | {size} | {verdict} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
