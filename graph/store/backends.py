"""Where the built dataset is held, behind one rdflib API.

``open_dataset`` gives an ``rdflib.Dataset`` whichever back-end holds the data, so the
projection, the questions and SPARQL work the same on each:

- memory (default): the built TriG in ``out/`` parsed into rdflib's in-memory store;
- an Oxigraph store on disk (``store=PATH``), filled once by :func:`load_store`
  (``serbia-kg build --store PATH``) and opened later without re-parsing anything;
- a remote SPARQL 1.1 server (``endpoint=URL``), filled by :func:`push` (Graph Store
  Protocol, one named graph per source) and asked through the SPARQL 1.1 Protocol.

On every back-end the default graph of a query is the union of the dataset's named graphs
(``kgg:ontology``, ``kgg:registry`` and one per source), and ``GRAPH ?g`` sees each of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import (HTTPBasicAuthHandler, HTTPDigestAuthHandler, HTTPPasswordMgrWithDefaultRealm,
                            Request, build_opener)

from graph.model.errors import InputError, NotBuilt
from graph.model.terms import GRAPH, PREFIXES

__all__ = ["open_dataset", "load_store", "push", "remote_graphs", "RemoteError", "TRIG", "ENV_ENDPOINT",
           "ENV_GRAPH_STORE", "ENV_USER", "ENV_PASSWORD"]

TRIG = "serbia-kg.trig"
#: Environment variables read when the matching option is not given.
ENV_ENDPOINT = "SERBIA_KG_ENDPOINT"
ENV_GRAPH_STORE = "SERBIA_KG_GRAPH_STORE"
ENV_USER = "SERBIA_KG_USER"
ENV_PASSWORD = "SERBIA_KG_PASSWORD"
#: Seconds to wait for a remote server.
TIMEOUT = 60

_GRAPHS_QUERY = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                 f'FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }} ORDER BY ?g')


class RemoteError(InputError):
    """A remote SPARQL server refused a request or could not be reached."""


def _trig(out: Path | None) -> Path:
    out = Path(out) if out is not None else Path("out")
    trig = out / TRIG
    if not trig.is_file():
        raise NotBuilt(f"no built dataset in {out}: run 'serbia-kg build' first", file=trig)
    return trig


def _bind(ds) -> None:
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)


def open_dataset(out: Path | None = None, store: Path | None = None, endpoint: str | None = None):
    """The built dataset, in memory (default), in an Oxigraph store on disk, or on a remote server.

    Parameters
    ----------
    out:
        Output folder of ``serbia-kg build`` (default ``out/``); read for the in-memory back-end.
    store:
        Folder of an Oxigraph store filled by :func:`load_store`; opened read-only.
    endpoint:
        Query URL of a SPARQL 1.1 server filled by :func:`push` (e.g. ``http://127.0.0.1:8890/sparql``).

    Returns
    -------
    rdflib.Dataset
        With ``default_union=True``: queries see every named graph in their default graph.

    Raises
    ------
    NotBuilt
        If ``out`` or ``store`` holds no built dataset, or the endpoint holds none of its graphs.
    InputError
        If both ``store`` and ``endpoint`` are given, or the store cannot be opened.
    RemoteError
        If the endpoint cannot be reached.
    """
    from rdflib import Dataset

    if store is not None and endpoint is not None:
        raise InputError("give either a store or an endpoint, not both")
    if store is not None:
        ds = Dataset(store=_oxigraph(Path(store)), default_union=True)
    elif endpoint is not None:
        ds = Dataset(store=_remote_store(endpoint), default_union=True)
    else:
        ds = Dataset(default_union=True)
        _bind(ds)
        ds.parse(_trig(out), format="trig")
        return ds
    _bind(ds)
    return ds


# --- Oxigraph on disk -------------------------------------------------------------------------

def _oxigraph(path: Path):
    from oxrdflib import OxigraphStore

    from graph.store.native import open_store  # opens read-only and checks it holds a built dataset

    return OxigraphStore(store=open_store(path))


def load_store(out: Path | None, path: Path, progress: Callable[[str], None] | None = None, *,
               index: Callable[[Any, Path], int] | None = None) -> int:
    """Load the built dataset of ``out`` into a fresh Oxigraph store at ``path``, with its supplies index.

    The store is written beside ``path`` and swapped in when complete, so a failing load leaves
    the previous store as it was. The supplies index (:mod:`graph.store.index`: every ``supplies`` row,
    read by :meth:`graph.ask.questions.KnowledgeGraph.supplies`) is computed from the new store by
    ``index`` (:func:`graph.ask.questions.write_supplies_index`) and written in its folder before the swap.

    Parameters
    ----------
    out:
        Output folder of a build (its ``serbia-kg.trig`` is loaded).
    path:
        Folder of the store (created; an existing store is replaced).
    progress:
        Called with a line of text before each long step.
    index:
        Called with the new store and its folder to write the caches kept beside it (``None``: none).

    Returns
    -------
    int
        The number of quads loaded.

    Raises
    ------
    NotBuilt
        If ``out`` holds no built dataset.
    InputError
        If ``path`` exists and is not an Oxigraph store (a file, or a folder with other files).
    """
    import pyoxigraph as ox

    trig = _trig(out)
    path = Path(path)
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not (path / "CURRENT").exists())):
        raise InputError("exists and is not an Oxigraph store; refusing to replace it", file=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        store = ox.Store(str(tmp))
        store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
        store.flush()
        count = len(store)
        if index is not None:
            if progress:
                progress(f"indexing the supplies rows of the store ({count} quads)")
            index(store, tmp)  # computed from this store, swapped in with it
        del store
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count


# --- A remote SPARQL 1.1 server ---------------------------------------------------------------

def _http(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None,
          user: str | None = None, password: str | None = None) -> tuple[int, bytes, str]:
    """One HTTP request (digest or basic authentication when a user is given); (status, body, type)."""
    handlers = []
    if user is not None:
        mgr = HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password or "")
        handlers = [HTTPDigestAuthHandler(mgr), HTTPBasicAuthHandler(mgr)]
    opener = build_opener(*handlers)
    req = Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=TIMEOUT) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip().splitlines()
        why = body[0][:200] if body else exc.reason
        if exc.code == 401:
            why = (f"the server refused the account '{user}': check --user and --password" if user is not None
                   else "the server wants an account: give --user and --password") + \
                " (or SERBIA_KG_USER and SERBIA_KG_PASSWORD)"
        raise RemoteError(f"{method} {url.split('?')[0]}: HTTP {exc.code}: {why}") from None
    except (URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(f"cannot reach {url.split('?')[0]}: {reason}") from None


def remote_graphs(endpoint: str) -> list[str]:
    """The serbia-kg named graphs (``kgg:...``) that the server at ``endpoint`` holds, sorted."""
    import json

    _, body, _ = _http(endpoint + "?" + urlencode({"query": _GRAPHS_QUERY}),
                       headers={"Accept": "application/sparql-results+json"})
    rows = json.loads(body)["results"]["bindings"]
    return sorted(r["g"]["value"] for r in rows)


def _remote_store(endpoint: str):
    """An rdflib SPARQLStore that asks ``endpoint`` with the dataset's graphs as its RDF dataset.

    Each query names the serbia-kg graphs in ``default-graph-uri`` (their merge is the default
    graph) and ``named-graph-uri`` (``GRAPH ?g`` sees each), as the SPARQL 1.1 Protocol allows:
    the server's other graphs (system graphs, other data) stay out of the answers, on any server.
    """
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from rdflib.query import Result

    graphs = remote_graphs(endpoint)
    if str(GRAPH.registry) not in graphs:
        raise NotBuilt(f"the server at {endpoint} holds no serbia-kg dataset: run "
                       f"'serbia-kg push --endpoint {endpoint}' first")

    class RemoteStore(SPARQLStore):
        def _query(self, query, default_graph=None):  # noqa: ARG002 - the dataset is always ours
            from rdflib.plugins.sparql.parser import parseQuery

            graph_result = parseQuery(query)[1].name in ("ConstructQuery", "DescribeQuery")
            params = [("query", query)] + [("default-graph-uri", g) for g in graphs] \
                + [("named-graph-uri", g) for g in graphs]
            _, body, ctype = _http(endpoint, method="POST", data=urlencode(params).encode(), headers={
                "Accept": "text/turtle" if graph_result else "application/sparql-results+xml",
                "Content-Type": "application/x-www-form-urlencoded"})
            import io
            return Result.parse(io.BytesIO(body), content_type=ctype.split(";")[0].strip())

    store = RemoteStore(query_endpoint=endpoint, returnFormat="xml")
    return store


def push(out: Path | None, graph_store: str, *, endpoint: str | None = None, user: str | None = None,
         password: str | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Put the built dataset on a SPARQL server, one named graph per source (Graph Store Protocol).

    Each graph of the dataset replaces the graph of the same name on the server (HTTP PUT of
    N-Triples); serbia-kg graphs the server holds that the dataset no longer has are deleted
    when ``endpoint`` is given (so a later query sees exactly the dataset).

    Parameters
    ----------
    out:
        Output folder of a build.
    graph_store:
        The server's Graph Store Protocol URL (Virtuoso: ``http://HOST:8890/sparql-graph-crud-auth``).
    endpoint:
        The server's query URL, used to find stale serbia-kg graphs; optional.
    user, password:
        Account for HTTP digest or basic authentication (Virtuoso's fresh install: ``dba``/``dba``).
    progress:
        Called with one line per graph.

    Returns
    -------
    dict
        ``graphs`` (names pushed), ``triples`` (count), ``removed`` (stale graphs deleted).

    Raises
    ------
    NotBuilt, RemoteError
    """
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(_trig(out), format="trig")
    pushed, triples = [], 0
    graphs = sorted((g for g in ds.graphs() if str(g.identifier).startswith(str(GRAPH))),
                    key=lambda g: str(g.identifier))
    for g in graphs:
        name = str(g.identifier)
        data = g.serialize(format="nt", encoding="utf-8")
        _http(graph_store + "?" + urlencode({"graph": name}), method="PUT", data=data,
              headers={"Content-Type": "application/n-triples"}, user=user, password=password)
        pushed.append(name)
        triples += len(g)
        if progress:
            progress(f"pushed {name} ({len(g)} triples)")
    removed = []
    if endpoint is not None:
        for name in remote_graphs(endpoint):
            if name not in pushed:
                _http(graph_store + "?" + urlencode({"graph": name}), method="DELETE", user=user,
                      password=password)
                removed.append(name)
                if progress:
                    progress(f"removed stale graph {name}")
    return {"graphs": pushed, "triples": triples, "removed": removed}
