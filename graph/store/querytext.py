"""Binding values into SPARQL text, and setting its page: the one way the package puts a value in a query.

:func:`bind_values` binds each parameter at the start of the query's ``WHERE`` group (or of the
sub-select that takes the page) and of every sub-select nested there that names the variable,
so that a question can pick its rows by the parameter before it sorts them: a ``VALUES`` block per
variable, each term written escaped (never text pasted into the query), so the same bound query
runs unchanged on rdflib, Oxigraph and a remote server (Virtuoso); or ``BIND(term AS ?name)``, the
form Oxigraph joins first (what :func:`graph.store.sparql.run_text` writes for an Oxigraph store).
The saved questions, the endpoint's parameters and the store reader of the projection all bind
this way. :func:`set_page` sets the query's last ``LIMIT``/``OFFSET``, and the ``LIMIT``
of a sub-select nested in the page's group that ends where the page ends (a pre-selection of at
most as many rows as the page needs), or a ``FILTER(?page_start < n)`` there that does. Neither imports rdflib.

>>> import pyoxigraph as ox
>>> print(bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"p": ox.NamedNode("http://x/p")}))
SELECT ?s WHERE { VALUES ?p { <http://x/p> } ?s ?p ?o }
>>> print(bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"p": ox.NamedNode("http://x/p")}, form="bind"))
SELECT ?s WHERE { BIND(<http://x/p> AS ?p) ?s ?p ?o }
>>> print(set_page("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 100", limit=10, offset=20))
SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10 OFFSET 20
"""

from __future__ import annotations

import re
from typing import Any

from graph.model.errors import InputError
from graph.model.rdfterms import sparql_text

__all__ = ["bind_values", "set_page", "last_limit"]

# Tokens skipped when looking for a query's WHERE group: strings, IRIs, comments.
_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                   r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
                   r'|<[^<>"{}|^`\\\x00-\x20]*>' r"|#[^\n]*")
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_PAGE_END = re.compile(r"\bFILTER\s*\(\s*[?$]page_start\s*<\s*(?P<l>\d+)\s*(?:\)|\|\|)", re.IGNORECASE)
_LIMIT = re.compile(r"(?:\bOFFSET\s+(?P<o1>\d+)\s+)?\bLIMIT\s+(?P<l>\d+)(?:\s+OFFSET\s+(?P<o2>\d+))?",
                    re.IGNORECASE)


def _blank(text: str) -> str:
    """``text`` with its strings, IRIs and comments blanked out (same length, same offsets)."""
    return _SKIP.sub(lambda m: " " * len(m.group()), text)


def last_limit(text: str) -> re.Match[str] | None:
    """The query's last ``LIMIT n`` clause (with an ``OFFSET m`` beside it), as a match on the blanked text."""
    found = list(_LIMIT.finditer(_blank(text)))
    return found[-1] if found else None


def _depth(blanked: str, at: int) -> int:
    return blanked.count("{", 0, at) - blanked.count("}", 0, at)


