"""The network view: one self-contained, offline HTML file to explore the projected graph.

:func:`render` turns a projected ``networkx.MultiDiGraph`` (see :mod:`graph.projection`) into a
page drawn by vis-network, inlined from the pinned pyvis package (``pyvis/templates/lib/vis-9.1.2``),
with pyvis's node and edge model and a template of ours (``graph/templates/view.html``; pyvis's
own links Bootstrap from a CDN). The page loads nothing from the network.

What the page draws: one *tie* per (pair of nodes, relation, direction), whatever the number of
facts behind it (:func:`ties`); clicking a tie lists its facts and their evidence. The data travel
as one JSON block (facts, claims, sources, ties, nodes) and the page builds every text from it with
``textContent``, so no quote can become markup; the JSON's ``<``, ``>`` and ``&`` are escaped too.

The layout is computed here, seeded (:data:`SEED`), rounded to whole pixels, with physics off:
the same graph gives the same file byte for byte. Sources (articles, datasets) are placed on a ring
outside the actors. Beyond ``max_nodes`` nodes the view keeps the most connected ones and says so
(:func:`limit`).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import networkx as nx
import orjson

from graph.model.attributes import JSON_ATTRIBUTE, attributes
from graph.ask.supplies import deliveries_text
from graph.model.errors import InputError
from graph.model.independence import independence_key
from graph.model.files import write_atomically
from graph.model import schema
from graph.model.names import Names, resolve

__all__ = [
    "SEED",
    "MAX_NODES",
    "MAX_TIES",
    "NODE_STYLES",
    "RELATION_COLOURS",
    "Tie",
    "ViewResult",
    "SourceInfo",
    "Details",
    "ties",
    "focus",
    "limit",
    "layout",
    "centrality",
    "render",
    "write_view",
    "vis_assets",
    "resolve_node",
    "read_details",
    "reads",
    "make_view",
]

#: Seed of the layout: the same graph always gets the same positions.
SEED = 20220304
#: Above this many nodes the view keeps the most connected ones (and says so). A product choice (docs/view.md):
#: 2,000 nodes and 10,000 ties were a hairball at 1400×900 that took Chromium 3-7 s to answer a click.
MAX_NODES = 1000
#: At most this many ties are drawn, those with the most evidence (and the page says so).
MAX_TIES = 2500
#: Labels longer than this are cut (with an ellipsis) on the canvas; the whole label is in the panel.
LABEL_CHARS = 36

#: Node type (class local name) -> (colour, vis-network shape, legend words): the schema's node styles.
NODE_STYLES: dict[str, tuple[str, str, str]] = {name: (st.colour, st.shape, st.words)
                                                for name, st in schema.NODE_STYLES.items()}
_OTHER_NODE = ("#a0aec0", "dot", "other")

#: Relation name -> edge colour, as the schema's edge rules declare them. Relations without one get colours
#: of :data:`_SPARE_COLOURS`.
RELATION_COLOURS: dict[str, str] = {r.relation: r.colour for r in schema.EDGE_RULES if r.colour is not None}
_SPARE_COLOURS = ["#975a16", "#2a4365", "#22543d", "#702459", "#1a365d", "#7b341e", "#285e61", "#44337a"]

#: Edge attributes of the projection contract shown in their own place; other scalars are shown as the
#: fact's details (``words`` repeats the quote; ``*_iri`` are keys, not words).
_STANDARD_EDGE_KEYS = {"relation", "label", "directed", "claims", "claim_ids", "sources", "evidence", "date",
                       "end_date", "quantity", "weight", "words", "quantities"}
#: Claim fields read as a fact's TIV (SIPRI trend-indicator value, millions), the first given.
_TIV_FIELDS = ("tiv_order", "tiv_delivered")

_VIS_DIR = ("templates", "lib", "vis-9.1.2")


@dataclass
class ViewResult:
    """What :func:`render` put in the page."""

    html: str
    nodes: int
    edges: int
    total_nodes: int
    total_edges: int
    notes: list[str] = field(default_factory=list)
    #: The notes that say the page does not show everything (also in ``notes``).
    warnings: list[str] = field(default_factory=list)
    #: Facts behind the drawn ties (``edges`` counts ties).
    facts: int = 0


@dataclass(frozen=True)
class Tie:
    """One drawn tie: every fact of one relation between two nodes in one direction.

    ``keys`` are the projection's edge keys of its facts, sorted; an undirected relation's tie goes
    from the lower node key to the higher.
    """

    source: Any
    target: Any
    relation: str
    directed: bool
    keys: tuple[str, ...]


@dataclass(frozen=True)
class SourceInfo:
    """What the page says about a source beyond its title and date."""

    url: str | None = None
    kind: str | None = None
    publisher: str | None = None


@dataclass
class Details:
    """What the projection does not carry but the page shows: sources' links, kinds and publishers
    (``sources``, by source id), and labelled fields of dataset claims (``fields``, by claim IRI:
    ``[(words, value), ...]``, plus ``tiv`` by claim IRI)."""

    sources: dict[str, SourceInfo] = field(default_factory=dict)
    fields: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tiv: dict[str, float] = field(default_factory=dict)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def vis_assets() -> tuple[str, str]:
    """vis-network's script and style sheet, as shipped inside the pinned pyvis package.

    Raises
    ------
    InputError
        If the files are missing or could end the inline element early.
    """
    import importlib.util

    spec = importlib.util.find_spec("pyvis")  # its folder, without importing it (pyvis imports IPython: 2 s)
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the pyvis package is not installed; vis-network is taken from it")
    folder = Path(list(spec.submodule_search_locations)[0]).joinpath(*_VIS_DIR)
    try:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css = (folder / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"vis-network is missing from the pyvis package: {exc}", file=folder) from None
    if "</script" in js.lower() or "</style" in css.lower():
        raise InputError("vis-network's files contain a closing tag; cannot inline them", file=folder)
    return js, css


# --- one tie per pair, relation and direction ----------------------------------------------------

def ties(graph: nx.MultiDiGraph) -> list[Tie]:
    """The ties the view draws: the projection's facts grouped by (source, target, relation, direction).

    Parameters
    ----------
    graph:
        A projected graph (one edge per fact).

    Returns
    -------
    list of Tie
        Sorted by source, target and relation; each fact in exactly one tie.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("a", "b", key="supplies:1", relation="supplies")
    >>> _ = g.add_edge("a", "b", key="supplies:2", relation="supplies")
    >>> [(t.source, t.target, t.relation, t.keys) for t in ties(g)]
    [('a', 'b', 'supplies', ('supplies:1', 'supplies:2'))]
    """
    return _ties(graph.edges(keys=True, data=True))


def _tie(u: Any, v: Any, relation: str, directed: bool) -> tuple[Any, Any, str, bool]:
    """The tie a fact is drawn in: (source, target, relation, directed), an undirected one from the lower end."""
    if not directed and str(v) < str(u):
        u, v = v, u
    return u, v, relation, directed


def _tie_of(u: Any, v: Any, key: Any, d: dict) -> tuple[Any, Any, str, bool]:
    """The tie an edge (its attributes ``d``) is drawn in (:func:`_tie`)."""
    return _tie(u, v, str(d.get("relation", "")), bool(d.get("directed", True)))


def _ties(edges: Iterable[tuple[Any, Any, Any, dict]]) -> list[Tie]:
    groups: dict[tuple, list[str]] = {}
    for u, v, key, d in edges:
        groups.setdefault(_tie_of(u, v, key, d), []).append(str(key))
    found = [Tie(u, v, rel, directed, tuple(sorted(keys))) for (u, v, rel, directed), keys in groups.items()]
    return sorted(found, key=lambda t: (str(t.source), str(t.target), t.relation, t.directed))


def _evidence(d: dict) -> list[dict]:
    ev = d.get("evidence")
    return (json.loads(ev) if isinstance(ev, str) else ev) or []


# --- selecting what to show ---------------------------------------------------------------------

def focus(graph: nx.MultiDiGraph, node: str, hops: int = 1) -> nx.MultiDiGraph:
    """The part of ``graph`` within ``hops`` ties of ``node``, whatever their direction.

    Parameters
    ----------
    graph:
        A projected graph.
    node:
        A node key (an entity IRI).
    hops:
        How far to go (0: the node alone).

    Returns
    -------
    networkx.MultiDiGraph
        The induced subgraph (a copy).

    Raises
    ------
    InputError
        If ``node`` is not in the graph or ``hops`` is negative.
    """
    if hops < 0:
        raise InputError(f"--hops must be 0 or more (got {hops})")
    if node not in graph:
        raise InputError(f"'{node}' has no ties in this selection of the graph")
    reach = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=hops)
    return graph.subgraph(sorted(reach)).copy()


def limit(graph: nx.MultiDiGraph, max_nodes: int = MAX_NODES,
          max_ties: int = MAX_TIES) -> tuple[nx.MultiDiGraph, str | None]:
    """Keep at most ``max_nodes`` nodes, the most connected ones (ties broken by key), and at most
    ``max_ties`` drawn ties (:func:`ties`) among them, those resting on the most evidence; when either
    limit cuts the graph, the nodes kept are those the ties kept tie.

    Returns
    -------
    (graph, note)
        The graph itself and ``None`` when it is small enough; otherwise the part kept (a new graph,
        the attributes shared with ``graph``) and a sentence saying what was left out.
    """
    rows = [_row(u, v, k, d, d) for u, v, k, d in graph.edges(keys=True, data=True)]
    chosen = _select(list(graph.nodes), rows, max_nodes, max_ties)
    if chosen.note is None:
        return graph, None
    kept = nx.MultiDiGraph()
    kept.add_nodes_from((v, d) for v, d in graph.nodes(data=True) if chosen.nodes is None or v in chosen.nodes)
    kept.add_edges_from((r[0], r[1], r[2], r[6]) for r in chosen.rows)
    return kept, chosen.note


# One fact as choosing what to draw needs it, without its evidence: (source, target, key (None: read with the
# attributes), relation, directed, number of pieces of evidence, its attributes or where to find them).
_Row = tuple


def _row(u: Any, v: Any, key: Any, d: dict, ref: Any) -> _Row:
    return (u, v, key, str(d.get("relation", "")), bool(d.get("directed", True)), _evidence_count(d), ref)


def _tie_key(r: _Row) -> tuple[Any, Any, str, bool]:
    """The tie a row is drawn in (:func:`_tie`)."""
    return _tie(r[0], r[1], r[3], r[4])


@dataclass
class _Chosen:
    """What :func:`_select` keeps: the nodes (``None``: all; when the graph is cut, those its kept ties tie), the
    facts' rows, the sentence saying what was left out (``None``: nothing)."""

    nodes: set | None
    rows: list[_Row]
    note: str | None


