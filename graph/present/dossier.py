"""The dossier page: one offline HTML file per actor, with its charts, timeline and evidence.

The page draws the structures of :func:`graph.ask.dossier.dossier` and nothing else. Charts are
Vega-Lite specifications built with Altair and drawn by Vega's own JavaScript, inlined in the page
(bundled once per machine by ``vl-convert``, then read from a cache), so the file makes no network
request; each chart is followed by a table of the same numbers. The neighbourhood is the network
view's own page (:func:`graph.present.view.render`), embedded as a frame.
"""

from __future__ import annotations

import copy
import html
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph.model.files import write_atomically

if TYPE_CHECKING:
    from graph.ask.dossier import Dossier
    from graph.ask.questions import KnowledgeGraph

__all__ = ["charts", "chart_templates", "top_partners", "render", "write_dossier", "vega_bundle", "neighbourhood",
           "shown", "CHARTS_FILE", "TOP_PARTNERS", "OTHERS", "NEIGHBOURS", "NEIGHBOURHOOD_FACTS", "ROWS", "CELL_DEALS"]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "serbia-kg"


def vega_bundle(progress: Callable[[str], None] | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one script, from ``vl-convert`` (cached per machine and version)."""
    from importlib.metadata import version

    # the installed package's version names the cache: importing vl_convert to ask took 0.18 s of every page
    path = _cache_dir() / f"vega-bundle-{version('vl-convert-python')}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    import vl_convert

    if progress:
        progress("bundling Vega for offline pages (once per machine)")
    # vl_convert's stub (__init__.pyi) gives javascript_bundle's snippet no default
    text = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"))
    return text


#: The Vega-Lite specification of each chart, built by Altair (:func:`chart_templates`) and kept beside
#: the page's template, so that writing a page neither imports Altair nor validates a specification
#: again; ``python scripts/gen_dossier_charts.py`` rewrites it and a test fails when it drifts.
CHARTS_FILE = Path(__file__).parent / "templates" / "dossier-charts.vl.json"
#: Nodes drawn around the actor in its 1-hop view: those it shares the most facts with.
NEIGHBOURS = 80
#: Rows each table of the page lists at most (the page says how many more there are, and ``--format json``
#: gives them all): the page of the 1M corpus's busiest actor was 17 MB, with every deal and item quoted.
ROWS = {"deals": 200, "by_year": 300, "timeline": 300, "alignment": 200, "votes": 200, "spending": 300,
        "disagreements": 100, "neighbours": 200}
#: Deals a cell of the table by year lists at most (as its bar's tooltip does).
CELL_DEALS = 12
#: Facts the 1-hop view draws at most: it keeps the neighbours that share the most facts with the actor
#: while the facts among them stay under this (the 1M busiest actor's 80 neighbours shared 14,312: 12 MB).
NEIGHBOURHOOD_FACTS = 1500
#: Partners drawn one by one in a chart of arms; the rest are summed as :data:`OTHERS` (the tables list each).
TOP_PARTNERS = 9
OTHERS = "others"
#: The name of the data in each template, where :func:`charts` puts the rows.
_DATA = "rows"


def _bars(value: str, title: str, partner: str) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(name=_DATA)).mark_bar().encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y(f"{value}:Q", title=title, stack="zero"),
        color=alt.Color("partner:N", title=partner, sort=alt.EncodingSortField("order", op="min")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("partner:N", title=partner), alt.Tooltip(f"{value}:Q"),
                 *([alt.Tooltip("deals_text:N", title="deals")] if value == "units" else [])],
    ).properties(width="container", height=220)
    return chart.to_dict()


def _lines(x: str, y: str, series: str, title: str) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(name=_DATA)).mark_line(point=True).encode(
        x=alt.X(f"{x}:O", title=x), y=alt.Y(f"{y}:Q", title=title),
        color=alt.Color(f"{series}:N", title=series.replace("_", " ")),
        tooltip=[alt.Tooltip(f"{x}:O"), alt.Tooltip(f"{y}:Q"), alt.Tooltip(f"{series}:N")],
    ).properties(width="container", height=200)
    return chart.to_dict()


def _small_multiples() -> dict:
    """One line per indicator, each in a panel of its own with its own scale (units differ)."""
    import altair as alt

    chart = alt.Chart(alt.Data(name=_DATA)).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"), y=alt.Y("value:Q", title=None),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("value:Q", format=",.2f"), alt.Tooltip("indicator:N")],
    ).properties(width=280, height=140).facet(facet=alt.Facet("indicator:N", title=None), columns=3) \
        .resolve_scale(y="independent")
    return chart.to_dict()


def _vote_grid() -> dict:
    """Resolutions down, actors across, each cell coloured by the vote."""
    import altair as alt

    colours = alt.Scale(domain=["in favour", "against", "abstention", "non voting", "absent", "unknown"],
                        range=["#2e7d32", "#c62828", "#f9a825", "#9e9e9e", "#bdbdbd", "#eeeeee"])
    chart = alt.Chart(alt.Data(name=_DATA)).mark_rect(stroke="white").encode(
        x=alt.X("actor:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("resolution:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
        color=alt.Color("vote:N", scale=colours, title="vote"),
        tooltip=[alt.Tooltip("resolution:N"), alt.Tooltip("actor:N"), alt.Tooltip("vote:N")],
    ).properties(width=alt.Step(110), height=alt.Step(22))
    return chart.to_dict()


def chart_templates() -> dict[str, dict]:
    """Every chart of the page as a Vega-Lite specification built by Altair, its data left out (named ``rows``)."""
    specs = {}
    for way, partner in (("imports", "supplier"), ("exports", "recipient")):
        specs[f"{way}-units"] = _bars("units", "units delivered", partner)
        specs[f"{way}-tiv"] = _bars("tiv", "SIPRI TIV (millions)", partner)
    specs["alignment"] = _lines("year", "rate", "measured_by", "alignment (%)")
    specs["spending"] = _small_multiples()
    specs["votes"] = _vote_grid()
    return specs


@lru_cache(maxsize=1)
def _templates() -> dict[str, dict]:
    return json.loads(CHARTS_FILE.read_text(encoding="utf-8"))


def _with_rows(name: str, rows: list[dict]) -> dict:
    spec = copy.deepcopy(_templates()[name])
    spec["data"] = {"values": rows}
    return spec


def top_partners(cells: list[dict], value: str, n: int | None = None) -> tuple[list[dict], list[str]]:
    """The cells of the ``n`` (default :data:`TOP_PARTNERS`) partners with the most ``value`` in all; the
    others' summed per year as :data:`OTHERS`. Returns the cells (each with its partner's ``order``) and
    the partners summed."""
    n = TOP_PARTNERS if n is None else n
    totals: dict[str, float] = {}
    for c in cells:
        totals[c["partner"]] = totals.get(c["partner"], 0) + (c.get(value) or 0)
    ranked = sorted(totals, key=lambda p: (-totals[p], p))
    kept = ranked if len(ranked) <= n + 1 else ranked[:n]  # summing one partner alone hides nothing
    order = {p: i for i, p in enumerate(kept)}
    out: list[dict] = []
    others: dict[int, dict] = {}
    for c in cells:
        if c["partner"] in order:
            out.append({**c, "order": order[c["partner"]]})
            continue
        cell = others.setdefault(c["year"], {"year": c["year"], "partner": OTHERS, "order": len(kept), value: 0,
                                             **({"deals": []} if "deals" in c else {})})
        cell[value] = round(cell[value] + (c.get(value) or 0), 3)
        if "deals" in c:
            cell["deals"] += [f"{c['partner']}: {deal}" for deal in c["deals"]]
    out.extend(others[y] for y in sorted(others))
    return sorted(out, key=lambda c: (c["year"], c["order"])), ranked[len(kept):]


def _deals_text(deals: list[str], most: int = 12) -> str:
    """A bar's deals for its tooltip: the first ``most``, then how many more."""
    shown = " | ".join(deals[:most])
    return shown + (f" | and {len(deals) - most} more" if len(deals) > most else "")


