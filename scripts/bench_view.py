"""How the network view copes with size: time to write the page, its size, and time for headless Chromium
to open it and draw it (physics off, positions precomputed); and the goals of issue 13.

    python scripts/bench_view.py [--nodes 500 2000 5000] [--no-browser]
    python scripts/bench_view.py --data out-1m --store store-1m [--against /path/to/other/checkout] [--repeat 3]
    python scripts/bench_view.py --sipri DIR     # a built dataset holding both SIPRI samples
    python scripts/bench_view.py --pages before.html after.html --repeat 6   # written pages, by turns
    python scripts/bench_view.py --corpus CORPUS --against ../before --repeat 2   # `serbia-kg build`, by turns

``--corpus`` times the whole command a user runs, ``serbia-kg build`` (no store: the default), in this checkout
and ``--against`` by turns, each into a fresh output folder beside the other (``--out-root``, default a
temporary folder): its steps from its own progress lines (compiling and checking, the links and the derived
graphs, serialising, the view: from "writing the network view" to the summary line), the whole command, and the
page it wrote opened in Chromium; the pages' sha256 tell whether the two checkouts wrote the same bytes.

``--data`` reads the graph from the store's graph cache (as ``serbia-kg view`` does) when the checkout can,
``--build`` draws the facts the store's caches were computed from (as ``serbia-kg build --store`` does; they
are computed first, not timed), ``--project`` projects it (as a build without a store does); ``--max-nodes``
and ``--max-ties`` set the view's limits; ``--against-store`` names the store the ``--against`` checkout
reads (a graph cache of its own version).

``--nodes``: synthetic projected graphs (a seeded random graph with ``--per`` facts per node, default 3, the
projection's attributes); above MAX_NODES the view keeps the most connected nodes and warns.

``--data/--store``: the default view of a built dataset, as ``serbia-kg build`` writes it (projection
from the Oxigraph store, then the page), each run in a fresh process; ``--against`` runs the same
in another checkout (its ``graph`` package) alternately with this one, so the two are measured side
by side on a shared, noisy machine: the table gives each run and the ratio of the medians.

``--nodes N --against DIR``: the same side by side for the synthetic graph of N nodes (written only:
no projection), e.g. ``--nodes 6000 --per 9 --against ../main --repeat 2`` (about the shape of the
1M-triple corpus: 6,036 nodes, 53,270 facts).

``--sipri``: after importing both SIPRI samples, at most one drawn edge per (pair, relation,
direction), and the labels of the 20 most connected nodes at the first zoom (goal: >= 11 px).

Speed is never asserted; this script prints.
"""

from __future__ import annotations

import argparse
import json
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


def synthetic(n: int, seed: int = 1, per: int = 3) -> nx.MultiDiGraph:
    import random

    import networkx as nx

    rnd = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"https://example.org/{i}", label=f"Actor {i}", type=rnd.choice(TYPES), kind="actor",
                   iri=f"https://example.org/{i}")
    for i in range(per * n):
        u, v = rnd.randrange(n), int(rnd.paretovariate(1.2)) % n  # a few hubs, like real ties
        rel = rnd.choice(RELATIONS)
        ev = {"claim": f"c{i}", "claim_id": f"c{i}", "source": "s", "title": "A source", "quote": f"Quote {i}",
              "date": "2022-01-01"}
        g.add_edge(f"https://example.org/{u}", f"https://example.org/{v}", key=f"{rel}:{i}", relation=rel,
                   label=rel.replace("_", " "), claims=[f"c{i}"], sources=["s"], evidence=[ev],
                   date=str(2000 + i % 23), quantity=None, weight=1.0, directed=True)
    return g


def open_page(browser, path: Path) -> float:
    """Seconds from opening the file to the page being ready and drawn (see :func:`interactive`)."""
    return interactive(browser, path)["drawn"]


#: In the page: the DOM position of the most connected node (rank 0), and its label.
_HUB = """() => { const n = skgView.network, v = skgView.data.nodes.find(x => x.rank === 0) || skgView.data.nodes[0];
    const p = n.canvasToDOM(n.getPosition(v.id)), r = n.body.container.getBoundingClientRect();
    return [p.x + r.left, p.y + r.top, v.full]; }"""