def _select(nodes: list, rows: list[_Row], max_nodes: int, max_ties: int) -> _Chosen:
    """The most connected ``max_nodes`` of ``nodes`` (by number of facts, then key) and at most ``max_ties``
    ties among them, those resting on the most evidence (then by ends and relation): :func:`limit`'s choice,
    made on rows (:func:`_row`) so that a large graph is never copied (a 1M-triple build's 53,270 facts)."""
    n, m = len(nodes), len(rows)
    kept_nodes = None
    if max_nodes > 0 and n > max_nodes:
        degree = dict.fromkeys(nodes, 0)
        for r in rows:
            degree[r[0]] += 1
            degree[r[1]] += 1
        kept_nodes = set(sorted(nodes, key=lambda v: (-degree[v], str(v)))[:max_nodes])
        rows = [r for r in rows if r[0] in kept_nodes and r[1] in kept_nodes]
    groups: dict[tuple, int] = {}
    for r in rows:
        tie = _tie_key(r)
        groups[tie] = groups.get(tie, 0) + r[5]
    drawn = len(groups)
    dropped_ties = max_ties > 0 and drawn > max_ties
    if dropped_ties:
        # a fact's key is not an edge's: an exercise's participants share it (one per tie)
        ranked = sorted(groups, key=lambda t: (-groups[t], str(t[0]), str(t[1]), t[2], t[3]))
        kept_ties = set(ranked[:max_ties])
        rows = [r for r in rows if _tie_key(r) in kept_ties]
        drawn = max_ties
    if kept_nodes is None and not dropped_ties:
        return _Chosen(None, rows, None)
    # a view that is cut shows the ties it keeps and the nodes they tie (at 1M, 576 of the 1,000 most connected
    # nodes had no tie left: dots in rows under the drawing, each laid out and labelled)
    tied = {x for r in rows for x in r[:2]}
    what = f"{drawn:,} of the ties" + (" with the most evidence" if dropped_ties else "")
    if kept_nodes is not None:
        what += f" among the {len(kept_nodes):,} most connected nodes"
    note = (f"the graph has {n:,} nodes and {m:,} facts, more than the view can show well; showing {what}, and the "
            f"{len(tied):,} nodes they tie (narrow it with --focus, --relation, --since/--until, or raise --max-nodes"
            + (" or --max-ties" if dropped_ties else "") + ")")
    return _Chosen(tied, rows, note)


def _evidence_count(d: dict) -> int:
    ev = d.get("evidence")
    if isinstance(ev, str):  # the projected graph's JSON text
        return len(json.loads(ev))
    return len(ev or ())


# --- layout and sizes ----------------------------------------------------------------------------

def _simple(graph: nx.MultiDiGraph, keep: Callable[[Any], bool] | None = None) -> nx.Graph:
    simple = nx.Graph()
    nodes = sorted((v for v in graph.nodes if keep is None or keep(v)), key=str)
    simple.add_nodes_from(nodes)
    wanted = set(nodes)
    # each pair once before sorting (13,156 facts are 1,502 pairs in the 1M default view); the order is the same
    pairs = {(u, v) for u, v in graph.edges() if u != v}
    simple.add_edges_from(sorted(((u, v) for u, v in pairs if u in wanted and v in wanted),
                                 key=lambda e: (str(e[0]), str(e[1]))))
    return simple


