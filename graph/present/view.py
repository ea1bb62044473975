"""The network view: one self-contained, offline HTML file to explore the projected graph.

:func:`render` turns a projected ``networkx.MultiDiGraph`` (see :mod:`graph.ask.projection`) into a
page built with pyvis's node and edge model and vis-network's own script, inlined from the
pinned pyvis package (``pyvis/templates/lib/vis-9.1.2``). The page uses a template of ours,
``graph/present/templates/view.html``: pyvis 0.3.2's template links Bootstrap and other files from CDNs
even with ``cdn_resources="in_line"``, so it is not used; the page loads nothing from the network.

What the page shows:

- nodes coloured and shaped by type (:data:`NODE_STYLES`), sized by degree centrality (the
  share of the other nodes a node is tied to), each labelled;
- edges coloured by relation (:data:`RELATION_COLOURS`), with an arrow for direction, wider
  with more sources and with larger quantities;
- a legend; a search box that focuses an actor; check boxes per relation and a period filter;
- on hover, a node's type and its ties, an edge's evidence: each quote with its source's
  title and date (click to pin the same text in the side panel).

Every text that comes from data is HTML-escaped here, and the data travel in a JSON block whose
``<``, ``>`` and ``&`` are escaped too, so a quote cannot break the markup.

The layout is computed here, seeded (:data:`SEED`), rounded to whole pixels, and physics is off:
the same graph gives the same file byte for byte, and nothing drifts. Beyond ``max_nodes``
(:data:`MAX_NODES`) nodes the view keeps the most connected ones and says so (:func:`limit`).
"""

from __future__ import annotations

import html
import inspect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import networkx as nx

from graph.ask.supplies import deliveries_text
from graph.model.errors import InputError

__all__ = [
    "SEED",
    "MAX_NODES",
    "MAX_TIES",
    "NODE_STYLES",
    "RELATION_COLOURS",
    "ViewResult",
    "focus",
    "limit",
    "layout",
    "centrality",
    "render",
    "write_view",
    "vis_assets",
    "resolve_node",
    "make_view",
]

#: Seed of the layout: the same graph always gets the same positions.
SEED = 20220304
#: Above this many nodes the view keeps the most connected ones (and says so).
MAX_NODES = 2000
#: At most this many ties are drawn (a page with many more opens slowly in a browser).
MAX_TIES = 10_000

#: Node type (class local name) -> (colour, vis-network shape, legend words).
NODE_STYLES: dict[str, tuple[str, str, str]] = {
    "State": ("#2b6cb0", "dot", "state"),
    "InternationalOrganisation": ("#6b46c1", "hexagon", "international organisation"),
    "StateBody": ("#319795", "square", "state body"),
    "Organisation": ("#718096", "square", "organisation"),
    "Group": ("#975a16", "triangleDown", "group"),
    "Person": ("#d53f8c", "star", "person"),
    "WeaponsSystem": ("#c53030", "triangle", "weapons system"),
    "MilitaryExercise": ("#2f855a", "diamond", "military exercise"),
    "Programme": ("#b7791f", "hexagon", "programme"),
    "Place": ("#dd6b20", "dot", "place"),
    "LegalInstrument": ("#4a5568", "square", "legal instrument"),
    "Resolution": ("#4a5568", "diamond", "resolution"),
    "Source": ("#2d3748", "square", "source (its author's view)"),
}
_OTHER_NODE = ("#a0aec0", "dot", "other")

#: Relation name -> edge colour. Relations not listed get colours of :data:`_SPARE_COLOURS`.
RELATION_COLOURS: dict[str, str] = {
    "supplies": "#e53e3e",
    "supplies_system": "#fc8181",
    "delivered_to": "#f56565",
    "participates_in": "#38a169",
    "hosts": "#68d391",
    "sanctions": "#1a202c",
    "votes_on": "#805ad5",
    "enacts": "#4a5568",
    "member_of": "#3182ce",
    "partner_of": "#63b3ed",
    "cooperates_with": "#319795",
    "agreement_with": "#4fd1c5",
    "aligned_with": "#553c9a",
    "present_in": "#dd6b20",
    "deploys_to": "#c05621",
    "borders": "#a0aec0",
    "takes_position_on": "#b83280",
    "hosts_conference_of": "#2c7a7b",
    "at_war_with": "#742a2a",
    "states_about": "#d69e2e",
    "part_of": "#718096",
}
_SPARE_COLOURS = ["#975a16", "#2a4365", "#22543d", "#702459", "#1a365d", "#7b341e", "#285e61", "#44337a"]

