"""A read-only SPARQL 1.1 Protocol endpoint over the built dataset, with a query page at ``/``.

``GET /sparql?query=...`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
``query=``, or ``application/sparql-query``) answer SELECT and ASK as SPARQL JSON, XML, CSV or TSV
and CONSTRUCT and DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, chosen by the ``Accept``
header (or a ``format`` parameter). The endpoint is read-only and bounded:

- SPARQL Update (``update=``, ``application/sparql-update``, or an update sent as a query) gets
  403; so does a query that calls ``SERVICE``; dataset clauses cannot load outside data;
- a query longer than ``max_query_chars`` gets 413; one returning more than ``max_rows`` rows
  (or triples) gets 422; one running longer than ``timeout`` seconds gets 503;
- queries run in worker processes (``workers`` at once): a runaway query is stopped by ending
  its worker, which is replaced, while the server goes on answering.

It listens on 127.0.0.1 unless told otherwise. The standard library's ``ThreadingHTTPServer``
does the HTTP; rdflib (memory) or pyoxigraph (``store=PATH``) answers the queries.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlparse

from graph.model.errors import InputError, KGError

__all__ = ["Endpoint", "make_server", "serve", "QueryRefused", "PAGE"]

#: format name -> media type, for SELECT/ASK and for CONSTRUCT/DESCRIBE.
RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_TYPES = {"turtle": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
               "xml": "application/rdf+xml"}
_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml",
            "application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
            "text/csv": "csv", "text/tab-separated-values": "tsv", "text/turtle": "turtle",
            "application/x-turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt",
            "application/ld+json": "jsonld", "application/rdf+xml": "xml", "json-ld": "jsonld",
            "ntriples": "nt", "ttl": "turtle", "rdf": "xml"}


class QueryRefused(KGError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- worker processes ---------------------------------------------------------------------------

def _worker_main(conn, out, store, max_rows: int) -> None:
    """Open the dataset, say ready, then answer (query, format) requests until told to stop."""
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM <...> must not fetch outside data
    from rdflib.query import Result

    from graph.store.sparql import format_result
    from graph.store.backends import open_dataset

    try:
        ds = open_dataset(out, store=store)
    except KGError as exc:
        conn.send(("error", 500, str(exc)))
        return
    conn.send(("ready", None, None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        text, fmt = job
        try:
            result = ds.query(_prologue() + text)
            if result.type == "SELECT":
                rows = []
                for row in result:
                    rows.append({v: t for v, t in zip(result.vars, row) if t is not None})
                    if len(rows) > max_rows:
                        raise QueryRefused(422, f"the result has more than {max_rows} rows; add a LIMIT "
                                                f"or narrow the query")
                vars_ = result.vars
                result = Result("SELECT")
                result.vars = vars_
                result.bindings = rows
            elif result.type in ("CONSTRUCT", "DESCRIBE") and len(result.graph) > max_rows:
                raise QueryRefused(422, f"the result has more than {max_rows} triples; narrow the query")
            body = format_result(result, fmt).encode("utf-8")
            conn.send(("ok", fmt, body))
        except QueryRefused as exc:
            conn.send(("error", exc.status, exc.message))
        except Exception as exc:  # a query the engine cannot run: tell the client, keep serving
            msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            conn.send(("error", 400, f"the query failed: {msg}"))


def _prologue() -> str:
    from graph.store.sparql import PROLOGUE

    return PROLOGUE


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx, out, store, max_rows: int) -> None:
        self.args = (out, store, max_rows)
        self.ctx = ctx
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, *self.args), daemon=True)
        self.proc.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            if not self.conn.poll(timeout):
                self.stop()
                raise InputError(f"a query worker did not start within {timeout:.0f} s")
            kind, _, message = self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise InputError("a query worker stopped while starting") from None
        if kind != "ready":
            self.stop()
            raise InputError(message)

    def ask(self, text: str, fmt: str, timeout: float):
        self.conn.send((text, fmt))
        if not self.conn.poll(timeout):
            return None
        return self.conn.recv()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class Endpoint:
    """The query side of the server: checks a request, runs it in a worker, bounds time and size.

    Parameters
    ----------
    out:
        Output folder of a build (memory back-end).
    store:
        An Oxigraph store folder instead (``serbia-kg build --store PATH``).
    timeout:
        Seconds a query may run.
    max_rows:
        Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a result may hold.
    max_query_chars:
        Longest query text accepted.
    workers:
        Worker processes, so queries run at once.

    Raises
    ------
    NotBuilt, InputError
        If the dataset cannot be opened (reported at start, not at the first query).
    """

    def __init__(self, out: Path | None = None, store: Path | None = None, *, timeout: float = 10.0,
                 max_rows: int = 10000, max_query_chars: int = 20000, workers: int = 2,
                 start_timeout: float = 120.0) -> None:
        self.out, self.store = out, store
        self.timeout, self.max_rows, self.max_query_chars = timeout, max_rows, max_query_chars
        self.start_timeout = start_timeout
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.stopped = False
        started = [self._new_worker() for _ in range(workers)]
        try:
            for w in started:
                w.wait_ready(start_timeout)
        except KGError:
            self.close()
            raise
        for w in started:
            self._idle.put(w)

    def _new_worker(self) -> _Worker:
        w = _Worker(self._ctx, self.out, self.store, self.max_rows)
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

    def check(self, text: str) -> str:
        """Refuse what this endpoint will not run; return the query's kind (SELECT, ASK, ...)."""
        from graph.store.sparql import check_syntax

        if len(text) > self.max_query_chars:
            raise QueryRefused(413, f"the query is longer than {self.max_query_chars} characters")
        try:
            kind = check_syntax(text)
        except InputError as exc:
            if "SPARQL Update" in exc.message:
                raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is refused") from None
            raise QueryRefused(400, exc.message) from None
        if "ServiceGraphPattern" in _node_names(text):
            raise QueryRefused(403, "SERVICE calls to other endpoints are refused by this endpoint")
        return kind

    def answer(self, text: str, fmt: str) -> bytes:
        """Run a checked query; the serialised result in format ``fmt``.

        Raises
        ------
        QueryRefused
            503 when it runs out of time (its worker is replaced), 422 when too large, 400 when
            the engine cannot run it, 503 when no worker is free in time.
        """
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryRefused(503, "the endpoint is busy; try again") from None
        reply = None
        try:
            reply = worker.ask(text, fmt, self.timeout)
        except (OSError, EOFError):
            reply = ("error", 500, "the query worker stopped")
        finally:
            if reply is None or reply[1] == 500:
                self._replace(worker)
            else:
                self._idle.put(worker)
        if reply is None:
            raise QueryRefused(503, f"the query ran longer than {self.timeout:g} s and was stopped")
        kind, a, b = reply
        if kind == "error":
            raise QueryRefused(a, b)
        return b

    def close(self) -> None:
        """Stop every worker."""
        self.stopped = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()


