#!/usr/bin/env python
"""Push a built corpus to a SPARQL server several times, then ask every saved question through --endpoint.

For issue 20's "push of the 1M benchmark corpus succeeds three times in a row and every question
then answers through --endpoint". Each push and each question runs the ``serbia-kg`` command as a
user would (a fresh process); the script prints one line per run and a JSON summary, and exits 1
if any push or question failed. Entity parameters are the corpus's focus entities
(``corpus.json`` of ``scripts/generate_corpus.py``). With ``--store PATH`` (the Oxigraph store of
the same build) each question is also asked there and the two answers are compared, line by line
(sorted: rows that tie in the order may come in either order): ``same`` or ``DIFFERS``, and the
time each took is printed side by side (``--repeat N``: the median of N runs of each, taken by turns;
each a fresh process, so both include the command's start-up).

A benchmark, not a test; on a shared machine run it alone (for example under ``flock`` with a lock file
that other benchmarks share).

Example::

    python scripts/bench_remote.py --corpus /tmp/c1m --out /tmp/o1m --endpoint http://127.0.0.1:8890/sparql \\
        --user dba --password dba --pushes 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def cli(*args) -> list[str]:
    return [sys.executable, "-c", "from graph.cli import main; main()", *map(str, args)]


def run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run a command; a run that takes longer than ``timeout`` seconds is a failure."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"timed out after {timeout:.0f} s")


def params_for(question, focus: dict, claim: str | None) -> list[str]:
    hub = focus.get("hub", "serbia")
    partner = (focus.get("partners") or ["russia"])[0]
    values = {"actor": hub, "member": hub, "entity": hub, "recipient": hub, "a": hub, "b": partner,
              "supplier": partner, "claim": claim}
    out = []
    for p in question.params:
        if p.name in values and values[p.name] is not None and (p.default is not None or p.required):
            out += ["--param", f"{p.name}={values[p.name]}"]
    return out


def main(argv: list[str] | None = None) -> int:
    from graph.store.sparql import kind_of, saved_queries

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="the built output folder")
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--graph-store", default=None)
    ap.add_argument("--user", default="dba")
    ap.add_argument("--password", default="dba")
    ap.add_argument("--pushes", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600, help="seconds a question may take (default 600)")
    ap.add_argument("--store", type=Path, default=None,
                    help="the Oxigraph store of the same build: each answer is compared with the store's")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each question on each side, by turns; the median is printed (default 1)")
    args = ap.parse_args(argv)

    focus = {}
    meta = args.corpus / "corpus.json"
    if meta.is_file():
        focus = json.loads(meta.read_text()).get("focus", {})
    claim = None
    for folder in sorted(args.corpus.iterdir()):
        text = (folder / "claims.yaml").read_text() if (folder / "claims.yaml").is_file() else ""
        if "id: " in text:
            claim = text.split("id: ", 1)[1].split()[0]
            break
    gsp = ["--graph-store", args.graph_store] if args.graph_store else []
    summary: dict = {"pushes": [], "questions": {}}
    failed = 0
    for i in range(1, args.pushes + 1):
        started = time.monotonic()
        res = subprocess.run(cli("push", "-q", "--endpoint", args.endpoint, *gsp, "--user", args.user,
                                 "--password", args.password, "--out", args.out), capture_output=True, text=True)
        took = time.monotonic() - started
        ok = res.returncode == 0
        failed += not ok
        summary["pushes"].append({"seconds": round(took, 1), "ok": ok})
        print(f"push {i}: {'ok' if ok else 'FAILED'} in {took:.1f} s: "
              f"{(res.stdout or res.stderr).strip().splitlines()[-1] if (res.stdout or res.stderr).strip() else ''}",
              flush=True)
    asks = []
    for q in saved_queries():
        fmt = "csv" if kind_of(q.text) in ("SELECT", "ASK") else "nt"
        asks.append((q.name, ["sparql", "--saved", q.name, "--format", fmt, *params_for(q, focus, claim)]))
    hub = focus.get("hub", "serbia")
    asks += [("supplies", ["supplies", "--to", hub, "--format", "csv"]), ("ties", ["ties", hub, "--format", "csv"])]
    for name, command in asks:
        took_remote: list[float] = []
        took_store: list[float] = []
        local = None
        for _ in range(max(1, args.repeat)):  # by turns, so that the machine's load falls on both alike
            started = time.monotonic()
            res = run(cli(*command, "--endpoint", args.endpoint), args.timeout)
            took_remote.append(time.monotonic() - started)
            if args.store is not None and res.returncode == 0:
                started = time.monotonic()
                local = run(cli(*command, "--store", args.store), args.timeout)
                took_store.append(time.monotonic() - started)
        took = statistics.median(took_remote)
        rows = max(0, len(res.stdout.strip().splitlines()) - 1) if res.returncode == 0 else None
        failed += res.returncode != 0
        error = res.stderr.strip().splitlines()[-1] if res.returncode and res.stderr.strip() else None
        entry = {"seconds": round(took, 2), "rows": rows, "error": error}
        if local is not None:
            entry["store_seconds"] = round(statistics.median(took_store), 2)
            entry["store_rows"] = max(0, len(local.stdout.strip().splitlines()) - 1)
            entry["same"] = (local.returncode == 0
                             and sorted(local.stdout.splitlines()) == sorted(res.stdout.splitlines()))
            failed += not entry["same"]
        summary["questions"][name] = entry
        print(f"{name}: {'ok' if res.returncode == 0 else 'FAILED'} in {took:.2f} s, {rows} rows"
              + (f": {error}" if error else "")
              + ("" if "same" not in entry else
                 f"; the store: {entry['store_seconds']:.2f} s, answer "
                 + ("same" if entry["same"] else f"DIFFERS ({entry['store_rows']} rows)")),
              flush=True)
    print(json.dumps(summary, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
