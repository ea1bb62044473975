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
import queue
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlencode

import pyoxigraph as ox

from graph.model import generation
from graph.model.errors import InputError, NotBuilt, OtherLayout
from graph.model.resources import DATASET
from graph.model.terms import GRAPH, PREFIXES, SKG
from graph.store.native import layout_of, open_store, read_query
from graph.store.remote import (Client, HTTPFailure, has_own_page, iter_graphs, names_graphs, with_dataset,
                                without_graphs)

__all__ = ["open_dataset", "open_native", "load_store", "fill_store", "update_store", "previous_store",
           "push", "remote_graphs", "RemoteError", "TRIG", "ENV_ENDPOINT",
           "ENV_GRAPH_STORE", "ENV_USER", "ENV_PASSWORD"]

TRIG = "serbia-kg.trig"
#: Environment variables read when the matching option is not given.
ENV_ENDPOINT = "SERBIA_KG_ENDPOINT"
ENV_GRAPH_STORE = "SERBIA_KG_GRAPH_STORE"
ENV_USER = "SERBIA_KG_USER"
ENV_PASSWORD = "SERBIA_KG_PASSWORD"

#: Every graph of the server. Virtuoso finds the distinct graphs of a sub-query in its graph index (0.9 s for
#: 2,500 graphs and 3.7M quads, load 14), where ``SELECT DISTINCT ?g`` at the top, or a filter on the graph's
#: name, reads every quad (62 s and 45 s for the same).
_GRAPHS_QUERY = "SELECT ?g WHERE { { SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } } }"
#: The most graphs Virtuoso 7.2 lets one query name, by ``FROM``, ``FROM NAMED``, the protocol's
#: ``default-graph-uri`` or its exclusion pragmas alike (4,095 are refused: ``SP030 ... Too many arguments for
#: standard built-in function in operator``).
MAX_NAMED = 4094
#: The graph in which ``push`` lists, last of all, the graphs it put and the build they hold (outside
#: the ``kgg:`` graphs, so no question sees it). Reading it is one small query, where listing the
#: graphs by a scan reads every quad (37 s at 1M triples on Virtuoso).
MANIFEST = "https://w3id.org/serbia-kg/push"
_DCT = "http://purl.org/dc/terms/"
_MANIFEST_QUERY = (f"SELECT ?g ?build WHERE {{ GRAPH <{MANIFEST}> {{ <{MANIFEST}> <{_DCT}hasPart> ?g . "
                   f"OPTIONAL {{ <{MANIFEST}> <{_DCT}identifier> ?build }} }} }}")


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
    from rdflib import Dataset, URIRef

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
        held = sorted({str(v) for v in ds.graph(GRAPH.registry).objects(URIRef(DATASET), SKG.derivedLayout)})
        _check_out(", ".join(held) if held else None, out)
        return ds
    _bind(ds)
    return ds


# --- Oxigraph on disk -------------------------------------------------------------------------

def open_native(out: Path | None = None) -> tuple[Any, Path | None]:
    """The current build of ``out`` as a pyoxigraph ``Store``, read natively (no rdflib).

    Returns the generation's own Oxigraph store (``out/.current/oxigraph``, opened read-only) with its
    folder, where the supplies index lies, when that store holds the current build; else the build's
    N-Quads loaded into an in-memory store, and ``None``.

    Raises
    ------
    NotBuilt
        If ``out`` holds no built dataset.
    """
    out = Path(out) if out is not None else Path("out")
    trig = _trig(out)
    folder = generation.own_store(out)
    if folder is not None:
        return open_store(folder, what=f"the build in {out}", mend=_rebuild(out)), folder
    quads = trig.with_name("serbia-kg.nq")
    store = ox.Store()
    if quads.is_file():
        store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
    else:  # a build of an older serbia-kg wrote TriG only
        store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
    _check_out(layout_of(store), out)
    return store, None


def _rebuild(out: Path | None) -> str:
    return generation.rebuild_advice(Path(out) if out is not None else Path("out"))


def _check_out(held: str | None, out: Path | None) -> None:
    """Refuse the build in ``out`` (:class:`OtherLayout`) unless it states the layout this serbia-kg reads."""
    problem = generation.layout_status(held, f"the build in {Path(out) if out is not None else Path('out')}",
                                       _rebuild(out))
    if problem:
        raise OtherLayout(problem)


