"""N-Triples forms of terms, and writing a compiled corpus in the output formats with pyoxigraph.

A compilation keeps every triple as one N-Triples string (``<s> <p> <o>``; subjects and predicates
never hold a space). The outputs are sorted (by graph, then by triple), so the same input gives
byte-identical N-Quads, TriG, Turtle (every named graph merged, each triple once) and JSON-LD.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Protocol

import pyoxigraph as ox

from graph.model.terms import PREFIXES

__all__ = ["serialize", "serialize_all", "FORMATS"]

#: Output formats (the names rdflib gives them) -> pyoxigraph's format names.
FORMATS = {"nquads": "N_QUADS", "trig": "TRIG", "turtle": "TURTLE", "json-ld": "JSON_LD"}


class Compilation(Protocol):
    """What is written: a compiled corpus's sorted N-Quads and N-Triples (:class:`graph.compile.build.Compilation`)."""

    def nquads_text(self) -> str: ...

    def ntriples_text(self) -> str: ...

    def triple_set(self) -> set[str]: ...


def serialize(comp: Compilation, fmt: str) -> bytes:
    """One output format of the dataset, deterministic for the same input.

    N-Quads is written directly; TriG, Turtle (with the project's prefixes) and JSON-LD by
    pyoxigraph's serializers from the same sorted quads (Turtle from the sorted merged triples).
    """
    return serialize_all(comp, [fmt])[fmt]


def _serialized(items: list, fmt: Any, prefixes: dict[str, str] | None) -> bytes:
    """pyoxigraph's serialisation of ``items`` in ``fmt``, as bytes."""
    buf = io.BytesIO()
    ox.serialize(items, buf, format=fmt, prefixes=prefixes)
    return buf.getvalue()


def _serialize_text(text: str, formats: list[str]) -> dict[str, bytes]:
    """``formats`` from N-Quads ``text`` (N-Triples for Turtle)."""
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if formats == ["turtle"]:
        triples = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        return {"turtle": _serialized(triples, ox.RdfFormat.TURTLE, prefixes)}
    quads = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "json-ld":  # compact, with the published @context and @type
            from graph.compile.jsonld import to_jsonld

            out[fmt] = to_jsonld(quads)
            continue
        data = _serialized(quads, getattr(ox.RdfFormat, FORMATS[fmt]), prefixes if fmt == "trig" else None)
        out[fmt] = data if data.endswith(b"\n") else data + b"\n"
    return out


_TASKS: list = []  # (text, formats) of each worker's task: given to the forked pool, not pickled


def _init_tasks(tasks: list) -> None:
    _TASKS[:] = tasks


def _serialize_job(index: int) -> dict[str, bytes]:
    return _serialize_text(*_TASKS[index])


#: Above this many triples, the formats are written by two processes at once.
PARALLEL_TRIPLES = 200_000


def serialize_all(comp: Compilation, formats: list[str], progress: Callable[[str], None] | None = None
                  ) -> dict[str, bytes]:
    """Every format in ``formats`` (as :func:`serialize` writes each), on two processes when the
    dataset is large: the quads are parsed once for TriG and JSON-LD, the merged triples for Turtle."""
    from graph.compile.parallel import cores, pool

    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}")
    if progress:
        progress(f"serialising {', '.join(formats)}")
    out: dict[str, bytes] = {}
    if "nquads" in formats:
        out["nquads"] = comp.nquads_text().encode("utf-8")
    tasks = []
    quad_formats = [f for f in formats if f not in ("turtle", "nquads")]
    if quad_formats:
        tasks.append((comp.nquads_text(), quad_formats))
    if "turtle" in formats:
        tasks.append((comp.ntriples_text(), ["turtle"]))
    if len(tasks) > 1 and len(comp.triple_set()) > PARALLEL_TRIPLES and cores() > 1:
        with pool(len(tasks), _init_tasks, (tasks,)) as workers:
            for res in workers.map(_serialize_job, range(len(tasks))):
                out.update(res)
    else:
        for task in tasks:
            out.update(_serialize_text(*task))
    return {f: out[f] for f in formats}
