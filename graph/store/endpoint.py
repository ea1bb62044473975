"""The query side of ``serbia-kg serve``: a request checked, run in a worker process, bounded.

- :func:`scan` reads a query lexically (strings, IRIs and comments cannot hide a keyword from it):
  its form, whether it names its dataset (``FROM``); an update or ``SERVICE`` is refused (403);
- each worker process holds the dataset in Oxigraph (parsed there, never by rdflib's thread-unsafe
  parser) and runs one query at a time; it leaves every network where the system allows it (a
  private network namespace), so no query makes an outbound request;
- :class:`Endpoint` hands a job to a free worker; one running longer than ``timeout`` s or growing
  past ``max_memory`` MB is stopped by ending its worker, which is replaced; at most ``max_queue``
  jobs wait, each at most ``queue_timeout`` s, else 503 with Retry-After;
- the endpoint answers one build generation for its whole life, so an answer cannot change: answers
  are kept (:class:`Answers`, least recently used out, at most ``cache_mb`` MB) by query text,
  result format and request dataset, and a question asked again, or asked by several clients at
  once, is run once.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from graph.model.errors import InputError, KGError
from graph.store.results import boolean

__all__ = ["Answers", "Endpoint", "Limits", "Job", "QueryRefused", "Scan", "scan"]

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
    graph.store.endpoint.QueryRefused: SERVICE calls to other endpoints are refused by this endpoint

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
    cache_mb: int = 64  # answers kept (0: none)


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

    def key(self) -> tuple:
        """What makes one answer: the text, the format, the request's dataset."""
        return (self.text, self.fmt, tuple(self.default_graphs), tuple(self.named_graphs))


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
        return job.fmt, boolean(bool(raw), job.fmt)
    if isinstance(raw, ox.QuerySolutions):
        return job.fmt, _solutions(raw, job.fmt, limits)
    triples = _bounded(raw, limits, "triples",
                       lambda t: len(t.subject.value) + len(t.predicate.value) + len(t.object.value))
    fmt = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
           "xml": ox.RdfFormat.RDF_XML}[job.fmt]
    body = ox.serialize(triples, format=fmt, prefixes=dict(PREFIXES_TEXT) if job.fmt == "turtle" else None)
    return job.fmt, body or b""  # (bytes when no output is given)


class _TooBig(Exception):
    pass


#: What stands between two rows of a serialised result (and how many more rows than marks there are).
#: Exact for XML and TSV, whose values are escaped; in JSON ``},{`` and in CSV ``\\r\\n`` may also stand
#: inside a value, and then a row is counted twice: the bound errs on the strict side.
_ROW_MARKS = {"json": (b"},{", 1), "xml": (b"<result>", 0), "tsv": (b"\n", -1), "csv": (b"\r\n", -1)}


class _Capped:
    """A file for a serialiser that fails its ``write`` once more than ``max_bytes`` bytes or more
    than ``max_rows`` rows (counted by :data:`_ROW_MARKS` as the bytes come) have been written."""

    def __init__(self, fmt: str, max_bytes: int, max_rows: int) -> None:
        self.mark, self.extra = _ROW_MARKS[fmt]
        self.max_bytes, self.max_rows = max_bytes, max_rows
        self.size, self.marks = 0, 0
        self.parts: list[bytes] = []
        self.tail = b""  # the last bytes written, where a mark may begin

    def write(self, data) -> int:
        data = bytes(data)
        self.size += len(data)
        if self.size > self.max_bytes:
            raise _TooBig(f"the result holds more than {self.max_bytes} bytes; narrow the query")
        self.marks += (self.tail + data).count(self.mark)
        self.tail = data[-(len(self.mark) - 1):] if len(self.mark) > 1 else b""
        if self.marks + self.extra > self.max_rows:
            raise _TooBig(f"the result has more than {self.max_rows} rows; add a LIMIT or narrow the query")
        self.parts.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def rows(self) -> int:
        """The rows written (never fewer than there are)."""
        body_empty = self.mark == b"},{" and b"".join(self.parts[-1:]).endswith(b'"bindings":[]}}')
        return 0 if body_empty else self.marks + self.extra


