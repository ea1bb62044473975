"""How the network view copes with size: time to write the page, its size, and time for headless Chromium
to open it and draw it (physics off, positions precomputed); and the goals of issue 13.

    python scripts/bench_view.py [--nodes 500 2000 5000] [--no-browser]
    python scripts/bench_view.py --data out-1m --store store-1m [--against /path/to/other/checkout] [--repeat 3]
    python scripts/bench_view.py --sipri DIR     # a built dataset holding both SIPRI samples

``--nodes``: synthetic projected graphs (a seeded random graph with ~3 facts per node, the
projection's attributes); above MAX_NODES the view keeps the most connected nodes and warns.

``--data/--store``: the default view of a built dataset, as ``serbia-kg build`` writes it (projection
from the Oxigraph store, then the page), each run in a fresh process; ``--against`` runs the same
in another checkout (its ``graph`` package) alternately with this one, so the two are measured side
by side on a shared, noisy machine: the table gives each run and the ratio of the medians.

``--sipri``: after importing both SIPRI samples, at most one drawn edge per (pair, relation,
direction), and the labels of the 20 most connected nodes at the first zoom (goal: >= 11 px).

Speed is never asserted; this script prints.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from graph.present.view import MAX_NODES, write_view  # noqa: E402

RELATIONS = ["supplies", "cooperates_with", "member_of", "states_about", "sanctions", "participates_in"]
TYPES = ["State", "Person", "StateBody", "InternationalOrganisation", "Group"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def synthetic(n: int, seed: int = 1) -> nx.MultiDiGraph:
    rnd = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"https://example.org/{i}", label=f"Actor {i}", type=rnd.choice(TYPES), kind="actor",
                   iri=f"https://example.org/{i}")
    for i in range(3 * n):
        u, v = rnd.randrange(n), int(rnd.paretovariate(1.2)) % n  # a few hubs, like real ties
        rel = rnd.choice(RELATIONS)
        ev = {"claim": f"c{i}", "claim_id": f"c{i}", "source": "s", "title": "A source", "quote": f"Quote {i}",
              "date": "2022-01-01"}
        g.add_edge(f"https://example.org/{u}", f"https://example.org/{v}", key=f"{rel}:{i}", relation=rel,
                   label=rel.replace("_", " "), claims=[f"c{i}"], sources=["s"], evidence=[ev],
                   date=str(2000 + i % 23), quantity=None, weight=1.0, directed=True)
    return g


def open_page(browser, path: Path) -> float:
    """Seconds from opening the file to the page being ready and drawn (two animation frames after)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
    t = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.skgView && window.skgView.ready", timeout=600_000)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    opened = time.perf_counter() - t
    page.close()
    return opened


def launch():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    return pw, pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)


def bench_synthetic(sizes: list[int], browser) -> None:
    print(f"{'nodes':>6} {'facts':>6} {'shown':>6} {'ties':>6} {'write s':>8} {'MiB':>6} {'open s':>7}  "
          f"(MAX_NODES={MAX_NODES})")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            g = synthetic(n)
            path = Path(tmp) / f"v{n}.html"
            t = time.perf_counter()
            r = write_view(g, path)
            wrote = time.perf_counter() - t
            opened = open_page(browser, path) if browser else float("nan")
            print(f"{n:>6} {g.number_of_edges():>6} {r.nodes:>6} {r.edges:>6} {wrote:>8.1f} "
                  f"{path.stat().st_size / 2**20:>6.1f} {opened:>7.1f}")


