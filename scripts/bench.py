#!/usr/bin/env python
"""Benchmark serbia-kg as the graph grows: how each step's cost grows with the number of triples.

For each size (``--sizes 10k,100k,1m``) a synthetic corpus is generated
(``scripts/generate_corpus.py``, fictional names; reused when already there), then each step is
timed in a fresh Python process of its own (so the peak memory of a step, ``ru_maxrss``, is its
own, and an import cache from one step does not help the next):

- ``build``: sources -> validated dataset on disk (``graph.compile.build.build``), from scratch;
- ``bare parse`` / ``bare load``: pyoxigraph alone parsing / bulk-loading the same N-Quads into a
  store on disk: the reference the build is compared with;
- ``validate (shacl-rust)`` / ``validate (pyshacl)``: every check of the build, with each SHACL engine;
- ``load memory`` / ``load oxigraph``: the built dataset into each store (``graph.store.backends``), and
  ``projection (memory)``: the projection read through rdflib from the memory store;
- ``sparql <store>: <question>``: every saved question (``ontology/queries/*.rq``) on each store,
  its parameters bound to entities of the synthetic corpus;
- ``projection``, ``degree``, ``pagerank``, ``betweenness`` (sampled, and exact when it fits the
  time budget; otherwise an estimate from the sampled run, labelled as such) and ``path``
  (:mod:`graph.ask.projection`, :mod:`graph.ask.questions`, networkx), read from the Oxigraph store;
- ``supplies index``: computing the supplies index of the store (:mod:`graph.store.index`, filled by
  :func:`graph.ask.questions.write_supplies_index` from the engine), which ``load oxigraph`` includes;
- ``supplies (cold)``: ``serbia-kg supplies --to X --store STORE --format json`` as a new process
  (wall time, the CLI's import time included); ``supplies (cold, table)`` the same as a table (the
  default); ``supplies (cold, computed)`` a new process computing the same rows from the store
  without its index (the engine: ``KnowledgeGraph(store).supplies``);
- ``view``: writing the HTML view (:mod:`graph.view`) from the Oxigraph store;
- with ``--endpoint URL`` (a SPARQL 1.1 server; ``--graph-store``, ``--user``, ``--password`` as for
  ``serbia-kg push``): ``push``, the build put on that server (replacing the serbia-kg graphs it holds),
  and ``sparql endpoint: <question>``, every saved question asked there as on Oxigraph, each answer's rows
  compared with Oxigraph's (goal 6 of issue 21: the times side by side, printed under the table).
  Without it that goal prints as not run.

Sizes of :data:`LARGE` triples and more (``--sizes 1m,10m --large``) take minutes to build and
gigabytes of disk, so they run only with ``--large``; at those sizes the groups that hold the whole
dataset in rdflib (:data:`LARGE_SKIP`: ``shacl`` with pySHACL, ``load memory``, ``sparql memory``)
are left out, as they would need more memory than the machine has.

It prints one table: median of the runs, cost per triple, peak memory, and the growth exponent
from size to size (the slope of log time against log triples: 1 is linear, 2 quadratic), then the
ratios where two ways exist, and the goals of issue 7 with the measured figures. Steps whose module
does not exist yet print ``n/a (not built yet)``. Speed is never asserted; this script prints.

Example::

    python scripts/bench.py --sizes 10k,100k --repeat 3 --json /tmp/bench.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
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

__all__ = ["run_size", "render", "main"]

NA = "n/a (not built yet)"
#: Saved questions are quick and their times noisy: one whose first timed run (after the warm-up run, which at
#: 10M reads a cold store for seconds) takes under a second is timed at least this many times (the median
#: shown), whatever ``--repeat`` says (a 10M run with ``--repeat 1`` still takes medians).
QUESTION_REPEAT = 5

#: A step whose first run takes longer than this (seconds) is not repeated.
REPEAT_BUDGET = 60.0
#: Goals of issue 7 at the largest size.
GOAL_BUILD_RATIO = 3.0
GOAL_QUERY_MS = 100.0
GOAL_SUPPLIES_S = 0.5
GOAL_PROJECTION_PAGERANK_S = 10.0
#: Sizes from this many triples on run only with ``--large``, and without :data:`LARGE_SKIP`.
LARGE = 5_000_000
#: The groups that hold the whole dataset in rdflib's memory: left out at :data:`LARGE` sizes.
LARGE_SKIP = frozenset({"shacl", "load memory", "sparql memory"})


# --- the child: one group of steps in a fresh process ------------------------------------------------

def _peak_mb() -> float:
    """The peak resident memory of the largest process of this step: this one, or a child it waited
    for (a pool's worker, a forked check)."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024.0


def _tree_kb(pid: int) -> int | None:
    """The proportional set size (PSS: shared pages split between their sharers) of ``pid`` and
    its descendants, in kB, from ``/proc`` (``None`` where there is none: not Linux)."""
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(x) for x in fh.read().split())
        except OSError:
            if p == pid and not os.path.exists(f"/proc/{p}"):
                return None
    return total


#: How often the process tree's PSS is read. Reading it walks every page of every process (about 50 ms at 10M,
#: where the build's tree holds 2 GB): every 0.1 s took 25 s of CPU of a 10M build's 2 cores and slowed the build
#: by about 10 s; every second, a tenth of that.
TREE_EVERY = 1.0


class _TreeSampler:
    """The peak PSS of a process tree, sampled in a thread after 0.1 s, 0.2 s, 0.4 s ... and then every
    :data:`TREE_EVERY` seconds (``peak_mb``: ``None`` if never read)."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak, self.done = pid, None, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        every = 0.1  # doubled after each reading up to TREE_EVERY: a step of under a second is read too
        while not self.done.wait(every):
            every = min(every * 2, TREE_EVERY)
            kb = _tree_kb(self.pid)
            if kb:
                self.peak = max(self.peak or 0, kb)

    def stop(self) -> float | None:
        self.done.set()
        self.thread.join()
        return self.peak / 1024.0 if self.peak else None


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    """Run ``fn`` up to ``repeat`` times (once if the first run exceeds the budget)."""
    times, result = [], None
    for i in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if i == 0 and times[0] > REPEAT_BUDGET:
            break
    return times, result


class _Timeout(BaseException):  # not an Exception: the query runner must not wrap it
    pass


class _alarm:
    """Raise :class:`_Timeout` in the block after ``seconds`` (SIGALRM; the main thread only)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self):
        import signal

        def handler(signum, frame):
            raise _Timeout()

        self.old = signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        import signal

        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old)
        return False


def _missing(exc: ImportError) -> bool:
    """Whether an ImportError means a serbia-kg module (or a name in one) does not exist yet."""
    name = getattr(exc, "name", "") or ""
    return name.startswith("graph") or "graph." in str(exc) or "cannot import name" in str(exc)