_ANSWERED = """label => { const d = document.getElementById('skg-details');
    return d && !d.hidden && document.getElementById('skg-details-body').textContent.includes(label); }"""


def interactive(browser, path: Path) -> dict:
    """Seconds from opening the file (``goto``) to: ``ready`` (the page's script has run: vis-network
    holds every node and tie), ``drawn`` (vis-network's first ``afterDrawing``: the picture is on the
    screen; a page without that hook: two animation frames after ready) and ``click`` (a click on the
    most connected node answered: its details shown). "Interactive" is ``click``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
    t = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.skgView && window.skgView.ready", timeout=600_000, polling=20)
    ready = time.perf_counter() - t
    if page.evaluate("'drawn' in window.skgView"):
        page.wait_for_function("window.skgView.drawn", timeout=600_000, polling=20)
    else:
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    drawn = time.perf_counter() - t
    steps = page.evaluate("window.skgView.timing || null")  # ms since the page was opened, by the page itself
    x, y, label = page.evaluate(_HUB)
    page.mouse.click(x, y)
    page.wait_for_function(_ANSWERED, arg=label, timeout=600_000, polling=20)
    click = time.perf_counter() - t
    page.close()
    found = {"ready": ready, "drawn": drawn, "click": click}
    if steps:
        found.update({k: steps[k] / 1000 for k in ("script", "parsed", "network") if k in steps})
    return found


def launch():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    warm = browser.new_page()  # the browser's first page is slower: not one of those measured
    warm.set_content("<canvas></canvas><script>document.querySelector('canvas').getContext('2d')</script>")
    warm.close()
    return pw, browser


def bench_synthetic(sizes: list[int], browser) -> None:
    print(f"{'nodes':>6} {'facts':>6} {'shown':>6} {'ties':>6} {'write s':>8} {'MiB':>6} {'drawn s':>7}  "
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
import inspect, json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from graph.store.backends import open_dataset
import graph.present.view as view
from graph.ask.projection import facts
data, store, page, mode, max_nodes, max_ties = sys.argv[1:7]
ds = open_dataset(Path(data), store=Path(store) if store else None)
t1 = time.perf_counter()
spent = {}
def timed(name):
    f = getattr(view, name, None)
    if f is None:
        return
    def g(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    setattr(view, name, g)
for name in ("layout", "read_details", "_vis_edges", "_page_html"):
    timed(name)
marks = []
options = {"progress": lambda line: marks.append((line, time.perf_counter()))}
accepts = inspect.signature(view.make_view).parameters
if int(max_nodes) >= 0:
    options["max_nodes"] = int(max_nodes)
if int(max_ties) >= 0 and "max_ties" in accepts:
    options["max_ties"] = int(max_ties)
handed = mode == "build" and "projected" in accepts
cached = mode in ("cache", "build") and "cache" in accepts and not handed
if cached:
    from graph.store.graphcache import GraphCache
    options["cache"] = GraphCache.open(Path(store))
projected = 0.0
if mode == "project" or handed:
    t = time.perf_counter()
    if handed:  # as build --store does: the facts the store's caches were computed from, drawn (not timed)
        from graph.ask.questions import KnowledgeGraph
        from graph.store.native import open_store
        options["projected"] = KnowledgeGraph(open_store(Path(store))).facts()
    else:
        facts(ds)
    projected = time.perf_counter() - t
t2 = time.perf_counter()
r = view.make_view(ds, Path(page), **options)
t3 = time.perf_counter()
laid = next((at for line, at in marks if line.startswith("laying out")), t2)
print(json.dumps({"open": t1 - t0, "project": projected, "view": t3 - t2, "cached": cached, "handed": handed,
                  "read": laid - t2, "layout": spent.get("layout", 0.0), "details": spent.get("read_details", 0.0),
                  "page": spent.get("_vis_edges", 0.0) + spent.get("_page_html", 0.0),
                  "nodes": r.nodes, "edges": r.edges, "facts": getattr(r, "facts", 0)}))
"""


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


