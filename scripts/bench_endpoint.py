#!/usr/bin/env python
"""The SPARQL endpoint under load, side by side with Virtuoso (and Oxigraph's own server) in one run.

A synthetic corpus (``scripts/generate_corpus.py``, fictional names) is built and loaded into an
Oxigraph store; then three servers answer the same question on the same data, on loopback:

- ``serbia-kg``: ``serbia-kg serve --store STORE`` (a process of its own);
- ``oxigraph``: Oxigraph's own server from PyPI, ``oxigraph serve-read-only --location STORE
  --union-default-graph`` (skipped when the ``oxigraph`` command is missing);
- ``virtuoso``: the server at ``--virtuoso`` (default http://127.0.0.1:8890/sparql), the dataset put
  (Graph Store Protocol, digest authentication, by curl) into ONE graph whose name is unique to this
  run and given as ``default-graph-uri`` with each query; the graph is deleted at the end.

For each number of clients (``--clients 1,4,16``) each server gets a bounded loop of ``--seconds``
seconds: each client (a thread, spread over up to 4 client processes) sends the question over a
kept-alive connection, again and again. The servers take turns (serbia-kg, virtuoso, oxigraph) and
the whole round is repeated ``--rounds`` times, so that the machine's noise falls on each alike:
the table gives the range over rounds. Then ``--burst`` clients (default 100) each send
``--burst-requests`` requests at once, to count connection errors (resets, refusals) and 503s.

Every answer's row count is checked against the first one (the same answer on every server).
Speed is never asserted; this script prints (and writes ``--json``).

Example::

    python scripts/bench_endpoint.py --size 100k --clients 1,4,16 --seconds 10 --rounds 2
    python scripts/bench_endpoint.py --question systems-by-origin --bind recipient=hub   # a heavier one
    python scripts/bench_endpoint.py --question systems-by-origin --bind recipient=hub --vary  # no answer kept

serbia-kg keeps answers (``serve --cache-mb``): the same question asked again is not run again.
``--vary`` makes each request's text new (a comment), so that every server runs every request;
``--cache-mb 0`` turns the keeping off. ``--bare`` also times the question alone, one request after
another, in pyoxigraph (no server) and in Virtuoso: the engines' own speed, without the servers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

from generate_corpus import generate, parse_size  # noqa: E402

__all__ = ["main", "load"]


# --- the load: clients in threads, spread over processes -----------------------------------------

def _client(host: str, port: int, path: str, headers: dict, deadline: float, max_requests: int, out: list,
            vary: str = "") -> None:
    conn = None
    for i in range(max_requests):
        if time.monotonic() >= deadline:
            break
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=60)
            # --vary: a comment that makes each request's text new (no answer kept, no plan cached)
            asked = path + urllib.parse.quote(f"\n# {vary}-{threading.get_ident()}-{i}") if vary else path
            conn.request("GET", asked, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            rows = _rows(body) if resp.status == 200 else None
            out.append((resp.status, time.monotonic() - t0, rows, resp.getheader("Retry-After")))
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            out.append(("error:" + type(exc).__name__, time.monotonic() - t0, None, None))
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def _rows(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError):
        return None


def _process(args) -> list:
    host, port, path, headers, threads, seconds, max_requests, vary = args
    out: list = []
    deadline = time.monotonic() + seconds
    ts = [threading.Thread(target=_client, args=(host, port, path, headers, deadline, max_requests, out,
                                                 f"{vary}{os.getpid()}" if vary else ""))
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def load(url: str, params: list, clients: int, seconds: float, max_requests: int = 10**9,
         vary: bool = False) -> dict:
    """``clients`` clients asking ``url`` with ``params`` for ``seconds`` (at most ``max_requests`` each);
    ``vary``: each request's query text made new by a comment (``query`` must be the last parameter)."""
    u = urllib.parse.urlsplit(url)
    if vary:
        params = [p for p in params if p[0] != "query"] + [p for p in params if p[0] == "query"]
    path = u.path + "?" + urllib.parse.urlencode(params)
    headers = {"Accept": "application/sparql-results+json"}
    procs = min(clients, 4)
    shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    started = time.monotonic()
    with mp.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_process, [(u.hostname, u.port, path, headers, n, seconds, max_requests,
                                     f"{time.monotonic_ns()}-" if vary else "") for n in shares])
    wall = time.monotonic() - started
    results = [r for part in parts for r in part]
    ok = [r for r in results if r[0] == 200]
    lat = sorted(r[1] for r in ok)
    return {"sent": len(results), "ok": len(ok), "busy_503": sum(1 for r in results if r[0] == 503),
            "busy_with_retry_after": sum(1 for r in results if r[0] == 503 and r[3]),
            "errors": sum(1 for r in results if str(r[0]).startswith("error")),
            "other": sum(1 for r in results if r[0] not in (200, 503) and not str(r[0]).startswith("error")),
            "rps": len(ok) / wall if wall else 0.0,
            "p50": lat[len(lat) // 2] if lat else None,
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None,
            "rows": sorted({-1 if r[2] is None else r[2] for r in ok}),  # -1: a 200 whose body did not parse
            "bad_bodies": sum(1 for r in ok if r[2] is None)}


# --- the servers -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, params: list, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = load(url, params, 1, 5, max_requests=1)
        if r["ok"]:
            return
        time.sleep(0.5)
    raise SystemExit(f"error: {url} did not answer within {seconds:.0f} s")


def _curl(*args: str) -> None:
    subprocess.run(["curl", "-sS", "-f", "--digest", *args], check=True, stdout=subprocess.DEVNULL)


def _virtuoso_graph(store: Path, graph_store: str, user: str, password: str, name: str) -> None:
    """Put the whole dataset (every graph's triples) into the one graph ``name`` on Virtuoso."""
    import pyoxigraph as ox

    st = ox.Store.read_only(str(store))
    with tempfile.NamedTemporaryFile("wb", suffix=".nt", delete=False) as f:
        for q in st:
            f.write(f"{q.subject} {q.predicate} {q.object} .\n".encode("utf-8"))
        path = f.name
    try:
        _curl("-u", f"{user}:{password}", "-X", "PUT", "-H", "Content-Type: application/n-triples",
              "--data-binary", f"@{path}", graph_store + "?" + urllib.parse.urlencode({"graph": name}))
    finally:
        os.unlink(path)


# --- the question alone: the engines without the servers' load -------------------------------------

def _bare(store: Path, text: str, virtuoso: tuple | None, times: int) -> dict:
    """Seconds per answer (as SPARQL JSON, one after another, each text new) in pyoxigraph alone
    (in this process, the store opened read-only) and in Virtuoso (one HTTP request each)."""
    import pyoxigraph as ox

    from graph.store.sparql import PREFIXES_TEXT

    st = ox.Store.read_only(str(store))
    took: dict = {"pyoxigraph": [], "virtuoso": []}
    for i in range(times):
        t0 = time.perf_counter()
        st.query(f"{text}\n# {i}", use_default_graph_as_union=True, prefixes=dict(PREFIXES_TEXT)).serialize(
            format=ox.QueryResultsFormat.JSON)
        took["pyoxigraph"].append(time.perf_counter() - t0)
        if virtuoso is not None:
            url, params = virtuoso
            asked = [(k, f"{v}\n# {i}" if k == "query" else v) for k, v in params]
            req = urllib.request.Request(url + "?" + urllib.parse.urlencode(asked),
                                         headers={"Accept": "application/sparql-results+json"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as resp:
                resp.read()
            took["virtuoso"].append(time.perf_counter() - t0)
    del st
    return {k: v for k, v in took.items() if v}


# --- the run -----------------------------------------------------------------------------------

def _question(name: str, focus: dict, bind: list[str]) -> str:
    """The saved question's text with parameters bound (VALUES): ``NAME=hub`` (the corpus's hub),
    ``NAME=partner`` (its first partner) or an entity id."""
    from rdflib import URIRef

    from graph.model.terms import ENTITY
    from graph.store.querytext import bind_values
    from graph.store.sparql import PROLOGUE, saved_query

    q = saved_query(name)
    bindings = {}
    for item in bind:
        param, _, value = item.partition("=")
        entity = {"hub": focus["hub"], "partner": focus["partners"][0]}.get(value, value)
        bindings[param] = URIRef(ENTITY[entity])
    text = bind_values(q.text, bindings) if bindings else q.text
    return text if "PREFIX" in text else PROLOGUE + text


def _fmt(values: list[float], spec: str) -> str:
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return format(lo, spec) if f"{lo:{spec}}" == f"{hi:{spec}}" else f"{lo:{spec}}-{hi:{spec}}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="100k", help="triples of the synthetic corpus (10k, 100k, 1m)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serbia-kg-bench-endpoint")
    ap.add_argument("--question", default="memberships",
                    help="the saved question asked (default memberships: a cheap one, a few rows)")
    ap.add_argument("--bind", action="append", default=None,
                    help="NAME=ENTITY (an id, or hub, or partner: the corpus's hub or its first partner) "
                         "bound as VALUES; default member=partner")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--burst", type=int, default=100, help="clients at once for the error count (0: none)")
    ap.add_argument("--burst-requests", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2, help="serbia-kg serve --workers")
    ap.add_argument("--cache-mb", type=int, default=64, help="serbia-kg serve --cache-mb (0: no answers kept)")
    ap.add_argument("--vary", action="store_true",
                    help="make each request's text new (a comment): no server can give a kept answer")
    ap.add_argument("--bare", type=int, default=20,
                    help="also time the question this many times in pyoxigraph alone and in Virtuoso "
                         "(one client, sequential; 0: not)")
    ap.add_argument("--virtuoso", default="http://127.0.0.1:8890/sparql")
    ap.add_argument("--graph-store", default="http://127.0.0.1:8890/sparql-graph-crud-auth")
    ap.add_argument("--user", default="dba")
    ap.add_argument("--password", default="dba")
    ap.add_argument("--no-virtuoso", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from graph.compile.build import build
    from graph.store.backends import load_store

    size = parse_size(args.size)
    work = args.workdir
    corpus, out, store = work / f"corpus-{args.size}", work / f"out-{args.size}", work / f"store-{args.size}"
    info_file = corpus / "corpus.json"
    info = json.loads(info_file.read_text()) if info_file.is_file() else None
    if not info or info.get("target_triples") != size:
        print(f"generating a corpus of {args.size} ...", file=sys.stderr)
        generate(size, corpus, force=True)
        info = json.loads(info_file.read_text())
        shutil.rmtree(store, ignore_errors=True)
    if not (store / "CURRENT").exists():
        print(f"building {args.size} ...", file=sys.stderr)
        build(corpus, out)
        load_store(out, store)
    bind = args.bind if args.bind is not None else ["member=partner"]
    text = _question(args.question, info["focus"], bind)
    params = [("query", text)]
    procs, servers = [], {}
    graph_name = f"urn:x-serbia-kg-bench-endpoint:{os.getpid()}:{int(time.time())}"
    try:
        port = _free_port()
        procs.append(subprocess.Popen([sys.executable, "-c", "from graph.cli import main; main()", "serve",
                                       "--store", str(store), "--port", str(port), "--workers", str(args.workers),
                                       "--max-queue", "64",
                                       "--cache-mb", str(args.cache_mb)], stderr=subprocess.DEVNULL))
        servers["serbia-kg"] = (f"http://127.0.0.1:{port}/sparql", params)
        if not args.no_virtuoso:
            print(f"putting the dataset into Virtuoso graph {graph_name} ...", file=sys.stderr)
            _virtuoso_graph(store, args.graph_store, args.user, args.password, graph_name)
            servers["virtuoso"] = (args.virtuoso, params + [("default-graph-uri", graph_name)])
        if shutil.which("oxigraph"):
            port = _free_port()
            procs.append(subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(store), "--bind",
                                           f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", "10"],
                                          stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
            servers["oxigraph"] = (f"http://127.0.0.1:{port}/query", params)
        for url, p in servers.values():
            _wait(url, p)
        bare = _bare(store, text, servers.get("virtuoso"), args.bare) if args.bare else {}
        results: dict = {name: {} for name in servers}
        counts = [int(c) for c in args.clients.split(",")]
        for rnd in range(args.rounds):
            for n in counts:
                for name, (url, p) in servers.items():
                    r = load(url, p, n, args.seconds, vary=args.vary)
                    results[name].setdefault(str(n), []).append(r)
                    print(f"round {rnd + 1} {name:10} {n:3} clients: {r['ok']}/{r['sent']} ok, "
                          f"{r['rps']:.0f} req/s, errors {r['errors']}, rows {r['rows']}", file=sys.stderr)
        burst = {}
        if args.burst:
            for name, (url, p) in servers.items():
                burst[name] = load(url, p, args.burst, 120, max_requests=args.burst_requests, vary=args.vary)
                print(f"burst {name:10} {args.burst} clients: {burst[name]}", file=sys.stderr)
    finally:
        for p in procs:
            p.terminate()
            p.wait(30)
        if not args.no_virtuoso:
            try:
                _curl("-u", f"{args.user}:{args.password}", "-X", "DELETE",
                      args.graph_store + "?" + urllib.parse.urlencode({"graph": graph_name}))
            except subprocess.CalledProcessError:
                print(f"warning: could not delete {graph_name} from Virtuoso", file=sys.stderr)
    rows = {tuple(r["rows"]) for name in results for n in results[name] for r in results[name][n]}
    print(f"\n{args.size} triples (synthetic), question '{args.question}' ({' '.join(bind)}), "
          f"{args.seconds:g} s loops, {args.rounds} round(s); ranges over rounds; serbia-kg --workers "
          f"{args.workers} --cache-mb {args.cache_mb}" + ("; each request's text new (--vary)" if args.vary else ""))
    names = list(servers)
    print("| clients | " + " | ".join(f"{n} req/s" for n in names)
          + " | serbia-kg / virtuoso | serbia-kg p99 ms | errors (all) |")
    print("|---|" + "---|" * (len(names) + 3))
    for n in (counts if args.rounds else []):
        rps = {name: [r["rps"] for r in results[name][str(n)]] for name in names}
        ratio = ([a / b for a, b in zip(rps["serbia-kg"], rps["virtuoso"]) if b]
                 if "virtuoso" in rps else [])
        p99 = [r["p99"] * 1000 for r in results["serbia-kg"][str(n)] if r["p99"] is not None]
        errs = sum(r["errors"] for name in names for r in results[name][str(n)])
        print(f"| {n} | " + " | ".join(_fmt(rps[name], ".0f") for name in names)
              + f" | {_fmt(ratio, '.2f')} | {_fmt(p99, '.0f')} | {errs} |")
    if bare:
        med = {k: sorted(v)[len(v) // 2] for k, v in bare.items()}
        print(f"\nthe question alone, one client, {args.bare} times (median, range):")
        for k, v in bare.items():
            print(f"- {k}: {med[k] * 1000:.0f} ms ({min(v) * 1000:.0f}-{max(v) * 1000:.0f} ms)")
        if len(med) == 2:
            print(f"- pyoxigraph / virtuoso time: {med['pyoxigraph'] / med['virtuoso']:.2f}")
    if burst:
        print(f"\n{args.burst} clients at once, {args.burst_requests} requests each:")
        print("| server | ok / sent | 503 (with Retry-After) | connection errors | req/s | p99 s |")
        print("|---|---|---|---|---|---|")
        for name, r in burst.items():
            print(f"| {name} | {r['ok']}/{r['sent']} | {r['busy_503']} ({r['busy_with_retry_after']}) | "
                  f"{r['errors']} | {r['rps']:.0f} | {r['p99'] or 0:.2f} |")
    same = "the same answer on every server" if len(rows) == 1 else "ANSWERS DIFFER"
    print(f"\nrow counts seen: {sorted(rows)} ({same})")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "burst": burst, "bare": bare, "size": args.size,
                                         "question": args.question}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
