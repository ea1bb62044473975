"""Talking to a remote SPARQL 1.1 server: uploads that survive digest authentication, and queries on our graphs.

Two things make a real server (Virtuoso) hard for Python's ``urllib``:

- **Digest authentication and large bodies.** ``urllib`` sends a request's whole body before it
  reads the ``401`` challenge; Virtuoso answers the challenge and closes the connection while
  the body is still being sent, so a large upload ends in a broken pipe. :class:`Client` asks for
  the challenge first with a bodiless request, then sends each upload once, already
  authenticated, streamed from a file (``http.client`` sends a file in blocks).
- **Many graphs in a query's dataset.** The SPARQL 1.1 Protocol's ``default-graph-uri`` and
  ``named-graph-uri`` parameters are echoed by Virtuoso as one response header each, and
  ``http.client`` refuses a response of more than 100 headers. :func:`with_dataset` writes the
  dataset into the query instead (``FROM``/``FROM NAMED``), which servers do not echo. Virtuoso 7.2
  takes at most 4,094 graphs named so; a larger dataset is asked of the whole server, with
  :func:`without_graphs` leaving out what is not the dataset's (:func:`graph.store.backends._remote_store`).
"""

from __future__ import annotations

import http.client
import re
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit
from urllib.request import (HTTPDigestAuthHandler, HTTPPasswordMgrWithDefaultRealm, Request,
                            parse_http_list, parse_keqv_list)

import pyoxigraph as ox

__all__ = ["Client", "HTTPFailure", "with_dataset", "without_graphs", "names_graphs", "has_own_page", "split_graphs",
           "iter_graphs", "TIMEOUT", "RETRIES"]

#: Seconds to wait for a remote server (per request).
TIMEOUT = 300
#: Attempts for a request that failed in a way a retry can mend (a reset, a 5xx, a timeout).
RETRIES = 4


class HTTPFailure(Exception):
    """A request failed: ``status`` (0 when no answer came), ``why`` (one line), ``retry`` (worth another try)."""

    def __init__(self, status: int, why: str, retry: bool) -> None:
        super().__init__(why)
        self.status, self.why, self.retry = status, why, retry