def _entity_for(param, focus: dict, ds=None) -> str | None:
    """The synthetic entity to bind a saved question's parameter to (real-corpus defaults do not exist)."""
    name = param.name.lower()
    if param.kind == "entity":
        if name in ("supplier", "b", "partner", "imposer"):
            return focus["partners"][0]
        if name == "resolution":
            return focus["resolution"]
        if name == "aligned_with":
            return None
        if name in ("holder", "speaker", "voter", "target"):
            return None  # optional filters: every one
        return focus["hub"]
    if param.kind == "iri" and name == "source" and focus.get("source"):
        return f"src:{focus['source']}"
    if param.kind == "string" and name == "claim":
        # a required claim id: ids are unique within a source only, and the generator names a source's
        # first claim "<type>-1", so "transfer-1" is the first claim of about a third of the sources
        return "transfer-1"
    return None


def question_variants(q, focus: dict) -> list[tuple[str, dict]]:
    """How the bench asks a saved question: with the parameters :func:`_entity_for` gives, and, where
    that binds a parameter the question's defaults leave out, also as a user asks it with its defaults
    (``NAME (defaults)``: each parameter with a default, or required, bound to the corpus's entity, the
    rest left out)."""
    given = {p.name: v for p in q.params if (v := _entity_for(p, focus)) is not None}
    defaults = {k: v for k, v in given.items()
                if any(p.name == k and (p.default is not None or p.required) for p in q.params)}
    variants = [(q.name, given)]
    if defaults != given:
        variants.append((f"{q.name} (defaults)", defaults))
    return variants