def _pivot_mds(g: Any, pivots: int = 40):
    """A start for the force-directed layout of a connected igraph graph ``g``: Pivot MDS (Brandes and
    Pich, 2007), classical scaling of the hop distances to a few pivots (the most connected node, then
    each time the node farthest from those chosen). Breadth-first searches (igraph's, in C) and one small
    SVD: deterministic, unlike ARPACK's eigensolver behind the spectral layout, whose result varied from
    run to run with the same start vector (3 different views in 4 builds of one 1,000-node graph).
    Returns an n×2 array, in hop units."""
    import numpy as np

    n = g.vcount()
    k = min(pivots, n)
    degrees = g.degree()
    first = max(range(n), key=lambda i: (degrees[i], -i))
    dist = np.zeros((n, k))
    nearest = np.full(n, np.inf)
    chosen = first
    for j in range(k):
        dist[:, j] = g.distances(source=[chosen])[0]
        nearest = np.minimum(nearest, dist[:, j])
        chosen = int(np.argmax(nearest))  # the first of the farthest
    sq = dist ** 2
    centred = -0.5 * (sq - sq.mean(axis=0) - sq.mean(axis=1)[:, None] + sq.mean())
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    pos = u[:, :2] * np.sqrt(s[:2])  # coordinates in hops
    pos *= np.where(pos[np.abs(pos).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)  # one sign, whatever LAPACK chose
    return np.round(pos, 9)


def layout(graph: nx.MultiDiGraph, seed: int = SEED) -> dict[Any, tuple[int, int]]:
    """Node positions in pixels, seeded: the same graph always gets the same layout.

    Sources (node kind ``source``: articles, datasets) are laid out apart, on a ring outside the
    others, each at the angle of its ties, so that they stay out of the actors' way.

    Each connected component is laid out on its own, the largest in the middle, the others in rows
    under it. Components up to 300 nodes use Kamada-Kawai (igraph's) started from a seeded spring layout;
    larger ones igraph's Fruchterman-Reingold started from Pivot MDS (:func:`_pivot_mds`,
    :func:`_force_directed`), so that a few thousand nodes take a fraction of a second.
    """
    kinds = nx.get_node_attributes(graph, "kind")
    simple = _simple(graph, lambda v: kinds.get(v) != "source")
    if simple.number_of_nodes() == 0:
        simple = _simple(graph)  # nothing but sources: lay them out as they are
    pos = _inner_layout(simple, seed)
    ring = sorted((v for v in graph.nodes if v not in pos), key=str)
    pos.update(_ring(graph, pos, ring))
    return pos


#: Components up to this many nodes are laid out by Kamada-Kawai; larger ones by Fruchterman-Reingold.
_KK_MAX = 300
#: Fruchterman-Reingold iterations (igraph's, started from Pivot MDS) for a component of more than 300 nodes.
_FR_ITERATIONS = 60


def _force_directed(simple: nx.Graph, iterations: int, scale: float, seed: int) -> dict:
    """Fruchterman-Reingold by igraph (C, a grid for the repulsion of large graphs) started from Pivot
    MDS (:func:`_pivot_mds`), with igraph's random numbers drawn from a generator seeded with ``seed``:
    deterministic."""
    import random

    import igraph
    import numpy as np

    nodes = list(simple.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in simple.edges()])
    start = _pivot_mds(g)
    # igraph's FR works at about sqrt(n) units across and starts hot at sqrt(n) / 10: bring the start to
    # that size and start cooler, so that a few iterations spread what Pivot MDS put on one spot
    spread = float(np.abs(start).max()) or 1.0
    start = start * (math.sqrt(len(nodes)) / spread)
    igraph.set_random_number_generator(random.Random(seed))
    try:
        coords = g.layout_fruchterman_reingold(seed=start.tolist(), niter=iterations, grid="auto",
                                               start_temp=math.sqrt(len(nodes)) / 40).coords
    finally:
        igraph.set_random_number_generator(random)  # igraph's default: the random module
    return dict(zip(nodes, nx.rescale_layout(np.round(np.array(coords, dtype=float), 9), scale=scale)))


def _kamada_kawai(simple: nx.Graph, start: dict, scale: float) -> dict:
    """Kamada-Kawai by igraph (C), from the positions ``start``: deterministic. (networkx's minimises the
    energy with scipy.optimize, whose import alone took 0.6-1 s, and 0.4 s more for 56 nodes.)"""
    import igraph
    import numpy as np

    nodes = list(simple.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in simple.edges()])
    coords = g.layout_kamada_kawai(seed=[[float(x) for x in start[v]] for v in nodes]).coords
    return dict(zip(nodes, nx.rescale_layout(np.round(np.array(coords, dtype=float), 9), scale=scale)))


def _inner_layout(simple: nx.Graph, seed: int) -> dict[Any, tuple[int, int]]:
    """Each connected component laid out on its own (:func:`_component_layout`), the largest in the middle
    and the others packed in rows under it, largest first."""
    comps = sorted((sorted(c, key=str) for c in nx.connected_components(simple)), key=lambda c: (-len(c), str(c[0])))
    if not comps:
        return {}
    pos = _component_layout(_induced(simple, comps[0]), seed)
    if len(comps) == 1:
        return pos
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    left, right, y = min(xs), max(xs), max(ys) + 120
    width = max(right - left, 600)
    x, row_height = left, 0
    for comp in comps[1:]:
        part = _component_layout(_induced(simple, comp), seed)
        pxs, pys = [p[0] for p in part.values()], [p[1] for p in part.values()]
        w, hgt = max(pxs) - min(pxs), max(pys) - min(pys)
        if x > left and x + w > left + width:
            x, y, row_height = left, y + row_height + 110, 0
        for v, (px, py) in part.items():
            pos[v] = (x + px - min(pxs), y + py - min(pys))
        x += w + 140
        row_height = max(row_height, hgt)
    return pos


def _induced(simple: nx.Graph, nodes: list) -> nx.Graph:
    """The subgraph on ``nodes``, in their order. (networkx's ``subgraph`` view iterates a small
    subgraph's nodes in the order of a Python set, which changes with the hash seed from one process
    to the next; the layout, seeded by node order, changed with it.)"""
    members = set(nodes)
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((u, v) for u, v in simple.edges(nodes) if v in members)
    return sub


