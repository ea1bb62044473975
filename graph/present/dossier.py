"""The dossier page: one offline HTML file per actor, with its charts, timeline and evidence.

The page draws the structures of :func:`graph.ask.dossier.dossier` and nothing else. Charts are
Vega-Lite specifications built with Altair and drawn by Vega's own JavaScript, inlined in the page
(bundled once per machine by ``vl-convert``, then read from a cache), so the file makes no network
request; each chart is followed by a table of the same numbers. The neighbourhood is the network
view's own page (:func:`graph.present.view.render`), embedded as a frame.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph.model.files import write_atomically

if TYPE_CHECKING:
    import networkx as nx

    from graph.ask.dossier import Dossier

__all__ = ["charts", "render", "write_dossier", "vega_bundle"]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "serbia-kg"


def vega_bundle(progress: Callable[[str], None] | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one script, from ``vl-convert`` (cached per machine and version)."""
    import vl_convert

    path = _cache_dir() / f"vega-bundle-{vl_convert.__version__}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if progress:
        progress("bundling Vega for offline pages (once per machine)")
    text = vl_convert.javascript_bundle()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"))
    return text


def _bars(rows: list[dict], value: str, title: str, partner: str) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y(f"{value}:Q", title=title, stack="zero"),
        color=alt.Color("partner:N", title=partner),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("partner:N", title=partner), alt.Tooltip(f"{value}:Q"),
                 *([alt.Tooltip("deals_text:N", title="deals")] if value == "units" else [])],
    ).properties(width="container", height=220)
    return chart.to_dict()


def _lines(rows: list[dict], x: str, y: str, series: str, title: str) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=alt.X(f"{x}:O", title=x), y=alt.Y(f"{y}:Q", title=title),
        color=alt.Color(f"{series}:N", title=series.replace("_", " ")),
        tooltip=[alt.Tooltip(f"{x}:O"), alt.Tooltip(f"{y}:Q"), alt.Tooltip(f"{series}:N")],
    ).properties(width="container", height=200)
    return chart.to_dict()


def _small_multiples(rows: list[dict]) -> dict:
    """One line per indicator, each in a panel of its own with its own scale (units differ)."""
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"), y=alt.Y("value:Q", title=None),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("value:Q", format=",.2f"), alt.Tooltip("indicator:N")],
    ).properties(width=280, height=140).facet(facet=alt.Facet("indicator:N", title=None), columns=3) \
        .resolve_scale(y="independent")
    return chart.to_dict()


def _vote_grid(rows: list[dict]) -> dict:
    """Resolutions down, actors across, each cell coloured by the vote."""
    import altair as alt

    colours = alt.Scale(domain=["in favour", "against", "abstention", "non voting", "absent", "unknown"],
                        range=["#2e7d32", "#c62828", "#f9a825", "#9e9e9e", "#bdbdbd", "#eeeeee"])
    chart = alt.Chart(alt.Data(values=rows)).mark_rect(stroke="white").encode(
        x=alt.X("actor:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("resolution:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
        color=alt.Color("vote:N", scale=colours, title="vote"),
        tooltip=[alt.Tooltip("resolution:N"), alt.Tooltip("actor:N"), alt.Tooltip("vote:N")],
    ).properties(width=alt.Step(110), height=alt.Step(22))
    return chart.to_dict()


def charts(d: Dossier) -> dict[str, dict]:
    """The Vega-Lite specifications of the page, by section; a section without data has none."""
    specs: dict[str, dict] = {}
    arms = d["arms"]
    for way, partner in (("imports", "supplier"), ("exports", "recipient")):
        cells = [{**c, "deals_text": " | ".join(c["deals"])} for c in arms[f"{way}_by_year"]]
        if cells:
            specs[f"{way}-units"] = _bars(cells, "units", "units delivered", partner)
        if arms[f"{way}_tiv_by_year"]:
            specs[f"{way}-tiv"] = _bars(arms[f"{way}_tiv_by_year"], "tiv", "SIPRI TIV (millions)", partner)
    rates = [{"year": a["year"], "rate": a["rate"], "measured_by": a["measured_by"] or "(not said)"}
             for a in d["alignment"] if a["year"] is not None and a["rate"] is not None]
    if rates:
        specs["alignment"] = _lines(rates, "year", "rate", "measured_by", "alignment (%)")
    points = [{"year": s["year"], "value": s["value"], "indicator": f"{s['indicator']} ({s['unit'] or 'value'})"}
              for s in d["spending"]]
    if points:
        specs["spending"] = _small_multiples(points)
    cells = [{"resolution": f"{r['date'] or ''} {r['resolution']}".strip(), "actor": who,
              "vote": (v["position"] or "unknown").replace("-", " ")}
             for r in d["votes"]["resolutions"] for who, v in r["votes"].items()]
    if cells:
        specs["votes"] = _vote_grid(cells)
    return specs


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                       autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def _script_json(data: Any) -> str:
    """JSON for a ``<script>`` element: sorted and with ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(d: Dossier, *, neighbourhood: str | None = None, bundle: str = "") -> str:
    """The page as text: the dossier's sections, its charts, and the 1-hop view (a page) in a frame."""
    return _env().get_template("dossier.html").render(
        d=d, specs=_script_json(charts(d)), chart_names=sorted(charts(d)), bundle=bundle,
        neighbourhood=html.escape(neighbourhood, quote=True) if neighbourhood else None)


def write_dossier(d: Dossier, path: Path, *, graph: nx.MultiDiGraph | None = None,
                  progress: Callable[[str], None] | None = None) -> Path:
    """Write the page to ``path`` (atomically); ``graph`` (the projection) draws the neighbourhood."""
    neighbourhood = None
    if graph is not None:
        from graph.model.terms import ENTITY
        from graph.present.view import focus
        from graph.present.view import render as view_page

        node = str(ENTITY[d["actor"]["id"]])
        if node in graph:
            neighbourhood = view_page(focus(graph, node, 1), title=f"{d['actor']['label']}: 1 hop",
                                      subtitle="the actor and the actors it is tied to").html
    page = render(d, neighbourhood=neighbourhood, bundle=vega_bundle(progress))
    write_atomically(Path(path), page.encode("utf-8"))
    return Path(path)
