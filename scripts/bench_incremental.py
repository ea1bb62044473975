#!/usr/bin/env python3
"""Incremental builds against full builds of the same corpus, paired (issue 21, goal 2).

Copies a corpus (``--corpus``, e.g. a synthetic one from ``scripts/generate_corpus.py``) into a work
folder, builds it once, then for each round changes one source (a claim dropped, then the next
round a source added, then that source removed) and times, by turns, an incremental build and a
full build (``--full``) of the changed corpus into two output folders; both are new processes
(``serbia-kg build --no-view``, run as the installed command runs it; ``--view`` keeps the view).
It checks that the two wrote the same bytes, prints each run's time, the ranges, the ratio, the
load average, and where the incremental build's time went (from its progress lines). After each round it
writes the incremental build's files anew, without building (read, sha256, written, flushed to the disk: what
the build does with them at the least), and prints that time too: the floor of any incremental build that
writes each output whole; and the same files copied in the kernel without a digest (``os.copy_file_range``), the
floor were the build to record no sha256 of them.

``--store`` gives both builds an Oxigraph store (``--store``; the incremental build's is made from the
previous build's store, the full build's loaded whole) and checks that the two stores hold the same quads.

Example: python scripts/bench_incremental.py --corpus corpora/1m --rounds 3 --workdir /tmp/inc-bench
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _cli(*args) -> list[str]:
    """The installed ``serbia-kg`` command's entry point (``graph.cli:run``), with this Python."""
    return [sys.executable, "-c", "from graph.cli import run; run()", *map(str, args)]


def _build(corpus: Path, out: Path, full: bool, view: bool,
           store: Path | None = None) -> tuple[float, list[tuple[float, str]]]:
    args = _cli("build", "--sources", corpus, "--out", out, *([] if view else ["--no-view"]),
                *(["--full"] if full else []), *(["--store", store] if store is not None else []))
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[tuple[float, str]] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.monotonic() - started, line.rstrip("\n")))
    if proc.wait() != 0:
        sys.exit("build failed:\n" + "\n".join(line for _, line in lines[-20:]))
    return time.monotonic() - started, lines


def _outputs(out: Path) -> dict[str, str]:
    cur = (out / ".current").resolve()
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(cur.iterdir())
            if p.is_file() and p.name not in ("build.json", "incremental.pickle")}


def _store_digest(store: Path) -> str:
    """The sha256 of a store's quads as sorted N-Quads lines (read in a process of its own, read-only)."""
    code = ("import hashlib, sys, pyoxigraph as ox; s = ox.Store.read_only(sys.argv[1]); "
            "h = hashlib.sha256(); [h.update(line.encode() + b'\\n') for line in sorted(str(q) for q in s)]; "
            "print(h.hexdigest())")
    return subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True,
                          check=True).stdout.strip()


def _sources(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if (p / "source.yaml").is_file())


def _change(corpus: Path, round_: int) -> str:
    """Round 0, 3, ...: drop a claim of a source; 1, 4, ...: add a copy of a source; 2, 5, ...: remove it."""
    sources = [p for p in _sources(corpus) if not p.name.startswith("zz-bench-")]
    kind = round_ % 3
    if kind == 0:
        target = sources[(round_ * 7) % len(sources)]
        text = (target / "claims.yaml").read_text()
        (target / "claims.yaml").write_text(text[:text.rindex("\n  - id:")] + "\n")
        return f"a claim dropped from {target.name}"
    if kind == 1:
        src = sources[(round_ * 11) % len(sources)]
        new = corpus / f"zz-bench-{round_}"
        shutil.copytree(src, new)
        meta = new / "source.yaml"
        meta.write_text(re.sub(r"^id: .*$", f"id: {new.name}", meta.read_text(), flags=re.M))
        return f"a source added ({new.name}, a copy of {src.name})"
    added = next(p for p in _sources(corpus) if p.name.startswith("zz-bench-"))
    shutil.rmtree(added)
    return f"a source removed ({added.name})"


def _copy_anew(folder: Path, into: Path) -> float:
    """Seconds to write every file of the generation ``folder`` anew into ``into``, as a build writes its outputs:
    read, sha256, written, flushed to the disk, two files at a time (the build has two processes). The least an
    incremental build that writes each output whole can take for its outputs, whatever else it does."""
    from graph.compile.serialize import HashingWriter  # what the build writes its outputs through

    def copy(path: Path) -> None:
        with open(path, "rb") as src, HashingWriter(into / path.name) as dst:
            while block := src.read(1 << 20):
                dst.write(block)
            dst.close()  # (flushed to the disk, as the build's are)

    return _timed_copies(folder, into, copy)


def _copy_in_kernel(folder: Path, into: Path) -> float:
    """Seconds to copy every file of the generation ``folder`` into new files of ``into`` in the kernel
    (``os.copy_file_range``: no pass through Python, no digest), each flushed to the disk, two at a time: the least
    any build writing whole files could take for them, were it to record no sha256 of them (the build's id is the
    N-Quads' sha256)."""
    from graph.compile.serialize import copy_file  # (the build's copy in the kernel)

    def copy(path: Path) -> None:
        with open(into / path.name, "xb") as dst:
            copy_file(path, dst)
            os.fsync(dst.fileno())

    return _timed_copies(folder, into, copy)


