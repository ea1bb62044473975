"""Folding names so that people find entities the way they type them.

"Vucic" finds "Vučić", "pantsir-s1" finds "Pantsir S1": case, diacritics, hyphens and
spacing do not matter.

>>> fold("Vučić") == fold("VUCIC")
True
>>> fold("Pantsir-S1")
'pantsir s1'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold"]

_SEP = re.compile(r"[\s\-_‐‑–—.,'’]+")


def fold(name: str) -> str:
    """Casefold, strip diacritics, and turn runs of spaces, hyphens and punctuation into one space."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    return _SEP.sub(" ", text.casefold()).strip()
