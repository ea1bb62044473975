"""CSV cells that a spreadsheet shows as text, never runs as a formula.

A cell such as ``=cmd|' /C calc'!A0`` or ``@SUM(A1)`` is a formula to Excel, LibreOffice and
Google Sheets (CSV injection). Following OWASP's advice, a cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe, which spreadsheets take as
"text" and do not show; a plain number (``-12.5``) is left as it is. ``--format json`` keeps
every value verbatim.

>>> spreadsheet_safe("=cmd|' /C calc'!A0"), spreadsheet_safe("-12.5"), spreadsheet_safe("Serbia")
("'=cmd|' /C calc'!A0", '-12.5', 'Serbia')
>>> defuse_csv('a,b\\r\\n"=1+1",-3\\r\\n')
"a,b\\r\\n'=1+1,-3\\r\\n"
"""

from __future__ import annotations

import csv
import io
import re

__all__ = ["spreadsheet_safe", "defuse_csv"]

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading apostrophe if a spreadsheet would read it as a formula (a sign alone, ``-`` for
    "no value", is not one)."""
    if cell and cell[0] in "=+-@\t\r" and not _NUMBER.match(cell) and cell not in ("-", "+"):
        return "'" + cell
    return cell


def defuse_csv(text: str) -> str:
    """A whole CSV text with every cell made :func:`spreadsheet_safe` (its line ends kept)."""
    if not any(c in text for c in "=+-@\t\r"):
        return text
    end = "\r\n" if "\r\n" in text else "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=end)
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([spreadsheet_safe(c) for c in row])
    return buf.getvalue()
