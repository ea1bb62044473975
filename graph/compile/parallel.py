"""Process pools for the large steps of a build, running native code in a child process, and the
collector of cycles during a build.

Pools are forked (cheap, and nothing to re-import); what a worker needs is given to the pool's
initializer. A native library that starts a thread pool of its own cannot be used in a forked child
once its parent has used it: shacl-rust was seen to wait forever there. So such calls run in a
forked child of their own (:func:`isolated`), and the calling process never starts those threads.

A build makes millions of small containers (rows, tuples, lists of lines) and keeps most of them
until a step ends; Python's collector of cycles, at its default thresholds, goes through all that
is alive again and again as they are made (some 20 % of a 1M build's CPU, 40 % in the derived
graphs' processes). :func:`fewer_collections` spaces its collections out for the build's length, as
mypy does for its own, and the processes a build forks never go through what their parent held.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

__all__ = ["cores", "pool", "isolated", "fewer_collections", "BUILD_THRESHOLD", "PARALLEL_CLAIMS"]

#: From this many claims on, the derived graphs are made on two forked processes: a full build's
#: (``kgg:ties`` and ``kgg:pages``, :func:`graph.compile.build._derived_task`), and the questions' lists an
#: incremental build makes again (:func:`graph.compile.delta.page_lines`; at 10M they were 11 s of the 18 s
#: the build's process spent alone before its outputs, and a source added or removed takes 3-4 s less on
#: two; at 1M, 28,239 claims, 0.16 s less, medians of 8 each).
PARALLEL_CLAIMS = 10_000

#: The collector's first threshold during a build (Python's default is 700): the containers made
#: between two collections of the youngest generation (the older generations' thresholds are raised
#: to at least 20 and 100: a full collection then comes some 2,000 young ones apart).
BUILD_THRESHOLD = 100_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Space the collector's collections out (:data:`BUILD_THRESHOLD`) while the block runs, in this
    process and the processes it forks; the thresholds are as they were afterwards.

    Cycles are still collected (at most some :data:`BUILD_THRESHOLD` young containers wait for it);
    only the times the collector goes through every young container are fewer."""
    was = gc.get_threshold()
    gc.set_threshold(max(was[0], BUILD_THRESHOLD), max(was[1], 20), max(was[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*was)


def _forked(make: Callable[[], Any]) -> Any:
    """``make()``, which forks, with every object this process holds frozen (``gc.freeze``) as it
    does: a child's collector then never goes through them, which would write to each one's header
    and so copy the pages of the parent's heap into the child. The parent unfreezes them after
    (unless it had frozen objects of its own before: those stay frozen, as it wanted)."""
    ours, parent = gc.get_freeze_count() == 0, os.getpid()
    gc.freeze()
    try:
        return make()
    finally:
        if ours and os.getpid() == parent:
            gc.unfreeze()


def cores() -> int:
    """How many processes a pool may use: the cores this process may run on (1 without ``fork``)."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def pool(workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
    """A forked ``multiprocessing`` pool of ``workers`` processes (forked as :func:`_forked` says)."""
    return _forked(lambda: mp.get_context("fork").Pool(workers, initializer=initializer, initargs=initargs))


def isolated(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` run in a forked child process; its result (or its error, as a ``RuntimeError``)
    comes back pickled. Without ``fork``, ``fn`` runs here."""
    if not hasattr(os, "fork"):  # pragma: no cover (Windows)
        return fn(*args)
    r, w = os.pipe()
    pid = _forked(os.fork)
    if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
        code = 0
        try:
            os.close(r)
            try:
                data = pickle.dumps((True, fn(*args)))
            except BaseException as exc:  # noqa: BLE001 (sent to the parent)
                data = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"the child process computing {getattr(fn, '__name__', fn)} died (status {status})")
    ok, value = pickle.loads(data)
    if not ok:
        raise RuntimeError(value)
    return value
