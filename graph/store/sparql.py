"""Running SPARQL on the dataset: the project's prefixes, saved questions, result formats.

Every query gets the project's prefixes (:data:`graph.model.terms.PREFIXES`) declared for it, so
``skg:supplier`` or ``ent:serbia`` work without a ``PREFIX`` line. Saved questions are the
``.rq`` files of ``ontology/queries/``; each opens with comment lines: the first says what
research question it answers, and ``# param: NAME (KIND) what it is; default: VALUE`` lines
declare its parameters (``; required`` instead of a default: the question cannot be asked without
it). Parameters are bound with a SPARQL ``VALUES`` block at the start of the query's ``WHERE``
group (:func:`graph.store.querytext.bind_values`, never by pasting text into the query), so the
same bound query runs unchanged on memory, Oxigraph and a remote server. A parameter left out (and
without a default) is not bound: it matches anything.

A question that lists many rows gives them a page at a time: a ``limit`` parameter (kind
``limit``) and an ``offset`` parameter (kind ``offset``) set its ``LIMIT`` and ``OFFSET`` (the
query's last ``LIMIT`` clause; the file holds the default page, so it also runs as it is). When
that ``LIMIT`` closes a sub-select, the parameters are bound in the sub-select's ``WHERE`` group,
so that the page is taken from the rows that match them.

>>> kind_of("SELECT * WHERE { ?s ?p ?o }")
'SELECT'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from graph.model.errors import InputError, UnknownName
from graph.model.names import Names, fold, resolve, suggest
from graph.model.resources import ontology_dir
from graph.model.terms import ENTITY, PREFIXES, SOURCE
from graph.store.native import oxigraph_of
from graph.store.querytext import bind_values, last_limit, set_page
from graph.store.results import boolean
from graph.model.rdfterms import to_oxigraph, to_rdflib

__all__ = ["StoreQuads", "PROLOGUE", "FORMATS", "GRAPH_FORMATS", "Param", "SavedQuery", "saved_queries", "saved_query",
           "check_syntax", "kind_of", "resolve_param", "run", "run_text", "format_result", "queries_dir", "oxigraph_of",
           "NativeResult"]

#: The PREFIX lines declared for every query.
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
PREFIXES_TEXT = {p: str(ns) for p, ns in PREFIXES.items()}
_PROLOGUE_LINES = PROLOGUE.count("\n")
#: Result formats of SELECT and ASK: name -> (rdflib serializer, media type).
FORMATS = {
    "table": (None, "text/plain"),
    "json": ("json", "application/sparql-results+json"),
    "csv": ("csv", "text/csv"),
    "tsv": (None, "text/tab-separated-values"),
    "xml": ("xml", "application/sparql-results+xml"),
}
#: Result formats of CONSTRUCT and DESCRIBE: name -> (rdflib serializer, media type).
GRAPH_FORMATS = {
    "turtle": ("turtle", "text/turtle"),
    "nt": ("nt", "application/n-triples"),
    "jsonld": ("json-ld", "application/ld+json"),
    "xml": ("xml", "application/rdf+xml"),
}
PARAM_KINDS = ("entity", "source", "string", "integer", "year", "iri", "limit", "offset")
#: Kinds that set the page (the query's LIMIT and OFFSET) rather than bind a variable.
PAGE_KINDS = ("limit", "offset")
_PARAM_LINE = re.compile(r"^#\s*param:\s*(\w+)\s*\((\w+)\)\s*(.*)$")
_DEFAULT = re.compile(r";\s*default:\s*(.+?)\s*$")
_REQUIRED = re.compile(r";\s*required\s*$")


def queries_dir() -> Path:
    """The folder of the saved questions (``ontology/queries``)."""
    return ontology_dir() / "queries"


@dataclass
class Param:
    """A parameter of a saved question: ``# param: NAME (KIND) description; default: VALUE``.

    ``; required`` in place of a default: the question is not run without it. Kinds ``limit``
    and ``offset`` set the page (the query's ``LIMIT`` and ``OFFSET``) instead of binding a variable.
    """

    name: str
    kind: str
    description: str
    default: str | None = None
    required: bool = False


@dataclass
class SavedQuery:
    """A saved question: its name (the file's stem), purpose (first comment line), parameters, text."""

    name: str
    path: Path
    purpose: str
    params: list[Param] = field(default_factory=list)
    text: str = ""


def _read_saved(path: Path) -> SavedQuery:
    text = path.read_text(encoding="utf-8")
    purpose, params = "", []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        m = _PARAM_LINE.match(line)
        if m:
            name, kind, rest = m.groups()
            if kind not in PARAM_KINDS:
                raise InputError(f"parameter '{name}': unknown kind '{kind}' (one of {', '.join(PARAM_KINDS)})",
                                 file=path, line=n)
            required = bool(_REQUIRED.search(rest))
            rest = _REQUIRED.sub("", rest)
            d = _DEFAULT.search(rest)
            param = Param(name, kind, _DEFAULT.sub("", rest).strip(), d.group(1) if d else None, required)
            if required and param.default is not None:
                raise InputError(f"parameter '{name}': required, so it takes no default", file=path, line=n)
            if kind in PAGE_KINDS:
                if param.default is None or not param.default.isdigit():
                    raise InputError(f"parameter '{name}' ({kind}): its default must be a whole number",
                                     file=path, line=n)
                if last_limit(text) is None:
                    raise InputError(f"parameter '{name}' ({kind}): the query has no LIMIT clause to set",
                                     file=path, line=n)
            params.append(param)
        elif not purpose:
            purpose = line.lstrip("#").strip()
    if not purpose:
        raise InputError("a saved query must open with a comment saying what it answers", file=path, line=1)
    return SavedQuery(path.stem, path, purpose, params, text)


def saved_queries(folder: Path | None = None) -> list[SavedQuery]:
    """Every saved question of ``folder`` (default: the package's), sorted by name."""
    folder = Path(folder) if folder is not None else queries_dir()
    return [_read_saved(p) for p in sorted(folder.glob("*.rq"))]


def saved_query(name: str, folder: Path | None = None) -> SavedQuery:
    """The saved question called ``name``.

    Raises
    ------
    UnknownName
        If there is none, with the closest names as suggestions.
    """
    found = {q.name: q for q in saved_queries(folder)}
    if name.removesuffix(".rq") in found:
        return found[name.removesuffix(".rq")]
    error = UnknownName("saved query", name, suggest(name, {fold(q): q for q in found}))
    error.message += " (`serbia-kg sparql --list` lists the saved questions)"
    raise error


def check_syntax(text: str, *, where: str = "query") -> str:
    """Parse ``text`` (with the project's prefixes); return its kind, or raise one clear error.

    Returns
    -------
    str
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.

    Raises
    ------
    InputError
        A syntax error, with line and column in the user's text; or an update given as a query.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(PROLOGUE + text)
        translateQuery(tree)
    except ParseException as exc:
        try:
            update = parseUpdate(PROLOGUE + text)
        except ParseException:
            pass
        else:
            if "request" not in update:  # nothing but white space, comments or prefixes
                raise InputError("the query is empty: give a SELECT, ASK, CONSTRUCT or DESCRIBE query",
                                 file=where) from None
            raise InputError("this is a SPARQL Update; only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) "
                             "are run", file=where) from None
        line = exc.lineno - _PROLOGUE_LINES
        raise InputError(f"syntax error at line {line}, column {exc.col}:\n{_caret(exc.line, exc.col)}",
                         file=where) from None
    except Exception as exc:  # rdflib raises a bare Exception for e.g. an undeclared prefix
        raise InputError(f"bad query: {exc}", file=where) from None
    return tree[1].name.removesuffix("Query").upper()


def _caret(line: str, col: int, room: int = 100) -> str:
    """The query's line, indented, and a caret under column ``col`` (1-based); a long line is cut
    around the column so that both fit in ``room`` characters."""
    line = line.expandtabs(1).rstrip()
    start = max(0, min(col - 1 - room // 2, len(line) - room))
    shown = ("…" if start else "") + line[start:start + room] + ("…" if len(line) > start + room else "")
    pad = col - 1 - start + (1 if start else 0)
    return f"  {shown}\n  {' ' * pad}^"


def kind_of(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (raises :class:`InputError` if it does not parse)."""
    return check_syntax(text)


def _entity_names(ds) -> Names:
    """Every entity of the dataset (under ``ent:``) with its preferred label and aliases, for the name lookup."""
    query = "SELECT DISTINCT ?e ?p ?l WHERE { ?e ?p ?l FILTER(?p IN (skos:prefLabel, skos:altLabel)) }"
    native = oxigraph_of(ds)
    rows = ((str(e), str(p), str(label)) for e, p, label in ds.query(PROLOGUE + query)) if native is None else (
        (r["e"].value, r["p"].value, r["l"].value) for r in _run_native(native, query, where="names")._native_rows())
    base, pref = str(ENTITY), str(SKOS.prefLabel)
    labels: dict[str, set[str]] = {}
    aliases: dict[str, set[str]] = {}
    for e, p, label in rows:
        if e.startswith(base):
            (labels if p == pref else aliases).setdefault(e[len(base):], set()).add(label)
    names = Names()
    for eid in sorted(set(labels) | set(aliases)):
        own = sorted(labels.get(eid, ()))
        names.add(eid, "entity", own[0] if own else eid, own[1:] + sorted(aliases.get(eid, ())))
    return names


def _is_entity(ds, iri: URIRef) -> bool:
    """Whether ``iri`` is an entity of the registry (it has a preferred label): one look-up."""
    return bool(run(ds, bind_values("ASK { ?e skos:prefLabel ?label }", {"e": iri}), where="names").askAnswer)


def resolve_param(ds, param: Param, value: str):
    """The rdflib term for ``value`` of ``param``: an entity by IRI, ``ent:slug``, id, label or alias.

    An entity's id names it; other names (labels, aliases, in any case, with or without
    diacritics) are looked up among every entity's names and must name one entity.

    Raises
    ------
    UnknownName
        An entity name that matches nothing (with suggestions).
    InputError
        A value that does not fit the parameter's kind.
    """
    if param.kind == "source":
        return _source(ds, param, value)
    if param.kind in ("entity", "iri"):
        v = value.strip()
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        if re.match(r"^[a-z][\w+.-]*://", v):
            return URIRef(v)
        prefix, _, local = v.partition(":")
        if local and prefix in PREFIXES and " " not in v:
            return URIRef(PREFIXES[prefix] + local)
        if param.kind == "iri":
            raise InputError(f"parameter '{param.name}': '{value}' is not an IRI")
        if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", v) and _is_entity(ds, ENTITY[v]):
            return ENTITY[v]  # an entity's id names it (as in the registry), without reading every name
        return ENTITY[resolve(_entity_names(ds), v, what="entity")]
    if param.kind in ("integer", "year"):
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise InputError(f"parameter '{param.name}': '{value}' is not a whole number")
        return Literal(int(value), datatype=XSD.integer) if param.kind == "integer" \
            else Literal(value.strip(), datatype=XSD.gYear)
    return Literal(value)


def _source(ds, param: Param, value: str) -> URIRef:
    """A source of the dataset named by its id (as its folder), ``src:ID`` or its IRI; an unknown one is an
    :class:`UnknownName` with the closest ids."""
    v = value.strip()
    v = v[1:-1] if v.startswith("<") and v.endswith(">") else v
    sid = v[len(str(SOURCE)):] if v.startswith(str(SOURCE)) else v.removeprefix("src:")
    if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", sid) and run(
            ds, bind_values("ASK { ?s a skg:Source }", {"s": SOURCE[sid]}), where="names").askAnswer:
        return SOURCE[sid]
    ids = [str(row[0])[len(str(SOURCE)):] for row in run(ds, "SELECT ?s WHERE { ?s a skg:Source }", where="names")]
    raise UnknownName("source", value, suggest(sid, {fold(i): i for i in ids}))


class StoreQuads:
    """An Oxigraph store read by quad pattern, as rdflib terms: the ``quads`` method of an rdflib
    ``Dataset`` (the union of the named graphs, or one of them), for code written against one, such as
    :func:`graph.compile.corroboration.linked_conflicts`, without loading rdflib's SPARQL engine."""

    def __init__(self, store) -> None:
        self.store = store

    def quads(self, pattern: tuple):
        s, p, o, g = pattern
        for q in self.store.quads_for_pattern(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), to_oxigraph(g)):
            if type(q.graph_name) is ox.DefaultGraph:
                continue  # the default graph holds nothing of a built dataset
            yield to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), to_rdflib(q.graph_name)


