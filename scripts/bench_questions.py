"""Saved questions side by side: this checkout's against another's, run by turns on one Oxigraph store.

Each of the 16 saved questions (``ontology/queries/*.rq``) is bound the way each checkout binds
it for an Oxigraph store (its ``graph/store/querytext.py``, its ``.rq`` file) with the parameters
``scripts/bench.py`` gives the synthetic corpus (its hub, its first partner, ...), and run in
pyoxigraph alone, the two versions by turns: the time of the query itself, without our result
handling. The rows of the two are compared (a question whose answer changed says DIFFERENT).
Beside the wall-clock medians, the medians of this process's CPU time (``cpu``): on a machine
shared with other work, a query waits for a core and its wall time grows with the load, where its
CPU time stays near what it takes on a quiet machine.

Where the two checkouts build different pages (``kgg:pages``), ``--before-store`` gives the other
checkout's build of the same corpus: its questions run there, this checkout's on ``--store``.

Example::

    git archive <commit> | tar -x -C /tmp/before
    python scripts/bench_questions.py --store STORE --corpus CORPUS --before /tmp/before --repeat 5
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import question_variants  # noqa: E402  (the benchmark's parameters for a synthetic corpus)

from graph.store import querytext  # noqa: E402
from graph.store.backends import open_dataset  # noqa: E402
from graph.store.native import oxigraph_of  # noqa: E402
from graph.store.sparql import PREFIXES_TEXT, resolve_param, saved_queries  # noqa: E402


def _module(path: Path):
    spec = importlib.util.spec_from_file_location("before_querytext", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot be read as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bound(qt, text: str, bindings: dict, page: dict) -> str:
    try:
        bound = qt.bind_values(text, bindings, form="bind")  # what run_text writes for Oxigraph
    except TypeError:  # a checkout from before the form existed: VALUES only
        bound = qt.bind_values(text, bindings)
    if not page:
        return bound
    try:
        return qt.set_page(bound, page.get("limit"), page.get("offset"))
    except Exception:  # the other checkout's form of a question it did not page: asked whole
        return bound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: python scripts/bench_questions.py --store S --corpus C "
                                            "--before /tmp/before",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, type=Path, help="an Oxigraph store of a synthetic corpus's build")
    parser.add_argument("--corpus", required=True, type=Path,
                        help="the synthetic corpus (its corpus.json names the hub and partners bound)")
    parser.add_argument("--before", required=True, type=Path,
                        help="another checkout of serbia-kg (its querytext.py and saved questions)")
    parser.add_argument("--before-store", type=Path,
                        help="the other checkout's build of the corpus, where its questions run (default: --store)")
    parser.add_argument("--only", default="",
                        help="comma-separated names of questions, or variants such as 'NAME (defaults)' (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (default 5), by turns")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter's value instead of the benchmark's (where a question takes it)")
    args = parser.parse_args(argv)
    focus = json.loads((args.corpus / "corpus.json").read_text())["focus"]
    before_qt = _module(args.before / "graph" / "store" / "querytext.py")
    ds = open_dataset(store=args.store)
    store = oxigraph_of(ds)
    before_store = oxigraph_of(open_dataset(store=args.before_store)) if args.before_store else store
    extra = dict(p.split("=", 1) for p in args.param)
    only = {n for n in args.only.split(",") if n}

    def rows(text: str, on=store):
        r = on.query(text, prefixes=dict(PREFIXES_TEXT), use_default_graph_as_union=True)
        if isinstance(r, ox.QuerySolutions):
            names = [v.value for v in r.variables]
            return [tuple(str(s[v]) if s[v] is not None else None for v in names) for s in r]
        return sorted(str(t) for t in r)

    print(f"{'question':35s} {'rows':>9s}  {'before ms (range)':>20s}  {'after ms (range)':>20s}  ratio"
          f"  {'cpu before':>10s} {'cpu after':>9s}")
    for q in saved_queries():
        if only and not any(o.split(" (")[0] == q.name for o in only):
            continue
        old = args.before / "ontology" / "queries" / f"{q.name}.rq"
        if not old.is_file():
            continue
        declared = {p.name: p for p in q.params}
        for variant, given in question_variants(q, focus):
            if only and q.name not in only and variant not in only:
                continue
            params = dict(given)
            params.update({p.name: p.default for p in q.params if p.name not in params and p.default is not None
                           and (p.kind in ("limit", "offset") or variant == q.name)})
            params.update({k: v for k, v in extra.items() if k in declared})
            bindings = {k: resolve_param(ds, declared[k], v) for k, v in params.items()
                        if declared[k].kind not in ("limit", "offset")}
            page = {declared[k].kind: int(v) for k, v in params.items() if declared[k].kind in ("limit", "offset")}
            a = _bound(before_qt, old.read_text(encoding="utf-8"), bindings, page)
            b = _bound(querytext, q.text, bindings, page)
            ra, rb = rows(a, before_store), rows(b)
            ta: list[float] = []
            tb: list[float] = []
            ca: list[float] = []
            cb: list[float] = []
            for _ in range(args.repeat):
                for text, on, times, cpu in ((a, before_store, ta, ca), (b, store, tb, cb)):
                    t0, c0 = time.perf_counter(), time.process_time()
                    rows(text, on)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
            ma, mb = statistics.median(ta), statistics.median(tb)
            print(f"{variant:35s} {len(rb):4d} {'same' if ra == rb else 'DIFFERENT':>4s}  "
                  f"{ma:8.1f} ({min(ta):.0f}-{max(ta):.0f})".ljust(20) + f"  {mb:8.1f} ({min(tb):.0f}-{max(tb):.0f})  "
                  f"{ma / mb:4.1f}x  {statistics.median(ca):10.1f} {statistics.median(cb):9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
