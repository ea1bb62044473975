"""serbia-kg: a knowledge graph of Serbia's foreign security ties.

Sources -> claims (each with its quote) -> RDF (one named graph per source) -> networkx -> views.
The library does everything the ``serbia-kg`` command does; this is its front door::

    import graph

    comp, summary = graph.build("sources")            # validate, write out/ beside the corpus
    graph.build_store("out", "out/oxigraph")           # an Oxigraph store with its supplies index
    kg = graph.open_graph(store="out/oxigraph")        # or open_graph("out"), open_graph(endpoint=URL)
    kg = graph.from_sources("sources")                 # or: compile in memory, write nothing
    kg.supplies(to="Serbia")                           # rows with their sources and quotes

Every error a user can cause is a :class:`KGError`; catch the subclass you mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from graph.model.errors import (CorpusInvalid, InputError, KGError, NotBuilt, UnknownName, UnknownRelation,
                                ValidationError)

if TYPE_CHECKING:
    from graph.ask.questions import KnowledgeGraph
    from graph.compile.build import build, validate

__version__ = "0.1.0"
__all__ = ["build", "validate", "build_store", "open_graph", "from_sources", "KnowledgeGraph", "KGError", "InputError",
           "ValidationError", "UnknownName", "UnknownRelation", "NotBuilt", "CorpusInvalid", "__version__"]

# build, validate and the questions use rdflib and networkx, which take about 0.5 s to import
# (python -X importtime, 2026-12-01): they are loaded when first used, so that `import graph` (and a
# cold `serbia-kg supplies --store`, answered from the store's index) does without them.
_LAZY = {"build": "graph.compile.build", "validate": "graph.compile.build", "KnowledgeGraph": "graph.ask.questions"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")


def open_graph(out: str | Path | None = None, *, sources: str | Path | None = None, store: str | Path | None = None,
               endpoint: str | None = None, build_if_missing: bool = False) -> KnowledgeGraph:
    """A built dataset, ready for questions: :meth:`graph.ask.questions.KnowledgeGraph.load`.

    ``out`` (a build's folder), ``store`` (an Oxigraph store: its supplies index answers
    ``supplies``) or ``endpoint`` (a SPARQL server's URL).

    Raises
    ------
    NotBuilt
        When there is no built dataset there (and ``build_if_missing`` is false).
    """
    from graph.ask.questions import KnowledgeGraph  # see _LAZY

    try:
        return KnowledgeGraph.load(out, sources=sources, store=store, endpoint=endpoint)
    except NotBuilt:
        if not build_if_missing or store is not None or endpoint is not None:
            raise
    from graph.compile.build import build as compile_and_write
    from graph.model.generation import default_out

    target = Path(out) if out is not None else default_out(Path(sources)) if sources is not None else Path("out")
    compile_and_write(Path(sources) if sources is not None else Path("sources"), target)
    return KnowledgeGraph.load(target)


def from_sources(corpus: str | Path = "sources") -> KnowledgeGraph:
    """Compile and validate a corpus in memory (nothing written) and ask it.

    Raises
    ------
    CorpusInvalid
        When the corpus does not validate.
    """
    from graph.ask.questions import KnowledgeGraph  # see _LAZY
    from graph.compile.build import validate as compile_and_check

    comp, _ = compile_and_check(Path(corpus))
    return KnowledgeGraph(comp.dataset)


def build_store(out: str | Path | None, path: str | Path, progress: Callable[[str], None] | None = None) -> int:
    """Load a build's output into an Oxigraph store at ``path`` with its supplies index (``build --store``).

    Returns the number of quads loaded; see :func:`graph.store.backends.load_store`.
    """
    from graph.ask.questions import write_store_caches  # see _LAZY
    from graph.store.backends import load_store

    return load_store(Path(out) if out is not None else None, Path(path), progress, index=write_store_caches)