class Client:
    """HTTP to one server, with digest or basic authentication negotiated once and re-used.

    ``request`` sends a body (bytes or a file path) once: when authentication is needed it first
    asks for the challenge with a ``HEAD`` request of the same address.
    """

    def __init__(self, user: str | None = None, password: str | None = None, timeout: float = TIMEOUT,
                 retries: int = RETRIES, sleep: Callable[[float], None] = time.sleep) -> None:
        self.user, self.password = user, password
        self.timeout, self.retries, self.sleep = timeout, retries, sleep
        self._challenge: dict | None = None  # the last digest challenge seen
        #: The headers of the last answer (lower-case names).
        self.last_headers: dict = {}
        self._basic = False
        mgr = HTTPPasswordMgrWithDefaultRealm()
        self._digest = HTTPDigestAuthHandler(mgr)
        self._mgr = mgr

    # --- authentication ---------------------------------------------------------------------
    def _authorization(self, method: str, url: str) -> str | None:
        if self.user is None:
            return None
        if self._basic:
            import base64

            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            return f"Basic {token}"
        if self._challenge is None:
            return None
        self._mgr.add_password(self._challenge.get("realm"), url, self.user, self.password or "")
        req = Request(url, method=method)
        value = self._digest.get_authorization(req, self._challenge)
        return f"Digest {value}" if value else None

    def _learn(self, header: str | None) -> bool:
        """Take a ``WWW-Authenticate`` header; whether it is one we can answer."""
        if not header:
            return False
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "digest":
            chal = parse_keqv_list([x for x in parse_http_list(rest) if x])
            self._challenge = chal
            self._digest.nonce_count = 0  # type: ignore[attr-defined]  # urllib's own counters
            self._digest.last_nonce = None  # type: ignore[attr-defined]
            return True
        if scheme.lower() == "basic":
            self._basic = True
            return True
        return False

    # --- one exchange ------------------------------------------------------------------------
    def _send(self, method: str, url: str, body: bytes | Path | None, headers: dict) -> tuple[int, dict, bytes]:
        parts = urlsplit(url)
        conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(parts.hostname or "", parts.port, timeout=self.timeout)
        target = parts.path + ("?" + parts.query if parts.query else "")
        headers = dict(headers)
        auth = self._authorization(method, url)
        if auth:
            headers["Authorization"] = auth
        try:
            if isinstance(body, Path):
                headers["Content-Length"] = str(body.stat().st_size)
                with open(body, "rb") as fh:
                    resp = _exchange(conn, method, target, fh, headers)
            else:
                if body is not None:
                    headers["Content-Length"] = str(len(body))
                resp = _exchange(conn, method, target, body, headers)
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        except (OSError, http.client.HTTPException) as exc:
            raise HTTPFailure(0, f"no answer from {parts.netloc}: {exc}", retry=True) from None
        finally:
            conn.close()

    def request(self, method: str, url: str, body: bytes | Path | None = None,
                headers: dict | None = None) -> tuple[int, str, bytes]:
        """Send one request (retried on resets and 5xx); return (status, content type, body).

        Raises :class:`HTTPFailure` for a 4xx answer or when the retries are spent.
        """
        headers = headers or {}
        failure: HTTPFailure | None = None
        for attempt in range(self.retries):
            if attempt:
                self.sleep(min(0.5 * 2 ** attempt, 8.0))
            try:
                if self.user is not None and self._challenge is None and not self._basic and body is not None:
                    self._ask_challenge(url)
                status, head, data = self._send(method, url, body, headers)
                if status == 401 and self.user is not None and self._learn(head.get("www-authenticate")):
                    status, head, data = self._send(method, url, body, headers)  # a fresh nonce
            except HTTPFailure as exc:
                failure = exc
                continue
            if status < 400:
                self.last_headers = head
                return status, head.get("content-type", ""), data
            why = _first_line(data) or http.client.responses.get(status, "")
            if status == 401:
                why = (f"the server refused the account '{self.user}': check --user and --password"
                       if self.user is not None else "the server wants an account: give --user and --password") \
                    + " (or SERBIA_KG_USER and SERBIA_KG_PASSWORD)"
                raise HTTPFailure(status, f"HTTP 401: {why}", retry=False)
            failure = HTTPFailure(status, f"HTTP {status}: {why}", retry=status >= 500 or status == 429)
            if not failure.retry:
                raise failure
        assert failure is not None
        raise failure

    def _ask_challenge(self, url: str) -> None:
        status, head, _ = self._send("HEAD", url, None, {})
        if status == 401:
            self._learn(head.get("www-authenticate"))


def _exchange(conn: http.client.HTTPConnection, method: str, target: str, body, headers: dict
              ) -> http.client.HTTPResponse:
    """Send one request and read its answer, even one the server sent before it read the whole body.

    A server may refuse a request from its headers alone (a 401 for a wrong account, a 413) and close the
    connection while the body is still being sent: the send then fails with a broken pipe or a reset,
    but the server's answer is already waiting to be read, and it, not the broken pipe, is the answer.
    """
    try:
        conn.request(method, target, body=body, headers=headers)
    except (BrokenPipeError, ConnectionResetError) as exc:
        try:
            return conn.getresponse()
        except (OSError, http.client.HTTPException):
            raise exc from None
    return conn.getresponse()


def _first_line(data: bytes) -> str:
    lines = [x.strip() for x in data.decode("utf-8", "replace").splitlines() if x.strip()]
    text = lines[0] if lines else ""
    text = re.sub(r"<[^>]+>", " ", text).strip()
    return text[:200]