#: Edge attributes of the projection contract shown in their own place; other scalars are shown as extras
#: (``words`` repeats the quote).
_STANDARD_EDGE_KEYS = {"relation", "label", "directed", "claims", "claim_ids", "sources", "evidence", "date",
                       "end_date", "quantity", "weight", "words"}
#: How many ties a node's tooltip lists, and how many pieces of evidence an edge's tooltip shows.
_TIES_SHOWN = 12
_EVIDENCE_SHOWN = 12

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


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def vis_assets() -> tuple[str, str]:
    """vis-network's script and style sheet, as shipped inside the pinned pyvis package.

    Raises
    ------
    InputError
        If the files are missing or could end the inline element early.
    """
    import pyvis

    folder = Path(pyvis.__file__).parent.joinpath(*_VIS_DIR)
    try:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css = (folder / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"vis-network is missing from the pyvis package: {exc}", file=folder) from None
    if "</script" in js.lower() or "</style" in css.lower():
        raise InputError("vis-network's files contain a closing tag; cannot inline them", file=folder)
    return js, css


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
        label = node
        raise InputError(f"'{label}' has no ties in this selection of the graph")
    reach = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=hops)
    return graph.subgraph(sorted(reach)).copy()


def limit(graph: nx.MultiDiGraph, max_nodes: int = MAX_NODES,
          max_ties: int = MAX_TIES) -> tuple[nx.MultiDiGraph, str | None]:
    """Keep at most ``max_nodes`` nodes, the most connected ones (ties broken by key), and at most
    ``max_ties`` ties among them, those resting on the most evidence.

    Returns
    -------
    (graph, note)
        The graph itself and ``None`` when it is small enough; otherwise the part kept and a
        sentence saying what was left out.
    """
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    kept = graph
    if max_nodes > 0 and n > max_nodes:
        ranked = sorted(graph.nodes, key=lambda v: (-graph.degree(v), str(v)))
        kept = graph.subgraph(sorted(ranked[:max_nodes])).copy()
    if max_ties > 0 and kept.number_of_edges() > max_ties:
        ranked_ties = sorted(kept.edges(keys=True, data=True),
                             key=lambda e: (-len(e[3].get("evidence") or ()), str(e[0]), str(e[1]), str(e[2])))
        drop = [(u, v, k) for u, v, k, _ in ranked_ties[max_ties:]]
        kept = kept.copy() if kept is graph else kept
        kept.remove_edges_from(drop)
    if kept is graph:
        return graph, None
    what = []
    if kept.number_of_nodes() < n:
        what.append(f"the {kept.number_of_nodes():,} most connected nodes")
    what.append(f"{kept.number_of_edges():,} of the ties among them"
                + (" (those with the most evidence)" if kept.number_of_edges() >= max_ties > 0 else ""))
    note = (f"the graph has {n:,} nodes and {m:,} ties, more than the view can show well; showing "
            + " and ".join(what) + " (narrow it with --focus, --relation, --since/--until, or raise --max-nodes)")
    return kept, note


# --- layout and sizes ----------------------------------------------------------------------------

def _simple(graph: nx.MultiDiGraph) -> nx.Graph:
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes, key=str))
    simple.add_edges_from(sorted(((u, v) for u, v in graph.edges() if u != v), key=lambda e: (str(e[0]), str(e[1]))))
    return simple