def _solutions(raw, fmt: str, limits: Limits) -> bytes:
    """SELECT results written by Oxigraph's own serialisers, bounded in bytes and rows as they are written."""
    import pyoxigraph as ox

    out = _Capped(fmt, limits.max_bytes, limits.max_rows)
    try:
        raw.serialize(out, {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt])
    except _TooBig as exc:
        raise QueryRefused(422, str(exc)) from None
    return b"".join(out.parts)


def _rows(body: bytes, fmt: str) -> int:
    """The rows of a serialised result, counted as :class:`_Capped` counts them."""
    out = _Capped(fmt, len(body), len(body))
    out.write(body)
    return out.rows()


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


class _Gone(Exception):
    """A worker that had ended before it was given a job (:meth:`_Worker.ask`)."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx, out, store, limits: Limits) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, out, store, limits), daemon=True)
        self.proc.start()
        child.close()
        self.info: dict = {}
        # a worker replaced by a request's thread may be stopped at once by the endpoint's close()
        self._stopping = threading.Lock()

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
        """The worker's reply, or ``("stopped", why)`` after ending it (too slow or too big).

        Raises
        ------
        _Gone
            When the worker had ended before it was given the job (killed while idle): not the job's doing.
        """
        if not self.proc.is_alive():
            raise _Gone()
        try:
            self.conn.send(job)
        except OSError:  # (a broken pipe: it ended before reading the job)
            raise _Gone() from None
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
        """End the process and close the pipe; once, whichever threads ask."""
        with self._stopping:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
            if not self.conn.closed:
                self.conn.close()


class Answers:
    """Answers already given, by :meth:`Job.key`: the least recently used go first past ``max_bytes``.

    One asked while another thread runs it waits for that run (:meth:`run`): a question asked by
    many clients at once takes one worker, once.

    >>> answers = Answers(100)
    >>> answers.run("k", lambda: b"42"), answers.run("k", lambda: b"other")
    (b'42', b'42')
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        #: Answers given from those kept, and questions run (a statistic, for tests and benchmarks).
        self.hits = self.runs = 0
        self._kept: OrderedDict[tuple, bytes] = OrderedDict()
        self._running: dict[tuple, tuple[threading.Event, list]] = {}
        self._lock = threading.Lock()

    def get(self, key) -> bytes | None:
        with self._lock:
            body = self._kept.get(key)
            if body is not None:
                self._kept.move_to_end(key)
                self.hits += 1
            return body

    def put(self, key, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:  # one large answer does not push out all the others
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = body
            self.size += len(body)
            while self.size > self.max_bytes:
                _, old = self._kept.popitem(last=False)
                self.size -= len(old)

    def run(self, key, compute: Callable[[], bytes], wait: float = 60.0) -> bytes:
        """The kept answer of ``key``, or ``compute()`` run once however many threads ask at once.

        A waiting thread gets what the running one got: its answer or its :class:`QueryRefused`.
        """
        body = self.get(key)
        if body is not None:
            return body
        with self._lock:
            running = self._running.get(key)
            leader = running is None
            if leader:
                running = self._running[key] = (threading.Event(), [])
        assert running is not None
        done, outcome = running
        if not leader:
            if not done.wait(wait) or not outcome:
                raise QueryRefused(503, "the endpoint is busy; try again shortly", retry_after=2)
            if isinstance(outcome[0], QueryRefused):
                raise outcome[0]
            return outcome[0]
        try:
            self.runs += 1
            body = compute()
            outcome.append(body)
            self.put(key, body)
            return body
        except QueryRefused as exc:
            outcome.append(exc)
            raise
        finally:
            with self._lock:
                del self._running[key]
            done.set()


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
        from graph.model import generation

        # one generation for the life of the endpoint: every worker, replacements included, opens
        # the folder the output folder (or store) points to now, which no build removes (pinned)
        self._pin = generation.pin(Path(store) if store is not None else Path(out) if out is not None else Path("out"))
        #: The generation folder answered from (``None`` for an output folder of an older layout).
        self.folder = self._pin.folder
        self.store: Path | None
        if store is not None:
            self.out, self.store = out, self._pin.path
        else:
            self.out, self.store = self._pin.path, None
        self.limits = limits or Limits()
        self.start_timeout = start_timeout
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._waiting = 0
        self.stopped = False
        #: Answers kept for this generation (:class:`Answers`).
        self.answers = Answers(self.limits.cache_mb * 2**20)
        started = [w for w in (self._new_worker() for _ in range(workers)) if w is not None]
        try:
            for w in started:
                w.wait_ready(start_timeout)
        except KGError:
            self.close()
            raise
        self.info = started[0].info
        for w in started:
            self._idle.put(w)

    def _new_worker(self) -> _Worker | None:
        """A started worker, counted among the endpoint's; ``None`` once the endpoint is closed."""
        with self._lock:  # (close() stops what is counted: none is started behind its back)
            if self.stopped:
                return None
            w = _Worker(self._ctx, self.out, self.store, self.limits)
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
            if w is None:
                return
            try:
                w.wait_ready(self.start_timeout)
            except (KGError, OSError, TypeError, ValueError):  # (TypeError, ValueError: its pipe closed by close())
                w.stop()
                return
            if self.stopped:
                w.stop()
            else:
                self._idle.put(w)

        threading.Thread(target=start, daemon=True).start()

    def job(self, text: str, fmt: Callable[[str], str], default_graphs: list[str],
            named_graphs: list[str]) -> Job:
        """Check a request and make its job; ``fmt`` gives the result format for the query's form.

        Raises
        ------
        QueryRefused
            413 too long, 403 update or SERVICE, 400 no query form or a dataset given twice,
            and what ``fmt`` raises (406).
        """
        if len(text) > self.limits.max_query_chars:
            raise QueryRefused(413, f"the query is longer than {self.limits.max_query_chars} characters")
        found = scan(text)
        if found.has_dataset and (default_graphs or named_graphs):
            raise QueryRefused(400, "the dataset is given twice: use FROM in the query or "
                                    "default-graph-uri/named-graph-uri in the request, not both")
        return Job(text, found.kind, fmt(found.kind), found.has_dataset,
                   default_graphs, named_graphs)

    def answer(self, job: Job) -> bytes:
        """A checked job's serialised result: the kept one, or the one a free worker gives.

        Raises
        ------
        QueryRefused
            503 (with Retry-After) when the queue is full or no worker frees up in time, 503 when
            it runs out of time or memory (its worker is replaced), 422 when too large, 400 when
            the engine cannot run it.
        """
        if not self.limits.cache_mb:
            return self._run(job)
        return self.answers.run(job.key(), lambda: self._run(job),
                                wait=self.limits.queue_timeout + self.limits.timeout + 5)

    def _run(self, job: Job) -> bytes:
        for _ in range(len(self._all) + 1):  # a worker found ended while idle is replaced, and the next one asked
            worker = self._idle_worker()
            try:
                reply = worker.ask(job, self.limits)
            except _Gone:
                self._replace(worker)
                continue
            except (OSError, EOFError):
                reply = ("stopped", "the query engine stopped on this query")
            break
        else:
            raise QueryRefused(503, "the query workers keep ending; try again shortly", retry_after=2)
        if reply[0] == "stopped" or (reply[0] == "error" and reply[1] == 500):
            self._replace(worker)
        else:
            self._idle.put(worker)
        if reply[0] == "stopped":
            raise QueryRefused(503, reply[1])
        if reply[0] == "error":
            raise QueryRefused(reply[1], reply[2])
        return reply[2]

    def _idle_worker(self) -> _Worker:
        """A free worker, waited for in the bounded queue (503 when it is full or none frees up in time)."""
        with self._lock:
            if self._waiting >= self.limits.max_queue:
                raise QueryRefused(503, "the endpoint is busy; try again shortly", retry_after=1)
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.limits.queue_timeout)
        except queue.Empty:
            raise QueryRefused(503, "the endpoint is busy; try again shortly", retry_after=2) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def close(self) -> None:
        """Stop every worker (and let builds remove the generation it answered from)."""
        with self._lock:
            self.stopped = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()
        self._pin.close()