_SYNTHETIC_CHILD = """
import json, sys, time
from pathlib import Path
import networkx as nx
from graph.present.view import write_view
RELATIONS, TYPES = {relations!r}, {types!r}
{source}
g = synthetic(int(sys.argv[1]), per=int(sys.argv[2]))
t = time.perf_counter()
r = write_view(g, Path(sys.argv[3]))
print(json.dumps({{"open": 0.0, "project": 0.0, "view": time.perf_counter() - t, "nodes": r.nodes, "edges": r.edges}}))
"""


def bench_dataset(data: Path, store: Path | None, against: Path | None, repeat: int, browser, *,
                  mode: str = "cache", max_nodes: int = -1, max_ties: int = -1,
                  against_store: Path | None = None) -> None:
    """The default view of a built dataset, written by this checkout and (``against``) another, alternately,
    each in a fresh process; each page opened in Chromium. ``mode``: ``cache`` reads the graph from the store's
    graph cache when the checkout can (as ``serbia-kg build --store`` and ``serbia-kg view`` do), ``project``
    projects it (as a build without a store does; the projection is also timed alone, before), ``build`` draws
    the facts the store's caches were computed from, as ``serbia-kg build --store`` does (computed before, not
    timed; a checkout without that reads its cache). ``against_store``: the store the other checkout reads (a
    graph cache of its own version)."""
    _paired(lambda page, tree: [sys.executable, "-c", _CHILD, str(data),
                                str((against_store if tree != REPO and against_store else store) or ""), str(page),
                                mode, str(max_nodes), str(max_ties)], against, repeat, browser)


def bench_synthetic_against(n: int, per: int, against: Path | None, repeat: int, browser) -> None:
    """The view of :func:`synthetic` (``n`` nodes, ``per`` facts a node), written by this checkout and
    ``against``, alternately, each in a fresh process (the projection is not timed: there is none)."""
    import inspect

    code = _SYNTHETIC_CHILD.format(relations=RELATIONS, types=TYPES, source=inspect.getsource(synthetic))
    _paired(lambda page, tree: [sys.executable, "-c", code, str(n), str(per), str(page)], against, repeat, browser)


def _how(row: dict) -> str:
    """How a run got its graph."""
    if row.get("handed"):
        return "the facts computed for the store"
    return "from the graph cache" if row.get("cached") else "projecting"


def _paired(command, against: Path | None, repeat: int, browser) -> None:
    """Run ``command(page, tree)`` in this checkout and ``against`` by turns; print each run, the medians and
    ranges, and the ratios against/this side by side."""
    trees = [("this", REPO)] + ([("against", against)] if against else [])
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for name, tree in (trees if i % 2 == 0 else trees[::-1]):  # by turns, each first every other run
                page = Path(tmp) / f"{name}-{i}.html"
                env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
                p = subprocess.run(command(page, tree), capture_output=True, text=True, env=env, cwd=tree, check=True)
                row = json.loads(p.stdout.strip().splitlines()[-1])
                row.update(interactive(browser, page) if browser else
                           {"ready": float("nan"), "drawn": float("nan"), "click": float("nan")})
                row["mib"] = page.stat().st_size / 2**20
                runs[name].append(row)
                print(f"{name:>8} run {i + 1}: view written in {row['view']:.2f} s "
                      f"({_how(row)}: read and chosen "
                      f"{row.get('read', 0):.2f} s, details {row.get('details', 0):.2f} s, layout "
                      f"{row.get('layout', 0):.2f} s, page {row.get('page', 0):.2f} s; the projection alone "
                      f"{row['project']:.2f} s), {row['nodes']} nodes, {row['edges']} drawn ties, "
                      f"{row.get('facts', 0)} facts, {row['mib']:.1f} MiB; Chromium: "
                      + (f"script {row['script']:.2f} s, parsed {row['parsed']:.2f} s, network made "
                         f"{row['network']:.2f} s, " if row.get("network") is not None else "")
                      + f"ready {row['ready']:.2f} s, drawn {row['drawn']:.2f} s, click answered "
                      f"{row['click']:.2f} s", flush=True)
    keys = [("view", "view written"), ("read", "  read and chosen"), ("layout", "  layout"), ("page", "  page"),
            ("project", "projection alone"), ("ready", "ready"), ("drawn", "drawn"),
            ("click", "interactive (click answered)")]
    print(f"{'':30} " + " ".join(f"{name:>22}" for name in runs) + ("  against/this" if against else ""))
    for key, words in keys:
        for rows in runs.values():
            for r in rows:
                r.setdefault(key, float("nan"))
        cells = [f"{_median(rows, key):7.2f} ({min(r[key] for r in rows):.2f}-{max(r[key] for r in rows):.2f})"
                 for rows in runs.values()]
        this = _median(runs["this"], key)
        ratio = f"  {_median(runs['against'], key) / this:12.1f}x" if against and this else ""
        print(f"{words:30} " + " ".join(f"{c:>22}" for c in cells) + ratio)
    print("goals (issue 13): view written < 3 s; interactive in Chromium < 2 s; medians of this checkout: "
          f"{_median(runs['this'], 'view'):.2f} s, {_median(runs['this'], 'click'):.2f} s")


