"""Process pools for the large steps of a build, and running native code in a child process.

Pools are forked (cheap, and nothing to re-import); what a worker needs is given to the pool's
initializer. A native library that starts a thread pool of its own cannot be used in a forked child
once its parent has used it: shacl-rust was seen to wait forever there. So such calls run in a
forked child of their own (:func:`isolated`), and the calling process never starts those threads.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from typing import Any, Callable

__all__ = ["cores", "pool", "isolated"]


def cores() -> int:
    """How many processes a pool may use: the cores this process may run on (1 without ``fork``)."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def pool(workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
    """A forked ``multiprocessing`` pool of ``workers`` processes."""
    return mp.get_context("fork").Pool(workers, initializer=initializer, initargs=initargs)


def isolated(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` run in a forked child process; its result (or its error, as a ``RuntimeError``)
    comes back pickled. Without ``fork``, ``fn`` runs here."""
    if not hasattr(os, "fork"):  # pragma: no cover (Windows)
        return fn(*args)
    r, w = os.pipe()
    pid = os.fork()
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
