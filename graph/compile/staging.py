"""Changing a corpus all or nothing: stage the new files, mark the change committed, then move them in.

An importer writes what it will change (a source folder, a registry file) into a hidden staging
folder inside the corpus, checks it there, and commits::

    with staging.change(corpus, "sipri-import") as change:
        folder = change.path("sipri-2026-x")             # a folder to fill
        reg = change.path("registry/sipri-2026.yaml")    # a file to write
        ...                                              # write, check; raise to abandon
    # here every path is in place, or (on an error) nothing changed

Committing writes the list of moves and then a ``COMMITTED`` mark (one rename) before it moves
anything; a process killed at any point leaves a staging folder that :func:`recover` (run by
every import, build and validation) rolls forward when it is marked committed and removes when it
is not. Once every path is moved in, the staging folder is renamed to its done name (``.done`` added)
and then removed, so a kill while it is removed leaves a folder that recovery removes, not a marked
one whose plan is half gone. So a kill never leaves half an import, an old source parked in a hidden
folder, or litter.
Changes to one corpus take turns (a lock file, ``.serbia-kg.lock``, held with ``flock``).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from graph.model.errors import InputError
from graph.model.files import fsync_dir

__all__ = ["change", "Change", "recover", "LOCK", "PREFIX"]

LOCK = ".serbia-kg.lock"
PREFIX = ".staging-"
_PLAN = "plan.json"
_MARK = "COMMITTED"
_NEW, _OLD = "new", "old"
#: Added to a staging folder's name once its change is wholly in place, before the folder is removed.
_DONE = ".done"
#: Staging folders of importers before this module: ``.previous`` in one is a source parked by a kill.
_LEGACY = (".sipri-import-", ".import-")


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def _lock_path(corpus: Path) -> Path:
    """The corpus's lock file: in the system's temporary folder, named by the corpus's real path, so
    that the corpus (often a git checkout) holds no file of ours beside its sources."""
    import hashlib
    import tempfile

    key = hashlib.sha256(str(Path(corpus).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"serbia-kg-corpus-{key}{LOCK}"


#: How long :func:`recover` waits for the corpus's lock. A killed import's forked workers hold the lock
#: (an inherited descriptor) for a moment after the import itself has died.
RECOVER_WAIT = 5.0


@contextmanager
def _lock(corpus: Path, wait: bool | float) -> Iterator[bool]:
    """Hold the corpus's lock; ``wait`` is True (until free), False (not at all) or seconds."""
    import time

    fd = os.open(_lock_path(corpus), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + (0.0 if isinstance(wait, bool) else float(wait))
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait is True else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        yield True
    finally:
        os.close(fd)


class Change:
    """A change being staged: :meth:`path` gives where to write each new version."""

    def __init__(self, corpus: Path, folder: Path) -> None:
        self.corpus, self.folder = corpus, folder
        self.targets: list[str] = []

    def path(self, target: str) -> Path:
        """Where to write the new version of ``corpus/target`` (a file or a folder; created by the caller)."""
        rel = PurePosixPath(target)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"not a path inside the corpus: {target}")
        if str(rel) not in self.targets:
            self.targets.append(str(rel))
        staged = self.folder / _NEW / str(self.targets.index(str(rel))) / rel.name  # the same name as in place
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def scratch(self) -> Path:
        """A folder for checks (copies, trial compilations): removed with the staging folder, never moved in."""
        path = self.folder / "scratch"
        path.mkdir(exist_ok=True)
        return path

    def commit(self) -> None:
        _fsync_tree(self.folder / _NEW)
        plan = self.folder / _PLAN
        plan.write_text(json.dumps(self.targets), encoding="utf-8")
        with open(plan, "rb") as fh:
            os.fsync(fh.fileno())
        mark = self.folder / f".{_MARK}.tmp"
        mark.write_text("", encoding="utf-8")
        os.replace(mark, self.folder / _MARK)  # from here on the change happens, even after a kill
        fsync_dir(self.folder)
        _apply(self.corpus, self.folder)


