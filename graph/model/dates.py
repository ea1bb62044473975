"""Dates with their precision: a year, a month or a day, as XSD literals.

A source says "in 2017", "in December 2020" or "on 4 March 2022"; the graph keeps exactly that
precision (``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:date``) rather than inventing a day.

>>> parse_date("2021").datatype == XSD.gYear
True
>>> str(parse_date("2021-05"))
'2021-05'
>>> date_bounds(parse_date("2020-12"))
(datetime.date(2020, 12, 1), datetime.date(2020, 12, 31))
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rdflib import Literal
from rdflib.namespace import XSD

__all__ = ["parse_date", "date_bounds", "DateError"]

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class DateError(ValueError):
    """A value that is not a year (2021), a month (2021-05) or a day (2021-05-04)."""


def parse_date(value: object) -> Literal:
    """Turn ``2021``, ``"2021-05"`` or ``"2021-05-04"`` (or a ``datetime.date``) into an XSD literal.

    Raises
    ------
    DateError
        If the value is none of those, or names a month or day that does not exist.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=XSD.date)
    text = str(value).strip()
    if m := _YEAR.match(text):
        return Literal(text, datatype=XSD.gYear)
    if m := _MONTH.match(text):
        if not 1 <= int(m.group(2)) <= 12:
            raise DateError(f"bad date '{text}': month {m.group(2)} does not exist")
        return Literal(text, datatype=XSD.gYearMonth)
    if m := _DAY.match(text):
        try:
            dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise DateError(f"bad date '{text}': {exc}") from None
        return Literal(text, datatype=XSD.date)
    raise DateError(f"bad date '{text}': expected a year (2021), a month (2021-05) or a day (2021-05-04)")


def date_bounds(literal: Literal | str) -> tuple[dt.date, dt.date]:
    """The first and last day that a dated literal (of any precision) covers."""
    text = str(literal)
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
    day = dt.date.fromisoformat(text[:10])
    return day, day