def _component_layout(simple: nx.Graph, seed: int) -> dict[Any, tuple[int, int]]:
    from threadpoolctl import threadpool_limits

    n = simple.number_of_nodes()
    if n == 1:
        return {next(iter(simple.nodes)): (0, 0)}
    scale = max(60.0 * math.sqrt(n), 90.0) if n < 10 else max(300.0, 90.0 * math.sqrt(n))
    k = 1.5 / math.sqrt(n)
    with threadpool_limits(1):  # BLAS threads spin on a busy machine (the SVD of Pivot MDS: 2 s instead of 0.01 s)
        if n <= _KK_MAX:
            # Kamada-Kawai reads best (a hub's neighbours around it, spaced); igraph's, in C: networkx's needs
            # scipy.optimize (1-3.6 s to import here) and took 9-10 s for the first source's 226 nodes under load
            start = nx.spring_layout(simple, seed=seed, k=k)
            pos = _kamada_kawai(simple, start, scale)
        else:
            # Fruchterman-Reingold (igraph, in C) started from Pivot MDS: a few thousand nodes in a fraction
            # of a second, where networkx's spring layout loops over the nodes in Python
            pos = _force_directed(simple, _FR_ITERATIONS, scale, seed)
    return {v: (int(round(float(x))), int(round(float(y)))) for v, (x, y) in pos.items()}


def _ring(graph: nx.MultiDiGraph, pos: dict[Any, tuple[int, int]], nodes: list) -> dict[Any, tuple[int, int]]:
    """Positions on a circle around ``pos`` for ``nodes``: each at the mean angle of its laid-out
    neighbours (evenly spread when they crowd), deterministic."""
    if not nodes:
        return {}
    cx = sum(x for x, _ in pos.values()) / len(pos) if pos else 0.0
    cy = sum(y for _, y in pos.values()) / len(pos) if pos else 0.0
    radius = max((math.hypot(x - cx, y - cy) for x, y in pos.values()), default=0.0) + 160.0
    wanted = []
    for i, v in enumerate(nodes):
        near = [pos[w] for w in sorted(set(graph.predecessors(v)) | set(graph.successors(v)), key=str) if w in pos]
        if near:
            angle = math.atan2(sum(y for _, y in near) / len(near) - cy, sum(x for x, _ in near) / len(near) - cx)
        else:
            angle = 2 * math.pi * i / len(nodes)
        wanted.append((angle, str(v), v))
    wanted.sort()
    gap = min(2 * math.pi / len(nodes), 170.0 / radius)  # about 170 px between neighbours on the ring
    placed: list[float] = []
    for angle, _, _ in wanted:
        if placed and angle < placed[-1] + gap:
            angle = placed[-1] + gap
        placed.append(angle)
    overflow = placed[-1] - (placed[0] + 2 * math.pi - gap)
    if overflow > 0:  # wrapped past the first: shift all back evenly
        placed = [a - overflow * i / max(1, len(placed) - 1) for i, a in enumerate(placed)]
    return {v: (int(round(cx + radius * math.cos(a))), int(round(cy + radius * math.sin(a))))
            for a, (_, _, v) in zip(placed, wanted)}


def centrality(graph: nx.MultiDiGraph) -> dict[Any, float]:
    """Degree centrality of every node: the share of the other nodes it has a tie with."""
    return nx.degree_centrality(_simple(graph))


# --- the page's data -----------------------------------------------------------------------------

def _type_words(type_name: str) -> str:
    return NODE_STYLES.get(type_name, (None, None, type_name or "entity"))[2]


def _year(date: Any) -> int | None:
    if date is None:
        return None
    text = str(date)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")[:4]
    return sign * int(digits) if digits.isdigit() else None


def _label(graph: nx.MultiDiGraph, node: Any) -> str:
    return str(graph.nodes[node].get("label") or node)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _json(data: Any) -> str:
    """JSON safe inside an HTML element: ``<``, ``>`` and ``&`` and line separators escaped."""
    text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode("utf-8")  # 6 MiB at 1M: 0.03 s, json's 0.25 s
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _shape_svg(shape: str, colour: str) -> str:
    """A 14-pixel inline SVG icon of a vis-network node shape, for the legend."""
    c = _esc(colour)
    body = {
        "dot": f'<circle cx="7" cy="7" r="6" fill="{c}"/>',
        "square": f'<rect x="1" y="1" width="12" height="12" fill="{c}"/>',
        "triangle": f'<polygon points="7,1 13,13 1,13" fill="{c}"/>',
        "triangleDown": f'<polygon points="1,1 13,1 7,13" fill="{c}"/>',
        "diamond": f'<polygon points="7,0 14,7 7,14 0,7" fill="{c}"/>',
        "star": f'<polygon points="7,0 9,5 14,5 10,8 12,14 7,10 2,14 4,8 0,5 5,5" fill="{c}"/>',
        "hexagon": f'<polygon points="4,1 10,1 13,7 10,13 4,13 1,7" fill="{c}"/>',
    }.get(shape, f'<circle cx="7" cy="7" r="6" fill="{c}"/>')
    return f'<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">{body}</svg>'


def _relation_colours(relations: Iterable[str]) -> dict[str, str]:
    colours, spare = {}, 0
    for rel in sorted(set(relations)):
        if rel in RELATION_COLOURS:
            colours[rel] = RELATION_COLOURS[rel]
        else:
            colours[rel] = _SPARE_COLOURS[spare % len(_SPARE_COLOURS)]
            spare += 1
    return colours