def charts(d: Dossier) -> dict[str, dict]:
    """The Vega-Lite specifications of the page, by section; a section without data has none.

    An arms chart draws the :data:`TOP_PARTNERS` partners with the most units (or TIV) and sums the
    rest as :data:`OTHERS`; ``summed`` in each of those specifications' ``usermeta`` names them.
    """
    specs: dict[str, dict] = {}
    arms = d["arms"]
    for way in ("imports", "exports"):
        cells, summed = top_partners(arms[f"{way}_by_year"], "units")
        if cells:
            specs[f"{way}-units"] = _with_rows(f"{way}-units", [
                {k: v for k, v in c.items() if k != "deals"} | {"deals_text": _deals_text(c["deals"])}
                for c in cells])
            specs[f"{way}-units"]["usermeta"] = {"summed": summed}
        tiv, summed = top_partners(arms[f"{way}_tiv_by_year"], "tiv")
        if tiv:
            specs[f"{way}-tiv"] = _with_rows(f"{way}-tiv", tiv)
            specs[f"{way}-tiv"]["usermeta"] = {"summed": summed}
    rates = [{"year": a["year"], "rate": a["rate"], "measured_by": a["measured_by"] or "(not said)"}
             for a in d["alignment"] if a["year"] is not None and a["rate"] is not None]
    if rates:
        specs["alignment"] = _with_rows("alignment", rates)
    points = [{"year": s["year"], "value": s["value"], "indicator": f"{s['indicator']} ({s['unit'] or 'value'})"}
              for s in d["spending"]]
    if points:
        specs["spending"] = _with_rows("spending", points)
    cells = [{"resolution": f"{r['date'] or ''} {r['resolution']}".strip(), "actor": who,
              "vote": (v["position"] or "unknown").replace("-", " ")}
             for r in d["votes"]["resolutions"] for who, v in r["votes"].items()]
    if cells:
        specs["votes"] = _with_rows("votes", cells)
    return specs


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                       autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def _script_json(data: Any) -> str:
    """JSON for a ``<script>`` element: sorted and with ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def shown(d: Dossier) -> dict[str, list]:
    """What the page's tables list of each section: the first :data:`ROWS` of each (a deal's cell of the
    table by year, its first :data:`CELL_DEALS` deals); charts draw every value, and the page counts
    what a table leaves out (``--format json`` gives everything)."""
    arms, votes = d["arms"], d["votes"]
    return {"imports": arms["imports"][:ROWS["deals"]], "exports": arms["exports"][:ROWS["deals"]],
            "imports_by_year": [_cell_shown(c) for c in arms["imports_by_year"][:ROWS["by_year"]]],
            "exports_by_year": [_cell_shown(c) for c in arms["exports_by_year"][:ROWS["by_year"]]],
            "timeline": d["timeline"][:ROWS["timeline"]], "alignment": d["alignment"][:ROWS["alignment"]],
            "resolutions": votes["resolutions"][:ROWS["votes"]], "spending": d["spending"][:ROWS["spending"]],
            "disagreements": (d["disagreements"] or [])[:ROWS["disagreements"]],
            "neighbours": d["network"]["neighbours"][:ROWS["neighbours"]]}


def _cell_shown(cell: dict) -> dict:
    deals = cell["deals"]
    if len(deals) <= CELL_DEALS:
        return cell
    return {**cell, "deals": deals[:CELL_DEALS] + [f"and {len(deals) - CELL_DEALS:,} more"]}


def render(d: Dossier, *, neighbourhood: str | None = None, bundle: str = "") -> str:
    """The page as text: the dossier's sections, its charts, and the 1-hop view (a page) in a frame."""
    specs = charts(d)
    return _env().get_template("dossier.html").render(
        d=d, specs=_script_json(specs), chart_names=sorted(specs), bundle=bundle, shown=shown(d),
        marks={name: len(spec["data"]["values"]) for name, spec in specs.items()},
        summed={name: spec["usermeta"]["summed"] for name, spec in specs.items() if "usermeta" in spec},
        top=TOP_PARTNERS, others=OTHERS,
        neighbourhood=html.escape(neighbourhood, quote=True) if neighbourhood else None)