def _timed_copies(folder: Path, into: Path, copy) -> float:
    """Seconds to ``copy`` every file of ``folder`` into the new folder ``into``, two files at a time (the build
    has two processes), the largest first."""
    from concurrent.futures import ThreadPoolExecutor

    into.mkdir(parents=True)
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: -p.stat().st_size)
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(copy, files))
    return time.monotonic() - started


def _phases(lines: list[tuple[float, str]], total: float) -> str:
    steps = [(t, line) for t, line in lines if not re.match(r"\[\d+/\d+\] ", line) and not line.startswith("built ")]
    out = []
    for i, (t, line) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else total
        out.append(f"    from {t:6.2f} s, {end - t:6.2f} s: {line[:90]}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="the corpus to copy (it is not changed)")
    ap.add_argument("--workdir", type=Path, required=True, help="where the copy and the two outputs go")
    ap.add_argument("--rounds", type=int, default=3, help="changes, each timed incremental then full (default 3)")
    ap.add_argument("--view", action="store_true", help="write the view too (both builds)")
    ap.add_argument("--store", action="store_true",
                    help="fill an Oxigraph store too (both builds), and compare the two stores' quads")
    args = ap.parse_args(argv)
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    shutil.copytree(args.corpus, corpus)
    time.sleep(2)  # files as a researcher's are: not written in the last 2 s (incremental.SETTLED_NS)
    inc_out, full_out = work / "out-incremental", work / "out-full"
    inc_store, full_store = (work / "store-incremental", work / "store-full") if args.store else (None, None)
    first, _ = _build(corpus, inc_out, True, args.view, inc_store)
    print(f"corpus {args.corpus} ({len(_sources(corpus))} sources); first build {first:.2f} s; "
          f"load {os.getloadavg()[0]:.2f}")
    inc_times, full_times, floors, kernel, starts = [], [], [], [], []
    for r in range(args.rounds):
        what = _change(corpus, r)
        load = os.getloadavg()[0]
        t_inc, lines = _build(corpus, inc_out, False, args.view, inc_store)
        t_full, _ = _build(corpus, full_out, True, args.view, full_store)
        same = _outputs(inc_out) == _outputs(full_out)
        if inc_store is not None and full_store is not None:
            stores = _store_digest(inc_store) == _store_digest(full_store)
            print(f"    the two stores {'hold the same quads' if stores else 'DIFFER'}")
            same = same and stores
        inc_times.append(t_inc)
        full_times.append(t_full)
        t_kept, kept_lines = _build(corpus, inc_out, False, args.view, inc_store)  # nothing changed since
        if not any(line.startswith("up to date: ") for _, line in kept_lines):
            sys.exit("a build with nothing changed was not up to date:\n" + "\n".join(x for _, x in kept_lines))
        starts.append(t_kept)
        # the two last copies kept, as a build keeps the previous generation (the one before is removed)
        shutil.rmtree(work / f"copy-{r - 2}", ignore_errors=True)
        floors.append(_copy_anew((inc_out / ".current").resolve(), work / f"copy-{r}"))
        shutil.rmtree(work / "kernel-copy", ignore_errors=True)
        kernel.append(_copy_in_kernel((inc_out / ".current").resolve(), work / "kernel-copy"))
        shutil.rmtree(work / "kernel-copy", ignore_errors=True)
        print(f"round {r + 1}: {what}: incremental {t_inc:.2f} s, full {t_full:.2f} s, "
              f"ratio {t_inc / t_full:.1%}, outputs {'identical' if same else 'DIFFERENT'}, load {load:.2f}")
        print(_phases(lines, t_inc))
        print(f"    its outputs written anew (read, sha256, written, flushed; no build): {floors[-1]:.2f} s, "
              f"{floors[-1] / t_full:.1%} of the full build; copied in the kernel, no digest: {kernel[-1]:.2f} s, "
              f"{kernel[-1] / t_full:.1%}")
        print(f"    a build with nothing changed next (up to date; nothing written): {t_kept:.2f} s, "
              f"{t_kept / t_full:.1%} of the full build")
        if not same:
            return 1
    ratios = [i / f for i, f in zip(inc_times, full_times)]
    print(f"incremental: median {statistics.median(inc_times):.2f} s ({min(inc_times):.2f}-{max(inc_times):.2f}); "
          f"full: median {statistics.median(full_times):.2f} s ({min(full_times):.2f}-{max(full_times):.2f}); "
          f"ratio {min(ratios):.1%}-{max(ratios):.1%} (goal < 5 %: {'met' if max(ratios) < 0.05 else 'NOT met'})")
    lows = [c / f for c, f in zip(floors, full_times)]
    print(f"the outputs written anew, without building: {min(floors):.2f}-{max(floors):.2f} s, "
          f"{min(lows):.1%}-{max(lows):.1%} of a full build (the least an incremental build writing whole files takes)")
    lows = [c / f for c, f in zip(kernel, full_times)]
    print(f"copied in the kernel without a digest: {min(kernel):.2f}-{max(kernel):.2f} s, "
          f"{min(lows):.1%}-{max(lows):.1%} of a full build (the least without the sha256 the build records)")
    lows = [c / f for c, f in zip(starts, full_times)]
    print(f"a build with nothing changed (the command's start, its imports, the record read, every source's files "
          f"looked at; nothing written): {min(starts):.2f}-{max(starts):.2f} s, {min(lows):.1%}-{max(lows):.1%} of a full "
          "build (the least any build in a new process takes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