def _oxigraph(path: Path):
    from graph.store.native import open_store, rdflib_over  # opens read-only, checks it holds a built dataset

    return rdflib_over(open_store(path))


def fill_store(folder: Path, dataset: Path, build: str, progress: Callable[[str], None] | None = None, *,
               index: Callable[[Any, Path], int] | None = None) -> int:
    """Load ``dataset`` (N-Quads or TriG) into a new Oxigraph store in ``folder``, with its supplies index and
    the record of the build it holds (``build``); return the number of quads.

    ``index`` (:func:`graph.ask.questions.write_supplies_index`) is called with the new store and
    its folder to write the caches kept beside it (``None``: none). ``folder`` is a generation's store
    folder (:data:`graph.model.generation.STORE`): it becomes visible only when the generation is
    switched in.
    """
    fmt = ox.RdfFormat.N_QUADS if Path(dataset).suffix == ".nq" else ox.RdfFormat.TRIG
    store = ox.Store(str(folder))
    store.bulk_load(path=str(dataset), format=fmt)
    store.flush()
    # compacted once: every later read looks a term's text up in fewer, sorted files (at 1M triples 5.7 s
    # here, and the projection then reads the store in 7.7-7.9 s instead of 8.9-9.0 s; docs/benchmark.md)
    store.optimize()
    count = len(store)
    _stamp_and_index(store, folder, count, build, progress, index)
    del store
    return count


def _stamp_and_index(store: Any, folder: Path, count: int, build: str, progress: Callable[[str], None] | None,
                     index: Callable[[Any, Path], int] | None) -> None:
    """Record the build a new store holds, then write the caches kept beside it (``index``)."""
    generation.store_stamp(folder, build)  # before the caches, which record the build they were computed from
    if index is not None:
        if progress:
            progress(f"indexing the supplies rows and the graph of the store ({count} quads)")
        index(store, Path(folder))  # computed from this store, switched in with it


def previous_store(previous: Path | None) -> Path | None:
    """The store of the generation ``previous`` (a folder of :mod:`graph.model.generation`), when it is its
    own (not one left from an older build) and holds that generation's build; else ``None``."""
    if previous is None:
        return None
    folder = Path(previous) / generation.STORE
    record = generation.stamp(previous)
    if folder.is_symlink() or not (folder / "CURRENT").is_file() or not record or not record.get("build"):
        return None
    return folder if generation.store_build(folder) == record["build"] else None


def update_store(folder: Path, previous: Path, changes: Any, build: str,
                 progress: Callable[[str], None] | None = None, *,
                 index: Callable[[Any, Path], int] | None = None) -> int:
    """Make the store of an incremental build in ``folder`` from ``previous``, the store of the build it was
    made from, by replacing what changed (:class:`graph.compile.build.StoreChanges`); with its caches and the
    record of the build it holds (``build``), as :func:`fill_store` makes them; return the number of quads.

    ``previous`` is opened read-only (as a reader would: a server may have it open) and copied by a RocksDB
    checkpoint (``Store.backup``: its files hard links, no data copied); only the copy is written to: the
    graphs gone removed, the graphs new or changed removed and loaded again from this build's N-Quads,
    and the lines gone and come of the graphs updated in place (``kgg:ties``, ``kgg:pages``) removed and
    added. The copy is then checked to hold exactly this build's graphs and quads.

    Raises
    ------
    ValueError
        When the copy does not hold what this build holds (the caller loads the dataset whole instead).
    OSError
        When the previous store cannot be read or the copy written.
    """
    old = ox.Store.read_only(str(previous))
    try:
        if layout_of(old) != str(generation.LAYOUT):
            raise ValueError(f"the previous store holds layout {layout_of(old)}, not {generation.LAYOUT}")
        old.backup(str(folder))
    finally:
        del old
    store = ox.Store(str(folder))
    try:  # (closed when this returns or raises: a failed copy is removed and the store loaded there whole; a
        # handle left open in the traceback's frame deleted files of the new one, tests/test_store_incremental)
        fmt = ox.RdfFormat.N_QUADS
        for g in changes.removed:
            store.remove_graph(ox.NamedNode(g[1:-1]))
        with open(changes.nquads, "rb") as fh:
            for part in changes.replaced:
                store.remove_graph(ox.NamedNode(part.graph[1:-1]))
                fh.seek(part.offset)
                data = fh.read(part.length)
                if len(data) > _LOADED_WHOLE:
                    store.bulk_load(data, format=fmt)
                else:
                    store.load(data, format=fmt)
        for _, (gone, come) in sorted(changes.patched.items()):
            for quad in ox.parse(gone, format=fmt):
                store.remove(quad)
            if come:
                store.extend(ox.parse(come, format=fmt))
        store.flush()
        count = len(store)
        graphs = sorted(str(g) for g in store.named_graphs())
        if count != changes.quads or graphs != sorted(changes.graphs):
            raise ValueError(f"the store updated holds {count} quads in {len(graphs)} graphs, the build "
                             f"{changes.quads} in {len(changes.graphs)}")
        _stamp_and_index(store, folder, count, build, progress, index)
        return count
    finally:
        del store