#: A build's steps, each from the first progress line starting with its word to the next step's.
_STEPS = (("compile", "["), ("derive", "checking the registry"), ("serialise", "serialising"),
          ("view", "writing the network view"), ("end", "built "))


def _timed_build(tree: Path, corpus: Path, out: Path) -> dict:
    """``serbia-kg build --sources corpus --out out`` with ``tree``'s code, each progress line timed as it comes."""
    import hashlib

    command = [sys.executable, "-c", "import sys; from graph.cli import main; sys.exit(main())", "build",
               "--sources", str(corpus), "--out", str(out)]
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    t0 = time.perf_counter()
    marks: dict[str, float] = {}
    lines: list[str] = []
    # one pipe for both streams: the progress lines (standard error) and the summary line, "built ..." (standard
    # output), each timed as it comes; the process's exit after the summary line is timed apart ("exit")
    with subprocess.Popen(command, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True, env=env,
                          cwd=tree) as child:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line)
            for step, start in _STEPS:
                if step not in marks and line.startswith(start):
                    marks[step] = time.perf_counter() - t0
    total = time.perf_counter() - t0
    if child.returncode != 0:
        raise SystemExit(f"the build in {tree} failed ({child.returncode}): {''.join(lines[-5:])}")
    marks.setdefault("end", total)
    times = [marks.get(step) for step, _ in _STEPS]
    row = {"total": total, "sha256": hashlib.sha256((out / "serbia-kg.html").read_bytes()).hexdigest()[:12],
           "exit": total - marks["end"]}
    for i, (step, _) in enumerate(_STEPS[:-1]):
        later = next((t for t in times[i + 1:] if t is not None), total)
        row[step] = later - times[i] if times[i] is not None else float("nan")
    return row


def bench_build(corpus: Path, against: Path | None, repeat: int, browser, root: Path | None) -> None:
    """``serbia-kg build`` of ``corpus`` by this checkout and ``against`` by turns, each into a fresh folder; each
    run's steps and its page's opening in Chromium printed, then medians, ranges and ratios."""
    import shutil

    trees = [("this", REPO)] + ([("against", against)] if against else [])
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)  # (--out-root: made when missing)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        for i in range(repeat):
            for name, tree in (trees if i % 2 == 0 else trees[::-1]):
                out = Path(tmp) / f"{name}-{i}"
                row = _timed_build(tree, corpus, out)
                row.update(interactive(browser, out / "serbia-kg.html") if browser else {"click": float("nan")})
                runs[name].append(row)
                print(f"{name:>8} run {i + 1}: build {row['total']:.1f} s: compiled and checked "
                      f"{row['compile']:.1f} s, derived graphs {row['derive']:.1f} s, serialised "
                      f"{row['serialise']:.1f} s, view written {row['view']:.2f} s, exit {row['exit']:.2f} s; page "
                      f"{row['sha256']}, click "
                      f"answered {row['click']:.2f} s", flush=True)
                shutil.rmtree(out)
    keys = [("total", "serbia-kg build"), ("compile", "  compile and check"), ("derive", "  links, derived graphs"),
            ("serialise", "  serialise"), ("view", "  view written"), ("exit", "  exit after the summary"),
            ("click", "interactive (click answered)")]
    print(f"{'':30} " + " ".join(f"{name:>22}" for name in runs) + ("  against/this" if against else ""))
    for key, words in keys:
        cells = [f"{_median(rows, key):7.2f} ({min(r[key] for r in rows):.2f}-{max(r[key] for r in rows):.2f})"
                 for rows in runs.values()]
        this = _median(runs["this"], key)
        ratio = f"  {_median(runs['against'], key) / this:12.1f}x" if against and this else ""
        print(f"{words:30} " + " ".join(f"{c:>22}" for c in cells) + ratio)
    pages = {name: {r["sha256"] for r in rows} for name, rows in runs.items()}
    print("pages: " + ", ".join(f"{name} {' '.join(sorted(h))}" for name, h in pages.items())
          + (" (the same bytes)" if len(set.union(*pages.values())) == 1 else " (DIFFERENT bytes)"))


