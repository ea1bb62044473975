"""Reading and writing files: a user's input read with one clear error, and writing so that a reader never sees
half of a file (a temporary file in the same folder, then a rename)."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from graph.model.errors import InputError

__all__ = ["write_atomically", "read_input", "fsync_dir", "Flushing"]


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: Path) -> bytes:
    """The bytes of a file a user gave; one clear :class:`InputError` naming it if it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", file=path) from None


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or a new file in it) to the disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Flushing:
    """Files flushed to the disk (``fsync``), each by a thread of its own, while the caller goes on.

    A build writes its outputs (some 365 MB at 1M triples) and flushes each to the disk before the
    generation that holds them is switched in; flushed one after another, each waits for the disk with
    nothing else done meanwhile. Here a file written (and closed) is handed over (:meth:`add`) and the
    build writes the next; :meth:`join` returns once every file handed over is on the disk, and raises
    the first error met (the caller then does not switch the generation in). A file is flushed through
    a descriptor of its own: on Linux, ``fsync`` writes the file's data whichever descriptor wrote it."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    def add(self, path: Path) -> None:
        def run() -> None:
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except BaseException as exc:  # noqa: BLE001 - raised by join
                self._errors.append(exc)

        thread = threading.Thread(target=run, name=f"serbia-kg-fsync-{Path(path).name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        """Wait for every file handed over; raise the first error."""
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self._errors:
            error, self._errors = self._errors[0], []
            raise error