#: A graph of more bytes than this is loaded by ``bulk_load`` (its own files), not in one transaction.
_LOADED_WHOLE = 32 << 20


def load_store(out: Path | None, path: Path, progress: Callable[[str], None] | None = None, *,
               index: Callable[[Any, Path], int] | None = None) -> int:
    """Load the built dataset of ``out`` into an Oxigraph store, with its supplies index; link ``path`` to it.

    The store is written into a new generation of ``out`` (:mod:`graph.model.generation`: the
    current outputs hard-linked, plus the store) that is switched in when complete, and ``path``
    becomes a link to ``out/.current/oxigraph``: a failing or killed load leaves the previous
    store as it was, and the store always holds the build beside it in ``out``.

    Parameters
    ----------
    out:
        Output folder of a build.
    path:
        Where the store is to be found (a link is made there; an Oxigraph store an older
        serbia-kg left there is replaced).
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
        If ``path`` exists and is not an Oxigraph store, another build holds ``out``, or a write fails.
    """
    out = Path(out) if out is not None else Path("out")
    path = Path(path)
    _trig(out)
    if path.exists() and not path.is_symlink() and (
            not path.is_dir() or (any(path.iterdir()) and not (path / "CURRENT").exists())):
        raise InputError("exists and is not an Oxigraph store; refusing to replace it", file=path)
    with generation.locked(out):
        generation.prune(out, [path])
        prev = generation.current(out)
        record = generation.stamp(prev) if prev is not None else None
        names = [n for n in (record or {}).get("files", []) if n != generation.STORE] if record else \
            [p.name for p in out.iterdir() if p.is_file() and p.name.startswith(("serbia-kg.", "summary."))]
        gen = generation.begin(out)
        try:
            for name in names:
                if prev is not None:
                    gen.hardlink_previous(name)
                else:  # an output folder of an older serbia-kg: its files become the generation's
                    os.link(out / name, gen.path(name))
                    gen.add_file(name)
            dataset = gen.folder / ("serbia-kg.nq" if "serbia-kg.nq" in names else TRIG)
            build = (record or {}).get("build") or gen.digests.get("serbia-kg.nq") or gen.digests[TRIG]
            count = fill_store(gen.path(generation.STORE), dataset, build, progress, index=index)
            keep = {k: v for k, v in (record or {}).items() if k not in ("generation", "files", "sha256")}
            gen.commit(dict(keep, build=build, store_paths=[os.path.abspath(path)]))
        except OSError as exc:
            gen.abort()
            raise generation.write_error(exc, out) from None
        except BaseException:
            gen.abort()
            raise
        generation.link_store(out, path)
    return count


# --- A remote SPARQL 1.1 server ---------------------------------------------------------------

def _http(url: str, *, method: str = "GET", data: bytes | Path | None = None, headers: dict | None = None,
          user: str | None = None, password: str | None = None, client: Client | None = None
          ) -> tuple[int, bytes, str]:
    """One HTTP request (:class:`graph.store.remote.Client`: digest or basic authentication when a user
    is given, retried on resets and 5xx); (status, body, type). Failures become one :class:`RemoteError` line."""
    client = client or Client(user, password)
    try:
        status, ctype, body = client.request(method, url, body=data, headers=headers or {})
    except HTTPFailure as exc:
        if exc.status == 0:
            raise RemoteError(f"cannot reach {url.split('?')[0]}: {exc.why.split(': ', 1)[-1]}") from None
        raise RemoteError(f"{method} {url.split('?')[0]}: {exc.why}") from None
    return status, body, ctype