def _spectral(simple: nx.Graph) -> dict | None:
    """The spectral layout, or None (a seeded random start) where ARPACK does not converge, as on
    some large graphs of many components."""
    from scipy.sparse.linalg import ArpackNoConvergence

    try:
        return nx.spectral_layout(simple)
    except ArpackNoConvergence:
        return None


def layout(graph: nx.MultiDiGraph, seed: int = SEED) -> dict[Any, tuple[int, int]]:
    """Node positions in pixels, seeded: the same graph always gets the same layout.

    Small graphs (up to 60 nodes) use Kamada-Kawai started from a seeded spring layout; larger
    ones a seeded Fruchterman-Reingold (spring) layout, from 500 nodes on started from the
    spectral layout (when it converges) and with fewer iterations, so that a few thousand nodes take
    seconds.
    """
    simple = _simple(graph)
    n = simple.number_of_nodes()
    if n == 0:
        return {}
    if n == 1:
        return {next(iter(simple.nodes)): (0, 0)}
    scale = max(300.0, 90.0 * math.sqrt(n))
    k = 1.5 / math.sqrt(n)
    if n <= 60:
        # Kamada-Kawai reads best for a source or two, but costs O(n²) per step
        start = nx.spring_layout(simple, seed=seed, k=k)
        pos = nx.kamada_kawai_layout(simple, pos=start, scale=scale)
    else:
        # Fruchterman-Reingold (force-directed, not networkx's slower energy method); large graphs start
        # from the spectral layout and take fewer steps
        force = {"method": "force"} if "method" in inspect.signature(nx.spring_layout).parameters else {}
        start = _spectral(simple) if n >= 500 else None
        steps = 50 if n < 500 else max(10, 50 * 500 // n)
        pos = nx.spring_layout(simple, pos=start, seed=seed, k=k, iterations=steps, scale=scale, **force)
    return {v: (int(round(float(x))), int(round(float(y)))) for v, (x, y) in pos.items()}


def centrality(graph: nx.MultiDiGraph) -> dict[Any, float]:
    """Degree centrality of every node: the share of the other nodes it has a tie with."""
    return nx.degree_centrality(_simple(graph))


# --- tooltips ------------------------------------------------------------------------------------

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


def _node_title(graph: nx.MultiDiGraph, node: Any, relation_words: dict[str, str]) -> str:
    data = graph.nodes[node]
    ties = []
    for u, v, key, d in _sorted_edges(graph.out_edges(node, keys=True, data=True)):
        ties.append(("→", relation_words[d.get("relation", "")], _label(graph, v), d.get("date")))
    for u, v, key, d in _sorted_edges(graph.in_edges(node, keys=True, data=True)):
        ties.append(("←", relation_words[d.get("relation", "")], _label(graph, u), d.get("date")))
    sources = {s for _, _, d in graph.edges(node, data=True) for s in d.get("sources") or []}
    sources |= {s for _, _, d in graph.in_edges(node, data=True) for s in d.get("sources") or []}
    parts = [f'<div class="skg-tip-head">{_esc(_label(graph, node))}</div>',
             f'<div class="skg-tip-meta">{_esc(_type_words(str(data.get("type", ""))))}'
             f' · {len(ties)} tie(s) · {len(sources)} source(s)</div>']
    if ties:
        parts.append("<ul>")
        for arrow, rel, other, date in ties[:_TIES_SHOWN]:
            when = f" ({_esc(date)})" if date else ""
            parts.append(f"<li>{arrow} {_esc(rel)}: {_esc(other)}{when}</li>")
        if len(ties) > _TIES_SHOWN:
            parts.append(f"<li>… and {len(ties) - _TIES_SHOWN} more</li>")
        parts.append("</ul>")
    parts.append(f'<div class="skg-tip-iri">{_esc(data.get("iri") or node)}</div>')
    return "".join(parts)


def _edge_title(graph: nx.MultiDiGraph, u: Any, v: Any, d: dict, words: str) -> str:
    arrow = "→" if d.get("directed", True) else "—"
    head = f"{_label(graph, u)} — {d.get('label') or words} {arrow} {_label(graph, v)}"
    meta = [str(d.get("relation", ""))]
    if d.get("date"):
        meta.append(str(d["date"]) + (f" to {d['end_date']}" if d.get("end_date") else ""))
    if d.get("quantity") is not None:
        meta.append(f"quantity {d['quantity']}")
    for key in sorted(k for k in set(d) - _STANDARD_EDGE_KEYS if not k.endswith("_iri")):
        value = d[key]
        if key == "deliveries":  # [{year, quantity}] in words: 2020: 11; 2021: 19
            value = deliveries_text(value)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(x) for x in value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
            meta.append(f"{key.replace('_', ' ')}: {value}")
    sources = d.get("sources") or []
    meta.append(f"{len(sources)} source(s)")
    parts = [f'<div class="skg-tip-head">{_esc(head)}</div>',
             f'<div class="skg-tip-meta">{_esc(" · ".join(meta))}</div>']
    evidence = list(d.get("evidence") or [])
    for ev in evidence[:_EVIDENCE_SHOWN]:
        cite = ", ".join(str(x) for x in (ev.get("title") or ev.get("source"), ev.get("date")) if x)
        said = [f"{k} {ev[k]}" for k in ("ordered", "delivered") if ev.get(k) is not None]
        if ev.get("deliveries"):
            said.append(f"deliveries {deliveries_text(ev['deliveries'])}")
        if said:  # what this source alone says of the numbers
            cite += " · " + ", ".join(said)
        if ev.get("quote"):
            parts.append(f'<blockquote>{_esc(ev["quote"])}</blockquote>')
        parts.append(f'<div class="skg-tip-cite">— {_esc(cite)}</div>')
    if len(evidence) > _EVIDENCE_SHOWN:
        parts.append(f'<div class="skg-tip-cite">… and {len(evidence) - _EVIDENCE_SHOWN} more piece(s) of evidence</div>')
    return "".join(parts)


def _sorted_edges(edges: Iterable) -> list:
    return sorted(edges, key=lambda e: (str(e[0]), str(e[1]), str(e[2])))


# --- the page --------------------------------------------------------------------------------------

def _json(data: Any) -> str:
    """JSON safe inside an HTML element: ``<``, ``>`` and ``&`` and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
    """Relation name -> words for people: the edges' ``label`` (``member_of`` -> ``is a member of``)."""
    words = {"": "tie"}
    for _, _, _, d in _sorted_edges(graph.edges(keys=True, data=True)):
        rel = str(d.get("relation", ""))
        if rel not in words:
            words[rel] = str(d.get("label") or rel.replace("_", " "))
    return words


def render(graph: nx.MultiDiGraph, *, title: str = "Serbia's foreign security ties",
           subtitle: str | None = None, notes: Iterable[str] = (), max_nodes: int = MAX_NODES,
           seed: int = SEED, progress: Callable[[str], None] | None = None) -> ViewResult:
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
    max_nodes:
        Above this many nodes keep the most connected ones (:func:`limit`); 0 for no limit.
    seed:
        Seed of the layout.
    progress:
        Called with a line of progress (for standard error).

    Returns
    -------
    ViewResult
        The page and what it holds.
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from pyvis.network import Network

    notes = list(notes)
    total_nodes, total_edges = graph.number_of_nodes(), graph.number_of_edges()
    shown, note = limit(graph, max_nodes)
    warnings = [note] if note else []
    notes += warnings
    if progress:
        progress(f"laying out {shown.number_of_nodes()} nodes and {shown.number_of_edges()} ties")
    pos = layout(shown, seed)
    cent = centrality(shown)
    top = max(cent.values(), default=0.0) or 1.0
    words = _relation_words(shown)
    colours = _relation_colours(r for r in words if r)

    net = Network(directed=True)
    node_ids = {}
    for i, node in enumerate(sorted(shown.nodes, key=str)):
        data = shown.nodes[node]
        colour, shape, _ = NODE_STYLES.get(str(data.get("type", "")), _OTHER_NODE)
        node_ids[node] = f"n{i}"
        x, y = pos[node]
        net.add_node(f"n{i}", label=_label(shown, node), shape=shape, color=colour,
                     size=round(8 + 22 * math.sqrt(cent.get(node, 0.0) / top), 1), x=x, y=y,
                     title=_node_title(shown, node, words), type=str(data.get("type", "")),
                     kind=str(data.get("kind", "")), iri=str(data.get("iri") or node),
                     search=_label(shown, node))
    parallel: dict[tuple, int] = {}
    years = set()
    for i, (u, v, key, d) in enumerate(_sorted_edges(shown.edges(keys=True, data=True))):
        rel = str(d.get("relation", ""))
        pair = (min(str(u), str(v)), max(str(u), str(v)))
        nth = parallel.get(pair, 0)
        parallel[pair] = nth + 1
        sources = d.get("sources") or []
        strength = float(d.get("weight") or len(sources) or 1)
        width = 1 + 1.5 * math.log2(1 + strength)
        if isinstance(d.get("quantity"), (int, float)) and d["quantity"] > 1:
            width += math.log10(d["quantity"])
        year = _year(d.get("date"))
        year_end = _year(d.get("end_date")) if d.get("end_date") else year
        years.update(y for y in (year, year_end) if y is not None)
        # parallel ties between one pair bend apart; the first is straight
        smooth = ({"enabled": True, "type": "curvedCW" if nth % 2 else "curvedCCW",
                   "roundness": round(0.15 * ((nth + 1) // 2), 2)} if nth else {"enabled": False})
        net.add_edge(node_ids[u], node_ids[v], id=f"e{i}", key=str(key), relation=rel, color=colours.get(rel, "#a0aec0"),
                     width=round(width, 2), arrows="to" if d.get("directed", True) else "", smooth=smooth,
                     year=year, year_end=year_end,
                     title=_edge_title(shown, u, v, d, words[rel]))
    nodes, edges, _, _, _, _ = net.get_network_data()

    legend_nodes = []
    for type_name in sorted({str(shown.nodes[n].get("type", "")) for n in shown.nodes}):
        colour, shape, words_ = NODE_STYLES.get(type_name, _OTHER_NODE)
        count = sum(1 for n in shown.nodes if str(shown.nodes[n].get("type", "")) == type_name)
        legend_nodes.append({"icon": _shape_svg(shape, colour), "words": words_ if type_name in NODE_STYLES
                             else (type_name or "other"), "count": count})
    legend_relations = []
    for rel in sorted((r for r in words if r), key=lambda r: (words[r].casefold(), r)):
        legend_relations.append({"name": rel, "words": words[rel], "colour": colours[rel],
                                 "count": sum(1 for e in edges if e["relation"] == rel)})
    undated = sum(1 for e in edges if e["year"] is None)
    options = {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(edges) > 3000,
                        "hideEdgesOnZoom": len(edges) > 3000, "multiselect": False},
        "nodes": {"font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
                  "selectionWidth": 2, "hoverWidth": 1.5},
    }
    data = {"nodes": nodes, "edges": edges, "options": options,
            "years": [min(years), max(years)] if years else None}

    js, css = vis_assets()
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
    page = env.get_template("view.html").render(
        title=title, subtitle=subtitle, notes=notes, legend_nodes=legend_nodes,
        legend_relations=legend_relations, undated=undated, years=data["years"],
        data_json=_json(data), vis_js=js, vis_css=css,
        nodes_shown=len(nodes), edges_shown=len(edges), total_nodes=total_nodes, total_edges=total_edges)
    return ViewResult(html=page, nodes=len(nodes), edges=len(edges), total_nodes=total_nodes,
                      total_edges=total_edges, notes=notes, warnings=warnings)


def write_view(graph: nx.MultiDiGraph, path: Path, **options) -> ViewResult:
    """Render ``graph`` (see :func:`render`, same options) and write the page atomically to ``path``."""
    from graph.compile.build import write_atomically

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
    import difflib

    from graph.model.errors import UnknownName
    from graph.model.names import fold, words

    if registry is not None:
        entity = registry.resolve(name, what="actor")
        key = str(entity.iri)
        if key not in graph:
            raise InputError(f"'{entity.label}' has no node in this selection of the graph "
                             f"(try --include-systems, or fewer filters)")
        return key
    by_name: dict[str, list[str]] = {}
    spelled: dict[str, list[str]] = {}  # folded name -> its words (a word of a name suggests it)
    for node in sorted(graph.nodes, key=str):
        for text in (graph.nodes[node].get("label"), str(node).rsplit("/", 1)[-1]):
            if text:
                by_name.setdefault(fold(str(text)), []).append(node)
                spelled.setdefault(fold(str(text)), words(str(text)).split(" "))
    hits = sorted(set(by_name.get(fold(name), [])), key=str)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UnknownName("actor", name, sorted(_label(graph, h) for h in hits))
    q = fold(name)
    close = [c for c in sorted(by_name) if q and q in spelled[c]][:3]
    close += difflib.get_close_matches(q, list(by_name), n=3, cutoff=0.6)
    raise UnknownName("actor", name, list(dict.fromkeys(_label(graph, by_name[c][0]) for c in close))[:3])


def make_view(data, out: Path, *, registry=None, focus_on: str | None = None, hops: int = 1,
              relations: Iterable[str] | None = None, since: Any = None, until: Any = None,
              as_of: Any = None, include_systems: bool = False, max_nodes: int = MAX_NODES,
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
        The corpus's :class:`graph.model.registry.Registry`, to resolve ``focus_on`` by id, label or
        alias; without it, names resolve through the nodes' labels.
    focus_on, hops:
        Keep only what lies within ``hops`` ties of this actor.
    relations, since, until, as_of, include_systems:
        Passed to :func:`graph.ask.projection.project`. With any of the first four, nodes left
        without a tie are not shown.
    max_nodes:
        See :func:`render`.
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
    import difflib
    import os

    from graph.model.dates import DateError
    from graph.model.errors import UnknownName
    from graph.ask.projection import RELATIONS, project

    if isinstance(data, (str, os.PathLike)):
        raise InputError(f"make_view takes the built dataset, not its folder {str(data)!r}: "
                         f"graph.store.backends.open_dataset(Path({str(data)!r})) opens it")
    relations = sorted(set(relations)) if relations else None
    for rel in relations or []:
        known = set(RELATIONS) | ({"supplies_system", "delivered_to"} if include_systems else set())
        if rel not in known:
            raise UnknownName("relation", rel, difflib.get_close_matches(rel, sorted(known), n=3, cutoff=0.5))
    if focus_on is not None and registry is not None:
        registry.resolve(focus_on, what="actor")  # an unknown name fails here, before the projection
    if progress:
        progress("projecting the graph")
    try:
        graph = project(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                        relations=relations)
    except DateError as exc:
        raise InputError(str(exc)) from None
    selection, notes = [], []
    filtered = bool(relations) or any(x is not None for x in (since, until, as_of))
    if filtered:
        untied = [n for n in graph.nodes if graph.degree(n) == 0]
        if untied:
            graph = graph.subgraph(sorted(set(graph.nodes) - set(untied), key=str)).copy()
            notes.append(f"{len(untied)} node(s) without a tie in this selection are not shown")
    if relations:
        selection.append("relations: " + ", ".join(relations))
    for word, value in (("as of", as_of), ("since", since), ("until", until)):
        if value is not None:
            selection.append(f"{word} {value}")
    if focus_on is not None:
        node = resolve_node(graph, focus_on, registry)
        graph = focus(graph, node, hops)
        selection.insert(0, f"around {_label(graph, node)} ({hops} hop{'s' if hops != 1 else ''})")
    sources = {ev.get("source") for _, _, d in graph.edges(data=True) for ev in d.get("evidence") or []
               if ev.get("claim")}
    selection.append(f"{len(sources)} source(s)")
    result = write_view(graph, Path(out), subtitle=" · ".join(selection), notes=notes, max_nodes=max_nodes,
                        progress=progress)
    return result
