"""How the network view copes with large graphs: time to lay out and write, file size, and time for
headless chromium to open the page and draw it (physics off, positions precomputed).

    python scripts/bench_view.py [--nodes 500 2000 5000] [--no-browser]

Graphs are synthetic (a seeded random graph with ~3 ties per node, the projection's attributes);
above MAX_NODES the view keeps the most connected nodes and warns.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from graph.present.view import MAX_NODES, write_view  # noqa: E402

RELATIONS = ["supplies", "cooperates_with", "member_of", "states_about", "sanctions", "participates_in"]
TYPES = ["State", "Person", "StateBody", "InternationalOrganisation", "Group"]


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, nargs="+", default=[500, 2000, 5000])
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    browser = None
    if not a.no_browser:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    print(f"{'nodes':>6} {'ties':>6} {'shown':>6} {'write s':>8} {'MiB':>6} {'open s':>7}  (MAX_NODES={MAX_NODES})")
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.nodes:
            g = synthetic(n)
            path = Path(tmp) / f"v{n}.html"
            t = time.perf_counter()
            r = write_view(g, path)
            wrote = time.perf_counter() - t
            opened = float("nan")
            if browser:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
                t = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("window.skgView && window.skgView.ready", timeout=600_000)
                page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                opened = time.perf_counter() - t
                page.close()
            print(f"{n:>6} {g.number_of_edges():>6} {r.nodes:>6} {wrote:>8.1f} {path.stat().st_size / 2**20:>6.1f} "
                  f"{opened:>7.1f}")
    if browser:
        browser.close()
        pw.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