class NativeResult:
    """The result of a query run natively on an Oxigraph store, with rdflib's Result interface.

    ``type``, ``vars``, ``askAnswer``, iteration (tuples of rdflib terms), ``bindings`` and
    ``graph`` are given as rdflib gives them (terms converted lazily, when asked for); the
    standard result formats are written by pyoxigraph's serializers (:meth:`serialize_native`).
    """

    def __init__(self, store, text: str, raw) -> None:
        from rdflib.term import Variable

        self._store, self._text, self._raw = store, text, raw
        self._rows: list | None = None
        self._bindings: list[dict] | None = None
        self._graph: Graph | None = None
        self.askAnswer: bool | None
        self.vars: list[Variable] | None
        if isinstance(raw, ox.QueryBoolean):
            self.type, self.askAnswer, self.vars = "ASK", bool(raw), None
        elif isinstance(raw, ox.QuerySolutions):
            self.type, self.askAnswer = "SELECT", None
            self.vars = [Variable(v.value) for v in raw.variables]
        else:
            self.type, self.askAnswer, self.vars = "CONSTRUCT", None, None

    def _native_rows(self) -> list:
        if self._rows is None:
            raw, self._raw = self._raw, None
            self._rows = list(raw) if raw is not None else list(self._again())
        return self._rows

    def _again(self):
        return self._store.query(self._text, prefixes=dict(PREFIXES_TEXT), use_default_graph_as_union=True)

    def materialise(self) -> "NativeResult":
        """Evaluate now (so that evaluation errors surface at once)."""
        if self.type != "ASK":
            self._native_rows()
        return self

    def __len__(self) -> int:
        return 1 if self.type == "ASK" else len(self._native_rows())

    def __iter__(self):
        if self.type == "SELECT":
            names = [str(v) for v in self.vars or ()]
            return iter([tuple(to_rdflib(row[n]) for n in names) for row in self._native_rows()])
        if self.type == "ASK":
            return iter([self.askAnswer])
        return iter(self.graph)

    @property
    def bindings(self) -> list[dict]:
        if self._bindings is None:
            self._bindings = [{v: to_rdflib(row[str(v)]) for v in self.vars or () if row[str(v)] is not None}
                              for row in self._native_rows()] if self.type == "SELECT" else []
        return self._bindings

    @property
    def graph(self):
        if self.type != "CONSTRUCT":
            return None
        if self._graph is None:
            g = Graph()
            for t in self._native_rows():
                g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            self._graph = g
        return self._graph

    def serialize_native(self, fmt: str) -> str:
        """SELECT/ASK results in a standard format (json, csv, tsv, xml), by pyoxigraph."""
        rf = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
              "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}[fmt]
        raw = self._raw if self._raw is not None else self._again()
        self._raw = None
        text = raw.serialize(format=rf).decode("utf-8")
        return text if text.endswith("\n") else text + "\n"