def _apply(corpus: Path, folder: Path) -> None:
    """Move every staged path into place (idempotent: a second run finishes what a killed one began)."""
    targets = json.loads((folder / _PLAN).read_text(encoding="utf-8"))
    (folder / _OLD).mkdir(exist_ok=True)
    for i, target in enumerate(targets):
        name = PurePosixPath(target).name
        new, old, dest = folder / _NEW / str(i) / name, folder / _OLD / str(i), corpus / target
        if not os.path.lexists(new):
            continue  # moved in already
        dest.parent.mkdir(parents=True, exist_ok=True)
        if new.is_dir() and os.path.lexists(dest):
            os.replace(dest, old)  # a folder cannot be renamed over a folder: park the old one
        os.replace(new, dest)
    fsync_dir(corpus)
    _remove_done(corpus, folder)


def _remove_done(corpus: Path, folder: Path) -> None:
    """Remove the folder of a change that is wholly in place: renamed to its done name first (and that
    on the disk), since a kill while it is removed could take its plan and leave its mark."""
    done = folder.with_name(folder.name + _DONE)
    if done.exists():  # left by a killed change of a process whose id this one has now
        shutil.rmtree(done)
    os.replace(folder, done)
    fsync_dir(corpus)
    shutil.rmtree(done, ignore_errors=True)


@contextmanager
def change(corpus: Path, label: str) -> Iterator[Change]:
    """Stage a change of ``corpus``; commit it when the block ends without an error, else drop it."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise InputError("corpus folder not found", file=corpus)
    with _lock(corpus, wait=True):
        _recover_locked(corpus)
        folder = corpus / f"{PREFIX}{label}-{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        staged = Change(corpus, folder)
        try:
            yield staged
            staged.commit()
        finally:
            if folder.exists() and not (folder / _MARK).exists():
                shutil.rmtree(folder, ignore_errors=True)


def _recover_locked(corpus: Path) -> list[str]:
    done = []
    for folder in sorted(corpus.iterdir()):
        if folder.name.startswith(PREFIX) and folder.is_dir():
            if folder.name.endswith(_DONE):
                shutil.rmtree(folder, ignore_errors=True)
                done.append(f"removed what a finished change left ({folder.name})")
            elif (folder / _MARK).exists() and not (folder / _PLAN).exists():
                # left by serbia-kg before done names: killed while the folder was removed, its moves all
                # made (the plan is written before the mark, and only the removal takes it)
                _remove_done(corpus, folder)
                done.append(f"removed what a finished change left ({folder.name})")
            elif (folder / _MARK).exists():
                _apply(corpus, folder)
                done.append(f"finished an interrupted change ({folder.name})")
            else:
                shutil.rmtree(folder, ignore_errors=True)
                done.append(f"dropped an unfinished change ({folder.name})")
        elif folder.name.startswith(_LEGACY) and folder.is_dir():
            # left by serbia-kg before staged changes: a source parked under .previous when a kill
            # came between the two renames of a re-import goes back where it was
            previous = folder / ".previous"
            sid = _source_id(previous)
            if sid and not (corpus / sid).exists():
                os.replace(previous, corpus / sid)
                done.append(f"restored source '{sid}' left aside by an interrupted import")
            shutil.rmtree(folder, ignore_errors=True)
    return done


def _source_id(folder: Path) -> str | None:
    import re

    try:
        text = (folder / "source.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = re.search(r"^id:\s*['\"]?([a-z0-9][a-z0-9._-]*)['\"]?\s*$", text, re.M)
    return m.group(1) if m else None


def recover(corpus: Path) -> list[str]:
    """Finish or drop the changes of ``corpus`` that a killed process left, and remove what a change
    killed while its folder was removed left; one line for each.

    Does nothing while another process is changing the corpus (it waits for the corpus's lock at most
    :data:`RECOVER_WAIT` seconds: a killed import's workers may hold it a moment longer than the import).
    """
    corpus = Path(corpus)
    if not corpus.is_dir() or not any(p.name.startswith((PREFIX, *_LEGACY)) for p in corpus.iterdir()):
        return []
    try:
        with _lock(corpus, wait=RECOVER_WAIT) as held:
            return _recover_locked(corpus) if held else []
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):  # a read-only corpus: reading it goes on
            return []
        raise InputError(f"cannot finish or drop an interrupted change: {exc}", file=corpus) from exc
