"""A read-only SPARQL 1.1 Protocol endpoint over the built dataset, with YASGUI at ``/``.

``GET /sparql?query=...`` and ``POST /sparql`` (a form with ``query=``, or
``application/sparql-query``) answer SELECT and ASK as SPARQL JSON, XML, CSV or TSV and CONSTRUCT
and DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, by the ``Accept`` header or a ``format``
parameter that names a format it knows (else ``Accept`` decides). ``default-graph-uri`` and
``named-graph-uri`` set the dataset; without them (and without ``FROM``) the default graph is
the union of the dataset's graphs. ``GET /sparql`` without a query describes the service
(SPARQL 1.1 Service Description); ``OPTIONS`` answers CORS preflight.

The endpoint is read-only and bounded (see ``docs/sparql.md`` for why it keeps its own server):

- SPARQL Update gets 403; so does any query with ``SERVICE`` (found by a lexical scan that
  strings, IRIs and comments cannot hide it from); query workers also run without a network
  where the system allows it (a private network namespace), so no query makes outbound requests;
- a query longer than ``max_query_chars`` gets 413; one with more than ``max_rows`` rows or
  triples, or more than ``max_bytes`` bytes of values, gets 422;
- each query runs in a worker process (Oxigraph, queries parsed there, never by rdflib's
  thread-unsafe parser): one running longer than ``timeout`` s or growing past ``max_memory``
  MB is stopped (503) by ending its worker, which is replaced while the others keep answering;
- at most ``max_queue`` requests wait for a worker, each at most ``queue_timeout`` s; beyond
  that the answer is ``503`` with ``Retry-After`` (never a dropped connection);
- waitress does the HTTP: requests are read by an event loop (a slow client holds no thread),
  idle connections close after ``idle_timeout`` s, at most ``max_connections`` are open at once
  (the rest wait in a listen backlog of 2048).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape as xml_escape

from graph.model.errors import InputError, KGError

__all__ = ["Endpoint", "Limits", "make_server", "serve", "QueryRefused", "scan", "negotiate", "page_html"]

#: Result formats of SELECT and ASK, and of CONSTRUCT and DESCRIBE: name -> media type.
RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_TYPES = {"turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
               "xml": "application/rdf+xml"}
#: Names a client may give (``format=`` or a media type) -> our format name, for results and for graphs.
_RESULT_ALIASES = {
    "json": "json", "application/json": "json", "application/sparql-results+json": "json", "srj": "json",
    "xml": "xml", "application/xml": "xml", "text/xml": "xml", "application/sparql-results+xml": "xml",
    "srx": "xml", "csv": "csv", "text/csv": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv",
}
_GRAPH_ALIASES = {
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle", "application/x-turtle": "turtle",
    "n3": "turtle", "text/n3": "turtle", "text/rdf+n3": "turtle", "application/turtle": "turtle",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt", "application/n-triples": "nt", "text/plain": "nt",
    "jsonld": "jsonld", "json-ld": "jsonld", "application/ld+json": "jsonld", "application/json": "jsonld",
    "rdf": "xml", "rdf+xml": "xml", "rdfxml": "xml", "xml": "xml", "application/rdf+xml": "xml",
    "application/xml": "xml",
}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
# SPARQL's terminals, in the order a SPARQL tokenizer tries them: what a string, an IRI or a
# comment holds is not code; a bare word (no colon) is a keyword.
_TOKEN = re.compile(r"""
   (?P<ws>\s+)
  |(?P<comment>\#[^\n\r]*)
  |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  |(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  |(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*)
  |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  |(?P<name>[^\W\d][\w.\-\u00B7]*:[^\s{}()\[\];,"'<>^]*|:[^\s{}()\[\];,"'<>^]*|[^\W\d][\w\-]*)
  |(?P<other>.)
""", re.VERBOSE | re.DOTALL)


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryRefused(KGError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class Scan:
    """What the lexical scan of a query found: its form and whether it names its own dataset."""

    kind: str
    has_dataset: bool


def scan(text: str) -> Scan:
    """The query's form (SELECT, ASK, CONSTRUCT, DESCRIBE); refuses updates and ``SERVICE``.

    >>> scan('PREFIX s: <http://x/service#> SELECT * WHERE { ?service s:SERVICE "SERVICE" }').kind
    'SELECT'
    >>> scan("ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    graph.store.server.QueryRefused: SERVICE calls to other endpoints are refused by this endpoint

    Raises
    ------
    QueryRefused
        403 for an update or ``SERVICE``; 400 when no query form is found.
    """
    kind, has_dataset = None, False
    # SPARQL processes \u and \U escapes anywhere in a query before parsing it (as Oxigraph does)
    text = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16)
                      < 0x110000 else m.group(), text)
    words = (m.group() for m in _TOKEN.finditer(text) if m.lastgroup == "name" and ":" not in m.group())
    for word in words:
        w = word.upper()
        if w == "SERVICE":
            raise QueryRefused(403, "SERVICE calls to other endpoints are refused by this endpoint")
        if kind is None and w in _UPDATE_WORDS:
            raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is refused")
        if kind is None and w in _FORMS:
            kind = w
        if w == "FROM":
            has_dataset = True
    if kind is None:
        raise QueryRefused(400, "not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    return Scan(kind, has_dataset)


@dataclass
class Limits:
    """The bounds of one query and of the queue (see the module's docstring)."""

    timeout: float = 10.0
    max_rows: int = 10000
    max_bytes: int = 16 * 2**20
    max_memory: int = 2048  # MB per worker
    max_query_chars: int = 20000
    max_queue: int = 64
    queue_timeout: float = 10.0


# --- worker processes: each holds the dataset in Oxigraph and answers one query at a time ------

def _no_network() -> bool:
    """Leave every network but a private, unconfigured one (Linux namespaces); whether it worked."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def _open(out: Path | None, store: Path | None):
    import pyoxigraph as ox

    from graph.store.backends import _trig
    from graph.store.native import open_store

    if store is not None:
        return open_store(Path(store))
    st = ox.Store()
    st.bulk_load(path=str(_trig(out)), format=ox.RdfFormat.TRIG)
    return st


def _graph_counts(st) -> list[tuple[str, int]]:
    rows = st.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    return [(r["g"].value, int(r["n"].value)) for r in rows]


def _worker_main(conn, out, store, limits: Limits) -> None:
    """Open the dataset, say ready, then answer jobs; the loop runs with a deep stack."""
    isolated = _no_network()
    threading.stack_size(512 * 2**20)  # Oxigraph's parser recurses deeply on long expressions
    t = threading.Thread(target=_worker_loop, args=(conn, out, store, limits, isolated))
    t.start()
    t.join()


def _worker_loop(conn, out, store, limits: Limits, isolated: bool) -> None:
    try:
        st = _open(out, store)
        info = {"graphs": _graph_counts(st), "isolated": isolated}
    except KGError as exc:
        conn.send(("error", 500, str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - a store that cannot be opened: say why, once
        conn.send(("error", 500, f"cannot open the dataset: {exc}"))
        return
    conn.send(("ready", info, None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(("ok",) + _answer(st, job, limits))
        except QueryRefused as exc:
            conn.send(("error", exc.status, exc.message))
        except Exception as exc:  # noqa: BLE001 - a query the engine cannot run: tell the client
            msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if isinstance(exc, SyntaxError):
                conn.send(("error", 400, f"syntax error: {msg}"))
            else:
                conn.send(("error", 400 if isinstance(exc, (ValueError, TypeError)) else 500,
                           f"the query failed: {msg}"))


@dataclass
class Job:
    """A checked query: its text and form, the format wanted, the dataset the request names."""

    text: str
    kind: str
    fmt: str
    has_dataset: bool = False
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


def _answer(st, job: Job, limits: Limits) -> tuple[str, bytes]:
    import pyoxigraph as ox

    from graph.store.sparql import PREFIXES_TEXT

    kwargs: dict = {"prefixes": dict(PREFIXES_TEXT)}
    if job.default_graphs or job.named_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif not job.has_dataset:
        kwargs["use_default_graph_as_union"] = True
    raw = st.query(job.text, **kwargs)
    if isinstance(raw, ox.QueryBoolean):
        return job.fmt, _boolean(bool(raw), job.fmt)
    if isinstance(raw, ox.QuerySolutions):
        names = [v.value for v in raw.variables]
        rows = _bounded(raw, limits, "rows", lambda row: sum(len(t.value) for t in row if t is not None))
        return job.fmt, _solutions(names, rows, job.fmt)
    triples = _bounded(raw, limits, "triples",
                       lambda t: len(t.subject.value) + len(t.predicate.value) + len(t.object.value))
    from graph.store.sparql import PREFIXES_TEXT as prefixes

    fmt = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
           "xml": ox.RdfFormat.RDF_XML}[job.fmt]
    body = ox.serialize(triples, format=fmt, prefixes=dict(prefixes) if job.fmt == "turtle" else None)
    return job.fmt, body


def _bounded(items, limits: Limits, what: str, size: Callable) -> list:
    out, total = [], 0
    for item in items:
        out.append(item)
        total += size(item)
        if len(out) > limits.max_rows:
            raise QueryRefused(422, f"the result has more than {limits.max_rows} {what}; add a LIMIT "
                                    f"or narrow the query")
        if total > limits.max_bytes:
            raise QueryRefused(422, f"the result holds more than {limits.max_bytes} bytes of values; "
                                    f"narrow the query")
    return out


def _boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    # CSV and TSV define no boolean form; this is the one Jena and RDF4J give (one column).
    return (f"_askResult\r\n{word}\r\n" if fmt == "csv" else f"?_askResult\n{word}\n").encode()


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(t) -> dict:
    kind = type(t).__name__
    if kind == "NamedNode":
        return {"type": "uri", "value": t.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": t.value}
    if kind == "Literal":
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "literal", "value": str(t)}  # a quoted triple (RDF-star), as text


def _xml_term(t) -> str:
    kind = type(t).__name__
    if kind == "NamedNode":
        return f"<uri>{xml_escape(t.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{xml_escape(t.value)}</bnode>"
    if kind == "Literal":
        if t.language:
            return f'<literal xml:lang="{xml_escape(t.language)}">{xml_escape(t.value)}</literal>'
        if t.datatype.value != _XSD_STRING:
            return f'<literal datatype="{xml_escape(t.datatype.value)}">{xml_escape(t.value)}</literal>'
        return f"<literal>{xml_escape(t.value)}</literal>"
    return f"<literal>{xml_escape(str(t))}</literal>"


def _solutions(names: list[str], rows: list, fmt: str) -> bytes:
    """SPARQL 1.1 results (JSON, XML, CSV, TSV) of solutions from Oxigraph."""
    if fmt == "json":
        bindings = [{n: _json_term(row[n]) for n in names if row[n] is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f'<variable name="{n}"/>' for n in names]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            parts += [f'<binding name="{n}">{_xml_term(row[n])}</binding>' for n in names if row[n] is not None]
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        for row in rows:
            w.writerow(["" if row[n] is None else ("_:" + row[n].value if type(row[n]).__name__ == "BlankNode"
                                                   else row[n].value) for n in names])
        return buf.getvalue().encode("utf-8")
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if row[n] is None else str(row[n]) for n in names) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx, out, store, limits: Limits) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, out, store, limits), daemon=True)
        self.proc.start()
        child.close()
        self.info: dict = {}

    def wait_ready(self, timeout: float) -> None:
        try:
            if not self.conn.poll(timeout):
                self.stop()
                raise InputError(f"a query worker did not start within {timeout:.0f} s")
            kind, info, message = self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise InputError("a query worker stopped while starting") from None
        if kind != "ready":
            self.stop()
            raise InputError(message)
        self.info = info

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def ask(self, job: Job, limits: Limits):
        """The worker's reply, or ``("stopped", why)`` after ending it (too slow or too big)."""
        self.conn.send(job)
        deadline = time.monotonic() + limits.timeout
        step = 0.02
        while not self.conn.poll(min(step, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return ("stopped", f"the query ran longer than {limits.timeout:g} s and was stopped")
            if self.rss_mb() > limits.max_memory:
                return ("stopped", f"the query needed more than {limits.max_memory} MB and was stopped")
            step = min(step * 2, 0.2)
        return self.conn.recv()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        if not self.conn.closed:
            self.conn.close()


class Endpoint:
    """The query side of the server: checks a request, runs it in a worker, bounds time and size.

    Parameters
    ----------
    out:
        Output folder of a build (its TriG is loaded into each worker's in-memory Oxigraph).
    store:
        An Oxigraph store folder instead (``serbia-kg build --store PATH``), opened read-only.
    limits:
        The bounds (:class:`Limits`).
    workers:
        Worker processes, so queries run at once.

    Raises
    ------
    NotBuilt, InputError
        If the dataset cannot be opened (reported at start, not at the first query).
    """

    def __init__(self, out: Path | None = None, store: Path | None = None, *, limits: Limits | None = None,
                 workers: int = 2, start_timeout: float = 300.0) -> None:
        self.out, self.store = out, store
        self.limits = limits or Limits()
        self.start_timeout = start_timeout
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._waiting = 0
        self.stopped = False
        started = [self._new_worker() for _ in range(workers)]
        try:
            for w in started:
                w.wait_ready(start_timeout)
        except KGError:
            self.close()
            raise
        self.info = started[0].info
        for w in started:
            self._idle.put(w)

    def _new_worker(self) -> _Worker:
        w = _Worker(self._ctx, self.out, self.store, self.limits)
        with self._lock:
            self._all.append(w)
        return w

    def _replace(self, dead: _Worker) -> None:
        dead.stop()
        with self._lock:
            if dead in self._all:
                self._all.remove(dead)
        if self.stopped:
            return

        def start() -> None:
            w = self._new_worker()
            try:
                w.wait_ready(self.start_timeout)
            except KGError:
                return
            self._idle.put(w)

        threading.Thread(target=start, daemon=True).start()

    def job(self, text: str, accept: str | None, fmt: str | None, default_graphs: list[str],
            named_graphs: list[str]) -> Job:
        """Check a request and make its job.

        Raises
        ------
        QueryRefused
            413 too long, 403 update or SERVICE, 400 no query form or a dataset given twice,
            406 no acceptable format.
        """
        if len(text) > self.limits.max_query_chars:
            raise QueryRefused(413, f"the query is longer than {self.limits.max_query_chars} characters")
        found = scan(text)
        if found.has_dataset and (default_graphs or named_graphs):
            raise QueryRefused(400, "the dataset is given twice: use FROM in the query or "
                                    "default-graph-uri/named-graph-uri in the request, not both")
        return Job(text, found.kind, negotiate(found.kind, accept, fmt), found.has_dataset,
                   default_graphs, named_graphs)

    def answer(self, job: Job) -> bytes:
        """Run a checked job in a free worker; its serialised result.

        Raises
        ------
        QueryRefused
            503 (with Retry-After) when the queue is full or no worker frees up in time, 503 when
            it runs out of time or memory (its worker is replaced), 422 when too large, 400 when
            the engine cannot run it.
        """
        with self._lock:
            if self._waiting >= self.limits.max_queue:
                raise QueryRefused(503, "the endpoint is busy; try again shortly", retry_after=1)
            self._waiting += 1
        try:
            worker = self._idle.get(timeout=self.limits.queue_timeout)
        except queue.Empty:
            raise QueryRefused(503, "the endpoint is busy; try again shortly", retry_after=2) from None
        finally:
            with self._lock:
                self._waiting -= 1
        try:
            reply = worker.ask(job, self.limits)
        except (OSError, EOFError):
            reply = ("stopped", "the query engine stopped on this query")
        if reply[0] == "stopped" or (reply[0] == "error" and reply[1] == 500):
            self._replace(worker)
        else:
            self._idle.put(worker)
        if reply[0] == "stopped":
            raise QueryRefused(503, reply[1])
        if reply[0] == "error":
            raise QueryRefused(reply[1], reply[2])
        return reply[2]

    def close(self) -> None:
        """Stop every worker."""
        self.stopped = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()


# --- negotiation -----------------------------------------------------------------------------------

def negotiate(kind: str, accept: str | None, fmt: str | None) -> str:
    """The format for a query of ``kind``: ``fmt`` when it names one that fits, else by ``Accept``.

    >>> negotiate("SELECT", "text/csv", None), negotiate("CONSTRUCT", None, "rdf+xml")
    ('csv', 'xml')
    >>> negotiate("CONSTRUCT", "text/turtle", "json")  # format= for results: Accept decides
    'turtle'

    Raises
    ------
    QueryRefused
        406 when nothing acceptable can be produced.
    """
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    table, aliases = (GRAPH_TYPES, _GRAPH_ALIASES) if graph else (RESULT_TYPES, _RESULT_ALIASES)
    default = "turtle" if graph else "json"
    if fmt:
        name = aliases.get(fmt.strip().lower())
        if name:
            return name
    if not accept:
        return default
    choices = []
    for i, part in enumerate(accept.split(",")):
        media, *opts = [p.strip() for p in part.split(";")]
        q = 1.0
        for o in opts:
            if o.replace(" ", "").startswith("q="):
                try:
                    q = float(o.split("=", 1)[1])
                except ValueError:
                    q = 0.0
        if q > 0:
            choices.append((-q, i, media.lower()))
    for _, _, media in sorted(choices):
        if media in ("*/*", "application/*", "text/*", "text/html", "application/xhtml+xml"):
            return default
        name = aliases.get(media)
        if name:
            return name
    raise QueryRefused(406, f"none of the accepted types ({accept}) is offered for a {kind}; "
                            f"offered: {', '.join(table.values())}")


# --- the HTTP side (WSGI, served by waitress) --------------------------------------------------

_STATIC = {"yasgui.min.js": "application/javascript", "yasgui.min.css": "text/css",
           "LICENSE.yasgui.txt": "text/plain"}
_REASONS = {200: "OK", 204: "No Content", 303: "See Other", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 413: "Content Too Large",
            415: "Unsupported Media Type", 422: "Unprocessable Content", 500: "Internal Server Error",
            503: "Service Unavailable"}
_CORS = [("Access-Control-Allow-Origin", "*")]


def _static_dir() -> Path:
    return Path(__file__).resolve().parent / "static"


def page_html() -> str:
    """The query page: YASGUI (vendored, offline) with the saved questions and the project's prefixes."""
    return (_static_dir() / "sparql.html").read_text(encoding="utf-8")


def saved_json() -> bytes:
    """The saved questions for the page, their defaults bound (VALUES) so they run as they are."""
    from rdflib import Literal

    from graph.store.sparql import bind_values, saved_queries
    from graph.model.terms import ENTITY

    items = []
    for q in saved_queries():
        bindings = {}
        for p in q.params:
            if p.default is None:
                continue
            if p.kind == "entity":
                bindings[p.name] = ENTITY[p.default]
            elif p.kind in ("string", "integer", "year"):
                bindings[p.name] = Literal(p.default)
        text = bind_values(q.text, bindings) if bindings else q.text
        items.append({"name": q.name, "purpose": q.purpose, "query": text,
                      "params": [p.__dict__ for p in q.params]})
    return json.dumps(items).encode("utf-8")


def service_description(base: str, info: dict, fmt: str) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint at ``base``/sparql (the dataset's graphs and
    sizes; ``rdfs:seeAlso`` its VoID description at ``base``/void)."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, VOID, XSD

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", sd)
    g.bind("void", VOID)
    g.bind("formats", formats)
    s = URIRef(base + "/sparql")
    g.add((s, RDF.type, sd.Service))
    g.add((s, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), URIRef(base + "/void")))
    g.add((s, sd.endpoint, s))
    g.add((s, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((s, sd.feature, sd.UnionDefaultGraph))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((s, sd.resultFormat, formats[f]))
    ds, default = BNode(), BNode()
    g.add((s, sd.defaultDataset, ds))
    g.add((ds, RDF.type, sd.Dataset))
    g.add((ds, sd.defaultGraph, default))
    g.add((default, RDF.type, sd.Graph))
    total = sum(n for _, n in info.get("graphs", []))
    g.add((default, VOID.triples, Literal(total, datatype=XSD.integer)))
    for name, n in info.get("graphs", []):
        ng, gr = BNode(), BNode()
        g.add((ds, sd.namedGraph, ng))
        g.add((ng, sd.name, URIRef(name)))
        g.add((ng, sd.graph, gr))
        g.add((gr, RDF.type, sd.Graph))
        g.add((gr, VOID.triples, Literal(n, datatype=XSD.integer)))
    rdflib_fmt = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}[fmt]
    return g.serialize(format=rdflib_fmt, encoding="utf-8")


class App:
    """The WSGI application: routes, the SPARQL protocol, CORS and errors as one plain-text line."""

    def __init__(self, endpoint: Endpoint, void: Path | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.endpoint, self.void, self.log = endpoint, void, log
        self._page = page_html().encode("utf-8")
        self._saved = saved_json()
        from graph.store.sparql import PREFIXES_TEXT

        self._prefixes = json.dumps(PREFIXES_TEXT).encode("utf-8")

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.route(environ)
        except QueryRefused as exc:
            status, headers, body = exc.status, [("Content-Type", "text/plain; charset=utf-8")], \
                (exc.message + "\n").encode("utf-8")
            if exc.retry_after is not None:
                headers.append(("Retry-After", str(exc.retry_after)))
        headers = headers + _CORS + [("Content-Length", str(len(body)))]
        if environ.get("PATH_INFO") == "/sparql":
            headers.append(("Vary", "Accept"))  # what is answered depends on Accept, errors included
        start_response(f"{status} {_REASONS.get(status, '')}", headers)
        if self.log:
            self.log(f"{environ.get('REMOTE_ADDR')} {environ['REQUEST_METHOD']} {environ.get('PATH_INFO')} {status}")
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def route(self, environ) -> tuple[int, list, bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        if method == "OPTIONS":
            asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS") or "Content-Type, Accept"
            return 204, [("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                         ("Access-Control-Allow-Headers", asked), ("Access-Control-Max-Age", "86400"),
                         ("Allow", "GET, HEAD, POST, OPTIONS")], b""
        if path == "/sparql":
            if method not in ("GET", "HEAD", "POST"):
                raise QueryRefused(405, f"{method} is not allowed: this endpoint is read-only")
            return self.sparql(environ)
        if method not in ("GET", "HEAD"):
            raise QueryRefused(405, f"{method} is not allowed on {path}")
        if path in ("/", "/index.html"):
            if "query=" in (environ.get("QUERY_STRING") or ""):
                return self.sparql(environ)
            return 200, [("Content-Type", "text/html; charset=utf-8")], self._page
        if path == "/saved":
            return 200, [("Content-Type", "application/json")], self._saved
        if path == "/prefixes.json":
            return 200, [("Content-Type", "application/json")], self._prefixes
        if path in ("/void", "/.well-known/void"):
            return self.describe_dataset(environ)
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/static/") and name in _STATIC:
            return 200, [("Content-Type", _STATIC[name]), ("Cache-Control", "max-age=86400")], \
                (_static_dir() / name).read_bytes()
        raise QueryRefused(404, f"no such page: {path}; the endpoint is /sparql")

    def describe_dataset(self, environ) -> tuple[int, list, bytes]:
        """The build's VoID/DCAT description (``void.ttl``), with this endpoint as its ``void:sparqlEndpoint``."""
        from rdflib import Graph, URIRef

        from graph.compile.void import DATASET

        if self.void is None or not self.void.is_file():
            raise QueryRefused(404, "no dataset description: the build has no void.ttl (rebuild)")
        fmt = negotiate("DESCRIBE", environ.get("HTTP_ACCEPT"), None)
        g = Graph().parse(self.void, format="turtle")
        g.add((URIRef(DATASET), URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), URIRef(self._base(environ) + "/sparql")))
        body = g.serialize(format={"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}[fmt],
                           encoding="utf-8")
        return 200, [("Content-Type", GRAPH_TYPES[fmt] + "; charset=utf-8"), ("Vary", "Accept")], body

    @staticmethod
    def _base(environ) -> str:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return f"http://{host}"

    def sparql(self, environ) -> tuple[int, list, bytes]:
        params = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True)
        if environ["REQUEST_METHOD"] == "POST":
            ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode("utf-8", "replace")
            if ctype == "application/sparql-update":
                raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is refused")
            if ctype == "application/sparql-query":
                params.setdefault("query", []).append(body)
            elif ctype in ("application/x-www-form-urlencoded", ""):
                for k, v in parse_qs(body, keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            else:
                raise QueryRefused(415, f"unsupported Content-Type '{ctype}': send application/sparql-query "
                                        "or a form with query=")
        if "update" in params:
            raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is refused")
        accept = environ.get("HTTP_ACCEPT")
        queries = params.get("query") or []
        if not queries:
            if environ["REQUEST_METHOD"] != "POST":
                if accept and "text/html" in accept and "turtle" not in accept:
                    return 303, [("Location", "/")], b""
                fmt = negotiate("DESCRIBE", accept, (params.get("format") or [None])[0])
                body = service_description(self._base(environ), self.endpoint.info, fmt)
                return 200, [("Content-Type", GRAPH_TYPES[fmt] + "; charset=utf-8")], body
            raise QueryRefused(400, "give one query: ?query=... (GET) or a form or "
                                    "application/sparql-query body (POST)")
        if len(queries) != 1 or not queries[0].strip():
            raise QueryRefused(400, "give one query: ?query=... (GET) or a form or "
                                    "application/sparql-query body (POST)")
        fmt = (params.get("format") or params.get("output") or [None])[0]
        job = self.endpoint.job(queries[0], accept, fmt, params.get("default-graph-uri", []),
                                params.get("named-graph-uri", []))
        body = self.endpoint.answer(job)
        table = GRAPH_TYPES if job.kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
        return 200, [("Content-Type", table[job.fmt] + "; charset=utf-8")], body


class Server:
    """A ready server (not yet serving): ``serve_forever()``, then ``shutdown()`` and ``server_close()``.

    ``server_address`` is (host, port) (port 0 at creation picks a free one); ``endpoint`` is the
    :class:`Endpoint`.
    """

    def __init__(self, app: App, host: str, port: int, *, threads: int, max_connections: int,
                 idle_timeout: float, max_body: int) -> None:
        import waitress

        self.endpoint = app.endpoint
        self._srv = waitress.create_server(
            app, host=host, port=port, threads=threads, connection_limit=max_connections,
            channel_timeout=idle_timeout, cleanup_interval=max(1, int(idle_timeout / 2)), backlog=2048,
            max_request_body_size=max_body, max_request_header_size=max_body + 8192,
            asyncore_use_poll=True, ident="serbia-kg-sparql", expose_tracebacks=False)
        self.server_address = (host, self._srv.effective_port)

    def serve_forever(self) -> None:
        try:
            self._srv.run()
        except (OSError, ValueError):  # the socket closed by shutdown()
            pass

    def shutdown(self) -> None:
        for channel in list(self._srv._map.values()):
            try:
                channel.close()
            except OSError:
                pass

    def server_close(self) -> None:
        self.shutdown()
        self._srv.task_dispatcher.shutdown(timeout=1)
        self.endpoint.close()


def make_server(out: Path | None = None, store: Path | None = None, *, host: str = "127.0.0.1",
                port: int = 7878, timeout: float = 10.0, max_rows: int = 10000, max_bytes: int = 16 * 2**20,
                max_memory: int = 2048, max_query_chars: int = 20000, workers: int = 2, max_queue: int = 64,
                queue_timeout: float = 10.0, max_connections: int = 1000, idle_timeout: float = 30.0,
                log: Callable[[str], None] | None = None) -> Server:
    """A ready server over the dataset of ``out`` (or the Oxigraph ``store``); see the module's docstring."""
    limits = Limits(timeout=timeout, max_rows=max_rows, max_bytes=max_bytes, max_memory=max_memory,
                    max_query_chars=max_query_chars, max_queue=max_queue, queue_timeout=queue_timeout)
    endpoint = Endpoint(out, store, limits=limits, workers=workers)
    void = Path(out if out is not None else "out") / "void.ttl"
    app = App(endpoint, void=void, log=log)
    try:
        return Server(app, host, port, threads=min(max_queue + workers, 64), max_connections=max_connections,
                      idle_timeout=idle_timeout, max_body=4 * max_query_chars + 4096)
    except OSError as exc:
        endpoint.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(out: Path | None = None, store: Path | None = None, *, log: Callable[[str], None] | None = None,
          **options) -> None:
    """Serve until interrupted (Ctrl-C). See :func:`make_server` for the options."""
    server = make_server(out, store, log=None, **options)
    h, p = server.server_address[:2]
    if log:
        lim = server.endpoint.limits
        isolated = server.endpoint.info.get("isolated")
        log(f"SPARQL endpoint http://{h}:{p}/sparql (query page http://{h}:{p}/); time limit {lim.timeout:g} s, "
            f"at most {lim.max_rows} rows, {lim.max_memory} MB per query; workers "
            + ("have no network" if isolated else "have a network (SERVICE is refused by the query check)")
            + "; Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
