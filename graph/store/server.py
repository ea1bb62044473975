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
- the dataset of one generation never changes under the server, so answers are kept (up to
  ``cache_mb`` MB, least recently used out) and a question asked again, or by many clients at
  once, runs once;
- waitress does the HTTP: requests are read by an event loop (a slow client holds no thread),
  idle connections close after ``idle_timeout`` s; open connections cost a socket, not a thread,
  so the file limit is raised to what the system allows and up to ``max_connections`` (by default
  that limit less a margin) are served at once (the rest wait in a listen backlog of 2048).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

from graph.model.errors import InputError
from graph.store.endpoint import Endpoint, Limits, QueryRefused

__all__ = ["App", "Server", "make_server", "serve", "negotiate", "page_html", "saved_json",
           "service_description", "RESULT_TYPES", "GRAPH_TYPES"]

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
    from rdflib import Literal, URIRef

    from graph.store.querytext import bind_values
    from graph.store.sparql import saved_queries
    from graph.model.terms import ENTITY

    items = []
    for q in saved_queries():
        bindings: dict[str, URIRef | Literal] = {}
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

        from graph.model.resources import DATASET

        if self.void is None or not self.void.is_file():
            raise QueryRefused(404, "no dataset description: the build has no void.ttl (rebuild)")
        fmt = negotiate("DESCRIBE", environ.get("HTTP_ACCEPT"), None)
        g = Graph().parse(self.void, format="turtle")
        endpoint = URIRef(self._base(environ) + "/sparql")
        g.add((URIRef(DATASET), URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), endpoint))
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
        job = self.endpoint.job(queries[0], lambda kind: negotiate(kind, accept, fmt),
                                params.get("default-graph-uri", []), params.get("named-graph-uri", []))
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


def _raise_file_limit(wanted: int = 65536) -> int:
    """Raise this process's open-file limit towards the hard limit; the soft limit now in force."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        return 1024


def make_server(out: Path | None = None, store: Path | None = None, *, host: str = "127.0.0.1",
                port: int = 7878, timeout: float = 10.0, max_rows: int = 10000, max_bytes: int = 16 * 2**20,
                max_memory: int = 2048, max_query_chars: int = 20000, workers: int = 2, max_queue: int = 64,
                queue_timeout: float = 10.0, max_connections: int | None = None, idle_timeout: float = 30.0,
                cache_mb: int = 64, log: Callable[[str], None] | None = None) -> Server:
    """A ready server over the dataset of ``out`` (or the Oxigraph ``store``); see the module's docstring."""
    limits = Limits(timeout=timeout, max_rows=max_rows, max_bytes=max_bytes, max_memory=max_memory,
                    max_query_chars=max_query_chars, max_queue=max_queue, queue_timeout=queue_timeout,
                    cache_mb=cache_mb)
    endpoint = Endpoint(out, store, limits=limits, workers=workers)
    void = (endpoint.folder or Path(out if out is not None else "out")) / "void.ttl"  # of the generation served
    app = App(endpoint, void=void, log=log)
    try:
        if max_connections is None:
            max_connections = max(100, _raise_file_limit() - 256)
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
