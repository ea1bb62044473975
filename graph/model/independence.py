"""What makes two sources independent of each other: one rule, read by corroboration and the view.

A dataset's releases count once (their publisher is the source), every other source counts for itself.
"""

from __future__ import annotations

__all__ = ["independence_key"]


def independence_key(source: str, kind: str | None, publisher: str | None) -> str:
    """What makes a source independent of others: its publisher for a dataset (releases of one dataset
    count once), else the source itself.

    >>> independence_key("sipri-2025", "dataset", "ent:sipri") == independence_key("sipri-2026", "dataset", "ent:sipri")
    True
    """
    return f"dataset {publisher}" if kind == "dataset" and publisher is not None else f"source {source}"
