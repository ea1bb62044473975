"""Grouping claims that several sources give for one fact (``skg:sameFactAs`` links, followed transitively).

A small union-find shared by the projection, the lean ``supplies`` path and corroboration: each group's
representative is its smallest member (by ``str``), so every caller names a fact the same way.

>>> g = Groups()
>>> g.union("c", "b"); g.union("b", "a")
>>> g.find("c")
'a'
>>> g.groups()
[['a', 'b', 'c']]
"""

from __future__ import annotations

from typing import Generic, Hashable, TypeVar

__all__ = ["Groups"]

T = TypeVar("T", bound=Hashable)


class Groups(Generic[T]):
    """Union-find over hashable items (claim IRIs as strings or rdflib terms)."""

    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        """The representative of ``x``'s group (``x`` itself when it was never linked)."""
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while self._parent.get(x, x) != root:  # path compression
            self._parent[x], x = root, self._parent[x]
        return root

    def union(self, a: T, b: T) -> None:
        """Put ``a`` and ``b`` in one group."""
        ra, rb = self.find(a), self.find(b)
        self._parent.setdefault(ra, ra)
        self._parent.setdefault(rb, rb)
        if ra != rb:
            self._parent[max(ra, rb, key=str)] = min(ra, rb, key=str)

    def groups(self) -> list[list[T]]:
        """Every group of two or more members, each sorted, ordered by its first member (by ``str``)."""
        out: dict[T, list[T]] = {}
        for x in list(self._parent):
            out.setdefault(self.find(x), []).append(x)
        return sorted((sorted(g, key=str) for g in out.values() if len(g) > 1), key=lambda g: str(g[0]))