def _run_native(store, text: str, *, where: str):
    """Run ``text`` (the project's prefixes declared) on a pyoxigraph store; errors become InputError."""
    try:
        raw = store.query(text, prefixes=dict(PREFIXES_TEXT), use_default_graph_as_union=True)
    except SyntaxError as exc:
        check_syntax(text, where=where)  # rdflib's message, with the line and column in the user's text
        raise InputError(f"syntax error: {str(exc).splitlines()[0]}", file=where) from None
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"the query failed: {msg}", file=where) from None
    try:
        return NativeResult(store, text, raw).materialise()
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"the query failed: {msg}", file=where) from None


def run_text(ds, text: str, params: dict[str, str] | None = None, *, declared: list[Param] | None = None,
             where: str = "query"):
    """Run query ``text`` on dataset ``ds`` with ``params`` (name -> value as typed) bound.

    Parameters
    ----------
    ds:
        An rdflib Dataset or Graph (any back-end of :func:`graph.store.backends.open_dataset`).
    text:
        The query; the project's prefixes are declared for it.
    params:
        Values by name. Declared parameters are resolved by kind (entities by name); others are
        taken as entity names/IRIs when they look like one, else as plain strings.
    declared:
        The parameters a saved query declares; defaults apply to those not given.
    where:
        Names the query in error messages (a file, a saved query).

    Returns
    -------
    rdflib.query.Result

    Raises
    ------
    InputError
        A syntax error, an update, an unknown parameter or an error from the store.
    """
    native = oxigraph_of(ds)
    if native is None:
        check_syntax(text, where=where)  # (Oxigraph parses natively: its errors are reported by run)
    declared_by = {p.name: p for p in (declared or [])}
    params = dict(params or {})
    if declared is not None:
        unknown = sorted(set(params) - set(declared_by))
        if unknown:
            known = ", ".join(declared_by) or "none"
            raise InputError(f"unknown parameter '{unknown[0]}' (this query takes: {known})", file=where)
        for p in declared:
            if p.name not in params and p.default is not None:
                params[p.name] = p.default
        missing = [p for p in declared if p.required and not str(params.get(p.name) or "").strip()]
        if missing:
            p = missing[0]
            raise InputError(f"parameter '{p.name}' is required: {p.description} (--param {p.name}=...)",
                             file=where)
    bindings, page = {}, {}
    for name, value in params.items():
        p = declared_by.get(name) or Param(name, "string", "")
        if p.kind in PAGE_KINDS:
            if not re.fullmatch(r"\s*\d+\s*", str(value)) or (p.kind == "limit" and int(value) < 1):
                least = 1 if p.kind == "limit" else 0
                raise InputError(f"parameter '{name}': '{value}' is not a whole number of {least} or more", file=where)
            page[p.kind] = int(value)
            continue
        if name not in declared_by and (":" in value or value.startswith("<")):
            p = Param(name, "entity", "")
        bindings[name] = resolve_param(ds, p, value)
    # Oxigraph joins a BIND first and a group's second VALUES block late (2-3x slower with two parameters)
    bound = bind_values(text, bindings, form="bind" if native is not None else "values")
    if page:
        bound = set_page(bound, page.get("limit"), page.get("offset"))
    return run(ds, bound, where=where)