def server_graphs(endpoint: str, client: Client | None = None) -> list[str]:
    """Every named graph the server at ``endpoint`` holds (with a triple), sorted; asked page by page when the
    server cuts the answer (Virtuoso's ``ResultSetMaxRows``)."""
    import json

    client = client or Client()

    def ask(text: str) -> tuple[list[str], str | None]:
        _, body, _ = _http(endpoint + "?" + urlencode({"query": text}),
                           headers={"Accept": "application/sparql-results+json"}, client=client)
        return [r["g"]["value"] for r in json.loads(body)["results"]["bindings"]], \
            client.last_headers.get("x-sparql-maxrows")

    names, cut = ask(_GRAPHS_QUERY)
    if cut is not None and cut.isdigit() and int(cut) > 0:
        page, names = int(cut), []
        while True:
            more, _ = ask(f"{_GRAPHS_QUERY} ORDER BY ?g LIMIT {page} OFFSET {len(names)}")
            names.extend(more)
            if len(more) < page:
                break
    return sorted(set(names))


def remote_graphs(endpoint: str, client: Client | None = None) -> list[str]:
    """The serbia-kg named graphs (``kgg:...``) that the server at ``endpoint`` holds, sorted."""
    return [g for g in server_graphs(endpoint, client) if g.startswith(str(GRAPH))]


def pushed_graphs(endpoint: str, client: Client | None = None) -> tuple[list[str], str | None]:
    """The graphs the last complete ``push`` put on the server and its build id, from its manifest
    (:data:`MANIFEST`); without one (a server filled by an older serbia-kg), every ``kgg:`` graph by a scan."""
    import json

    _, body, _ = _http(endpoint + "?" + urlencode({"query": _MANIFEST_QUERY}),
                       headers={"Accept": "application/sparql-results+json"}, client=client)
    rows = json.loads(body)["results"]["bindings"]
    if not rows:
        return remote_graphs(endpoint, client), None
    build = next((r["build"]["value"] for r in rows if "build" in r), None)
    return sorted({r["g"]["value"] for r in rows}), build


def _manifest(graphs: list[str], build: str | None) -> bytes:
    lines = [f"<{MANIFEST}> <{_DCT}hasPart> <{g}> .\n" for g in sorted(graphs)]
    if build:
        lines.append(f'<{MANIFEST}> <{_DCT}identifier> "{build}" .\n')
    return "".join(lines).encode("utf-8")


def _remote_layout(endpoint: str, client: Client) -> None:
    """Refuse (:class:`OtherLayout`) a server whose dataset is of another layout than this serbia-kg reads."""
    import json

    _, body, _ = _http(endpoint + "?" + urlencode({"query": read_query("layout")}),
                       headers={"Accept": "application/sparql-results+json"}, client=client)
    held = sorted({r["layout"]["value"] for r in json.loads(body)["results"]["bindings"] if "layout" in r})
    problem = generation.layout_status(", ".join(held) if held else None, f"the server at {endpoint}",
                                       f"build and push it again: 'serbia-kg build', then "
                                       f"'serbia-kg push --endpoint {endpoint}'")
    if problem:
        raise OtherLayout(problem)


