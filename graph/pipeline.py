"""The whole build as one generation: the RDF outputs, the view, the Oxigraph store and its index.

``serbia-kg build`` is this function. It sits above the sub-packages (it uses
:mod:`graph.compile` for the outputs, :mod:`graph.present` for the view and :mod:`graph.store`
for the store) and writes everything into one new generation of the output folder, switched in
by one rename (:mod:`graph.model.generation`): after a crash, a kill or a full disk, ``out/``,
its view and its store are all of the previous build or all of the new one.

>>> import inspect; list(inspect.signature(build).parameters)
['corpus', 'out', 'store', 'view', 'shacl_engine', 'progress', 'warn', 'full']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from graph.compile import build as build_mod
from graph.compile.shapes import DEFAULT_ENGINE
from graph.model import generation

__all__ = ["build", "VIEW"]

#: The view's file name in a generation (and in ``out/``).
VIEW = "serbia-kg.html"


def _updated_store(comp, gen: generation.Generation, folder: Path, build: str,
                   progress: Callable[[str], None] | None, caches: Callable) -> int | None:
    """The store of an incremental build made from the previous generation's by replacing what changed
    (:func:`graph.store.backends.update_store`); ``None`` (nothing left in ``folder``) when it is to be
    loaded whole: a full build, no store of the previous build beside it, or anything unexpected."""
    import shutil

    from graph.compile.build import store_changes
    from graph.store.backends import previous_store, update_store

    changes = store_changes(comp)
    if changes is None:
        return None
    previous = previous_store(gen.previous)
    if previous is None or gen.previous is None or \
            os.path.realpath(changes.previous) != os.path.realpath(gen.previous / "serbia-kg.nq"):
        if progress:
            progress("loading the whole dataset into a new Oxigraph store (the previous build has no store of its own)")
        return None
    if progress:
        patched = sum(gone.count(b"\n") + come.count(b"\n") for gone, come in changes.patched.values())
        progress(f"updating the previous build's Oxigraph store: {len(changes.replaced)} graph(s) replaced, "
                 f"{len(changes.removed)} removed, {patched} line(s) of {len(changes.patched)} graph(s) "
                 "removed or added")
    try:
        return update_store(folder, previous, changes, build, progress, index=caches)
    except Exception as exc:  # noqa: BLE001 - whatever it was, the store is loaded whole (and says why)
        shutil.rmtree(folder, ignore_errors=True)
        if progress:
            progress(f"loading the whole dataset into a new Oxigraph store (updating the previous one failed: {exc})")
        return None


def build(corpus: Path, out: Path | None = None, *, store: Path | None = None, view: bool = True,
          shacl_engine: str = DEFAULT_ENGINE, progress: Callable[[str], None] | None = None,
          warn: Callable[[str], None] | None = None, full: bool = False):
    """Compile, validate and write a corpus: outputs, view (``view``) and store (``store``), switched in together.

    Parameters
    ----------
    corpus, out, shacl_engine, progress, full:
        As for :func:`graph.compile.build.build` (a previous build in ``out`` is reused for the
        sources that did not change, unless ``full``; when nothing changed and it holds the view and
        store asked for, nothing is written: ``Compilation.up_to_date``).
    store:
        Also load the dataset into an Oxigraph store (with its supplies index), kept in the
        generation; ``store`` becomes a link to it (``out/oxigraph`` is one in any case).
    view:
        Also write the network view, ``serbia-kg.html``.
    warn:
        Called with one line for each warning: the view's, and a store left at an older build
        (a build without ``store`` when the previous one had one).

    Returns
    -------
    tuple
        ``(Compilation, Summary)``.
    """
    out = Path(out) if out is not None else generation.default_out(Path(corpus))
    warnings: list[str] = []

    def extras(comp, gen: generation.Generation) -> None:
        projected: list = []  # the facts the store's caches hold, drawn by the view (not projected again)
        if store is not None:
            from graph.ask.questions import write_store_caches
            from graph.store.backends import fill_store

            keep = projected.append if view else None
            folder, build = gen.path(generation.STORE), gen.digests["serbia-kg.nq"]
            caches = lambda st, folder: write_store_caches(st, folder, keep=keep)  # noqa: E731
            quads = _updated_store(comp, gen, folder, build, progress, caches)
            if quads is None:
                quads = fill_store(folder, gen.folder / "serbia-kg.nq", build, progress, index=caches)
                if progress:
                    progress(f"loaded {quads} quads into the Oxigraph store {store}")
            elif progress:
                progress(f"updated the Oxigraph store {store}: {quads} quads")
        if view:
            from graph.present import view as view_mod

            if progress:
                progress("writing the network view")
            if store is not None:  # the projection the store's caches were computed from: not projected again
                from graph.store.native import open_store

                data = open_store(gen.path(generation.STORE))
            elif comp.read is not None and reads is not None:  # collected by the workers: no N-Quads read back
                from graph.store.native import ValuesReader

                data = ValuesReader(comp.read, *reads)
            else:  # a source reused from a build that kept no values for the view
                data = comp.oxigraph_store()
            shown = view_mod.make_view(data, gen.path(VIEW), projected=projected.pop() if projected else None,
                                       progress=progress)
            gen.add_file(VIEW)
            warnings.extend(shown.warnings)

    record = {"store_paths": [os.path.abspath(store)]} if store is not None else {}
    if store is not None:
        if Path(store).exists() and not Path(store).is_symlink() and (
                not Path(store).is_dir() or (any(Path(store).iterdir()) and not (Path(store) / "CURRENT").exists())):
            from graph.model.errors import InputError

            raise InputError("exists and is not an Oxigraph store; refusing to replace it", file=store)
    if not Path(corpus).is_dir():  # refused before out/ (and its lock) is touched
        from graph.compile.sources import discover

        discover(Path(corpus))
    reads = None
    if view and store is None:  # the view reads what the workers collect (a store's caches give it the rest)
        from graph.present.view import reads as view_reads

        reads = view_reads()
    waiting: Callable[[], None] | None = None
    if view:  # the view's libraries imported while the outputs' workers write them
        from graph.present.view import warm

        waiting = warm
    def holds(folder: Path, stamp: dict) -> bool:  # a generation up to date has the view and store asked for
        files = set(stamp.get("files") or [])
        if (VIEW in files) != view:
            return False
        if store is None:  # (one with a store: built again without, as before, and told it is left behind)
            return generation.STORE not in files
        return os.path.abspath(store) in (stamp.get("store_paths") or []) and generation.own_store(out) == folder / \
            generation.STORE

    comp, summary = build_mod.build(corpus, out, progress, shacl_engine, extras=extras, record=record,
                                    stores=[Path(store)] if store is not None else [], full=full, read=reads,
                                    waiting=waiting, keep=holds)
    if store is not None:
        generation.link_store(out, Path(store))
    gen = comp.written_to
    if gen is not None and gen.store_left_behind:
        for path in gen.store_left_behind:
            warnings.append(f"the Oxigraph store {path} was not rebuilt and still holds the previous build; "
                            f"refresh it with 'serbia-kg build --store {path}'")
    for line in warnings:
        if warn:
            warn(line)
    return comp, summary
