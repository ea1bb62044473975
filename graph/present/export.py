"""The projected graph for network tools: GEXF and GraphML (Gephi, Cytoscape, igraph) and an edge-list CSV.

networkx's own writers (``write_gexf``, ``write_graphml``) take only plain attributes; the projection
(:func:`graph.ask.projection.project`) keeps only such: each list or dict (``claims``, ``sources``,
``evidence``) as its JSON text (``["gmf-2022","sipri-2026"]``), named in the ``json`` attribute, and
``None`` left out. :func:`writable` sorts the attributes and adds the evidence's ``quotes`` and
``source_titles`` (JSON arrays too). ``json.loads`` of a cell gives the list back, whatever the quotes
contain (commas, semicolons, quotation marks: SIPRI rows have all three).

The CSV (:func:`write_csv`) has one row per fact (one projected edge), Gephi's edge-table columns
first (``Source``, ``Target``, ``Type``, ``Id``, ``Label``, ``Weight``), then the nodes' labels,
the relation, dates and quantity, and the multi-valued cells as JSON arrays.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import networkx as nx

from graph.model.attributes import attributes, flat_attributes
from graph.model.cells import spreadsheet_safe
from graph.model.files import write_atomically

__all__ = ["FORMATS", "writable", "write", "write_csv", "csv_text", "CSV_COLUMNS", "export"]

#: The formats :func:`write` knows, with their usual file suffix.
FORMATS = {"gexf": ".gexf", "graphml": ".graphml", "csv": ".csv"}

#: Columns of the CSV, in order (then each edge's other attributes, sorted by name).
CSV_COLUMNS = ("Source", "Target", "Type", "Id", "Label", "Weight", "source_label", "target_label", "relation",
               "date", "end_date", "quantity", "claim_ids", "sources", "source_titles", "quotes", "claims")
_DONE = {"relation", "label", "directed", "date", "end_date", "quantity", "weight", "claim_ids", "sources",
         "claims", "evidence"}


def _scalar(value: Any) -> Any:
    """A CSV cell's value: lists and dicts as JSON text; None stays None."""
    if isinstance(value, (list, tuple, dict, set)):
        if isinstance(value, set):
            value = sorted(value, key=str)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return str(value)


def _evidence_columns(d: dict) -> dict[str, list]:
    ev = list(d.get("evidence") or [])
    return {"quotes": [e.get("quote") for e in ev], "source_titles": [e.get("title") for e in ev]}


def writable(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of a projected graph for networkx's ``write_gexf`` and ``write_graphml``, with its
    attributes sorted by name and each edge's ``quotes`` and ``source_titles`` from its evidence.

    The projection's own graph is writable as it is (:func:`graph.model.attributes.flat_attributes`:
    lists as JSON text, ``None`` left out); so is this copy of a graph made by hand with lists.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("a", "b", key="k", sources=["s1", "s2"], quantity=None)
    >>> writable(g).edges["a", "b", "k"]
    {'sources': '["s1","s2"]', 'json': 'sources'}
    """
    out = nx.MultiDiGraph()
    for node, d in sorted(graph.nodes(data=True), key=lambda x: str(x[0])):
        out.add_node(str(node), **flat_attributes({k: _plain(v) for k, v in sorted(attributes(d).items())}))
    for u, v, key, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        d = attributes(d)
        attrs = {k: _plain(x) for k, x in sorted(d.items())}
        if "evidence" in d:
            attrs.update(_evidence_columns(d))
        out.add_edge(str(u), str(v), key=str(key), **flat_attributes(attrs))
    return out


def _plain(value: Any) -> Any:
    """A value JSON and the writers take: a set as a sorted list, anything else unknown as its text."""
    if isinstance(value, set):
        return sorted(value, key=str)
    if isinstance(value, (str, bool, int, float, list, tuple, dict)) or value is None:
        return value
    return str(value)


def csv_text(graph: nx.MultiDiGraph) -> str:
    """The edge-list CSV of a projected graph: one row per fact (see the module's docstring).

    Every cell a spreadsheet would run as a formula gets a leading apostrophe
    (:func:`graph.model.cells.spreadsheet_safe`).
    """
    edges = [(u, v, key, attributes(d)) for u, v, key, d in graph.edges(keys=True, data=True)]
    extras = sorted({k for _, _, _, d in edges for k in d} - _DONE)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(list(CSV_COLUMNS) + extras)
    labels = {n: str(d.get("label") or n) for n, d in graph.nodes(data=True)}
    for u, v, key, d in sorted(edges, key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        ev = _evidence_columns(d)
        row = [u, v, "Directed" if d.get("directed", True) else "Undirected", key, d.get("label") or d.get("relation"),
               d.get("weight"), labels[u], labels[v], d.get("relation"), d.get("date"), d.get("end_date"),
               d.get("quantity"), json.dumps(list(d.get("claim_ids") or []), ensure_ascii=False),
               json.dumps(list(d.get("sources") or []), ensure_ascii=False),
               json.dumps(ev["source_titles"], ensure_ascii=False), json.dumps(ev["quotes"], ensure_ascii=False),
               json.dumps(list(d.get("claims") or []), ensure_ascii=False)]
        row += [_scalar(d.get(k)) for k in extras]
        w.writerow([spreadsheet_safe(str(x)) if x is not None else "" for x in row])
    return buf.getvalue()


def write_csv(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write :func:`csv_text` atomically to ``path``."""
    write_atomically(Path(path), csv_text(graph).encode("utf-8"))


def write(graph: nx.MultiDiGraph, path: Path, fmt: str) -> None:
    """Write a projected graph to ``path`` as ``gexf``, ``graphml`` or ``csv``, atomically.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if fmt == "csv":
        write_csv(graph, path)
        return
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    flat = writable(graph)
    buf = io.BytesIO()
    if fmt == "gexf":
        from networkx.readwrite.gexf import GEXFWriter

        writer = GEXFWriter()
        meta = writer.xml.find("meta")
        if meta is not None:  # today's date would make two writes of one graph differ
            meta.attrib.pop("lastmodifieddate", None)
        for _, _, key, d in flat.edges(keys=True, data=True):
            d["id"] = key  # GEXF's edge id: the fact's key (networkx would number them)
        writer.add_graph(flat)
        writer.write(buf)
    else:
        nx.write_graphml(flat, buf)
    write_atomically(Path(path), buf.getvalue())


def export(data: Any, path: Path, fmt: str, *, relations: Any = None, since: Any = None, until: Any = None,
           as_of: Any = None, include_systems: bool = False) -> nx.MultiDiGraph:
    """Project the dataset (:func:`graph.ask.projection.project`, same selection options) and write it to
    ``path`` as ``fmt`` (:func:`write`). Returns the projected graph.

    Raises
    ------
    InputError
        For a bad date or an unknown relation.
    """
    from graph.ask.projection import project
    from graph.model.dates import DateError
    from graph.model.errors import InputError

    try:
        graph = project(data, include_systems=include_systems, as_of=as_of, since=since, until=until,
                        relations=sorted(set(relations)) if relations else None)
    except (DateError, ValueError) as exc:
        raise InputError(str(exc)) from None
    write(graph, path, fmt)
    return graph