def _remote_store(endpoint: str):
    """An rdflib SPARQLStore that asks ``endpoint`` with the dataset's graphs as its RDF dataset.

    Each query gets the serbia-kg graphs the last push listed (its manifest) as ``FROM`` (their
    merge is the default graph) and, when it has a ``GRAPH`` pattern, as ``FROM NAMED`` (``GRAPH ?g``
    sees each), however many there are: a server's own default graph may hold other data (on
    Virtuoso it is the union of every graph on the server, so another copy of the dataset, or any
    graph using the project's terms, would be counted too). The dataset is written into the query
    text (:func:`graph.store.remote.with_dataset`) rather than sent as ``default-graph-uri`` and
    ``named-graph-uri`` parameters, which Virtuoso echoes as one response header each (Python's
    ``http.client`` refuses more than 100).

    A dataset of more graphs than Virtuoso lets a query name (:data:`MAX_NAMED`, 4,094; a corpus of
    thousands of sources) is asked of the whole server instead, when that gives the same answers
    (:func:`_whole_server`, checked once when opened): no ``FROM``, so the default graph is the merge of
    every graph and ``GRAPH ?g`` ranges over every graph (Virtuoso), with the manifest's graph left out
    (Virtuoso's pragma) and no other graph holding serbia-kg terms (else it refuses in one line).
    Virtuoso's own graphs (about 6,000 triples of its schemas) stay in: a question that matches no
    serbia-kg term, such as a count of every triple, sees them too. A pragma per graph of those would
    leave them out, but Virtuoso's cost model then fails on some saved questions (SQ200, or estimates
    over its limit), so they are not named.

    A server that cuts an answer short says so (Virtuoso: ``X-SPARQL-MaxRows``, its
    ``ResultSetMaxRows``, 10,000 rows by default): a SELECT is then asked again page by page
    (``LIMIT``/``OFFSET`` of that many rows) until a page comes back whole; a query that pages
    itself, or a CONSTRUCT, that is cut is refused in one line rather than answered in part.
    """
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from rdflib.query import Result

    client = Client()
    graphs, _ = pushed_graphs(endpoint, client)
    if str(GRAPH.registry) not in graphs:
        raise NotBuilt(f"the server at {endpoint} holds no serbia-kg dataset: run "
                       f"'serbia-kg push --endpoint {endpoint}' first")
    _remote_layout(endpoint, client)
    whole = len(graphs) > MAX_NAMED and _whole_server(endpoint, client, graphs)

    def ask(text: str, graph_result: bool):
        import io

        _, body, ctype = _http(endpoint, method="POST", data=urlencode({"query": text}).encode(), headers={
            "Accept": "text/turtle" if graph_result else "application/sparql-results+xml",
            "Content-Type": "application/x-www-form-urlencoded"}, client=client)
        cut = client.last_headers.get("x-sparql-maxrows")
        return Result.parse(io.BytesIO(body), content_type=ctype.split(";")[0].strip()), cut

    class RemoteStore(SPARQLStore):
        def _query(self, query, default_graph=None):  # noqa: ARG002 - the dataset is always ours
            from rdflib.plugins.sparql.parser import parseQuery

            graph_result = parseQuery(query)[1].name in ("ConstructQuery", "DescribeQuery")
            text = (without_graphs(query, [MANIFEST]) if whole
                    else with_dataset(query, graphs, graphs if names_graphs(query) else []))
            result, cut = ask(text, graph_result)
            if cut is None or result.type == "ASK":
                return result
            if graph_result or has_own_page(query) or not cut.isdigit() or int(cut) < 1:
                raise RemoteError(f"the server at {endpoint} cut the answer at {cut} rows (Virtuoso: "
                                  "ResultSetMaxRows in virtuoso.ini); narrow the query or raise the limit")
            page, rows = int(cut), []
            while True:  # pages of one form, which an unchanged dataset gives in one order (Virtuoso)
                more, _ = ask(f"{text}\nLIMIT {page} OFFSET {len(rows)}", False)
                rows.extend(more.bindings)
                if len(more.bindings) < page:
                    break
            result.bindings = rows
            return result

    store = RemoteStore(query_endpoint=endpoint, returnFormat="xml")
    return store


