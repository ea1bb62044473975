"""Shortest chains in the undirected graph of ties, without networkx.

``serbia-kg path`` answers from a cold shell: importing networkx takes longer (0.3-0.8 s here) than
the search itself at 1M triples. The graph is an adjacency map, node -> {neighbour: None}, built by
:func:`adjacency` in the order ``networkx.Graph`` would keep it (nodes, then edges as given), and
:func:`shortest` is networkx's bidirectional breadth-first search (``nx.shortest_path`` without
weights), step for step: on the same adjacency it returns the same chain, whichever of several equally
short ones that is (tests/test_paths.py compares them on every pair of a corpus).

>>> adj = adjacency("abcde", [("a", "b"), ("b", "c"), ("a", "d"), ("d", "c"), ("c", "e")])
>>> shortest(adj, "a", "e")
['a', 'b', 'c', 'e']
>>> every_shortest(adj, "a", "e")
[['a', 'b', 'c', 'e'], ['a', 'd', 'c', 'e']]
>>> shortest(adjacency("ab", []), "a", "b") is None
True
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["Adjacency", "adjacency", "shortest", "every_shortest"]

#: node -> its neighbours (a dict used as an ordered set), as ``networkx.Graph.adj`` orders them.
Adjacency = dict[str, dict[str, None]]


def adjacency(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> Adjacency:
    """The undirected graph of ``nodes`` and ``edges`` (a loop or an edge to an unknown node is left out)."""
    adj: Adjacency = {n: {} for n in nodes}
    for u, v in edges:
        if u != v and u in adj and v in adj:
            adj[u][v] = None
            adj[v][u] = None
    return adj


def shortest(adj: Adjacency, source: str, target: str) -> list[str] | None:
    """One shortest chain from ``source`` to ``target`` (both in ``adj``), as ``nx.shortest_path``
    chooses it; ``None`` when they are not connected."""
    if source == target:
        return [source]
    pred: dict[str, str | None] = {source: None}
    succ: dict[str, str | None] = {target: None}
    forward, reverse = [source], [target]
    meet = None
    while forward and reverse and meet is None:
        if len(forward) <= len(reverse):
            level, forward = forward, []
            for v in level:
                for w in adj[v]:
                    if w not in pred:
                        forward.append(w)
                        pred[w] = v
                    if w in succ:
                        meet = w
                        break
                if meet is not None:
                    break
        else:
            level, reverse = reverse, []
            for v in level:
                for w in adj[v]:
                    if w not in succ:
                        succ[w] = v
                        reverse.append(w)
                    if w in pred:
                        meet = w
                        break
                if meet is not None:
                    break
    if meet is None:
        return None
    chain: list[str] = []
    node: str | None = meet
    while node is not None:
        chain.append(node)
        node = pred[node]
    chain.reverse()
    node = succ[chain[-1]]
    while node is not None:
        chain.append(node)
        node = succ[node]
    return chain


def every_shortest(adj: Adjacency, source: str, target: str) -> list[list[str]]:
    """Every shortest chain from ``source`` to ``target``, sorted (``sorted(nx.all_shortest_paths(...))``);
    empty when they are not connected."""
    if source == target:
        return [[source]]
    depth = {source: 0}
    preds: dict[str, list[str]] = {source: []}
    level = [source]
    while level and target not in depth:
        nxt: list[str] = []
        for v in level:
            for w in adj[v]:
                if w not in depth:
                    depth[w] = depth[v] + 1
                    preds[w] = [v]
                    nxt.append(w)
                elif depth[w] == depth[v] + 1:
                    preds[w].append(v)
        level = nxt
    if target not in depth:
        return []
    chains: list[list[str]] = []
    stack = [[target]]
    while stack:
        partial = stack.pop()
        head = partial[-1]
        if head == source:
            chains.append(partial[::-1])
            continue
        stack.extend(partial + [p] for p in preds[head])
    return sorted(chains)