def run(ds, text: str, *, where: str = "query"):
    """Run ``text`` (the project's prefixes declared) on ``ds``; errors become :class:`InputError`.

    On an Oxigraph store the query runs natively (:class:`NativeResult`); elsewhere through rdflib.
    """
    native = oxigraph_of(ds)
    if native is not None:
        return _run_native(native, text, where=where)
    try:
        result = ds.query(PROLOGUE + text)
        if result.type == "SELECT":
            # materialise now so that errors of lazy back-ends surface here
            result.bindings = list(result.bindings)
            if _SELECT_STAR.match(text):  # rdflib gives SELECT *'s columns in a set's order, run to run
                result.vars = _in_order(result.vars)
        return result
    except InputError:
        raise
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"the query failed: {msg}", file=where) from None


#: A query whose (outermost) projection is ``*``: its prologue, then ``SELECT [DISTINCT|REDUCED] *``.
_SELECT_STAR = re.compile(r"(?:\s+|#[^\n]*|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*SELECT\s+"
                          r"(?:(?:DISTINCT|REDUCED)\s+)?\*", re.IGNORECASE)


def _in_order(variables: list) -> list:
    """``SELECT *``'s variables in the order Oxigraph gives them (by name), so that a query's columns are the
    same whichever store answers it."""
    return sorted(variables, key=str)