def _whole_server(endpoint: str, client: Client, graphs: list[str]) -> bool:
    """Whether questions on the dataset ``graphs`` can be asked of the whole server at ``endpoint`` instead of
    naming its graphs: the server's default graph is the merge of all its graphs, it takes Virtuoso's pragma
    that leaves one graph out (:func:`graph.store.remote.without_graphs`, for the manifest's), and no graph
    of it outside the dataset and the manifest holds a term of serbia-kg's (an IRI under
    ``https://w3id.org/serbia-kg/``; Virtuoso's own graphs hold none). ``False`` for a server without the
    merge or the pragma: it is asked with ``FROM`` as usual.

    Raises :class:`RemoteError` (one line: what to do) when another graph holds serbia-kg terms: a push under
    way or one that failed, or another copy of the data."""
    import json

    def ask(text: str) -> bool:
        _, body, _ = _http(endpoint + "?" + urlencode({"query": text}),
                           headers={"Accept": "application/sparql-results+json"}, client=client)
        return bool(json.loads(body).get("boolean"))

    probe = f"ASK {{ <{MANIFEST}> <{_DCT}hasPart> ?g }}"
    try:  # the manifest's graph is seen in the default graph, and left out by the pragma
        if not ask(probe) or ask(without_graphs(probe, [MANIFEST])):
            return False
    except (RemoteError, ValueError):
        return False
    ours = set(graphs) | {MANIFEST}
    besides = [g for g in server_graphs(endpoint, client) if g not in ours]
    ns = str(GRAPH).rsplit("/graph/", 1)[0] + "/"
    test = " || ".join(f'(isIRI(?{v}) && STRSTARTS(STR(?{v}), "{ns}"))' for v in "spo")
    holding = [g for g in besides  # a kgg: graph by its name (a push under way), another by its triples
               if g.startswith(str(GRAPH)) or ask(f"ASK FROM <{g}> {{ ?s ?p ?o FILTER({test}) }}")]
    if holding:
        shown = ", ".join(f"<{g}>" for g in holding[:3]) + (f" and {len(holding) - 3} more" if len(holding) > 3 else "")
        raise RemoteError(f"the server at {endpoint} holds serbia-kg data outside the {len(graphs)} graphs of the "
                          f"last push, in {shown} (a push under way or one that failed, or another copy): a dataset "
                          f"of more than {MAX_NAMED} graphs is asked of the whole server, so push again, or delete "
                          "those graphs")
    return True


def _dataset_file(out: Path | None) -> Path:
    """The N-Quads of the current build of ``out`` (its TriG for an older build without them)."""
    trig = _trig(out)
    nq = trig.with_name("serbia-kg.nq")
    return Path(os.path.realpath(nq if nq.is_file() else trig))


def push(out: Path | None, graph_store: str, *, endpoint: str | None = None, user: str | None = None,
         password: str | None = None, progress: Callable[[str], None] | None = None,
         client: Client | None = None, jobs: int = 4) -> dict:
    """Put the built dataset on a SPARQL server, one named graph per source (Graph Store Protocol).

    Each graph of the dataset replaces the graph of the same name on the server: one HTTP PUT
    of N-Triples streamed from a file, sent once and already authenticated (the digest challenge
    is asked first), retried when the connection drops or the server answers 5xx. A server
    replaces a graph whole when the PUT completes, so each graph on the server is either the new
    one or the old one; a failed push says which graph failed and how many were sent, and
    pushing again converges. serbia-kg graphs the server holds that the dataset no longer has
    are deleted when ``endpoint`` is given (after every graph is in place). Last, a manifest
    graph (:data:`MANIFEST`) lists the graphs and the build id: questions through ``--endpoint``
    ask exactly those graphs, so until a push completes they see the previous push's set.

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
    client:
        The HTTP client (retries, timeouts); by default one for ``user``.
    jobs:
        Graphs sent at once (each on its own connection).

    Returns
    -------
    dict
        ``graphs`` (names pushed), ``triples`` (count), ``removed`` (stale graphs deleted).

    Raises
    ------
    NotBuilt, RemoteError
    """
    dataset = _dataset_file(out)
    record = generation.stamp(dataset.parent)
    build = record.get("build") if record else None
    client = client or Client(user, password)
    with tempfile.TemporaryDirectory(prefix="serbia-kg-push-") as tmp:
        graphs = ((name, path, n) for name, path, n in iter_graphs(dataset, Path(tmp)) if name.startswith(str(GRAPH)))
        pushed, triples = _put_graphs(graphs, graph_store, client, jobs, progress)
    removed = (_remove_stale(endpoint, graph_store, client, pushed, progress, jobs) if endpoint is not None
               else [])
    # last: the manifest, which questions through --endpoint read (the new dataset is complete now)
    _http(graph_store + "?" + urlencode({"graph": MANIFEST}), method="PUT", data=_manifest(pushed, build),
          headers={"Content-Type": "application/n-triples"}, client=client)
    return {"graphs": pushed, "triples": triples, "removed": removed}


