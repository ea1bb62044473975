"""Drafting claims from an article's text, for a person to review.

:func:`draft` reads ``SOURCE_DIR/text.txt`` (with ``source.yaml`` for the publication date) and
proposes candidate claims in the claims format, each with the sentence it rests on as its quote,
the rule that proposed it and a confidence; names the registry does not know are listed as
proposed registry entries, every kind and type a guess. :func:`write_draft` writes them to
``claims.draft.yaml`` (never ``claims.yaml``). :func:`accept` moves reviewed claims from the draft
into ``claims.yaml``, checking each as ``validate`` does first.

Drafting is :mod:`.drafting` (rules in :mod:`.rules`, the reading of the text in :mod:`.text`), the
draft file :mod:`.files`, accepting claims :mod:`.review`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .drafting import Draft, Proposed, draft, read_text
    from .files import DRAFT_FILE, reject, render, write_draft
    from .review import accept

__all__ = ["DRAFT_FILE", "Draft", "Proposed", "accept", "draft", "read_text", "reject", "render", "write_draft"]

# Each name is loaded from its module on first use: drafting needs spaCy (seconds to import) but
# not the compiler; reviewing (--accept, --reject) needs the compiler but not spaCy.
_WHERE = {"Draft": "drafting", "Proposed": "drafting", "draft": "drafting", "read_text": "drafting",
          "DRAFT_FILE": "files", "reject": "files", "render": "files", "write_draft": "files", "accept": "review"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