def _cell(term, nm) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return nm.normalizeUri(term)
        except Exception:
            return f"<{term}>"
    return str(term)


def _tsv(result) -> str:
    """SPARQL 1.1 TSV results (rdflib has no serializer for them): ``?var`` headers, terms in Turtle syntax."""
    lines = ["\t".join("?" + str(v) for v in result.vars)]
    for row in result.bindings:
        lines.append("\t".join(row[v].n3() if row.get(v) is not None else "" for v in result.vars))
    return "\n".join(lines) + "\n"


def _namespace_manager():
    """A namespace manager that knows the project's prefixes (to print ``ent:serbia``)."""
    from rdflib import Graph

    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    return g.namespace_manager


def table_cells(result, nm=None) -> tuple[list[str], list[list[str]]]:
    """A SELECT result's variable names and its rows as text (prefixed names where a prefix fits)."""
    if nm is None:
        nm = _namespace_manager()
    names = [str(v) for v in result.vars]
    rows = [[_cell(row.get(v) if hasattr(row, "get") else row[i], nm) for i, v in enumerate(result.vars)]
            for row in result.bindings] if names else []
    return names, rows


def format_result(result, fmt: str = "table", nm=None) -> str:
    """The result as text: a table, SPARQL results (json, csv, tsv, xml), or RDF for graphs.

    Parameters
    ----------
    result:
        An rdflib query result.
    fmt:
        ``table`` (default), ``json``, ``csv``, ``tsv``, ``xml`` for SELECT/ASK; ``turtle``
        (default, also for ``table``), ``nt``, ``jsonld``, ``xml`` for CONSTRUCT/DESCRIBE.
    nm:
        A namespace manager for prefixed names in tables (default: the project's prefixes).

    Raises
    ------
    InputError
        A format that does not fit the query's kind.
    """
    from rdflib import Graph

    if nm is None:
        nm = _namespace_manager()
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = "turtle" if fmt == "table" else fmt
        if fmt not in GRAPH_FORMATS:
            raise InputError(f"format '{fmt}' is for SELECT and ASK; a {result.type} gives "
                             f"{', '.join(GRAPH_FORMATS)}")
        g = Graph()
        for p, ns in PREFIXES.items():
            g.bind(p, ns)
        g += result.graph
        return g.serialize(format=GRAPH_FORMATS[fmt][0])
    if fmt not in FORMATS:
        raise InputError(f"format '{fmt}' is for CONSTRUCT and DESCRIBE; a {result.type} gives "
                         f"{', '.join(FORMATS)}")
    if fmt != "table" and result.type == "ASK":  # one form whichever store answered, as the endpoint writes it
        return boolean(bool(result.askAnswer), fmt).decode("utf-8")
    if fmt != "table" and isinstance(result, NativeResult):
        return result.serialize_native(fmt)
    if fmt == "tsv":
        return _tsv(result)
    if fmt != "table":
        data = result.serialize(format=FORMATS[fmt][0])
        return data.decode("utf-8") if isinstance(data, bytes) else data
    if result.type == "ASK":
        return "yes\n" if result.askAnswer else "no\n"
    names, rows = table_cells(result, nm)
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
