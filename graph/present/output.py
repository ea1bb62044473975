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
          max_width: int = 60) -> str:
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

    Returns
    -------
    str
        The table, without a trailing newline.
    """
    headers = headers or {}
    names = [headers.get(c, c) for c in columns]
    cells = [[_wrap(cell_text(r.get(c)), max_width) for c in columns] for r in rows]
    widths = [max([len(n)] + [len(line) for row in cells for line in row[i]]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        height = max(len(c) for c in row)
        for k in range(height):
            lines.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


_SPACES = str.maketrans("", "", "\t\n\x0b\x0c\r")


def _wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap(text, width, break_long_words=False) or [""]``; a short plain cell without the call."""
    if len(text) <= width and text == text.strip() and len(text.translate(_SPACES)) == len(text):
        return [text]
    return textwrap.wrap(text, width, break_long_words=False) or [""]


def to_json(rows: Any) -> str:
    """The answer as indented JSON (UTF-8 text, not ASCII escapes)."""
    return json.dumps(rows, ensure_ascii=False, indent=1)


def to_csv(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """The answer as CSV with a header line; nested values as text (see :func:`cell_text`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([cell_text(r.get(c), for_csv=True) for c in columns])
    return buf.getvalue()


def render(rows: Sequence[dict], columns: Sequence[str] | None, fmt: str, *,
           headers: dict[str, str] | None = None, json_value: Any = None) -> str:
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
        return table(rows, columns, headers=headers)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
