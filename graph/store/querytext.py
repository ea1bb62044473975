"""Binding values into SPARQL text, and setting its page: the one way the package puts a value in a query.

:func:`bind_values` adds a ``VALUES`` block per variable at the start of the query's ``WHERE``
group, each term written escaped (never text pasted into the query), so the same bound query runs
unchanged on rdflib, Oxigraph and a remote server (Virtuoso); the saved questions, the endpoint's
parameters and the store reader of the projection all bind this way. :func:`set_page` sets the
query's last ``LIMIT``/``OFFSET``. Neither imports rdflib.

>>> import pyoxigraph as ox
>>> print(bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"p": ox.NamedNode("http://x/p")}))
SELECT ?s WHERE { VALUES ?p { <http://x/p> } ?s ?p ?o }
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


def bind_values(text: str, bindings: dict[str, Any]) -> str:
    """The query with a ``VALUES`` block binding ``bindings`` in its WHERE group.

    ``bindings`` maps a variable's name to an IRI or a literal (pyoxigraph's or rdflib's), or to a
    list of them (the variable takes each in turn). The terms are written escaped
    (:func:`graph.model.rdfterms.sparql_text`): no text given by a user is pasted into the query.

    Raises
    ------
    InputError
        If the query has no WHERE group to bind in, a name is not a variable's, or a value is not
        an IRI or a literal.
    """
    if not bindings:
        return text
    written: dict[str, str] = {}
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise InputError(f"bad parameter name '{name}'")
        try:
            written[name] = " ".join(sparql_text(t) for t in (value if isinstance(value, list) else [value]))
        except TypeError:
            raise InputError(f"parameter '{name}': not an IRI or a literal") from None
    at = _where_brace(text)
    if at is None:
        raise InputError("the query has no WHERE group to bind parameters in")
    # one single-variable block per parameter: Virtuoso 7.2 fails on a one-row block of several
    # variables (SP031 "no SPART_VARR_FIXED"), and answers these (tests/test_saved_anywhere.py)
    block = "".join(f" VALUES ?{n} {{ {written[n]} }}" for n in sorted(written))
    return text[:at + 1] + block + text[at + 1:]


def set_page(text: str, limit: int | None = None, offset: int | None = None) -> str:
    """The query with its last ``LIMIT`` (and the ``OFFSET`` beside it) set to ``limit`` and ``offset``.

    ``None`` keeps what the query says. The numbers are written by this function (never text
    given by a user).

    Raises
    ------
    InputError
        If the query has no LIMIT clause, or a number is negative (or the limit 0).
    """
    m = last_limit(text)
    if m is None:
        raise InputError("the query has no LIMIT clause to set the page in")
    old_offset = m.group("o1") or m.group("o2")
    limit = int(m.group("l")) if limit is None else int(limit)
    offset = (int(old_offset) if old_offset else 0) if offset is None else int(offset)
    if limit < 1 or offset < 0:
        raise InputError(f"bad page: limit {limit}, offset {offset} (a limit of 1 or more, an offset of 0 or more)")
    clause = f"LIMIT {limit}" + (f" OFFSET {offset}" if offset or old_offset else "")
    return text[:m.start()] + clause + text[m.end():]