def write_dossier(d: Dossier, path: Path, *, kg: KnowledgeGraph | None = None,
                  progress: Callable[[str], None] | None = None) -> Path:
    """Write the page to ``path`` (atomically); ``kg`` (the knowledge graph the dossier came from) draws
    the neighbourhood (:func:`neighbourhood`)."""
    view = None
    if kg is not None:
        from graph.present.view import render as view_page

        graph, tied, bounded = neighbourhood(kg, d["actor"]["id"], as_of=d["window"]["as_of"])
        if graph.number_of_edges():
            shown = graph.number_of_nodes() - 1
            subtitle = ("the actor and the nodes it is tied to" if shown == tied else
                        f"the actor and the {shown} of the {tied:,} nodes it is tied to that share the most facts "
                        "with it" + (f" (as many as keep the facts drawn under {NEIGHBOURHOOD_FACTS:,}; "
                                     f"serbia-kg view --focus {d['actor']['id']} draws them all)" if bounded else ""))
            view = view_page(graph, title=f"{d['actor']['label']}: 1 hop", subtitle=subtitle).html
    page = render(d, neighbourhood=view, bundle=vega_bundle(progress))
    write_atomically(Path(path), page.encode("utf-8"))
    return Path(path)


def neighbourhood(kg: KnowledgeGraph, actor_id: str, *, as_of: Any = None):
    """The 1-hop view's graph: the actor and the nodes it shares the most facts with (at most
    :data:`NEIGHBOURS`, and only as many as keep the facts among them under :data:`NEIGHBOURHOOD_FACTS`;
    at least one), with every fact among them (:meth:`graph.ask.questions.KnowledgeGraph.neighbourhood`).

    Returns
    -------
    (networkx.MultiDiGraph, int, bool)
        The graph, how many nodes the actor is tied to in all, and whether the facts' bound left
        neighbours out.
    """
    import networkx as nx

    from graph.model.terms import ENTITY

    node = str(ENTITY[actor_id])
    shared: dict[str, int] = {}  # ranked as the knowledge graph ranks them: most facts, then key
    for u, v, _, _ in kg.incident(node, as_of=as_of):
        other = v if u == node else u
        if other != node:
            shared[other] = shared.get(other, 0) + 1
    ranked = sorted(shared, key=lambda n: (-shared[n], n))
    most, total = 0, 0  # the actor's own facts bound how many to read; the facts among them, what is kept
    for n in ranked[:NEIGHBOURS]:
        total += shared[n]
        if most and total > NEIGHBOURHOOD_FACTS:
            break
        most += 1
    graph, tied = kg.neighbourhood(node, as_of=as_of, most=most)
    rank = {node: -1, **{n: i for i, n in enumerate(ranked[:most])}}
    loops, added = 0, [0] * most  # facts each neighbour adds to those before it (with the actor, among them)
    for u, v in graph.edges():
        i = max(rank[u], rank[v])
        if i < 0:
            loops += 1
        else:
            added[i] += 1
    keep, total = 0, loops
    for i in range(most):
        total += added[i]
        if keep and total > NEIGHBOURHOOD_FACTS:
            break
        keep += 1
    bounded = keep < min(len(ranked), NEIGHBOURS)
    if keep == most:
        return graph, tied, bounded
    kept = {node, *ranked[:keep]}
    bound = nx.MultiDiGraph()  # in the graph's own order (a subgraph view's order changes with the hash seed)
    bound.add_nodes_from((n, a) for n, a in graph.nodes(data=True) if n in kept)
    bound.add_edges_from((u, v, k, a) for u, v, k, a in graph.edges(keys=True, data=True) if u in kept and v in kept)
    return bound, tied, bounded