def _node_names(text: str) -> set[str]:
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    from graph.store.sparql import PROLOGUE

    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, CompValue):
            names.add(node.name)
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            for v in node:
                walk(v)

    walk(parseQuery(PROLOGUE + text))
    return names


# --- negotiation and the HTTP side --------------------------------------------------------------

def negotiate(kind: str, accept: str | None, fmt: str | None) -> str:
    """The format name for a query of ``kind``, from a ``format`` parameter or the Accept header.

    Raises
    ------
    QueryRefused
        406 when nothing acceptable can be produced.
    """
    table = GRAPH_TYPES if kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
    default = "turtle" if table is GRAPH_TYPES else "json"
    if fmt:
        name = _ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
        if name not in table:
            raise QueryRefused(406, f"format '{fmt}' is not offered for a {kind}; one of {', '.join(table)}")
        return name
    if not accept:
        return default
    choices = []
    for i, part in enumerate(accept.split(",")):
        media, *opts = [p.strip() for p in part.split(";")]
        q = 1.0
        for o in opts:
            if o.startswith("q="):
                try:
                    q = float(o[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, i, media.lower()))
    for _, _, media in sorted(choices):
        if media in ("*/*", "application/*", "text/*", "text/html"):
            return default
        name = _ALIASES.get(media)
        if name in table:
            return name
    raise QueryRefused(406, f"none of the accepted types ({accept}) is offered for a {kind}; "
                            f"offered: {', '.join(table.values())}")


