"""Rows of an answer as a plain-text table, JSON or CSV: one renderer for every command.

An answer is a list of rows (dicts) and the order of its columns. JSON keeps each row whole
(nested lists and objects included); a table and CSV show the given columns, with a list as its
items joined by ``"; "`` and an object (or a list of objects) as compact JSON in CSV, as
``key: value`` text in a table.

>>> print(render([{"actor": "Serbia", "score": 0.5}], ["actor", "score"], "table"))
actor   score
------  -----
Serbia  0.5
>>> print(render([{"actor": "Serbia", "score": 0.5}], ["actor", "score"], "csv"), end="")
actor,score
Serbia,0.5
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from typing import Any, Iterable, Sequence

from graph.model.cells import spreadsheet_safe

__all__ = ["FORMATS", "render", "cell_text", "table", "to_json", "to_csv"]

#: The formats every command offers; ``table`` is the default.
FORMATS = ("table", "json", "csv")


def cell_text(value: Any, *, for_csv: bool = False) -> str:
    """One value as the text of a table or CSV cell (``None`` is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        if for_csv:
            return json.dumps(value, ensure_ascii=False, sort_keys=False)
        return ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, (list, tuple)):
        if for_csv and any(isinstance(v, dict) for v in value):
            return json.dumps(list(value), ensure_ascii=False)
        return "; ".join(cell_text(v, for_csv=for_csv) for v in value)
    return str(value)


def table(rows: Sequence[dict], columns: Sequence[str], *, headers: dict[str, str] | None = None,
          max_width: int = 60, width: int | None = None) -> str:
    """A plain-text table: a header, a rule, one row per dict; long cells wrap within ``max_width``.

    Parameters
    ----------
    rows:
        The rows.
    columns:
        The keys to show, in order.
    headers:
        Optional header text per key (default: the key).
    max_width:
        Cells longer than this wrap onto further lines.
    width:
        The whole table's width (a terminal's columns, see :func:`terminal_width`): the widest
        columns wrap narrower until every line fits, as far as each keeps its header's width
        (at least 8). None: no limit.

    Returns
    -------
    str
        The table, without a trailing newline.

    Examples
    --------
    >>> print(table([{"a": "one two three four", "b": "x"}], ["a", "b"], width=12))
    a        b
    -------  -
    one two  x
    three
    four
    """
    headers = headers or {}
    names = [headers.get(c, c) for c in columns]
    texts = [[cell_text(r.get(c)) for c in columns] for r in rows]
    cells = [[_wrap(t, max_width) for t in row] for row in texts]
    widths = [max([len(n)] + [len(line) for row in cells for line in row[i]]) for i, n in enumerate(names)]
    if width is not None and columns:
        caps = _fit(widths, [max(len(n), 8) for n in names], width - 2 * (len(columns) - 1))
        narrowed = [i for i, (w, c) in enumerate(zip(widths, caps)) if c < w]
        for row, row_texts in zip(cells, texts):
            for i in narrowed:
                row[i] = _wrap(row_texts[i], caps[i], break_long_words=True)
        for i in narrowed:
            widths[i] = max([len(names[i])] + [len(line) for row in cells for line in row[i]])
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        height = max(len(c) for c in row)
        for k in range(height):
            lines.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _fit(widths: list[int], floors: list[int], room: int) -> list[int]:
    """Each column's cap so that the caps sum to at most ``room``: the widest are cut to one level
    (never below their floor), the narrow ones keep their width."""
    if sum(widths) <= room:
        return list(widths)
    lo, hi = 0, max(widths)
    while lo < hi:  # the largest level whose caps fit
        mid = (lo + hi + 1) // 2
        if sum(min(w, max(mid, f)) for w, f in zip(widths, floors)) <= room:
            lo = mid
        else:
            hi = mid - 1
    return [min(w, max(lo, f)) for w, f in zip(widths, floors)]


def terminal_width() -> int | None:
    """The width tables should fit: ``COLUMNS`` when set, else the terminal's when standard output
    is one; None (no limit) when the output goes to a file or a pipe."""
    import os
    import shutil
    import sys

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


_SPACES = str.maketrans("", "", "\t\n\x0b\x0c\r")


def _wrap(text: str, width: int, *, break_long_words: bool = False) -> list[str]:
    """``textwrap.wrap(text, width, break_long_words=...) or [""]``; a short plain cell without the call."""
    if len(text) <= width and text == text.strip() and len(text.translate(_SPACES)) == len(text):
        return [text]
    return textwrap.wrap(text, width, break_long_words=break_long_words) or [""]