def answer_digest(result) -> str:
    """A fingerprint of an answer's rows that two stores agree on when they give the same rows in any order:
    each row as its values' text (as CSV writes them: datatypes and languages left out), sorted; a graph
    answer as its triples, each term's text the same way, sorted (Oxigraph keeps ``"6"^^xsd:nonNegativeInteger``
    as ``xsd:integer``, Virtuoso as it is: the same value)."""
    import hashlib

    if getattr(result, "type", None) == "ASK":
        lines = [str(bool(result.askAnswer))]
    elif getattr(result, "type", None) in ("CONSTRUCT", "DESCRIBE"):
        lines = sorted("\t".join(str(t) for t in triple) for triple in result.graph)
    else:
        lines = sorted("\t".join("" if v is None else str(v) for v in row) for row in result)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def child(group: str, ctx: dict) -> dict:
    """Run one group of steps; return ``{step: {"times": [...]}, ...}`` plus ``peak_mb``."""
    repeat = ctx["repeat"]
    out, corpus, store = Path(ctx["out"]), Path(ctx["corpus"]), Path(ctx["store"])
    focus = ctx["focus"]
    res: dict = {}
    if group == "build":
        from graph.compile.build import build

        def once():
            shutil.rmtree(out, ignore_errors=True)
            _, summary = build(corpus, out)
            return summary

        times, summary = _timed(once, repeat)
        res["build"] = {"times": times, "triples": summary.triples, "claims": summary.claims,
                        "sources": summary.sources}
    elif group == "bare":
        import pyoxigraph as ox

        nq = out / "serbia-kg.nq"

        def parse():
            n = 0
            with open(nq, "rb") as fh:
                for _ in ox.parse(fh, format=ox.RdfFormat.N_QUADS):
                    n += 1
            return n

        def load():
            tmp = Path(tempfile.mkdtemp(prefix="bare-", dir=out.parent))
            try:
                s = ox.Store(str(tmp))
                s.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
                s.flush()
                n = len(s)
                del s
                return n
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        t, n = _timed(parse, repeat)
        res["bare parse"] = {"times": t, "quads": n}
        t, n = _timed(load, repeat)
        res["bare load"] = {"times": t, "quads": n}
    elif group == "shacl":
        from graph.compile.build import validate

        for engine in ("shacl-rust", "pyshacl"):
            t, (_, summary) = _timed(lambda: validate(corpus, shacl_engine=engine), repeat)
            res[f"validate ({engine})"] = {"times": t, "triples": summary.triples}
    elif group == "load memory":
        from graph.store.backends import open_dataset

        t, ds = _timed(lambda: open_dataset(out), repeat)
        res["load memory"] = {"times": t, "quads": len(ds)}
        from graph.ask.projection import project

        t, G = _timed(lambda: project(ds), repeat)  # the same projection, read through rdflib
        res["projection (memory)"] = {"times": t, "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    elif group == "load oxigraph":
        from graph.store.native import open_store
        from graph.ask.questions import write_store_caches, write_supplies_index
        from graph.store.backends import load_store

        t, n = _timed(lambda: load_store(out, store, index=write_store_caches), repeat)
        res["load oxigraph"] = {"times": t, "quads": n}
        # the part of the load that computes the supplies index (with the engine), on its own
        scratch = Path(tempfile.mkdtemp(prefix="index-", dir=out.parent))
        try:
            t, n = _timed(lambda: write_supplies_index(open_store(store), scratch), repeat)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        res["supplies index"] = {"times": t, "rows": n}
    elif group.startswith("sparql "):
        backend = group.split(" ", 1)[1]
        only = ctx.get("only_query")
        try:
            from graph.store.sparql import run_text, saved_queries
        except ImportError as exc:
            if _missing(exc):
                return {"na": NA}
            raise
        if backend == "oxigraph" and only is None:
            # A pyoxigraph query runs in native code, where no alarm reaches it: each question runs in
            # a process of its own, stopped from outside when it overruns.
            limit = ctx["query_timeout"] * (max(repeat, QUESTION_REPEAT) + 2) + 30
            peaks = []
            for q in saved_queries():
                r = _run_child(group, {**ctx, "only_query": q.name}, limit)
                for variant, _ in question_variants(q, focus):
                    name = f"sparql {backend}: {variant}"
                    res[name] = r.get(name, {"error": f"timeout (> {ctx['query_timeout']:.0f} s)"}
                                      if "timeout" in str(r.get("error", "")) else r)
                peaks.append(r.get("peak_mb") or 0)
            res["peak_mb"] = max(peaks, default=0)
            return res
        from graph.store.backends import open_dataset

        if backend == "endpoint":  # the server the push group filled, asked through the SPARQL 1.1 Protocol
            ds = open_dataset(endpoint=ctx["endpoint"])
        else:
            ds = open_dataset(out) if backend == "memory" else open_dataset(out, store=store)
        for q in saved_queries():
            if only is not None and q.name != only:
                continue
            for variant, params in question_variants(q, focus):
                rows, digest = [], []

                def ask():
                    r = run_text(ds, q.text, params, declared=q.params, where=q.name)
                    rows[:] = [len(r)]  # rows, triples, or 1 for ASK (rdflib's Result, graph.store.sparql.NativeResult)
                    if not digest:  # the first (warm-up) run's answer, outside the timed runs' interest
                        digest.append(answer_digest(r))

                # one warm-up run (compiles the query, warms the store's cache), then the timed runs;
                # a question over the time budget is stopped (rdflib's engine is pure Python: an alarm stops it)
                name = f"sparql {backend}: {variant}"
                try:
                    with _alarm(ctx["query_timeout"]):
                        t_first, _ = _timed(ask, 1)
                        t, _ = (_timed(ask, repeat) if t_first[0] < ctx["query_timeout"] / (repeat + 1)
                                else (t_first, None))
                        warm = t_first[0] < ctx["query_timeout"] / (repeat + 1) and t[0] < 1.0
                        if warm and len(t) < QUESTION_REPEAT:  # a quick question: medians, not one run
                            more, _ = _timed(ask, QUESTION_REPEAT - len(t))
                            t = t + more
                except _Timeout:
                    res[name] = {"error": f"timeout (> {ctx['query_timeout']:.0f} s)"}
                    continue
                except Exception as exc:  # a server that refuses one question: said for it, the others still asked
                    res[name] = {"error": f"failed: {(str(exc).splitlines() or [type(exc).__name__])[0][:160]}"}
                    continue
                res[name] = {"times": t, "rows": rows[0] if rows else None, "first": t_first[0],
                             "digest": digest[0] if digest else None}
    elif group == "push":
        from graph.store.backends import push

        t0 = time.perf_counter()
        done = push(out, ctx["graph_store"], endpoint=ctx["endpoint"], user=os.environ.get("SERBIA_KG_USER"),
                    password=os.environ.get("SERBIA_KG_PASSWORD"))
        took = time.perf_counter() - t0
        res["push"] = {"times": [took], "triples": done["triples"], "graphs": len(done["graphs"]),
                       "server": _server_name(ctx["endpoint"])}
    elif group == "graph":
        try:
            from graph.ask.projection import project
            from graph.ask.questions import BETWEENNESS_SAMPLE, KnowledgeGraph
        except ImportError as exc:
            if _missing(exc):
                return {"na": NA}
            raise
        import networkx as nx

        from graph.store.native import open_store

        ds = open_store(store)  # the Oxigraph store, read natively (the way a large graph is asked)
        kgs: list = []

        def projected():  # what a question without the store's graph cache projects, once (KnowledgeGraph.graph)
            kgs.append(KnowledgeGraph(ds))
            return kgs[-1].graph()

        t, G = _timed(projected, repeat)
        res["projection"] = {"times": t, "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
        kg = kgs[-1]  # its projection memoised, as a long-lived KnowledgeGraph keeps it
        for measure in ("degree", "pagerank"):
            t, rows = _timed(lambda: kg.centrality(measure, top=10), repeat)
            res[measure] = {"times": t, "top": rows[0]["id"] if rows else None}
        # betweenness on the undirected actor graph, as the centrality command computes it
        U = nx.Graph()
        for u, v, d in G.edges(data=True):
            if u != v and G.nodes[u]["kind"] != "source" and G.nodes[v]["kind"] != "source":
                U.add_edge(u, v)
        k = min(BETWEENNESS_SAMPLE, U.number_of_nodes())
        t, _ = _timed(lambda: nx.betweenness_centrality(U, k=k, seed=0), repeat)
        res["betweenness sampled"] = {"times": t, "k": k, "nodes": U.number_of_nodes(),
                                      "edges": U.number_of_edges()}
        estimate = statistics.median(t) * U.number_of_nodes() / max(k, 1)
        if estimate <= ctx["exact_budget"]:
            t, _ = _timed(lambda: nx.betweenness_centrality(U), 1 if estimate > 10 else repeat)
            res["betweenness exact"] = {"times": t, "nodes": U.number_of_nodes()}
        else:
            res["betweenness exact"] = {"estimate": estimate, "nodes": U.number_of_nodes(),
                                        "note": f"skipped: est. {estimate:.0f} s from the sampled run "
                                                f"({U.number_of_nodes()} nodes / k={k})"}
        # betweenness by igraph, exact, as the command computes it by default; its top 10 beside networkx's
        t, by_igraph = _timed(lambda: kg.centrality("betweenness", top=10, backend="igraph"), repeat)
        by_networkx = kg.centrality("betweenness", top=10, backend="networkx")
        res["betweenness (igraph, exact)"] = {
            "times": t, "backend": by_igraph[0]["backend"] if by_igraph else None,
            "top10_shared_with_networkx": len({r["id"] for r in by_igraph} & {r["id"] for r in by_networkx}),
            "networkx_sampled": by_networkx[0]["sampled"] if by_networkx else None}
        a, b = focus["hub"], _far_actor(kg, focus["hub"]) or focus["partners"][-1]
        t, paths = _timed(lambda: kg.path(a, b), 1)  # the first path of a KnowledgeGraph builds its adjacency
        res["path"] = {"times": t, "hops": paths[0]["length"] if paths else None, "far": b}
        t, paths = _timed(lambda: kg.path(a, b), max(repeat, 5))
        res["path (warm)"] = {"times": t, "hops": paths[0]["length"] if paths else None, "far": b}
        t, rows = _timed(lambda: kg.supplies(to=focus["hub"]), repeat)
        res["supplies (warm API)"] = {"times": t, "rows": len(rows)}
    elif group == "view":
        try:
            from graph.present.view import make_view
        except ImportError as exc:
            if _missing(exc):
                return {"na": NA}
            raise
        from graph.store.native import open_store

        ds = open_store(store)
        html = out.parent / (out.name + "-view.html")
        t, result = _timed(lambda: make_view(ds, html), repeat)
        warnings = list(getattr(result, "warnings", None) or [])
        res["view"] = {"times": t, "bytes": html.stat().st_size, "nodes": getattr(result, "nodes", None),
                       "total_nodes": getattr(result, "total_nodes", None),
                       "note": "; ".join(warnings) if warnings else None}
    else:
        raise SystemExit(f"unknown group {group!r}")
    res["peak_mb"] = _peak_mb()
    return res


def _far_actor(kg, hub: str) -> str | None:
    """The id of an actor farthest from ``hub`` in the graph of ties (the first by id among them)."""
    from graph.ask.paths import adjacency

    G = kg.graph()
    adj = adjacency([n for n, d in G.nodes(data=True) if d["kind"] != "source"], G.edges())
    start = str(kg.resolve(hub).iri)
    depth, level = {start: 0}, [start]
    while level:
        nxt = []
        for v in level:
            for w in adj[v]:
                if w not in depth:
                    depth[w] = depth[v] + 1
                    nxt.append(w)
        level = nxt
    actors = [(d, n) for n, d in depth.items() if G.nodes[n]["kind"] == "actor" and d > 0]
    if not actors:
        return None
    far = max(d for d, _ in actors)
    return min(n for d, n in actors if d == far).rsplit("/", 1)[-1]


# --- the parent: one size -----------------------------------------------------------------------------

def _server_name(endpoint: str) -> str | None:
    """What the server at ``endpoint`` calls itself (its ``Server`` header: ``Virtuoso/07.20.3238 ...``)."""
    from urllib.parse import quote

    from graph.store.remote import Client, HTTPFailure

    client = Client()
    try:
        client.request("GET", f"{endpoint}?query={quote('ASK {}')}", headers={"Accept": "text/csv"})
    except HTTPFailure:
        return None
    return client.last_headers.get("server")


def _run_child(group: str, ctx: dict, timeout: float, env: dict | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", group, "--ctx", json.dumps(ctx)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(REPO),
                         env=None if env is None else {**os.environ, **env})
    sampler = _TreeSampler(p.pid) if os.path.isdir("/proc") else None
    try:
        stdout, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return {"error": f"timeout (> {timeout:.0f} s)"}
    finally:
        tree = sampler.stop() if sampler else None
    if p.returncode != 0:
        last = (stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"failed: {last[:160]}"}
    res = json.loads(stdout.strip().splitlines()[-1])
    res["tree_mb"] = tree
    return res


#: The rows of supplies computed from the store, not read from its index, as JSON: what the command
#: does without an index, with the same imports (the CLI's module, click), so the two compare fairly.
_COMPUTED = ("import sys\nimport graph.cli\nfrom graph.store.native import open_store\n"
             "from graph.present.output import to_json\nfrom graph.ask.questions import KnowledgeGraph\n"
             "print(to_json(KnowledgeGraph(open_store(sys.argv[1])).supplies(to=sys.argv[2])))")


def _bytecode() -> None:
    """Write the package's bytecode, as installing it does (pip compiles what it installs), so that a cold
    command measures what its user waits for: from an editable checkout where ``PYTHONDONTWRITEBYTECODE``
    is set, every run would compile the modules it imports again."""
    import compileall

    compileall.compile_dir(str(REPO / "graph"), quiet=1)


def _cold_supplies(ctx: dict, repeat: int) -> dict:
    """``serbia-kg supplies --to HUB --store STORE`` from a new shell, wall time of each run.

    As JSON (the goal's figure) and as the default table; and, for the ratio, a new process that
    computes the same rows from the store without its index (the engine: ``KnowledgeGraph(store).supplies``).
    The package's bytecode is written first (:func:`_bytecode`).
    """
    _bytecode()
    exe = shutil.which("serbia-kg")
    base = [exe] if exe else [sys.executable, "-m", "graph.cli"]
    cmd = base + ["supplies", "--to", ctx["focus"]["hub"], "--store", ctx["store"], "--out", ctx["out"]]
    runs = {"supplies (cold)": cmd + ["--format", "json"], "supplies (cold, table)": cmd,
            "supplies (cold, computed)": [sys.executable, "-c", _COMPUTED, ctx["store"], ctx["focus"]["hub"]]}
    res: dict = {}
    for step, argv in runs.items():
        times, rows = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            p = subprocess.run(argv, capture_output=True, text=True, cwd=str(REPO))
            times.append(time.perf_counter() - t0)
            if p.returncode != 0:
                if "No such command" in p.stderr or "no such option" in p.stderr.lower():
                    return {"na": NA}
                return {"error": f"exit {p.returncode}: {(p.stderr.strip().splitlines() or ['?'])[-1][:160]}"}
            if rows is None and argv is not cmd:
                try:
                    data = json.loads(p.stdout)
                    rows = len(data) if isinstance(data, list) else len(data.get("rows", data))
                except (ValueError, AttributeError):
                    rows = None
        res[step] = {"times": times, "rows": rows}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    res["supplies (cold)"]["python_startup"] = time.perf_counter() - t0
    return res


#: A path computed from the store without its graph cache, as JSON, with the CLI's imports (for the ratio).
_PATH_COMPUTED = ("import sys\nimport graph.cli\nfrom graph.store.native import open_store\n"
                  "from graph.present.output import to_json\nfrom graph.ask.questions import KnowledgeGraph\n"
                  "print(to_json(KnowledgeGraph(open_store(sys.argv[1])).path(sys.argv[2], sys.argv[3])))")


def _cold_graph(ctx: dict, repeat: int, far: str) -> dict:
    """``serbia-kg path HUB FAR --store STORE`` and ``serbia-kg centrality --measure M --store STORE`` from
    a new shell (wall time, imports included), read from the store's graph cache; and, for the ratio, a
    new process computing the same path from the store without it. The package's bytecode is written first."""
    _bytecode()
    exe = shutil.which("serbia-kg")
    base = [exe] if exe else [sys.executable, "-m", "graph.cli"]
    where = ["--store", ctx["store"], "--out", ctx["out"], "--format", "json"]
    hub = ctx["focus"]["hub"]
    runs = {"path (cold)": base + ["path", hub, far] + where,
            "path (cold, computed)": [sys.executable, "-c", _PATH_COMPUTED, ctx["store"], hub, far]}
    for measure in ("degree", "pagerank", "betweenness"):
        runs[f"{measure} (cold)"] = base + ["centrality", "--measure", measure] + where
    res: dict = {}
    answers: dict = {}
    for step, argv in runs.items():
        times, answer, note = [], None, None
        for _ in range(repeat):
            t0 = time.perf_counter()
            p = subprocess.run(argv, capture_output=True, text=True, cwd=str(REPO))
            times.append(time.perf_counter() - t0)
            if p.returncode != 0:
                if "No such command" in p.stderr or "no such option" in p.stderr.lower():
                    res[step] = {"na": NA}
                else:
                    res[step] = {"error": f"exit {p.returncode}: {(p.stderr.strip().splitlines() or ['?'])[-1][:160]}"}
                break
            answer = answer if answer is not None else p.stdout
            note = next((line for line in p.stderr.splitlines() if line.startswith("note:")), note)
        else:
            res[step] = {"times": times, "bytes": len(answer or ""), "note": note}
            answers[step] = answer
    if "path (cold)" in answers and "path (cold, computed)" in answers:
        res["path (cold)"]["same_as_computed"] = (json.loads(answers["path (cold)"])
                                                  == json.loads(answers["path (cold, computed)"]))
    return res


def run_size(size: str, *, workdir: Path, seed: int, repeat: int, timeout: float, exact_budget: float,
             query_timeout: float = 30.0, progress=print, skip: frozenset[str] = frozenset(),
             server: dict | None = None) -> dict:
    """Generate (or reuse) the corpus of one size and measure every step on it.

    With ``server`` (``endpoint``, ``graph_store``, ``user``, ``password``) the build is also pushed
    there (``push``) and the saved questions are asked there (``sparql endpoint: Q``), as on Oxigraph.
    """
    target = parse_size(size)
    corpus = workdir / f"corpus-{size}-s{seed}"
    info_file = corpus / "corpus.json"
    info = json.loads(info_file.read_text()) if info_file.is_file() else None
    gen_s = None
    if not info or info.get("target_triples") != target or info.get("seed") != seed:
        progress(f"[{size}] generating the corpus")
        t0 = time.perf_counter()
        generate(target, corpus, seed, force=True)
        gen_s = time.perf_counter() - t0
        info = json.loads(info_file.read_text())
    focus = info["focus"]
    ctx = {"repeat": repeat, "corpus": str(corpus), "out": str(workdir / f"out-{size}"),
           "store": str(workdir / f"store-{size}"), "focus": focus, "exact_budget": exact_budget,
           "query_timeout": query_timeout}
    result: dict = {"size": size, "target": target, "corpus": info, "generate_s": gen_s, "steps": {}}
    groups = ["build", "bare", "shacl", "load memory", "load oxigraph", "sparql oxigraph", "sparql memory", "graph",
              "view"]
    env = None
    if server:  # goal 6 of issue 21: the same build on a real server, the same questions asked there
        groups[groups.index("sparql oxigraph") + 1:groups.index("sparql oxigraph") + 1] = ["push", "sparql endpoint"]
        ctx.update(endpoint=server["endpoint"], graph_store=server["graph_store"])
        env = {k: v for k, v in (("SERBIA_KG_USER", server.get("user")), ("SERBIA_KG_PASSWORD", server.get("password")))
               if v is not None}
    if target >= LARGE:
        skip = skip | LARGE_SKIP
    for group in [g for g in groups if g not in skip]:
        progress(f"[{size}] {group}")
        t0 = time.perf_counter()
        r = _run_child(group, ctx, timeout, env)
        peak, tree = r.pop("peak_mb", None), r.pop("tree_mb", None)
        if "na" in r or "error" in r:
            result["steps"][group] = r
        for step, data in r.items():
            if isinstance(data, dict):
                data["peak_mb"], data["tree_mb"] = peak, tree
                result["steps"][step] = data
        progress(f"[{size}] {group}: {time.perf_counter() - t0:.1f} s")
        if group == "push" and "error" in r:
            progress(f"[{size}] the push failed; the questions are not asked on the server")
            skip = skip | {"sparql endpoint"}
        if group == "build" and "error" in r:
            progress(f"[{size}] the build failed; skipping the rest of this size")
            return result
        if group == "load oxigraph":
            progress(f"[{size}] supplies (cold)")
            result["steps"].update(_cold_supplies(ctx, repeat))
        if group == "graph" and result["steps"].get("path", {}).get("far"):
            progress(f"[{size}] path and centrality (cold)")
            result["steps"].update(_cold_graph(ctx, repeat, result["steps"]["path"]["far"]))
    result["triples"] = result["steps"].get("build", {}).get("triples", info["triples_estimate"])
    return result


# --- the table ----------------------------------------------------------------------------------------

def _median(step: dict | None) -> float | None:
    if not step or not step.get("times"):
        return None
    return statistics.median(step["times"])


def _fmt_t(t: float | None) -> str:
    if t is None:
        return "–"
    if t < 1:
        return f"{t * 1000:.1f} ms"
    return f"{t:.2f} s"


def _cell(step: dict | None) -> str:
    if step is None:
        return "–"
    if "na" in step:
        return step["na"]
    if "error" in step:
        return step["error"]
    if "estimate" in step:
        return f"skipped (est. {step['estimate']:.0f} s)"
    m = _median(step)
    return f"{_fmt_t(m)} ({len(step['times'])}×)"


def _step_names(results: list[dict]) -> list[str]:
    order: list[str] = []
    for r in results:
        for name in r["steps"]:
            if name not in order:
                order.append(name)
    return order


def machine() -> dict:
    """The machine the figures come from."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    libs = {}
    for lib in ("rdflib", "pyshacl", "shacl-rust", "pyoxigraph", "oxrdflib", "networkx", "scipy", "pyvis", "PyYAML"):
        try:
            libs[lib] = version(lib)
        except PackageNotFoundError:
            libs[lib] = "-"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "libraries": libs}


def render(results: list[dict], mach: dict | None = None) -> str:
    """The results as one Markdown table, then ratios and goals."""
    lines = []
    if mach:
        libs = ", ".join(f"{k} {v}" for k, v in mach["libraries"].items())
        lines.append(f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory']} RAM, "
                     f"Python {mach['python']} ({mach['system']}); {libs}.")
        lines.append("")
    sizes = [r["size"] for r in results]
    trip = {r["size"]: r.get("triples") or r["corpus"]["triples_estimate"] for r in results}
    lines.append("Corpora: " + "; ".join(
        f"{r['size']} = {trip[r['size']]:,} triples, {r['corpus']['claims']:,} claims, "
        f"{r['corpus']['sources']:,} sources" for r in results))
    lines.append("")
    head = ["step"]
    for s in sizes:
        head += [f"{s}: median (runs)", f"{s}: µs/triple", f"{s}: peak MB"]
    pairs = list(zip(sizes, sizes[1:]))
    head += [f"exponent {a}→{b}" for a, b in pairs]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for name in _step_names(results):
        row = [name]
        for r in results:
            st = r["steps"].get(name)
            row.append(_cell(st))
            m = _median(st)
            row.append(f"{m / trip[r['size']] * 1e6:.2f}" if m is not None else "–")
            row.append(f"{st['peak_mb']:.0f}" if st and st.get("peak_mb") else "–")
        for a, b in pairs:
            ra = next(r for r in results if r["size"] == a)
            rb = next(r for r in results if r["size"] == b)
            ma, mb = _median(ra["steps"].get(name)), _median(rb["steps"].get(name))
            if ma and mb and ma > 0 and trip[b] != trip[a]:
                row.append(f"{math.log(mb / ma) / math.log(trip[b] / trip[a]):.2f}")
            else:
                row.append("–")
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("Ratios (same run):")
    for r in results:
        s = r["steps"]
        out = []

        def ratio(a, b, label):
            ma, mb = _median(s.get(a)), _median(s.get(b))
            if ma and mb:
                out.append(f"{label} {ma / mb:.1f}×")

        ratio("build", "bare load", "build / bare pyoxigraph load")
        ratio("build", "bare parse", "build / bare parse")
        ratio("validate (pyshacl)", "validate (shacl-rust)", "validate with pyshacl / shacl-rust")
        ratio("load memory", "load oxigraph", "load memory / oxigraph")
        ratio("projection (memory)", "projection", "projection from memory (rdflib) / from Oxigraph")
        ratio("supplies (cold, computed)", "supplies (cold)", "cold supplies computed / read from the index")
        qs = [n.split(": ", 1)[1] for n in s if n.startswith("sparql oxigraph: ")]
        rs = []
        for q in qs:
            mm, mo = _median(s.get(f"sparql memory: {q}")), _median(s.get(f"sparql oxigraph: {q}"))
            if mm and mo:
                rs.append(mm / mo)
        if rs:
            gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
            out.append(f"saved questions memory / oxigraph: geometric mean {gm:.1f}× "
                       f"(from {min(rs):.1f}× to {max(rs):.1f}×)")
        be, bs = s.get("betweenness exact"), s.get("betweenness sampled")
        if be and bs and _median(bs):
            if _median(be):
                out.append(f"betweenness exact / sampled (k={bs['k']}) {_median(be) / _median(bs):.1f}×")
            elif "estimate" in be:
                out.append(f"betweenness exact / sampled (k={bs['k']}) ≈{be['estimate'] / _median(bs):.0f}× "
                           f"(estimated)")
        lines.append(f"- {r['size']}: " + ("; ".join(out) if out else "–"))
    lines.append("")
    lines.extend(beside_server(results))
    lines.extend(goals(results[-1]))
    lines.append("")
    lines.extend(goals_at_size(results))
    return "\n".join(lines)


def beside_server(results: list[dict]) -> list[str]:
    """For each size pushed to a server: its push, and each saved question's time there beside Oxigraph's
    (medians of the same runs), with whether the two gave the same rows (:func:`answer_digest`)."""
    lines: list[str] = []
    for r in results:
        s = r["steps"]
        pushed = s.get("push")
        if not pushed:
            continue
        if "error" in pushed:
            lines += [f"Push of {r['size']} to the server: {pushed['error']}", ""]
            continue
        t = _median(pushed)
        lines.append(f"Push of {r['size']} to {pushed.get('server') or 'the server'}: {pushed['triples']:,} triples "
                     f"in {pushed['graphs']:,} graphs, {_fmt_t(t)} ({pushed['triples'] / t:,.0f} triples/s). "
                     "Saved questions there beside Oxigraph (median of the runs, each side warm):")
        lines.append("")
        lines.append("| question | Oxigraph | server | server / Oxigraph | rows (Oxigraph, server) | same rows |")
        lines.append("|---|---|---|---|---|---|")
        for name in [n.split(": ", 1)[1] for n in s if n.startswith("sparql oxigraph: ")]:
            o, e = s.get(f"sparql oxigraph: {name}") or {}, s.get(f"sparql endpoint: {name}") or {}
            mo, me = _median(o), _median(e)
            same = ("–" if not (o.get("digest") and e.get("digest"))
                    else "same" if o["digest"] == e["digest"] else "DIFFERS")
            lines.append(f"| {name} | {_cell(o) if o else '–'} | {_cell(e) if e else '–'} | "
                         f"{f'{me / mo:.1f}×' if mo and me else '–'} | {o.get('rows', '–')}, {e.get('rows', '–')} | "
                         f"{same} |")
        lines.append("")
    return lines


def goals(r: dict) -> list[str]:
    """The goals of issue 7, checked on the given (largest) size."""
    s = r["steps"]
    out = [f"Goals at {r['size']} ({r.get('triples', 0):,} triples):"]

    def line(ok, text):
        out.append(f"- [{'met' if ok else 'NOT met' if ok is not None else 'not measured'}] {text}")

    b, bare = _median(s.get("build")), _median(s.get("bare load"))
    line(b is not None and bare is not None and b <= GOAL_BUILD_RATIO * bare if b and bare else None,
         f"build ≤ {GOAL_BUILD_RATIO:.0f}× bare pyoxigraph load: "
         + (f"{_fmt_t(b)} vs {_fmt_t(bare)} = {b / bare:.1f}×" if b and bare else "–"))
    qs = {n: _median(v) for n, v in s.items() if n.startswith("sparql oxigraph: ") and _median(v) is not None}
    if qs:
        worst = max(qs, key=qs.get)
        slow = [n.split(": ", 1)[1] for n, v in qs.items() if v * 1000 >= GOAL_QUERY_MS]
        slow += [f"{n.split(': ', 1)[1]} ({v['error']})" for n, v in s.items()
                 if n.startswith("sparql oxigraph: ") and "error" in v]
        line(not slow, f"every saved question < {GOAL_QUERY_MS:.0f} ms median on Oxigraph: slowest "
             f"{worst.split(': ', 1)[1]} {_fmt_t(qs[worst])}" + (f"; over: {', '.join(slow)}" if slow else ""))
    else:
        line(None, f"every saved question < {GOAL_QUERY_MS:.0f} ms median on Oxigraph")
    c = _median(s.get("supplies (cold)"))
    line(c < GOAL_SUPPLIES_S if c is not None else None,
         f"cold `serbia-kg supplies --to X --store` < {GOAL_SUPPLIES_S} s: {_fmt_t(c)}")
    p, pr = _median(s.get("projection")), _median(s.get("pagerank"))
    line(p + pr < GOAL_PROJECTION_PAGERANK_S if p is not None and pr is not None else None,
         f"projection + PageRank < {GOAL_PROJECTION_PAGERANK_S:.0f} s: "
         + (f"{_fmt_t(p)} + {_fmt_t(pr)} = {_fmt_t(p + pr)}" if p is not None and pr is not None else "–"))
    v = s.get("view")
    if v and v.get("times"):
        out.append(f"- view: {_fmt_t(_median(v))}, {v['bytes'] / 1e6:.2f} MB written"
                   + (f"; it says: {v['note']}" if v.get("note") else ""))
    return out


#: Goals of issue 21 (ten million triples): graph questions at 1M, saved questions at 3M and 10M, build memory.
GOAL_PATH_WARM_S = 0.1
GOAL_PATH_COLD_S = 1.0
GOAL_CENTRALITY_COLD_S = 2.0
GOAL_BUILD_PEAK_MB = 2048


def goals_at_size(results: list[dict]) -> list[str]:
    """The goals of issue 21, each checked at the sizes it names (the largest size run stands in when
    none of them was run, and says so)."""
    by_size = {r["size"]: r for r in results}
    out = ["Goals of issue 21:"]

    def line(ok, text):
        word = ok if isinstance(ok, str) else 'met' if ok else 'NOT met' if ok is not None else 'not measured'
        out.append(f"- [{word}] {text}")

    one = by_size.get("1m") or results[-1]
    s, at = one["steps"], f"at {one['size']}"
    warm, cold = _median(s.get("path (warm)")), _median(s.get("path (cold)"))
    computed = _median(s.get("path (cold, computed)"))
    line(warm < GOAL_PATH_WARM_S if warm is not None else None,
         f"path warm < {GOAL_PATH_WARM_S * 1000:.0f} ms {at}: {_fmt_t(warm)} "
         f"({s.get('path (warm)', {}).get('hops')} hops)")
    same = s.get("path (cold)", {}).get("same_as_computed")
    line(cold < GOAL_PATH_COLD_S if cold is not None else None,
         f"path cold (--store, a new process) < {GOAL_PATH_COLD_S:.0f} s {at}: {_fmt_t(cold)}"
         + (f"; computed without the graph cache {_fmt_t(computed)}" if computed is not None else "")
         + (f"; same answer: {'yes' if same else 'NO'}" if same is not None else ""))
    for measure in ("degree", "pagerank"):
        t = _median(s.get(f"{measure} (cold)"))
        line(t < GOAL_CENTRALITY_COLD_S if t is not None else None,
             f"centrality --measure {measure} (--store, a new process) < {GOAL_CENTRALITY_COLD_S:.0f} s {at}: "
             f"{_fmt_t(t)}")
    b, bc = s.get("betweenness (igraph, exact)"), s.get("betweenness (cold)")
    bs = s.get("betweenness sampled")
    if b and b.get("times"):
        line(b.get("backend") == "igraph",
             f"betweenness by a faster backend {at}: {b.get('backend')} exact {_fmt_t(_median(b))} "
             f"(networkx sampled k={bs.get('k') if bs else '?'}: {_fmt_t(_median(bs))}; top 10 shared with "
             f"networkx's estimate: {b.get('top10_shared_with_networkx')}/10); the command "
             f"{_fmt_t(_median(bc))}, saying '{(bc or {}).get('note')}'")
    else:
        line(None, "betweenness by a faster backend")
    for size in ("3m", "10m"):
        r = by_size.get(size)
        qs = {n.split(": ", 1)[1]: _median(v) for n, v in (r["steps"].items() if r else [])
              if n.startswith("sparql oxigraph: ") and _median(v) is not None}
        if not qs:
            line(None, f"every saved question < {GOAL_QUERY_MS:.0f} ms at {size}")
            continue
        slow = sorted(q for q, t in qs.items() if t * 1000 >= GOAL_QUERY_MS)
        worst = max(qs, key=lambda q: qs[q])
        line(not slow, f"every saved question < {GOAL_QUERY_MS:.0f} ms at {size}: slowest {worst} "
             f"{_fmt_t(qs[worst])}" + (f"; over: {', '.join(slow)}" if slow else ""))
    _goal_streaming(results, line)
    line(None, "incremental build (one source changed in a built 1M corpus) < 5 % of a full build")
    _goal_server(results, line)
    return out


#: Goal 6 of issue 21: the size pushed to a real server, every saved question answered there.
GOAL_SERVER_SIZE = "10m"


def _goal_server(results: list[dict], line) -> None:
    """Goal 6 of issue 21: the 10M build pushed to a server and every saved question answered there with the
    rows Oxigraph gives (times beside Oxigraph's in :func:`beside_server`). Not run without ``--endpoint``;
    measured at a smaller size only, it says so and gives that size's figures."""
    text = f"{GOAL_SERVER_SIZE.upper()} triples on a real server: push, then every saved question answered there"
    pushed = [r for r in results if r["steps"].get("push")]
    if not pushed:
        line("not run", text + ": no server given (--endpoint URL, with --user and --password)")
        return
    r = next((x for x in pushed if x["size"] == GOAL_SERVER_SIZE), pushed[-1])
    s = r["steps"]
    if "error" in s["push"]:
        verdict, figures = False, f"push of {r['size']}: {s['push']['error']}"
    else:
        names = [n.split(": ", 1)[1] for n in s if n.startswith("sparql oxigraph: ")]
        asked = {n: s.get(f"sparql endpoint: {n}") or {} for n in names}
        failed = [n for n, e in asked.items() if not e.get("times")]
        differ = [n for n, e in asked.items()
                  if e.get("digest") and e["digest"] != s[f"sparql oxigraph: {n}"].get("digest")]
        ratios = [_median(e) / _median(s[f"sparql oxigraph: {n}"]) for n, e in asked.items()
                  if _median(e) and _median(s[f"sparql oxigraph: {n}"])]
        gm = math.exp(sum(math.log(x) for x in ratios) / len(ratios)) if ratios else None
        slowest = max((n for n in asked if _median(asked[n])), key=lambda n: _median(asked[n]), default=None)
        verdict = not failed and not differ
        figures = (f"push of {r['size']} {_fmt_t(_median(s['push']))} ({s['push']['triples']:,} triples); "
                   f"{len(asked) - len(failed)} of {len(asked)} questions answered there, "
                   f"{len(asked) - len(failed) - len(differ)} with Oxigraph's rows"
                   + (f"; server / Oxigraph geometric mean {gm:.1f}×" if gm else "")
                   + (f"; slowest there {slowest} {_fmt_t(_median(asked[slowest]))}" if slowest else "")
                   + (f"; not answered: {', '.join(failed)}" if failed else "")
                   + (f"; different rows: {', '.join(differ)}" if differ else ""))
    if r["size"] != GOAL_SERVER_SIZE:
        line(None, f"{text}: not run at {GOAL_SERVER_SIZE}; at {r['size']}: {figures}"
             + ("" if verdict else " (NOT met there)"))
    else:
        line(verdict, f"{text}: {figures}")


#: Goal 1 of issue 21 (the streaming build): the sizes it names, the build / bare load ratio, the exponent.
GOAL_STREAM_SIZES = ("1m", "3m", "10m")
GOAL_STREAM_RATIO = 2.0
GOAL_STREAM_RATIO_SIZES = ("1m", "10m")
GOAL_STREAM_EXPONENT = 1.05


def _goal_streaming(results: list[dict], line) -> None:
    """Goal 1 of issue 21, one ``line`` per clause: peak memory at 1M, 3M and 10M (the largest
    process and the process tree), a 10M build, build / bare load at 1M and 10M, the growth exponent
    of the build's time between the two largest sizes measured."""
    by_size = {r["size"]: r for r in results}
    build = {k: r["steps"].get("build") or {} for k, r in by_size.items()}
    peaks = {k: b.get("peak_mb") for k, b in build.items() if b.get("times") and b.get("peak_mb")}
    named = {k: peaks[k] for k in GOAL_STREAM_SIZES if k in peaks}
    missing = [k for k in GOAL_STREAM_SIZES if k not in peaks]
    over = [k for k, v in named.items() if v > GOAL_BUILD_PEAK_MB]
    figures = ", ".join(f"{k} {v:.0f} MB" + (f" (tree {build[k]['tree_mb']:.0f} MB)" if build[k].get("tree_mb") else "")
                        for k, v in peaks.items())
    sized = sorted((by_size[k].get("triples") or 0, k, v) for k, v in peaks.items())
    if len(sized) >= 2 and sized[-1][0] > sized[0][0]:
        (na, ka, pa), (nb, kb, pb) = sized[0], sized[-1]
        figures += f"; peak's growth exponent {ka}→{kb} {math.log(pb / pa) / math.log(nb / na):.2f} (0: flat)"
    line(False if over else (True if not missing else None),
         f"build peak memory ≤ {GOAL_BUILD_PEAK_MB / 1024:.0f} GB at {', '.join(GOAL_STREAM_SIZES)} (largest process; "
         f"process tree's PSS in brackets): {figures or '–'}" + (f"; not run: {', '.join(missing)}" if missing else ""))
    ten = build.get("10m") or {}
    line(bool(ten.get("times")) if ten else None, "a 10M-triple corpus builds"
         + (f": {_fmt_t(_median(ten))}" if ten.get("times") else f": {ten['error']}" if ten.get("error") else ""))
    ratios = {}
    for k in GOAL_STREAM_RATIO_SIZES:
        st = by_size.get(k, {}).get("steps", {})
        b, bare = _median(st.get("build")), _median(st.get("bare load"))
        if b and bare:
            ratios[k] = (b, bare)
    line(all(b <= GOAL_STREAM_RATIO * bare for b, bare in ratios.values())
         if len(ratios) == len(GOAL_STREAM_RATIO_SIZES) else (False if any(
             b > GOAL_STREAM_RATIO * bare for b, bare in ratios.values()) else None),
         f"build ≤ {GOAL_STREAM_RATIO:.0f}× bare pyoxigraph load at {', '.join(GOAL_STREAM_RATIO_SIZES)}: "
         + (", ".join(f"{k} {_fmt_t(b)} vs {_fmt_t(bare)} = {b / bare:.1f}×" for k, (b, bare) in ratios.items())
            or "–"))
    timed = sorted(((r.get("triples") or 0, k, _median(build[k])) for k, r in by_size.items() if _median(build[k])))
    if len(timed) >= 2 and timed[-1][0] > timed[-2][0]:
        (na, ka, ta), (nb, kb, tb) = timed[-2], timed[-1]
        exp = math.log(tb / ta) / math.log(nb / na)
        ca, cb = (by_size[k]["steps"]["build"].get("claims") for k in (ka, kb))
        # the work grows with the claims, the goal is written in triples: a corpus whose triples grow more slowly
        # than its claims (kgg:ties grows with the pairs of actors, which a larger corpus repeats) shows a build
        # linear in its claims as log(claims' growth) / log(triples' growth) in triples
        by_claims = (f" (by claims {math.log(tb / ta) / math.log(cb / ca):.2f}; a build linear in its claims: "
                     f"{math.log(cb / ca) / math.log(nb / na):.2f} in triples)") if ca and cb and cb > ca else ""
        line(exp <= GOAL_STREAM_EXPONENT,
             f"build's growth exponent ≤ {GOAL_STREAM_EXPONENT} ({ka}→{kb}): {exp:.2f}{by_claims}")
    else:
        line(None, f"build's growth exponent ≤ {GOAL_STREAM_EXPONENT} (needs two sizes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark serbia-kg on synthetic corpora of growing size; prints one table.",
        epilog="Example: python scripts/bench.py --sizes 10k,100k,1m --repeat 3 --json /tmp/bench.json")
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated sizes in triples (default 10k,100k)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the median is shown (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serbia-kg-bench",
                        help="where corpora, builds and stores go (default: $TMPDIR/serbia-kg-bench)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed to one group of steps")
    parser.add_argument("--exact-budget", type=float, default=120,
                        help="run exact betweenness only when estimated under this many seconds")
    parser.add_argument("--query-timeout", type=float, default=30,
                        help="stop a saved question after this many seconds (default 30)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--skip", default="", metavar="GROUPS",
                        help="comma-separated groups of steps not to run (bare, shacl, load memory, sparql memory ...)")
    parser.add_argument("--large", action="store_true",
                        help=f"allow sizes of {LARGE // 1_000_000}M triples and more (10m: about 220 MB of sources, "
                             "tens of minutes and several GB of disk per size); at those sizes the groups that hold "
                             f"the dataset in rdflib ({', '.join(sorted(LARGE_SKIP))}) are left out")
    parser.add_argument("--endpoint", metavar="URL",
                        help="a SPARQL 1.1 server's query URL: each size is pushed there (replacing the serbia-kg "
                             "graphs it holds) and the saved questions are asked there too, beside Oxigraph "
                             "(goal 6 of issue 21); without it that goal is not run")
    parser.add_argument("--graph-store", metavar="URL",
                        help="its Graph Store Protocol URL (default: Virtuoso's /sparql-graph-crud-auth beside "
                             "/sparql, Oxigraph server's /store beside /query)")
    parser.add_argument("--user", default=os.environ.get("SERBIA_KG_USER"),
                        help="the server's account (default: $SERBIA_KG_USER)")
    parser.add_argument("--password", default=os.environ.get("SERBIA_KG_PASSWORD"),
                        help="its password (default: $SERBIA_KG_PASSWORD, better than the command line)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ctx", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.ctx))))
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    try:
        sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
        sorted_sizes = sorted(sizes, key=parse_size)
    except ValueError:
        parser.error(f"--sizes: expected sizes like 10k,100k,1m, not {args.sizes!r}")
    large = [s for s in sorted_sizes if parse_size(s) >= LARGE]
    if large and not args.large:
        parser.error(f"--sizes: {', '.join(large)} takes tens of minutes and several GB of disk to build; "
                     "pass --large to run it")
    server = None
    if args.endpoint:
        gsp = args.graph_store
        for tail, crud in (("/sparql", "/sparql-graph-crud-auth"), ("/query", "/store")):
            if gsp is None and args.endpoint.rstrip("/").endswith(tail):
                gsp = args.endpoint.rstrip("/")[: -len(tail)] + crud
        if gsp is None:
            parser.error("--endpoint: give --graph-store URL too (the server's Graph Store Protocol address)")
        server = {"endpoint": args.endpoint, "graph_store": gsp, "user": args.user, "password": args.password}
    args.workdir.mkdir(parents=True, exist_ok=True)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results = []
    for size in sorted_sizes:
        results.append(run_size(size, workdir=args.workdir, seed=args.seed, repeat=args.repeat,
                                timeout=args.timeout, exact_budget=args.exact_budget,
                                query_timeout=args.query_timeout, progress=log,
                                skip=frozenset(g.strip() for g in args.skip.split(",") if g.strip()),
                                server=server))
        if args.json:  # written after each size, so a long run leaves what it measured
            args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1) + "\n")
    print(render(results, machine()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
