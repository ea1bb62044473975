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
from pathlib import PurePath
from typing import Any, Iterable, Sequence

import orjson

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


def to_json(value: Any) -> str:
    """An answer (or any value a command prints) as JSON: UTF-8 text (not ASCII escapes), indented by two
    spaces, keys in the order of the rows. Written by orjson (a few milliseconds for the 1M hub's 2,486
    supplies rows, 2.6 MB). A path is its text; a value JSON has no form for raises ``TypeError``
    (``orjson.JSONEncodeError``).

    >>> print(to_json([{"actor": "Србија", "score": 0.5, "sources": []}]))
    [
      {
        "actor": "Србија",
        "score": 0.5,
        "sources": []
      }
    ]
    """
    return orjson.dumps(value, default=_path_text,
                        option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _path_text(value: Any) -> str:
    """A path as its text, for :func:`to_json`; anything else JSON has no form for is refused."""
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
