"""Numbers read from sources within bounds: finite, and of a size a fact can have.

A value such as ``1e999999``, ``NaN`` or a 400-digit integer is refused with one line rather
than written into the graph, where it would break a serialiser, a store or a later validation.
Used by the claim fields (:mod:`graph.compile.claims`) and by importers (the SIPRI TIV).

>>> bounded_decimal("12.5", "value")
Decimal('12.5')
>>> bounded_decimal("1e999999", "value")
Traceback (most recent call last):
...
ValueError: value must be a number of at most 30 digits, not '1e999999'
>>> bounded_count(10**40, "quantity")
Traceback (most recent call last):
...
ValueError: quantity must be a whole number of at most 18 digits, not '1000000000000000000000000000000000000000...'
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["MAX_DIGITS", "MAX_COUNT_DIGITS", "MAX_TEXT", "bounded_decimal", "bounded_count", "bounded_text"]

#: Digits a decimal may have, before and after its point together.
MAX_DIGITS = 30
#: Digits a count (a quantity, a number of deliveries) may have.
MAX_COUNT_DIGITS = 18
#: Characters a text field of a claim (a note, a quote, a title) may have.
MAX_TEXT = 1_000_000


def _shown(value: Any) -> str:
    text = str(value)
    if len(text) > 40:
        return repr(text[:40] + "...")
    return repr(value)


def bounded_decimal(value: Any, what: str) -> Decimal:
    """``value`` as a finite ``Decimal`` of at most :data:`MAX_DIGITS` digits; else ``ValueError`` naming ``what``."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    text = str(value).strip()
    if len(text) > 4 * MAX_DIGITS:
        raise ValueError(f"{what} must be a number of at most {MAX_DIGITS} digits, not {_shown(text)}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, not {_shown(text)}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number, not {_shown(text)}")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    width = max(len(digits), len(digits) + exponent, -exponent)
    if width > MAX_DIGITS:
        raise ValueError(f"{what} must be a number of at most {MAX_DIGITS} digits, not {_shown(text)}")
    return number


def bounded_count(value: Any, what: str) -> int:
    """``value`` as a non-negative ``int`` of at most :data:`MAX_COUNT_DIGITS` digits; else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative whole number, not {_shown(value)}")
    if value >= 10 ** MAX_COUNT_DIGITS:
        raise ValueError(f"{what} must be a whole number of at most {MAX_COUNT_DIGITS} digits, not {_shown(value)}")
    return value


def bounded_text(value: str, what: str) -> str:
    """``value`` if it has at most :data:`MAX_TEXT` characters; else ``ValueError`` naming ``what`` and its size."""
    if len(value) > MAX_TEXT:
        raise ValueError(f"{what} has {len(value):,} characters; at most {MAX_TEXT:,} are allowed")
    return value