def _relation_words(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Relation name -> words for people. The projection's rule label (``member_of`` -> ``is a member of``)
    when one is declared, else the first edge's ``label``."""
    first: dict[str, tuple[str, dict]] = {}  # relation -> the edge of the smallest key
    for _, _, key, d in graph.edges(keys=True, data=True):
        rel = str(d.get("relation", ""))
        if rel not in first or str(key) < first[rel][0]:
            first[rel] = (str(key), d)
    words = {}
    for rel, (_, d) in sorted(first.items(), key=lambda x: x[1][0]):
        words[rel] = schema.RELATIONS.get(rel) or str(d.get("label") or rel.replace("_", " "))
    return words


def _scalar_words(value: Any) -> str | None:
    if type(value) is str:
        return value or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [str(x) for x in value if x is not None and not isinstance(x, (dict, list))]
        return ", ".join(parts) or None
    if isinstance(value, (str, int, float)):
        return str(value) or None
    return None


def _independence_key(source: str, info: SourceInfo | None) -> str:
    return independence_key(source, info.kind if info else None, info.publisher if info else None)


class _PageData:
    """Builds the JSON the page reads: nodes, ties, facts, claims and sources, each listed once."""

    def __init__(self, graph: nx.MultiDiGraph, details: Details) -> None:
        self.graph = graph
        self.details = details
        self.sources: dict[tuple[str, str, str], int] = {}
        self.source_rows: list[dict] = []
        self.groups: dict[str, int] = {}
        self.claims: dict[str, int] = {}
        self.claim_rows: list[dict] = []
        self.facts: list[dict] = []
        self._extra_names: dict[tuple, list] = {}

    def source(self, ev: dict) -> int:
        sid = str(ev.get("source") or "")
        key = (sid, str(ev.get("title")), str(ev.get("date")))
        found = self.sources.get(key)
        if found is None:
            info = self.details.sources.get(sid)
            group = self.groups.setdefault(_independence_key(sid, info), len(self.groups))
            found = self.sources[key] = len(self.source_rows)
            self.source_rows.append({"id": sid, "title": ev.get("title") or sid, "date": ev.get("date"),
                                     "url": info.url if info else None, "kind": info.kind if info else None,
                                     "g": group})
        return found

    def claim(self, ev: dict) -> int:
        key = str(ev.get("claim") or f"{ev.get('source')}#")
        found = self.claims.get(key)
        if found is None:
            found = self.claims[key] = len(self.claim_rows)
            fields = self.details.fields.get(str(ev.get("claim")))
            row: dict[str, Any] = {"id": ev.get("claim_id"), "src": self.source(ev)}
            if fields:  # a dataset's row: its labelled fields, not the raw line
                row["fields"] = [list(f) for f in fields]
            else:
                row["quote"] = ev.get("quote")
            self.claim_rows.append(row)
        return found

    def fact(self, tie_index: int, key: str, d: dict) -> int:
        evidence = d.get("evidence") or ()
        claim, claim_rows, source_rows = self.claim, self.claim_rows, self.source_rows
        claims = [claim(ev) for ev in evidence]
        srcs = sorted({claim_rows[c]["src"] for c in claims})
        year = _year(d.get("date"))
        year_end = _year(d.get("end_date")) if d.get("end_date") else year
        tiv = self.details.tiv
        tivs = [tiv[str(ev.get("claim"))] for ev in evidence if str(ev.get("claim")) in tiv] if tiv else []
        extra = []
        for name, words_of in self._extras(d):
            words = words_of(d[name])
            if words:
                extra.append([name.replace("_", " "), words])
        if isinstance(d.get("quantities"), dict):
            extra.append(["quantity by source", ", ".join(f"{k}: {v}" for k, v in sorted(d["quantities"].items()))])
        qty = d.get("quantity")
        self.facts.append({
            "t": tie_index, "key": key, "date": d.get("date"), "end": d.get("end_date"),
            "y0": year, "y1": year_end if year_end is not None else year,
            "q": qty if isinstance(qty, (int, float)) and not isinstance(qty, bool) else None,
            "tiv": max(tivs) if tivs else None,
            "c": claims, "s": srcs, "ind": len({source_rows[s]["g"] for s in srcs}) or 1,
            "x": extra,
        })
        return len(self.facts) - 1

    def _extras(self, d: dict) -> list[tuple[str, Callable[[Any], str | None]]]:
        """The attributes of a fact shown as its details, sorted, each with the function that gives its words;
        found once for each set of attribute names (the facts of one relation share theirs)."""
        names = tuple(d)
        found = self._extra_names.get(names)
        if found is None:
            found = self._extra_names[names] = [
                (name, _deliveries_words if name == "deliveries" else _scalar_words)
                for name in sorted(k for k in set(d) - _STANDARD_EDGE_KEYS if not k.endswith("_iri"))]
        return found


def _deliveries_words(value: Any) -> str | None:
    """A fact's deliveries in words (:func:`graph.ask.supplies.deliveries_text`); none: as any scalar."""
    return deliveries_text(value) if value else _scalar_words(value)


def _source_options(rows: list[dict]) -> list[dict]:
    titles: dict[str, str] = {}
    for row in rows:
        titles.setdefault(row["id"], row["title"])
    return [{"id": sid, "title": title} for sid, title in sorted(titles.items(), key=lambda x: (x[1].casefold(), x[0]))]


def render(graph: nx.MultiDiGraph, *, title: str = "Serbia's foreign security ties",
           subtitle: str | None = None, notes: Iterable[str] = (), max_nodes: int = MAX_NODES,
           max_ties: int = MAX_TIES, seed: int = SEED,
           details: Details | Callable[[nx.MultiDiGraph], Details] | None = None,
           progress: Callable[[str], None] | None = None) -> ViewResult:
    """The HTML page of a projected graph.

    Parameters
    ----------
    graph:
        A ``networkx.MultiDiGraph`` following the projection contract (nodes with ``label``,
        ``type``, ``kind``, ``iri``; edges with ``relation``, ``label``, ``sources``,
        ``evidence``, ``date``, ``quantity``, ``weight``).
    title, subtitle:
        The page's heading and the line under it.
    notes:
        Sentences shown in a warning box at the top of the page.
    max_nodes, max_ties:
        Above this many nodes keep the most connected ones, and draw at most this many ties among
        them (:func:`limit`); 0 for no limit.
    seed:
        Seed of the layout.
    details:
        Sources' links and kinds, dataset claims' fields (:func:`read_details`), or a function of the
        graph kept by :func:`limit` that gives them; without them the page shows each claim's quote
        and counts every source as independent.
    progress:
        Called with a line of progress (for standard error).

    Returns
    -------
    ViewResult
        The page and what it holds.
    """
    shown, note = limit(graph, max_nodes, max_ties)
    return _draw(shown, note, total_nodes=graph.number_of_nodes(), total_edges=graph.number_of_edges(),
                 title=title, subtitle=subtitle, notes=notes, seed=seed, details=details, progress=progress)


def _draw(shown: nx.MultiDiGraph, note: str | None, *, total_nodes: int, total_edges: int, title: str,
          subtitle: str | None, notes: Iterable[str], seed: int,
          details: Details | Callable[[nx.MultiDiGraph], Details] | None,
          progress: Callable[[str], None] | None) -> ViewResult:
    """The page of ``shown``, what :func:`limit` kept of a graph of ``total_nodes`` and ``total_edges`` (``note``:
    what it left out)."""
    notes = list(notes)
    if callable(details):
        details = details(shown)
    details = details or Details()
    warnings = [note] if note else []
    notes += warnings
    drawn = ties(shown)
    if progress:
        progress(f"laying out {shown.number_of_nodes()} nodes and {len(drawn)} ties")
    pos = layout(shown, seed)
    simple = _simple(shown)
    cent = nx.degree_centrality(simple)  # :func:`centrality`, on the simple graph made once
    words = _relation_words(shown)
    colours = _relation_colours(words)

    node_ids, nodes = _vis_nodes(shown, simple, pos, cent)
    page = _PageData(shown, details)
    edges = _vis_edges(shown, drawn, page, colours, node_ids)
    years = [y for f in page.facts for y in (f["y0"], f["y1"]) if y is not None]
    types = _node_types(shown)
    relations = {rel: {"words": words[rel], "colour": colours[rel]} for rel in words}
    data = {"nodes": nodes, "edges": edges, "facts": page.facts, "claims": page.claim_rows,
            "sources": page.source_rows, "relations": relations, "types": types,
            "options": _vis_options(len(edges)), "years": [min(years), max(years)] if years else None}
    text = _page_html(data, title=title, subtitle=subtitle, notes=notes, total_nodes=total_nodes,
                      total_edges=total_edges)
    return ViewResult(html=text, nodes=len(nodes), edges=len(edges), total_nodes=total_nodes,
                      total_edges=total_edges, notes=notes, warnings=warnings, facts=len(page.facts))


def _vis_nodes(shown: nx.MultiDiGraph, simple: nx.Graph, pos: dict, cent: dict) -> tuple[dict, list[dict]]:
    """The page's node rows (vis-network's node options, as pyvis's ``Network.add_node`` made them)
    and each node's id in the page."""
    top = max(cent.values(), default=0.0) or 1.0
    # importance: how many others a node is tied to (``simple``: :func:`_simple` of ``shown``); sources come last
    rank_order = sorted(shown.nodes, key=lambda v: (shown.nodes[v].get("kind") == "source", -simple.degree(v),
                                                    _label(shown, v).casefold(), str(v)))
    rank = {v: i for i, v in enumerate(rank_order)}
    node_ids = {}
    nodes = []
    for i, node in enumerate(sorted(shown.nodes, key=str)):
        data = shown.nodes[node]
        type_name = str(data.get("type", ""))
        colour, shape, _ = NODE_STYLES.get(type_name, _OTHER_NODE)
        node_ids[node] = f"n{i}"
        x, y = pos[node]
        label = _label(shown, node)
        # an empty label shows the id
        nodes.append({"id": f"n{i}", "label": _short(label) or f"n{i}", "shape": shape, "color": colour,
                      "size": round(8 + 22 * math.sqrt(cent.get(node, 0.0) / top), 1), "x": x, "y": y,
                      "full": label, "type": type_name, "kind": str(data.get("kind", "")),
                      "iri": str(data.get("iri") or node), "rank": rank[node], "ties": simple.degree(node)})
    return node_ids, nodes


def _vis_edges(shown: nx.MultiDiGraph, drawn: list, page: "_PageData", colours: dict[str, str],
               node_ids: dict) -> list[dict]:
    """The page's tie rows, one per drawn tie, each naming the facts behind it (kept in ``page``)."""
    edges = []
    pair_count: dict[tuple, int] = {}
    found = {(u, v, k): d for u, v, k, d in shown.edges(keys=True, data=True)}
    for i, t in enumerate(drawn):
        fact_ids = []
        for key in t.keys:  # the fact's edge (an undirected tie's may run either way), its evidence as lists
            d = found.get((t.source, t.target, key))
            if d is None:
                d = found[t.target, t.source, key]
            fact_ids.append(page.fact(i, key, attributes(d) if JSON_ATTRIBUTE in d else d))
        pair = (min(str(t.source), str(t.target)), max(str(t.source), str(t.target)))
        nth = pair_count.get(pair, 0)
        pair_count[pair] = nth + 1
        edge = {"id": f"t{i}", "from": node_ids[t.source], "to": node_ids[t.target], "relation": t.relation,
                "color": colours.get(t.relation, "#a0aec0"), "directed": t.directed, "facts": fact_ids}
        if nth:  # ties of other relations between one pair bend apart; the first is straight (the default)
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if nth % 2 else "curvedCCW",
                              "roundness": round(0.15 * ((nth + 1) // 2), 2)}
        edges.append(edge)
    return edges


def _node_types(shown: nx.MultiDiGraph) -> dict[str, dict]:
    """The legend's node kinds present in the page: their icon and words."""
    types = {}
    for type_name in sorted({str(shown.nodes[n].get("type", "")) for n in shown.nodes}):
        colour, shape, words_ = NODE_STYLES.get(type_name, _OTHER_NODE)
        types[type_name] = {"icon": _shape_svg(shape, colour), "words": words_ if type_name in NODE_STYLES
                            else (type_name or "other")}
    return types


def _vis_options(n_edges: int) -> dict:
    """vis-network's options: a precomputed layout (no physics), edges hidden on drag when many."""
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n_edges > 3000,
                        "hideEdgesOnZoom": n_edges > 3000, "multiselect": False},
        "nodes": {"font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1, "scaling": {"label": {"drawThreshold": 9, "maxVisible": 22}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "smooth": False, "width": 1,
                  "selectionWidth": 2, "hoverWidth": 1.5},
    }


def _page_html(data: dict, *, title: str, subtitle: str | None, notes: list[str], total_nodes: int,
               total_edges: int) -> str:
    """The page itself: the template filled with the page's data and the bundled vis-network."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    js, css = vis_assets()
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
    relations, types = data["relations"], data["types"]
    legend_relations = [{"name": rel, **relations[rel]}
                        for rel in sorted(relations, key=lambda r: (relations[r]["words"].casefold(), r))]
    legend_nodes = [{"name": t, **types[t]} for t in sorted(types, key=lambda t: (types[t]["words"], t))]
    return env.get_template("view.html").render(
        title=title, subtitle=subtitle, notes=notes, legend_nodes=legend_nodes,
        legend_relations=legend_relations, years=data["years"], sources=_source_options(data["sources"]),
        data_json=_json(data), vis_js=js, vis_css=css,
        nodes_shown=len(data["nodes"]), edges_shown=len(data["edges"]), facts_shown=len(data["facts"]),
        total_nodes=total_nodes, total_edges=total_edges)


def warm() -> None:
    """Import what drawing the view needs and the page's pieces that a build does not (numpy and igraph for
    the layout, threadpoolctl, jinja2), and read vis-network's files: what :func:`graph.pipeline.build` does
    while it waits for the workers that write its outputs, so that writing the view does not wait for them
    (0.3-0.8 s at 1M on a busy machine). Nothing is computed; the page is the same."""
    import igraph  # noqa: F401
    import jinja2  # noqa: F401
    import numpy  # noqa: F401
    import threadpoolctl  # noqa: F401

    vis_assets()


def write_view(graph: nx.MultiDiGraph, path: Path, **options) -> ViewResult:
    """Render ``graph`` (see :func:`render`, same options) and write the page atomically to ``path``."""
    result = render(graph, **options)
    write_atomically(Path(path), result.html.encode("utf-8"))
    return result


# --- from the dataset to the file ----------------------------------------------------------------

def resolve_node(graph: nx.MultiDiGraph, name: str, registry=None) -> str:
    """The node of ``graph`` that ``name`` (an id, label or alias) denotes.

    Names are resolved through the registry when one is given (ids, labels, aliases), else
    through the nodes' labels; case, diacritics and hyphens do not matter.

    Raises
    ------
    UnknownName
        ``unknown actor 'X'; did you mean ...`` when nothing matches.
    InputError
        When the name is known but has no node in this selection of the graph.
    """
    return _resolve(graph.nodes, name, registry)


def _resolve(nodes: Any, name: str, registry=None) -> str:
    """:func:`resolve_node` among ``nodes`` (a mapping of node keys to their attributes)."""
    if registry is not None:
        entity = registry.resolve(name, what="actor")
        key = str(entity.iri)
        if key not in nodes:
            raise InputError(f"'{entity.label}' has no node in this selection of the graph "
                             f"(try --include-systems, or fewer filters)")
        return key
    names = Names()
    for node in sorted(nodes, key=str):
        names.add(str(node), nodes[node].get("kind") or "node", str(nodes[node].get("label") or node),
                  [str(node).rsplit("/", 1)[-1]])
    return resolve(names, name, what="actor")


def _field_words(f: schema.Field) -> str:
    """Words for a field of a claim shown as a labelled field (a dataset's row): the schema's, else its key."""
    return f.words or f.key.replace("_", " ").capitalize()


def reads() -> tuple[list[str], list[str]]:
    """What :func:`make_view` may read of a dataset, whatever its options: the properties, and the classes
    whose instances it reads (the projection's, :func:`graph.ask.projection.reads`, and :func:`read_details`')."""
    from rdflib.namespace import DCTERMS, SKOS

    from graph.ask.projection import reads as projection_reads
    from graph.model.terms import SKG

    props, classes = projection_reads()
    props += [SKG.address, SKG.sourceKind, DCTERMS.publisher, SKOS.prefLabel, SKG.date, SKG.quantity]
    props += [f.prop for t in schema.CLAIM_TYPES.values() for f in t.fields]
    classes += [t.rdf_class for t in schema.CLAIM_TYPES.values()]
    return list(dict.fromkeys(str(p) for p in props)), list(dict.fromkeys(str(c) for c in classes))


def read_details(data: Any, graph: nx.MultiDiGraph) -> Details:
    """Read what the page shows beyond the projection, for the facts of ``graph``.

    Sources: their address (``skg:address``), kind and publisher. Claims of dataset sources (a
    SIPRI row): every field their claim type declares (:data:`graph.model.schema.CLAIM_TYPES`), in its
    order, as ``(words, value)``, with per-year deliveries as ``2020 (11), 2021 (19)``; and their
    TIV (the order's, else the delivered weapons').

    Parameters
    ----------
    data:
        What the graph was projected from, or the :class:`graph.native.Reader` it was read with
        (then what the projection read is not read again).
    graph:
        The projected graph.
    """
    from rdflib.namespace import DCTERMS, SKOS

    from graph.ask.projection import reader
    from graph.model.terms import SKG, SKV, SOURCE

    r = reader(data)
    src_base, skv_base = str(SOURCE), str(SKV)
    ids = sorted({str(ev["source"]) for _, _, d in graph.edges(data=True) for ev in _evidence(d)
                  if ev.get("source")})
    addresses, kinds, publishers = r.prop(SKG.address), r.prop(SKG.sourceKind), r.prop(DCTERMS.publisher)
    result = Details()
    datasets = set()
    for sid in ids:
        iri = src_base + sid
        kind = (kinds.get(iri) or [None])[0]
        result.sources[sid] = SourceInfo(url=str(addresses[iri][0]) if iri in addresses else None,
                                         kind=str(kind) if kind is not None else None,
                                         publisher=str(publishers[iri][0]) if iri in publishers else None)
        if kind is not None and str(kind) == "dataset":
            datasets.add(sid)
    claims = sorted({str(ev["claim"]) for _, _, d in graph.edges(data=True) for ev in _evidence(d)
                     if ev.get("claim") and ev.get("source") in datasets})
    if not claims:
        return result
    claim_types = sorted({str(t.rdf_class): t for t in schema.CLAIM_TYPES.values()}.items())
    r.read((), [cls for cls, _ in claim_types])
    type_of: dict[str, schema.ClaimType] = {}
    for cls, ctype in reversed(claim_types):  # a claim of several claim classes: the first by the class's IRI
        type_of.update(dict.fromkeys(r.instances(cls), ctype))
    labels = r.prop(SKOS.prefLabel)

    def words_of(value: Any) -> str:
        if isinstance(value, str) and value.startswith(skv_base):
            return value[len(skv_base):]
        if isinstance(value, str) and value in labels:
            return str(labels[value][0])
        return str(value)

    for claim in claims:
        if claim not in type_of:
            continue
        ctype = type_of[claim]
        fields: list[tuple[str, str]] = []
        for f in ctype.fields:
            values = r.prop(f.prop).get(claim) or []
            if not values:
                continue
            if f.kind == "deliveries":
                parts = []
                for d in sorted(values, key=str):
                    year = (r.prop(SKG.date).get(d) or [None])[0]
                    qty = (r.prop(SKG.quantity).get(d) or [None])[0]
                    parts.append(f"{year}" + (f" ({qty})" if qty is not None else ""))
                fields.append((_field_words(f), ", ".join(parts)))
            else:
                fields.append((_field_words(f), ", ".join(sorted(words_of(v) for v in values))))
            if f.key in _TIV_FIELDS and claim not in result.tiv:
                try:
                    result.tiv[claim] = float(values[0])
                except (TypeError, ValueError):
                    pass
        result.fields[claim] = fields
    return result


def make_view(data, out: Path, *, registry=None, focus_on: str | None = None, hops: int = 1,
              relations: Iterable[str] | None = None, since: Any = None, until: Any = None,
              as_of: Any = None, include_systems: bool = False, max_nodes: int = MAX_NODES,
              max_ties: int = MAX_TIES, cache: Any = None, projected: Any = None,
              progress: Callable[[str], None] | None = None) -> ViewResult:
    """Project the dataset, select what was asked for, and write the page to ``out``.

    Parameters
    ----------
    data:
        The built dataset, not its folder: an rdflib ``Dataset`` or ``Graph`` (or a pyoxigraph
        ``Store``), e.g. ``graph.store.backends.open_dataset(Path("out"))``.
    out:
        The HTML file to write (atomically).
    registry:
        The corpus's :class:`graph.registry.Registry`, to resolve ``focus_on`` by id, label or
        alias; without it, names resolve through the nodes' labels.
    focus_on, hops:
        Keep only what lies within ``hops`` ties of this actor.
    relations, since, until, as_of, include_systems:
        Passed to :func:`graph.projection.project`. With any of the first four, nodes left
        without a tie are not shown.
    max_nodes, max_ties:
        See :func:`render`.
    cache:
        The :class:`graph.store.graphcache.GraphCache` of the store ``data`` is (``GraphCache.open(folder)``):
        the whole graph (no relation, period or ``include_systems`` asked for) is then read from it, not
        projected again; the page is the same, byte for byte.
    projected:
        The projection's facts of the whole graph (:class:`graph.ask.projection.Facts`, those whose both ends
        are known), when the caller has them: a build has just computed them for the store's caches
        (:func:`graph.ask.questions.write_store_caches`' ``keep``). Used, like ``cache``, for the whole graph
        only; the page is the same, byte for byte.
    progress:
        Called with a line of progress.

    Returns
    -------
    ViewResult

    Raises
    ------
    UnknownName
        For an unknown relation or actor (with suggestions).
    InputError
        For a bad date, or an actor without a node in the selection; for a path given as ``data``.
    """
    import os

    from graph.ask.projection import paused_gc, reader

    if isinstance(data, (str, os.PathLike)):
        raise InputError(f"make_view takes the built dataset, not its folder {str(data)!r}: "
                         f"graph.store.backends.open_dataset(Path({str(data)!r})) opens it")
    relations = _known_relations(relations, include_systems)
    if focus_on is not None and registry is not None:
        registry.resolve(focus_on, what="actor")  # an unknown name fails here, before the projection
    with paused_gc():  # hundreds of thousands of objects, no cycle: a collection walked the projection (0.7 s)
        r = reader(data)
        notes: list[str] = []
        whole = not relations and not include_systems and all(x is None for x in (since, until, as_of))
        if projected is not None and whole:
            if progress:
                progress("drawing the graph projected for the store")
            nodes, rows, facts_of, sources_of = _rows_of(projected)
        elif cache is not None and whole:
            if progress:
                progress("reading the graph from the store's cache")
            nodes, rows, facts_of, sources_of = _cached_rows(cache)
        else:
            if progress:
                progress("projecting the graph")
            nodes, rows, facts_of, sources_of = _projected_rows(r, notes, relations=relations, since=since, until=until,
                                                                as_of=as_of, include_systems=include_systems)
        selection = ["relations: " + ", ".join(relations)] if relations else []
        selection += [f"{word} {value}" for word, value in (("as of", as_of), ("since", since), ("until", until))
                      if value is not None]
        every = True
        if focus_on is not None:
            node = _resolve(nodes, focus_on, registry)
            nodes, rows = _focus_rows(nodes, rows, node, hops)
            every = False
            selection.insert(0, f"around {nodes[node].get('label') or node} ({hops} hop{'s' if hops != 1 else ''})")
        selection.append(f"{len(sources_of(None if every else [row[6] for row in rows]))} source(s)")
        chosen = _select(list(nodes), rows, max_nodes, max_ties)
        shown = nx.MultiDiGraph()
        shown.add_nodes_from((v, d) for v, d in nodes.items() if chosen.nodes is None or v in chosen.nodes)
        found = facts_of([row[6] for row in chosen.rows])
        shown.add_edges_from((row[0], row[1], *found[row[6]]) for row in chosen.rows)
        result = _draw(shown, chosen.note, total_nodes=len(nodes), total_edges=len(rows),
                       title="Serbia's foreign security ties", subtitle=" · ".join(selection), notes=notes, seed=SEED,
                       details=lambda kept: read_details(r, kept), progress=progress)
    write_atomically(Path(out), result.html.encode("utf-8"))
    return result


def _projected_rows(r: Any, notes: list[str], **window: Any) -> tuple[dict, list[_Row], Callable, Callable]:
    """The projection's nodes and facts (:func:`graph.ask.projection.deferred_facts`: a fact's attributes made
    only for the facts drawn) as rows (:func:`_row`, whose last column is the fact's number), how to get facts'
    keys and attributes from their numbers (``{number: (key, attributes)}``) and the sources of their claims
    (``None``: of every fact); a note in ``notes`` for the nodes left out."""
    from graph.model.dates import DateError
    from graph.ask.projection import deferred_facts

    try:
        found = deferred_facts(r, **window)
    except DateError as exc:
        raise InputError(str(exc)) from None
    nodes = found.nodes
    if window["relations"] or any(window[x] is not None for x in ("since", "until", "as_of")):
        tied = {x for u, v, *_ in found.rows if u is not None and v is not None for x in (u, v)}
        untied = sum(1 for n in nodes if n not in tied)
        if untied:
            nodes = {n: d for n, d in nodes.items() if n in tied}
            notes.append(f"{untied} node(s) without a tie in this selection are not shown")
    rows = [(u, v, k, rel, directed, n, i) for i, (u, v, k, rel, directed, n) in enumerate(found.rows)
            if u is not None and v is not None]
    made: dict[int, dict] = {}

    def attributes(i: int) -> dict:
        d = made.get(i)
        if d is None:
            d = made[i] = found.attributes(i)
        return d

    def sources_of(ids: list | None) -> set:
        if ids is None:
            return found.sources()
        return {str(s) for i in ids if attributes(i).get("claims") for s in attributes(i).get("sources") or ()}

    return nodes, rows, lambda ids: {i: (found.rows[i][2], attributes(i)) for i in ids}, sources_of


def _rows_of(found: Any) -> tuple[dict, list[_Row], Callable, Callable]:
    """:func:`_projected_rows` of the projection's facts ``found`` (:class:`graph.ask.projection.Facts`)."""
    edges = [e for e in found.edges if e[0] is not None and e[1] is not None]
    rows = [_row(u, v, k, d, i) for i, (u, v, k, d) in enumerate(edges)]

    def sources_of(ids: list | None) -> set:
        # the sources of claims: a registry's identity fact (no claim) names none
        return {str(s) for i in (range(len(edges)) if ids is None else ids) if edges[i][3].get("claims")
                for s in edges[i][3].get("sources") or ()}

    return found.nodes, rows, lambda ids: {i: edges[i][2:] for i in ids}, sources_of


def _cached_rows(cache: Any) -> tuple[dict, list[_Row], Callable, Callable]:
    """The nodes and facts a store's graph cache holds, as :func:`_projected_rows` gives them (the keys and
    attributes of the facts chosen only are read)."""
    nodes = {key: {"label": label, "type": type_, "kind": kind, "iri": key}
             for key, label, type_, kind in cache.nodes()}
    rows = [(u, v, None, rel, directed, n, i) for i, u, v, rel, directed, n in cache.summaries()]
    return nodes, rows, lambda ids: cache.facts_of(ids, leave_out=_UNREAD), cache.sources_of


#: Edge attributes the page does not read (it reads a fact's claims and sources from its evidence): not read
#: from a graph cache (the claims, claim ids and sources were a third of the time taken to read 13,000 facts).
_UNREAD = ("claims", "claim_ids", "sources")


def _focus_rows(nodes: dict, rows: list[_Row], node: str, hops: int) -> tuple[dict, list[_Row]]:
    """:func:`focus` on rows: the nodes within ``hops`` ties of ``node``, whatever their direction, and the
    facts among them."""
    if hops < 0:
        raise InputError(f"--hops must be 0 or more (got {hops})")
    near: dict[Any, set] = {}
    for r in rows:
        near.setdefault(r[0], set()).add(r[1])
        near.setdefault(r[1], set()).add(r[0])
    reach, ring = {node}, {node}
    for _ in range(hops):
        ring = {w for v in ring for w in near.get(v, ())} - reach
        reach |= ring
    return ({v: d for v, d in nodes.items() if v in reach},
            [r for r in rows if r[0] in reach and r[1] in reach])


def _known_relations(relations: Iterable[str] | None, include_systems: bool) -> list[str] | None:
    """The relations asked for, sorted; an unknown one is refused with suggestions."""
    import difflib

    from graph.model.errors import UnknownName

    asked = sorted(set(relations)) if relations else None
    known = set(schema.RELATIONS) | (set(schema.SYSTEM_RELATIONS) if include_systems else set())
    for rel in asked or []:
        if rel not in known:
            raise UnknownName("relation", rel, difflib.get_close_matches(rel, sorted(known), n=3, cutoff=0.5))
    return asked