# --- the dataset of a query -------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z_0-9]+)
  | (?P<pname>[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]*)
  | (?P<word>[A-Za-z_][A-Za-z_0-9-]*)
  | (?P<open>[{(])
  | (?P<close>[})])
  | (?P<other>\S)
""", re.X)


def has_own_page(query: str) -> bool:
    """Whether ``query`` says ``LIMIT`` or ``OFFSET`` anywhere (outside strings, IRIs and comments).

    >>> has_own_page("SELECT ?limit { ?s ex:limit 'LIMIT' }"), has_own_page("SELECT * { ?s ?p ?o } limit 5")
    (False, True)
    """
    return any(m.lastgroup == "word" and m.group().upper() in ("LIMIT", "OFFSET") for m in _TOKEN.finditer(query))


def names_graphs(query: str) -> bool:
    """Whether ``query`` has a ``GRAPH`` pattern (outside strings, IRIs and comments): only then does
    its dataset need named graphs.

    >>> names_graphs("SELECT ?g WHERE { GRAPH ?g { ?s ?p 'GRAPH' } }"), names_graphs("ASK { ?graph ?p <urn:GRAPH> }")
    (True, False)
    """
    return any(m.lastgroup == "word" and m.group().upper() == "GRAPH" for m in _TOKEN.finditer(query))


def _dataset_at(query: str) -> int | None:
    """Where a dataset clause goes in ``query`` (before its ``WHERE`` or its pattern's ``{``); ``None`` for a
    query that states its own dataset (``FROM`` or ``FROM NAMED``) and for an update."""
    depth, form, template = 0, None, False
    for m in _TOKEN.finditer(query):
        kind, text = m.lastgroup, m.group()
        if kind in ("comment", "string", "iri"):
            continue
        if kind == "word":
            word = text.upper()
            if depth == 0 and form is None and word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
                form = word
                template = word == "CONSTRUCT"
                continue
            if depth == 0 and form is None and word in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE",
                                                        "ADD", "MOVE", "COPY", "WITH"):
                return None
            if depth == 0 and form is not None and word == "FROM":
                return None
            if depth == 0 and form is not None and word == "WHERE":
                return m.start()
            continue
        if kind == "open":
            if text == "{" and depth == 0 and form is not None:
                if template:
                    template = False  # CONSTRUCT's template: the dataset goes after it
                else:
                    return m.start()
            depth += 1
        elif kind == "close":
            depth -= 1
    return None


def with_dataset(query: str, default: Iterable[str], named: Iterable[str]) -> str:
    """``query`` with ``FROM <g>`` for each of ``default`` and ``FROM NAMED <g>`` for each of ``named``.

    A query that states its own dataset (``FROM`` or ``FROM NAMED``) and an update are returned
    as they are.

    >>> with_dataset("PREFIX a: <http://a/> SELECT ?s WHERE { ?s a:p 1 }", ["http://g/1"], ["http://g/1"])
    'PREFIX a: <http://a/> SELECT ?s FROM <http://g/1> FROM NAMED <http://g/1> WHERE { ?s a:p 1 }'
    >>> with_dataset("ASK { ?s ?p '{' }", ["http://g/1"], [])
    "ASK FROM <http://g/1> { ?s ?p '{' }"
    >>> with_dataset("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g/1"], [])
    'CONSTRUCT { ?s ?p ?o } FROM <http://g/1> WHERE { ?s ?p ?o }'
    >>> with_dataset("SELECT ?where WHERE { ?where a ex:from }", ["http://g/1"], [])
    'SELECT ?where FROM <http://g/1> WHERE { ?where a ex:from }'
    """
    at = _dataset_at(query)
    if at is None:
        return query
    clause = " ".join([f"FROM <{g}>" for g in default] + [f"FROM NAMED <{g}>" for g in named])
    return f"{query[:at]}{clause} {query[at:]}"


def without_graphs(query: str, excluded: Iterable[str]) -> str:
    """``query`` asked of every graph of a Virtuoso server but ``excluded``: Virtuoso's own pragmas
    ``DEFINE input:default-graph-exclude <g>`` and ``DEFINE input:named-graph-exclude <g>`` before it
    (without ``FROM``, Virtuoso's default graph is the merge of all its graphs and ``GRAPH ?g`` ranges over
    all of them; these leave ``excluded`` out of both). Not standard SPARQL: only for a server that
    answers them (:func:`graph.store.backends._remote_store` checks). A query that states its own dataset
    and an update are returned as they are.

    >>> print(without_graphs("PREFIX a: <http://a/> ASK { ?s a:p 1 }", ["http://g/x"]))
    DEFINE input:default-graph-exclude <http://g/x> DEFINE input:named-graph-exclude <http://g/x>
    PREFIX a: <http://a/> ASK { ?s a:p 1 }
    >>> without_graphs("SELECT * FROM <http://g/1> { ?s ?p ?o }", ["http://g/x"])
    'SELECT * FROM <http://g/1> { ?s ?p ?o }'
    """
    if _dataset_at(query) is None:
        return query
    pragmas = " ".join(f"DEFINE input:default-graph-exclude <{g}> DEFINE input:named-graph-exclude <{g}>"
                       for g in excluded)
    return f"{pragmas}\n{query}" if pragmas else query


# --- push: one named graph per PUT ------------------------------------------------------------

def iter_graphs(dataset: Path, folder: Path) -> Iterator[tuple[str, Path, int]]:
    """Write each named graph of ``dataset`` (N-Quads or TriG) to an N-Triples file in ``folder``, and yield
    ``(graph IRI, file, triples)`` as soon as the graph's file is complete, so that it can be sent while the
    rest is split.

    The N-Quads of a build come graph by graph, so a graph is complete when the next one begins. A graph that
    comes back after another one (a dataset written in another order) is copied to a new file that takes the
    rest of its triples, and yielded again, complete, at the end: the last file yielded for a graph is the
    whole graph (a file already yielded is never written to again). Read by pyoxigraph as a stream: memory
    stays flat.
    """
    fmt = ox.RdfFormat.N_QUADS if dataset.suffix == ".nq" else ox.RdfFormat.TRIG
    files: dict[str, tuple[Path, int]] = {}
    again: list[str] = []  # graphs that came back after they were yielded: yielded once more at the end
    made = 0
    name: str | None = None
    fh = None
    try:
        for quad in ox.parse(path=str(dataset), format=fmt):
            g = quad.graph_name
            if not isinstance(g, ox.NamedNode):
                continue
            if g.value != name:  # one file open at a time
                if fh is not None:
                    fh.close()
                    fh = None
                    assert name is not None
                    if name not in again:
                        yield name, files[name][0], files[name][1]
                name = g.value
                path = folder / f"{made:06d}.nt"
                made += 1
                if name in files:  # back after another graph: its file was yielded, so copy it
                    old, count = files[name]
                    path.write_bytes(old.read_bytes())
                    files[name] = (path, count)
                    if name not in again:
                        again.append(name)
                else:
                    files[name] = (path, 0)
                fh = open(path, "a", encoding="utf-8")
            assert fh is not None
            fh.write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            files[name] = (files[name][0], files[name][1] + 1)
    finally:
        if fh is not None:
            fh.close()
    if name is not None and name not in again:
        yield name, files[name][0], files[name][1]
    for back in again:
        yield back, files[back][0], files[back][1]


def split_graphs(dataset: Path, folder: Path) -> dict[str, tuple[Path, int]]:
    """Each named graph of ``dataset`` written to an N-Triples file in ``folder`` (:func:`iter_graphs`):
    ``{graph IRI: (file, triples)}``."""
    return {name: (path, count) for name, path, count in iter_graphs(dataset, folder)}
