#!/usr/bin/env python
"""Kill ``serbia-kg build --store`` at random moments and check that nothing is mixed, lost or half-written.

Two synthetic corpora of about N triples (``scripts/generate_corpus.py``: the same seed, the
second without its last tenth of sources) are built alternately into one output folder with a
store; each run is killed (SIGKILL, the whole process group) after a delay drawn from a fixed
seed over the length of a whole build measured first. After every kill the output folder must
hold one whole generation (:func:`graph.model.generation.verify`: every file with the digest
its build recorded, every name leading into it, the store holding the same build) of one of the
two corpora, and a question on the store must answer. A last, whole build must leave no litter.

A benchmark, not a test: it prints one line per trial and a summary, and exits 1 if any trial
found a problem. Run it alone (on a shared machine, under ``flock`` with a lock file other benchmarks share).

Example::

    python scripts/kill_trials.py --triples 100k --trials 30 --work /tmp/kill-100k
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def cli(*args) -> list[str]:
    return [sys.executable, "-c", "from graph.cli import main; main()", *map(str, args)]


def main(argv: list[str] | None = None) -> int:
    from generate_corpus import generate, parse_size

    from graph.model import generation

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", default="100k", help="corpus size (default 100k)")
    ap.add_argument("--trials", type=int, default=30, help="kills (default 30)")
    ap.add_argument("--seed", type=int, default=20, help="seed of the kill times (default 20)")
    ap.add_argument("--work", type=Path, required=True, help="working folder (replaced)")
    ap.add_argument("--view", action="store_true", help="also write the view (slow above ~10k triples)")
    args = ap.parse_args(argv)

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    a = work / "corpus-a"
    generate(parse_size(args.triples), a, seed=1)
    b = work / "corpus-b"
    shutil.copytree(a, b)
    sources = sorted(p for p in b.iterdir() if (p / "source.yaml").is_file())
    for p in sources[-max(1, len(sources) // 10):]:
        shutil.rmtree(p)
    out, store = work / "out", work / "store"
    view = [] if args.view else ["--no-view"]

    def build(corpus: Path) -> list[str]:
        return cli("build", "-q", *view, "--sources", corpus, "--out", out, "--store", store)

    builds = {}
    for corpus in (b, a):
        started = time.monotonic()
        subprocess.run(build(corpus), check=True, stdout=subprocess.DEVNULL)
        builds[generation.stamp(generation.current(out))["build"]] = corpus.name
        whole = time.monotonic() - started
    count = lambda c: sum(1 for p in c.iterdir() if (p / "source.yaml").is_file())  # noqa: E731
    print(f"corpus a: {count(a)} sources; b: {count(b)}; "
          f"a whole build with --store: {whole:.1f} s")
    rng = random.Random(args.seed)
    killed = problems = 0
    for trial in range(1, args.trials + 1):
        corpus = b if trial % 2 else a
        delay = rng.uniform(0.0, 0.7 * whole)  # most runs are killed (a build's length varies with the load)
        proc = subprocess.Popen(build(corpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=delay)
            outcome = f"finished (exit {proc.returncode})"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
            outcome = "killed"
        found = generation.verify(out)
        record = generation.stamp(generation.current(out)) or {}
        if record.get("build") not in builds:
            found.append("the current build is of neither corpus")
        ask = subprocess.run(cli("sparql", "--store", store, "--format", "csv",
                                 "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), capture_output=True, text=True)
        if ask.returncode != 0:
            found.append(f"a question on the store failed: {ask.stderr.strip()[:200]}")
        problems += bool(found)
        print(f"trial {trial:2d}: {corpus.name} at {delay:5.1f} s: {outcome}; out/ holds "
              f"{builds.get(record.get('build'), '?')} (generation {record.get('generation')}), "
              f"{ask.stdout.split()[-1] if ask.returncode == 0 else '-'} quads in the store"
              + ("".join(f"\n    PROBLEM: {p}" for p in found)))
    subprocess.run(build(a), check=True, stdout=subprocess.DEVNULL)
    litter = [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".link", ".old"))]
    litter += [p.name for p in work.iterdir() if p.name.startswith(".store.")]
    gens = sorted(p.name for p in (out / generation.BUILDS).iterdir())
    print(json.dumps({"trials": args.trials, "killed": killed, "with_problems": problems,
                      "generations_after_a_whole_build": gens, "litter": litter}, indent=1))
    return 1 if problems or litter or len(gens) > 2 else 0


if __name__ == "__main__":
    sys.exit(main())