def bench_pages(pages: list[Path], repeat: int, browser) -> None:
    """Open written pages by turns in one browser, ``repeat`` times each (the browser side alone, paired: on a
    shared machine one opening can take twice another's); print each opening, then medians and ranges."""
    runs: dict[Path, list[dict]] = {page: [] for page in pages}
    for i in range(repeat):
        for page in (pages if i % 2 == 0 else pages[::-1]):
            row = interactive(browser, page)
            runs[page].append(row)
            print(f"{page.name:>24} run {i + 1}: ready {row['ready']:.2f} s, drawn {row['drawn']:.2f} s, "
                  f"click answered {row['click']:.2f} s", flush=True)
    for page, rows in runs.items():
        cells = ", ".join(f"{key} {_median(rows, key):.2f} s ({min(r[key] for r in rows):.2f}-"
                          f"{max(r[key] for r in rows):.2f})" for key in ("ready", "drawn", "click"))
        print(f"{page.name} ({page.stat().st_size / 2**20:.1f} MiB): {cells}")


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
    ap.add_argument("--per", type=int, default=3, help="facts per node of the synthetic graphs (default 3)")
    ap.add_argument("--data", type=Path, help="a built dataset folder (out/)")
    ap.add_argument("--store", type=Path, help="its Oxigraph store")
    ap.add_argument("--against", type=Path, help="another checkout to measure side by side")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sipri", type=Path, help="a built dataset holding both SIPRI samples")
    ap.add_argument("--pages", type=Path, nargs="+", help="written pages to open by turns (the browser side alone)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--project", action="store_true",
                    help="with --data/--store: project the graph (as a build without a store does), not read the "
                         "store's graph cache")
    ap.add_argument("--build", action="store_true",
                    help="with --data/--store: draw the facts the store's caches were computed from, as "
                         "'serbia-kg build --store' does (computed before, not timed)")
    ap.add_argument("--against-store", type=Path, help="the store the --against checkout reads (its own cache)")
    ap.add_argument("--max-nodes", type=int, default=-1, help="with --data: the view's --max-nodes (default: its own)")
    ap.add_argument("--max-ties", type=int, default=-1, help="with --data: the view's --max-ties (default: its own)")
    ap.add_argument("--corpus", type=Path, help="a corpus to build with `serbia-kg build` (no store), timed by steps")
    ap.add_argument("--out-root", type=Path, help="with --corpus: where the builds' folders go (default: a temporary "
                                                  "folder)")
    a = ap.parse_args()
    pw, browser = launch() if not a.no_browser else (None, None)
    try:
        if a.nodes is not None and a.against:
            for n in a.nodes:
                bench_synthetic_against(n, a.per, a.against, a.repeat, browser)
        elif a.nodes is not None or not (a.data or a.sipri or a.pages or a.corpus):
            bench_synthetic(a.nodes or [500, 2000, 5000], browser)
        if a.data:
            bench_dataset(a.data, a.store, a.against, a.repeat, browser,
                          mode="project" if a.project else "build" if a.build else "cache",
                          max_nodes=a.max_nodes, max_ties=a.max_ties, against_store=a.against_store)
        if a.sipri:
            bench_sipri(a.sipri, browser)
        if a.pages:
            bench_pages(a.pages, a.repeat, browser)
        if a.corpus:
            bench_build(a.corpus, a.against, a.repeat, browser, a.out_root)
    finally:
        if browser:
            browser.close()
            pw.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