def _put_graphs(graphs: Iterable[tuple[str, Path, int]], graph_store: str, client: Client, jobs: int,
                progress: Callable[[str], None] | None) -> tuple[list[str], int]:
    """PUT each graph of ``graphs`` (``jobs`` at once) as it comes; the names sent (sorted) and their triples.

    Graphs are sent while the dataset is still being split (:func:`graph.store.remote.iter_graphs`), the
    largest waiting graph first (a large graph found late would otherwise be sent alone at the end); a graph
    given again (its whole file, later) is sent again. Progress is said in name order once every graph is
    known, whatever finished first. The first failure stops the sending (what is under way finishes; the
    split runs to its end, to count the graphs) and raises one :class:`RemoteError` naming the first graph
    that failed and how many were sent."""
    latest: dict[str, tuple[Path, int]] = {}  # the last file given for each graph (set before it is queued)
    waiting: queue.PriorityQueue = queue.PriorityQueue()
    finished: queue.Queue = queue.Queue()
    stop = threading.Event()
    guard = threading.Lock()
    locks: dict[str, threading.Lock] = {}  # a lock per graph

    def worker() -> None:
        # one client per thread: a digest nonce count is not shared
        http = client if jobs == 1 else Client(client.user, client.password, client.timeout, client.retries,
                                               client.sleep)
        while True:
            _, _, item = waiting.get()
            if item is None:
                return
            name, path = item
            with guard:
                lock = locks.setdefault(name, threading.Lock())
            with lock:  # one PUT of a graph at a time, and only of its last file: the last one given wins
                if stop.is_set() or latest[name][0] != path:
                    finished.put((name, path, None, True))
                    continue
                try:
                    _http(graph_store + "?" + urlencode({"graph": name}), method="PUT", data=path,
                          headers={"Content-Type": "application/n-triples"}, client=http)
                except Exception as exc:  # said by the caller's thread (a RemoteError as one line, a bug as it is)
                    stop.set()
                    finished.put((name, path, exc, False))
                    continue
                finished.put((name, path, None, False))

    sent: dict[str, Path] = {}  # the file sent for each graph, when it is the last one given
    failed: list[tuple[str, Exception]] = []
    submitted = 0
    told, order = 0, None

    def collect(block: bool) -> None:
        nonlocal submitted, told
        while submitted:
            try:
                name, path, error, skipped = finished.get(block=block)
            except queue.Empty:
                break
            submitted -= 1
            if error is not None:
                failed.append((name, error))
            elif not skipped and latest[name][0] == path:
                sent[name] = path
        if order is not None:  # said in name order, whatever finished first
            while told < len(order) and order[told] in sent:
                if progress:
                    progress(f"pushed {order[told]} ({latest[order[told]][1]} triples)")
                told += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    try:
        for seq, (name, path, count) in enumerate(graphs):
            latest[name] = (path, count)
            sent.pop(name, None)
            if not stop.is_set():
                waiting.put((-count, seq, (name, path)))
                submitted += 1
            collect(block=False)
        order = sorted(latest)
        collect(block=True)
    except BaseException:  # the split failed (or was interrupted): what is under way finishes, the rest is not sent
        stop.set()
        raise
    finally:
        for i in range(len(threads)):  # after every graph (their priorities are negative)
            waiting.put((1, i, None))
        for t in threads:
            t.join()
    if failed:
        first, error = min(failed, key=lambda f: f[0])
        if not isinstance(error, RemoteError):
            raise error
        raise RemoteError(f"push stopped at graph <{first}> ({len(sent)} of {len(latest)} graphs sent; "
                          f"each graph on the server is whole, old or new; push again to finish): "
                          f"{error.message}")
    return sorted(sent), sum(latest[name][1] for name in sent)


def _remove_stale(endpoint: str, graph_store: str, client: Client, pushed: list[str],
                  progress: Callable[[str], None] | None, jobs: int = 4) -> list[str]:
    """DELETE the serbia-kg graphs the server holds that this push did not send (``jobs`` at once, each
    on its own connection); said in name order. Every deletion is tried; then the first failure (in name order)
    is raised."""
    from concurrent.futures import ThreadPoolExecutor

    keep = set(pushed)
    stale = [name for name in remote_graphs(endpoint, client) if name not in keep]
    local = threading.local()

    def delete(name: str) -> str:
        if jobs > 1 and not hasattr(local, "client"):  # one client per thread: a digest nonce count is not shared
            local.client = Client(client.user, client.password, client.timeout, client.retries, client.sleep)
        http: Client = local.client if jobs > 1 else client
        _http(graph_store + "?" + urlencode({"graph": name}), method="DELETE", client=http)
        return name

    removed = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name in pool.map(delete, stale):  # in name order; the first failure is raised here
            removed.append(name)
            if progress:
                progress(f"removed stale graph {name}")
    return removed