_CHILD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from graph.store.backends import open_dataset
from graph.present.view import make_view
ds = open_dataset(Path(sys.argv[1]), store=Path(sys.argv[2]) if sys.argv[2] else None)
t1 = time.perf_counter()
r = make_view(ds, Path(sys.argv[3]))
t2 = time.perf_counter()
print(json.dumps({"open": t1 - t0, "view": t2 - t1, "nodes": r.nodes, "edges": r.edges}))
"""


def bench_dataset(data: Path, store: Path | None, against: Path | None, repeat: int, browser) -> None:
    trees = [("this", REPO)] + ([("against", against)] if against else [])
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for name, tree in trees:  # alternately, so that both meet the same load
                page = Path(tmp) / f"{name}-{i}.html"
                env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
                p = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(store or ""), str(page)],
                                   capture_output=True, text=True, env=env, cwd=tree, check=True)
                row = json.loads(p.stdout.strip().splitlines()[-1])
                row["open_s"] = open_page(browser, page) if browser else float("nan")
                row["mib"] = page.stat().st_size / 2**20
                runs[name].append(row)
                print(f"{name:>8} run {i + 1}: write the view {row['view']:.2f} s (reading the store {row['open']:.2f} s), "
                      f"{row['nodes']} nodes, {row['edges']} drawn edges, {row['mib']:.1f} MiB, "
                      f"ready in Chromium {row['open_s']:.2f} s", flush=True)
    for name, rows in runs.items():
        print(f"{name:>8} median: write {statistics.median(r['view'] for r in rows):.2f} s, "
              f"ready {statistics.median(r['open_s'] for r in rows):.2f} s")
    if against:
        a, b = runs["this"], runs["against"]
        print(f"ratio this/against (medians): write {statistics.median(r['view'] for r in a) / statistics.median(r['view'] for r in b):.2f}, "
              f"ready {statistics.median(r['open_s'] for r in a) / statistics.median(r['open_s'] for r in b):.2f}")


def bench_sipri(data: Path, browser) -> None:
    from graph.ask.projection import project
    from graph.present.view import make_view
    from graph.store.backends import open_dataset

    ds = open_dataset(data)
    g = project(ds)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sipri.html"
        r = make_view(ds, path)
        text = path.read_text(encoding="utf-8")
        start = text.index('id="skg-data">') + len('id="skg-data">')
        page_data = json.loads(text[start:text.index("</script>", start)])
        drawn: dict[tuple, int] = {}
        for e in page_data["edges"]:
            key = (e["from"], e["to"], e["relation"], e["directed"])
            drawn[key] = drawn.get(key, 0) + 1
        print(f"SIPRI samples: {g.number_of_nodes()} nodes, {g.number_of_edges()} facts -> {r.edges} drawn edges; "
              f"most drawn edges for one (pair, relation, direction): {max(drawn.values())} (goal: 1)")
        if browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
            page.goto(path.as_uri())
            page.wait_for_function("window.skgView && window.skgView.ready")
            top = page.evaluate("""() => { const n = skgView.network, s = n.getScale();
                return skgView.data.nodes.filter(v => v.rank < 20).map(v => [v.full, n.body.nodes[v.id].options.font.size * s,
                    n.body.nodes[v.id].labelModule.visible()]); }""")
            page.close()
            smallest = min(px for _, px, _ in top)
            print(f"labels of the 20 most connected at the first zoom: smallest {smallest:.1f} px, "
                  f"{sum(1 for *_, v in top if v)} of 20 drawn (goal: all >= 11 px)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, nargs="*", default=None)
    ap.add_argument("--data", type=Path, help="a built dataset folder (out/)")
    ap.add_argument("--store", type=Path, help="its Oxigraph store")
    ap.add_argument("--against", type=Path, help="another checkout to measure side by side")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sipri", type=Path, help="a built dataset holding both SIPRI samples")
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    pw, browser = launch() if not a.no_browser else (None, None)
    try:
        if a.nodes is not None or not (a.data or a.sipri):
            bench_synthetic(a.nodes or [500, 2000, 5000], browser)
        if a.data:
            bench_dataset(a.data, a.store, a.against, a.repeat, browser)
        if a.sipri:
            bench_sipri(a.sipri, browser)
    finally:
        if browser:
            browser.close()
            pw.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
