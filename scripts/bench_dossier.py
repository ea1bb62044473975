#!/usr/bin/env python
"""Benchmark ``serbia-kg dossier``: the page for Serbia after importing SIPRI's samples, and for the
busiest actor of a synthetic corpus.

Each case runs the command as a user does, a new process each time (wall time, imports included),
``--repeat`` times, and prints the median and the range beside the goal of issue 17 (Serbia with the
SIPRI samples under 2 s; the busiest actor of the 1M-triple corpus under 5 s). The Vega bundle is made
once before timing (it is cached per machine; its one-off cost is printed apart). Speed is never
asserted: this script prints.

Example::

    python scripts/bench_dossier.py --sizes sipri,100k --repeat 3
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
SIPRI_FILES = [(EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv", None),
               (EXTERNAL / "sipri_trade_register_2026" / "serbia_exports_1995_2024.csv", None),
               (EXTERNAL / "sipri_trade_register_2025_orders" / "serbia_yugoslavia_imports_orders.csv", "2025-03")]
GOALS = {"sipri": 2.0, "1m": 5.0}


def _cold(args: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "graph.cli", *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def sipri_case(workdir: Path, repeat: int) -> dict:
    from graph.compile.build import build
    from graph.importers.sipri import import_sipri

    corpus, out = workdir / "sipri" / "sources", workdir / "sipri" / "out"
    if not (out / "serbia-kg.nq").is_file():
        shutil.rmtree(workdir / "sipri", ignore_errors=True)
        shutil.copytree(REPO / "sources", corpus)
        for path, release in SIPRI_FILES:
            import_sipri(path, corpus, release=release)
        build(corpus, out)
    page = workdir / "sipri" / "serbia.html"
    times = _cold(["dossier", "Serbia", "--out", str(out), "--html", str(page), "-q"], repeat)
    return {"case": "Serbia, seed + SIPRI samples", "actor": "Serbia", "times": times,
            "bytes": page.stat().st_size}


def corpus_case(size: str, workdir: Path, repeat: int, seed: int = 7) -> dict:
    from graph.ask.questions import KnowledgeGraph, write_store_caches
    from graph.compile.build import build
    from graph.store.backends import load_store

    corpus, out, store = (workdir / f"corpus-{size}-s{seed}", workdir / f"out-{size}", workdir / f"store-{size}")
    info = corpus / "corpus.json"
    if not info.is_file() or json.loads(info.read_text()).get("target_triples") != parse_size(size):
        generate(parse_size(size), corpus, seed, force=True)
    if not store.is_dir():
        build(corpus, out)
        load_store(out, store, index=write_store_caches)
    top = KnowledgeGraph.load(store=store).centrality("degree", top=1)[0]["actor"]
    page = workdir / f"dossier-{size}.html"
    times = _cold(["dossier", top, "--store", str(store), "--out", str(out), "--html", str(page), "-q"], repeat)
    return {"case": f"busiest actor of the {size} corpus (--store)", "actor": top, "times": times,
            "bytes": page.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time serbia-kg dossier as a user runs it; prints a table.")
    parser.add_argument("--sizes", default="sipri", help="comma-separated: sipri and/or corpus sizes (10k, 1m)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serbia-kg-bench")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    from graph.present.dossier import vega_bundle

    t0 = time.perf_counter()
    vega_bundle()
    print(f"Vega bundle (once per machine, cached): {time.perf_counter() - t0:.2f} s", flush=True)
    print(f"machine: {os.cpu_count()} cores; each case a new process, {args.repeat} runs\n")
    print(f"| case | actor | median | range | page | goal |\n|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        if size == "sipri" and not SIPRI_FILES[0][0].is_file():
            print(f"| {size} | | skipped: SIPRI samples not in {EXTERNAL} | | | |")
            continue
        r = sipri_case(args.workdir, args.repeat) if size == "sipri" else corpus_case(size, args.workdir, args.repeat)
        med = statistics.median(r["times"])
        goal = GOALS.get(size)
        verdict = "" if goal is None else (f"< {goal:.0f} s: {'met' if med < goal else 'NOT met'}")
        print(f"| {r['case']} | {r['actor']} | {med:.2f} s | {min(r['times']):.2f}–{max(r['times']):.2f} s "
              f"| {r['bytes'] / 1e6:.1f} MB | {verdict} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