def _closing(blanked: str, brace: int) -> int:
    """Offset of the ``}`` closing the group opened at ``brace`` (the end of the text if none)."""
    depth = 0
    for i in range(brace, len(blanked)):
        c = blanked[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(blanked)


def _where_brace(text: str) -> int | None:
    """Offset of the ``{`` opening the group that takes the parameters, skipping strings, IRIs, comments.

    That is the query's WHERE group; when the query's last LIMIT closes a sub-select (a question
    that takes its page there), the WHERE group of that sub-select.
    """
    blanked = _blank(text)
    limit = last_limit(text)
    if limit is not None:
        level = _depth(blanked, limit.start())
        if level > 0:
            wheres = [m for m in _WHERE.finditer(blanked, 0, limit.start()) if _depth(blanked, m.start()) == level]
            if wheres:
                i = blanked.find("{", wheres[-1].end())
                return i if i >= 0 else None
    m = _WHERE.search(blanked)
    if m:
        i = blanked.find("{", m.end())
        return i if i >= 0 else None
    if re.search(r"\bCONSTRUCT\b", blanked, re.IGNORECASE):
        return None
    i = blanked.find("{")
    return i if i >= 0 else None


def _nested_selects(blanked: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The sub-selects between ``start`` and ``end``: their SELECT clause, the ``{`` and ``}`` of their WHERE."""
    found = []
    for m in _SELECT.finditer(blanked, start, end):
        where = _WHERE.search(blanked, m.end(), end)
        if where is None:
            continue
        brace = blanked.find("{", where.end(), end)
        if brace >= 0:
            found.append((blanked[m.end():where.start()], brace, _closing(blanked, brace)))
    return found


def _term_text(name: str, value: Any, form: str) -> str:
    try:
        if isinstance(value, list) or form == "values":
            terms = value if isinstance(value, list) else [value]
            return f"VALUES ?{name} {{ {' '.join(sparql_text(t) for t in terms)} }}"
        return f"BIND({sparql_text(value)} AS ?{name})"
    except TypeError:
        raise InputError(f"parameter '{name}': not an IRI or a literal") from None


def bind_values(text: str, bindings: dict[str, Any], *, form: str = "values") -> str:
    """The query with ``bindings`` bound in its WHERE group and in the sub-selects nested there that name them.

    ``bindings`` maps a variable's name to an IRI or a literal (pyoxigraph's or rdflib's), or to a
    list of them (the variable takes each in turn). Each is bound by a ``VALUES`` block of its own
    (``form="values"``, which every engine answers), or, one value, by ``BIND(term AS ?name)``
    (``form="bind"``: Oxigraph joins a second ``VALUES`` block of a group late, 2-3x slower, where
    Virtuoso 7.2 refuses some ``BIND`` of an IRI with SP031, as it does a one-row block of several
    variables). The terms are written escaped (:func:`graph.model.rdfterms.sparql_text`): no text given by a user is
    pasted into the query. The group that takes the parameters is the query's WHERE group, or that
    of the sub-select whose ``LIMIT`` is the query's last (the page); a sub-select nested in it whose
    WHERE group names the variable binds it too (one not naming it as an ``AS`` in its SELECT clause),
    so that it selects its rows by the parameter, as a template's parameter is the same everywhere.

    Raises
    ------
    InputError
        If the query has no WHERE group to bind in, a name is not a variable's, or a value is not
        an IRI or a literal.
    """
    if not bindings:
        return text
    if form not in ("values", "bind"):
        raise ValueError(f"form: 'values' or 'bind', not {form!r}")
    written: dict[str, str] = {}
    for name, value in sorted(bindings.items()):
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise InputError(f"bad parameter name '{name}'")
        written[name] = _term_text(name, value, form)
    at = _where_brace(text)
    if at is None:
        raise InputError("the query has no WHERE group to bind parameters in")
    blanked = _blank(text)
    # one single-variable VALUES block (or BIND) per parameter (tests/test_saved_anywhere.py)
    inserts = {at: "".join(" " + written[n] for n in written)}
    for clause, brace, close in _nested_selects(blanked, at + 1, _closing(blanked, at)):
        names = [n for n in written if re.search(rf"[?$]{n}\b", blanked[brace:close])
                 and not re.search(rf"\bAS\s+[?$]{n}\b", clause, re.IGNORECASE)]
        if names:
            inserts[brace] = "".join(" " + written[n] for n in names)
    for brace in sorted(inserts, reverse=True):
        text = text[:brace + 1] + inserts[brace] + text[brace + 1:]
    return text


def set_page(text: str, limit: int | None = None, offset: int | None = None) -> str:
    """The query with its last ``LIMIT`` (and the ``OFFSET`` beside it) set to ``limit`` and ``offset``.

    ``None`` keeps what the query says. A sub-select nested in the page's group whose ``LIMIT``
    is where the page ends as written (its limit plus its offset) pre-selects the rows the page is
    cut from: its ``LIMIT`` becomes the new page's end (``limit + offset``); so does the number of
    a ``FILTER(?page_start < n)`` in that group whose ``n`` is where the page ends (a question that
    reads the build's pages, ``kgg:pages``, that start before its page ends; or all of them by a
    condition after it: ``FILTER(?page_start < n || ...)``). The numbers are written by this
    function (never text given by a user).

    Raises
    ------
    InputError
        If the query has no LIMIT clause, or a number is negative (or the limit 0).
    """
    m = last_limit(text)
    if m is None:
        raise InputError("the query has no LIMIT clause to set the page in")
    old_offset = m.group("o1") or m.group("o2")
    old_end = int(m.group("l")) + int(old_offset or 0)
    limit = int(m.group("l")) if limit is None else int(limit)
    offset = (int(old_offset) if old_offset else 0) if offset is None else int(offset)
    if limit < 1 or offset < 0:
        raise InputError(f"bad page: limit {limit}, offset {offset} (a limit of 1 or more, an offset of 0 or more)")
    at = _where_brace(text)
    blanked = _blank(text)
    inner = [i for i in _LIMIT.finditer(blanked, at or 0, m.start())
             if not (i.group("o1") or i.group("o2")) and int(i.group("l")) == old_end] if at is not None else []
    ends = [i for i in _PAGE_END.finditer(blanked, at or 0, m.start())
            if int(i.group("l")) == old_end] if at is not None else []
    clause = f"LIMIT {limit}" + (f" OFFSET {offset}" if offset or old_offset else "")
    text = text[:m.start()] + clause + text[m.end():]
    for i in sorted(inner + ends, key=lambda i: i.start(), reverse=True):
        text = text[:i.start("l")] + str(limit + offset) + text[i.end("l"):]
    return text