def to_json(rows: Any) -> str:
    """The answer as indented JSON (UTF-8 text, not ASCII escapes): ``json.dumps(rows, ensure_ascii=False,
    indent=1)``, written by :func:`_indented` (Python's encoder writes indented JSON in Python, a
    generator per nested value: 0.18 s of the 1M hub's 2,486 supplies rows, 2.6 MB; this, 0.06 s).

    >>> to_json([{"a": [1, 2.5, None], "b": {}, "ć": True}]) == json.dumps([{"a": [1, 2.5, None], "b": {}, "ć": True}],
    ...                                                                    ensure_ascii=False, indent=1)
    True
    """
    out: list[str] = []
    try:
        _indented(rows, "\n", out)
    except (TypeError, ValueError, RecursionError):  # a value JSON does not take: the same text, or the same error
        return json.dumps(rows, ensure_ascii=False, indent=1)
    return "".join(out)


#: Writes texts and numbers as ``json.dumps(..., ensure_ascii=False)`` does (its escapes, its floats).
_SCALAR = json.JSONEncoder(ensure_ascii=False).encode
#: The JSON text of a value of each of these exact types (a subclass goes the long way, as json does).
_PLAIN: dict[type, Any] = {str: json.encoder.encode_basestring, int: int.__repr__, float: _SCALAR,
                           bool: lambda b: "true" if b else "false", type(None): lambda _: "null"}


def _key(k: Any) -> str:
    """A mapping's key as JSON text, as ``json.dumps`` writes it (numbers, booleans and null as text)."""
    if isinstance(k, str):
        return _SCALAR(k)
    if isinstance(k, float) or k is True or k is False or k is None:
        return _SCALAR(_SCALAR(k))
    if isinstance(k, int):
        return _SCALAR(int.__repr__(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _indented(o: Any, nl: str, out: list[str]) -> None:
    """Append ``o`` as ``json.dumps(o, ensure_ascii=False, indent=1)`` writes it at the indentation ``nl``
    (a newline and the spaces of its level). Raises TypeError for a value JSON does not take."""
    plain = _PLAIN.get(type(o))
    if plain is not None:
        out.append(plain(o))
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = nl + " "
        sep = "[" + inner
        for v in o:
            plain = _PLAIN.get(type(v))
            if plain is not None:
                out.append(sep + plain(v))
            else:
                out.append(sep)
                _indented(v, inner, out)
            sep = "," + inner
        out.append(nl + "]")
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = nl + " "
        sep = "{" + inner
        for k, v in o.items():
            plain = _PLAIN.get(type(v))
            key = _PLAIN[str](k) if type(k) is str else _key(k)
            if plain is not None:
                out.append(sep + key + ": " + plain(v))
            else:
                out.append(sep + key + ": ")
                _indented(v, inner, out)
            sep = "," + inner
        out.append(nl + "}")
    elif isinstance(o, str):
        out.append(_SCALAR(o))
    elif isinstance(o, (int, float)):  # a subclass (an enum): as json writes it
        out.append(_SCALAR(o))
    else:
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def to_csv(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """The answer as CSV with a header line; nested values as text (see :func:`cell_text`); a cell a
    spreadsheet would run as a formula begins with an apostrophe (:mod:`graph.model.cells`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([spreadsheet_safe(cell_text(r.get(c), for_csv=True)) for c in columns])
    return buf.getvalue()


def render(rows: Sequence[dict], columns: Sequence[str] | None, fmt: str, *,
           headers: dict[str, str] | None = None, json_value: Any = None, width: int | None = None) -> str:
    """Rows in one of :data:`FORMATS`.

    Parameters
    ----------
    rows:
        The answer's rows.
    columns:
        Column order for the table and CSV (default: the keys of the rows, first seen first).
    fmt:
        ``table``, ``json`` or ``csv``.
    headers:
        Header text per column for the table.
    json_value:
        What to print as JSON instead of ``rows`` (an object holding them, for example).
    width:
        The table's width (see :func:`table`); the command passes :func:`terminal_width`.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    if fmt == "json":
        return to_json(rows if json_value is None else json_value)
    if fmt == "csv":
        return to_csv(rows, columns)
    if fmt == "table":
        return table(rows, columns, headers=headers, width=width)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
