"""Folding names so that people find entities the way they type them.

"Vucic" finds "Vučić", "pantsir-s1" finds "Pantsir S1", "MiG29" finds "MiG-29" and "EC145"
finds "EC-145": case, diacritics, hyphens, spacing and punctuation do not matter.

>>> fold("Vučić") == fold("VUCIC")
True
>>> fold("Pantsir-S1"), fold("MiG 29") == fold("mig-29") == fold("MiG29")
('pantsirs1', True)
>>> words("Pantsir-S1")
'pantsir s1'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "words"]

_SEP = re.compile(r"[\s\-_‐‑–—.,'’]+")


def words(name: str) -> str:
    """Casefold, strip diacritics, and turn runs of spaces, hyphens and punctuation into one space."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    return _SEP.sub(" ", text.casefold()).strip()


def fold(name: str) -> str:
    """A name as it is matched: :func:`words` without the spaces (so no separator matters)."""
    return words(name).replace(" ", "")