class _Handler(BaseHTTPRequestHandler):
    server_version = "serbia-kg-sparql"
    endpoint: Endpoint
    log: Callable[[str], None] | None = None

    def log_message(self, format, *args) -> None:  # noqa: A002
        if self.log:
            self.log("%s - %s" % (self.address_string(), format % args))

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html") and "query" not in params:
            return self._send(200, PAGE.encode("utf-8"), "text/html; charset=utf-8")
        if url.path == "/saved":
            return self._send(200, _saved_json(), "application/json")
        if url.path not in ("/sparql", "/"):
            return self._error(404, f"no such page: {url.path}; the endpoint is /sparql")
        self._query(params)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path not in ("/sparql", "/"):
            return self._error(404, f"no such page: {url.path}; the endpoint is /sparql")
        params = parse_qs(url.query, keep_blank_values=True)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "bad Content-Length")
        if length > 4 * self.endpoint.max_query_chars + 1024:
            self.close_connection = True
            return self._error(413, f"the request is too large: the query is longer than "
                                    f"{self.endpoint.max_query_chars} characters")
        body = self.rfile.read(length).decode("utf-8", "replace")
        if ctype == "application/sparql-update":
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        if ctype == "application/sparql-query":
            params["query"] = [body]
        elif ctype in ("application/x-www-form-urlencoded", ""):
            for k, v in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        else:
            return self._error(415, f"unsupported Content-Type '{ctype}': send application/sparql-query "
                                    "or a form with query=")
        self._query(params)

    def _query(self, params: dict) -> None:
        if "update" in params:
            return self._error(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query") or []
        if len(queries) != 1 or not queries[0].strip():
            return self._error(400, "give one query: ?query=... (GET) or a form or "
                                    "application/sparql-query body (POST)")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self._error(400, "this endpoint serves one dataset: default-graph-uri and "
                                    "named-graph-uri are not supported")
        fmt_param = (params.get("format") or params.get("output") or [None])[0]
        try:
            kind = self.endpoint.check(queries[0])
            fmt = negotiate(kind, self.headers.get("Accept"), fmt_param)
            body = self.endpoint.answer(queries[0], fmt)
        except QueryRefused as exc:
            return self._error(exc.status, exc.message)
        table = GRAPH_TYPES if kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
        self._send(200, body, table[fmt] + "; charset=utf-8")


def _saved_json() -> bytes:
    """The saved questions for the page, with their defaults bound (VALUES) so they run as they are."""
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


def make_server(out: Path | None = None, store: Path | None = None, *, host: str = "127.0.0.1",
                port: int = 7878, timeout: float = 10.0, max_rows: int = 10000,
                max_query_chars: int = 20000, workers: int = 2,
                log: Callable[[str], None] | None = None) -> ThreadingHTTPServer:
    """A ready server (not yet serving): call ``serve_forever()``, then ``shutdown()`` and ``server_close()``.

    The returned server's ``endpoint`` attribute holds the :class:`Endpoint`; ``server_close()``
    also stops its workers. Port 0 picks a free port (``server.server_address[1]``).
    """
    endpoint = Endpoint(out, store, timeout=timeout, max_rows=max_rows, max_query_chars=max_query_chars,
                        workers=workers)
    handler = type("Handler", (_Handler,), {"endpoint": endpoint, "log": staticmethod(log) if log else None})

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def server_close(self) -> None:
            super().server_close()
            endpoint.close()

    try:
        server = Server((host, port), handler)
    except OSError as exc:
        endpoint.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.endpoint = endpoint
    return server


def serve(out: Path | None = None, store: Path | None = None, *, host: str = "127.0.0.1", port: int = 7878,
          timeout: float = 10.0, max_rows: int = 10000, workers: int = 2,
          log: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C). See :func:`make_server` for the parameters."""
    server = make_server(out, store, host=host, port=port, timeout=timeout, max_rows=max_rows,
                         workers=workers, log=log)
    h, p = server.server_address[:2]
    if log:
        log(f"SPARQL endpoint http://{h}:{p}/sparql (query page http://{h}:{p}/); "
            f"time limit {timeout:g} s, at most {max_rows} rows; Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>serbia-kg SPARQL</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;max-width:75em}
textarea{width:100%;height:14em;font:13px monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}#status{margin-left:1em;color:#555}pre{background:#f6f6f6;padding:.5em;overflow:auto}
.error{color:#a00}
</style></head><body>
<h1>serbia-kg SPARQL</h1>
<p>A read-only SPARQL 1.1 endpoint at <code>/sparql</code>. The prefixes skg:, skv:, ent:, claim:, src:, kgg:,
rdf:, rdfs:, xsd:, owl:, skos:, prov:, dcterms: and oa: are declared for you. A saved question comes with its
parameters bound in a <code>VALUES</code> line you can edit (remove it to match anything).</p>
<label>Saved question: <select id="saved"><option value="">(type your own)</option></select></label>
<p id="purpose"></p>
<textarea id="query">SELECT ?supplier ?system ?quantity WHERE {
  ?t a skg:ArmsTransfer ; skg:recipient ent:serbia ; skg:supplier ?supplier ; skg:system ?system .
  OPTIONAL { ?t skg:quantity ?quantity }
} ORDER BY ?supplier ?system</textarea>
<p><button id="run">Run</button><span id="status"></span></p>
<div id="result"></div>
<script>
var saved = [];
function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
fetch('saved').then(function (r) { return r.json(); }).then(function (items) {
  saved = items;
  var sel = document.getElementById('saved');
  items.forEach(function (q, i) { var o = el('option', q.name + ' \\u2014 ' + q.purpose); o.value = i; sel.appendChild(o); });
});
function describe(params) {
  if (!params.length) return '';
  return ' Parameters: ' + params.map(function (p) {
    return p.name + (p.required ? ' (required: add a line VALUES ?' + p.name + ' { ... })'
                     : p.default !== null ? ' (default: ' + p.default + ')' : '') + ', ' + p.description;
  }).join('; ') + '.';
}
document.getElementById('saved').onchange = function () {
  var q = saved[this.value];
  document.getElementById('purpose').textContent = q ? q.purpose + describe(q.params) : '';
  if (q) document.getElementById('query').value = q.query;
};
document.getElementById('run').onclick = function () {
  var status = document.getElementById('status'), out = document.getElementById('result');
  var text = document.getElementById('query').value;
  var graph = /^\\s*(#.*\\n\\s*)*(CONSTRUCT|DESCRIBE)/i.test(text.replace(/^\\s*PREFIX[^\\n]*\\n/gim, ''));
  status.textContent = 'running\\u2026'; out.innerHTML = '';
  var t0 = Date.now();
  fetch('sparql', {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
        'Accept': graph ? 'text/turtle' : 'application/sparql-results+json'}, body: text})
  .then(function (r) { return r.text().then(function (body) { return [r, body]; }); })
  .then(function (rb) {
    var r = rb[0], body = rb[1], secs = ((Date.now() - t0) / 1000).toFixed(2) + ' s';
    if (!r.ok) { status.textContent = ''; var p = el('p', r.status + ': ' + body); p.className = 'error'; out.appendChild(p); return; }
    if (graph) { status.textContent = secs; out.appendChild(el('pre', body)); return; }
    var data = JSON.parse(body);
    if (data.boolean !== undefined) { status.textContent = secs; out.appendChild(el('p', data.boolean ? 'yes' : 'no')); return; }
    var vars = data.head.vars, rows = data.results.bindings, table = el('table'), tr = el('tr');
    vars.forEach(function (v) { tr.appendChild(el('th', v)); }); table.appendChild(tr);
    rows.forEach(function (row) {
      var tr = el('tr');
      vars.forEach(function (v) { tr.appendChild(el('td', row[v] ? row[v].value : '')); });
      table.appendChild(tr);
    });
    status.textContent = rows.length + ' row(s), ' + secs; out.appendChild(table);
  })
  .catch(function (e) { status.textContent = 'failed: ' + e; });
};
</script></body></html>
"""
