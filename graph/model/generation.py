"""A build as one generation: all its outputs in one folder, switched in by one atomic rename.

An output folder (``out/``) looks like this::

    out/.lock                        held (``flock``) by the build writing the folder; holds its pid
    out/.builds/000007/              one generation: serbia-kg.trig, .nq, .ttl, .jsonld, summary.json,
                                     serbia-kg.html, build.json and, with --store, oxigraph/ (the
                                     store and its supplies index)
    out/.current -> .builds/000007   the pointer: one symbolic link, replaced by one rename
    out/serbia-kg.trig -> .current/serbia-kg.trig    the names users know: links through the pointer

A build writes a new generation beside the current one, then replaces ``.current`` with a link
to it (``rename(2)`` is atomic): a reader sees the whole of the old generation or the whole of
the new one, never a mix, and a build that fails or is killed leaves the current one untouched
(its half-written folder is removed by the next build). A store given with ``--store PATH``
is a link to ``out/.current/oxigraph``, so it switches with the rest. A build without
``--store`` keeps the previous store (a link to it), which then says it holds an older build
(:func:`store_status`). Readers that keep a generation open for long (the endpoint) hold a
shared lock on it (:func:`pin`); a build removes no generation that is pinned.

The dataset inside has a layout too: the structure of the derived graphs (``kgg:links``,
``kgg:ties``, ``kgg:pages``) that the saved questions read. Every build states the
:data:`LAYOUT` it wrote (``skg:derivedLayout`` of the dataset, in ``kgg:registry``), and a store,
a build or a server of another layout, or of none (built before the number was kept), is refused
where it is opened (:func:`layout_status`): the questions would answer it wrongly, not only slowly
(an older build's pages gave transfers-by-supplier and alignment-rates no rows at all).

This module is the layout on disk only (no RDF): :mod:`graph.compile.build` writes the outputs,
:func:`graph.pipeline.build` a whole generation (outputs, view, store and its index).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from graph.model.errors import InputError
from graph.model.files import fsync_dir

__all__ = ["default_out", "LOCK", "BUILDS", "CURRENT", "STAMP", "STORE", "STORE_STAMP", "Busy", "Generation", "locked",
           "begin", "current", "stamp", "pin", "Pin", "link_store", "prune", "leftovers", "remove", "store_status",
           "store_build", "write_error", "store_stamp", "verify", "LAYOUT", "LAYOUT_FINGERPRINT", "layout_status",
           "rebuild_advice"]

#: The layout of the derived graphs (kgg:links, kgg:ties, kgg:pages) this serbia-kg writes and reads.
#: Raise it by one whenever their structure changes (a new list, key, property or class in them), and
#: record the new :data:`LAYOUT_FINGERPRINT`: tests/test_layout.py fails, naming both, until you do.
LAYOUT = 5
#: The structure of the derived graphs of :data:`LAYOUT` on a small build (tests/test_layout.py).
LAYOUT_FINGERPRINT = "d39779ed05943c59"

LOCK = ".lock"
BUILDS = ".builds"
CURRENT = ".current"
#: Each generation's record: the build id (sha256 of its N-Quads), its files, its store.
STAMP = "build.json"
#: The store's folder in a generation.
STORE = "oxigraph"
#: The record a store keeps of the build it was loaded from (in the store's folder).
STORE_STAMP = "serbia-kg-build.json"

_NAME = re.compile(r"^\d{6,}$")


class Busy(InputError):
    """Another build is writing the same output folder."""


def default_out(corpus: Path) -> Path:
    """The default output folder: ``out/`` beside the corpus folder."""
    return corpus.resolve().parent / "out"


def write_error(exc: OSError, where: Path) -> InputError:
    """One line for a write that failed (a full disk, a read-only folder)."""
    why = os.strerror(exc.errno) if exc.errno else str(exc)
    return InputError(f"cannot write the build: {why}; the previous build is kept", file=where)


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's build lock; raise :class:`Busy` at once if another build holds it."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise write_error(exc, out) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise Busy("another build is writing this folder" + (f" (pid {holder})" if holder else "")
                       + "; wait for it to end or give another --out", file=out) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock (also when the process dies)


def current(out: Path) -> Path | None:
    """The folder of the current generation of ``out`` (resolved), or ``None`` if it has none."""
    link = Path(out) / CURRENT
    if not link.is_symlink():
        return None
    folder = Path(os.path.realpath(link))
    return folder if folder.is_dir() else None


def stamp(folder: Path, name: str = STAMP) -> dict | None:
    """A generation's record (or with ``name=STORE_STAMP`` a store's); ``None`` if it has none or it is unreadable."""
    try:
        data = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Generation:
    """A generation being written: files go to :attr:`folder`, :meth:`commit` switches it in."""

    def __init__(self, out: Path, folder: Path) -> None:
        self.out, self.folder = out, folder
        self.previous = current(out)
        self.committed = False
        self.files: list[str] = []
        self.digests: dict[str, str] = {}
        #: Set by :meth:`commit` when the previous generation's store was kept (it holds an older build).
        self.store_left_behind: list[str] | None = None

    def path(self, name: str) -> Path:
        """Where to write the output ``name`` (a file, or the store folder :data:`STORE`)."""
        if name not in self.files:
            self.files.append(name)
        return self.folder / name

    def write(self, name: str, data: bytes) -> None:
        """Write one output file (flushed to disk)."""
        import hashlib

        path = self.path(name)
        self.digests[name] = hashlib.sha256(data).hexdigest()
        try:
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise write_error(exc, self.out) from None

    def add_file(self, name: str) -> None:
        """Record a file written at :meth:`path` by someone else (its digest is taken now)."""
        import hashlib

        digest = hashlib.sha256()
        with open(self.path(name), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        self.digests[name] = digest.hexdigest()

    def link_previous(self, name: str) -> None:
        """Carry ``name`` over from the previous generation (a link to where it really is, not a copy)."""
        assert self.previous is not None
        target = Path(os.path.realpath(self.previous / name))
        os.symlink(os.path.relpath(target, self.folder), self.folder / name)
        self.path(name)

    def hardlink_previous(self, name: str) -> None:
        """Carry the file ``name`` over from the previous generation (a hard link: same bytes, no copy)."""
        assert self.previous is not None
        os.link(os.path.realpath(self.previous / name), self.path(name))
        record = stamp(self.previous) or {}
        if name in (record.get("sha256") or {}):
            self.digests[name] = record["sha256"][name]
        else:
            self.add_file(name)

    def commit(self, record: dict) -> None:
        """Write the record, then switch ``out/.current`` to this generation in one rename.

        When this generation has no store and the previous one had, the previous store is kept
        (linked) and :attr:`store_left_behind` lists the store paths that now answer from an older build.
        """
        out = self.out
        try:
            prev = stamp(self.previous) if self.previous is not None else None
            record = dict(record)
            if STORE not in self.files and self.previous is not None and (self.previous / STORE).exists():
                self.link_previous(STORE)
                self.store_left_behind = list((prev or {}).get("store_paths") or [str(out / STORE)])
            if STORE in self.files:
                paths = set((prev or {}).get("store_paths") or []) | set(record.get("store_paths") or [])
                record["store_paths"] = sorted(paths)
            data = dict(record, generation=self.folder.name, files=sorted(self.files),
                        sha256=dict(sorted(self.digests.items())))
            with open(self.folder / STAMP, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            fsync_dir(self.folder)
            tmp = out / f"{CURRENT}.{os.getpid()}.tmp"
            tmp.unlink(missing_ok=True)
            os.symlink(f"{BUILDS}/{self.folder.name}", tmp)
        except OSError as exc:
            self.abort()
            raise write_error(exc, out) from None
        os.replace(tmp, out / CURRENT)  # the switch: a rename of a link never needs more room
        self.committed = True
        try:
            fsync_dir(out)
            _link_names(out, self.files)
        except OSError as exc:  # built; the names are linked again by the next build
            raise InputError(f"built, but the output names could not be linked: {exc.strerror or exc}",
                             file=out) from None

    def abort(self) -> None:
        """Remove this generation, unless it was switched in already."""
        if not self.committed:
            shutil.rmtree(self.folder, ignore_errors=True)


def begin(out: Path) -> Generation:
    """Start a new generation in ``out`` (hold :func:`locked` around it until :meth:`Generation.commit`)."""
    out = Path(out)
    builds = out / BUILDS
    try:
        builds.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name) for p in builds.iterdir() if _NAME.match(p.name)]
        folder = builds / f"{max(numbers, default=0) + 1:06d}"
        folder.mkdir()
    except OSError as exc:
        raise write_error(exc, out) from None
    return Generation(out, folder)


def _link_names(out: Path, names: list[str]) -> None:
    """Make each ``out/NAME`` a link to ``.current/NAME``; drop links to names the generation lacks.

    A regular file left by an older serbia-kg is replaced by the link in one rename; a folder (an
    older store) is moved aside first and removed.
    """
    for name in names:
        path = out / name
        target = f"{CURRENT}/{name}"
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_dir() and not path.is_symlink():
            aside = out / f".{name}.old"
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(path, aside)
            shutil.rmtree(aside, ignore_errors=True)
        tmp = out / f".{name}.{os.getpid()}.link"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, path)
    for path in out.iterdir():
        if path.is_symlink() and os.readlink(path).startswith(CURRENT + "/") and path.name not in names:
            path.unlink()


def own_store(out: Path) -> Path | None:
    """The folder of the Oxigraph store the current build of ``out`` made (``build --store``), when it holds
    that build; else ``None``. A command given no store answers from it: the same answers, without
    parsing the dataset (1M: 0.2 s against 31 s)."""
    cur = current(Path(out))
    if cur is None:
        return None
    folder = cur / STORE
    record = stamp(cur)
    if folder.is_dir() and record and record.get("build") and store_build(folder) == record["build"]:
        return folder
    return None


def relink(out: Path) -> None:
    """Make the names in ``out`` lead into its current generation again (a name another command wrote
    over, ``serbia-kg view``'s page, is the build's again), as :meth:`Generation.commit` made them."""
    cur = current(out)
    record = stamp(cur) if cur is not None else None
    if record is not None:
        _link_names(Path(out), list(record.get("files") or []))


def link_store(out: Path, path: Path) -> None:
    """Make the store path ``path`` a link to ``out/.current/oxigraph`` (it then follows every build).

    An Oxigraph store left there by an older serbia-kg is replaced; anything else is refused.
    """
    out, path = Path(out), Path(path)
    if os.path.abspath(path) == os.path.abspath(out / STORE):
        return  # out/oxigraph is one of the names linked by every build
    target = os.path.relpath(os.path.abspath(out / CURRENT / STORE), os.path.abspath(path.parent))
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.exists() and not path.is_symlink():
        if not path.is_dir() or (any(path.iterdir()) and not (path / "CURRENT").exists()):
            raise InputError("exists and is not an Oxigraph store; refusing to replace it", file=path)
        aside = path.with_name(f".{path.name}.old")
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(path, aside)
        shutil.rmtree(aside, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _pinned(folder: Path) -> bool:
    try:
        fd = os.open(folder / STAMP, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def prune(out: Path, stores: Sequence[Path] = ()) -> list[Path]:
    """Remove what failed or killed builds left in ``out`` and beside ``stores``; return what was removed.

    Kept: the current generation, the one holding the store it links to, and any generation a
    reader has pinned. Removed: every other generation, half-written ones included, temporary
    links and files, and the ``.NAME.old`` / ``.NAME.xxxx`` folders older versions left beside a store.
    """
    removed = leftovers(out, stores)
    remove(removed)
    return removed


def remove(paths: Sequence[Path]) -> None:
    """Remove ``paths`` (what :func:`leftovers` found), folders with what they hold."""
    for path in paths:
        _remove(path)


def leftovers(out: Path, stores: Sequence[Path] = ()) -> list[Path]:
    """What :func:`prune` removes, found now, removed by none (a build removes them while it works:
    nothing it makes afterwards is among them)."""
    out = Path(out)
    removed: list[Path] = []
    keep = set()
    cur = current(out)
    if cur is not None:
        keep.add(cur.name)
        store = Path(os.path.realpath(cur / STORE))
        if store.parent.parent == cur.parent:
            keep.add(store.parent.name)
    builds = out / BUILDS
    if builds.is_dir():
        for folder in builds.iterdir():
            if folder.name in keep or _pinned(folder):
                continue
            removed.append(folder)
    litter = re.compile(r"^\..+\.(tmp|link|old)$")  # temporary files, links, folders moved aside
    for path in list(out.iterdir()) if out.is_dir() else []:
        if litter.match(path.name):
            removed.append(path)
    for store in stores:  # what older versions left beside a store: .NAME.old, .NAME.xxxxxxxx (mkdtemp)
        store = Path(store)
        if not store.parent.is_dir():
            continue
        for path in store.parent.iterdir():
            if path.name.startswith(f".{store.name}.") and (path.is_dir() or litter.match(path.name)):
                removed.append(path)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class Pin:
    """A generation held open: a build does not remove it while the pin is held (a shared ``flock``)."""

    def __init__(self, path: Path, folder: Path | None, fd: int | None) -> None:
        self.path, self.folder, self._fd = path, folder, fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def pin(path: Path) -> Pin:
    """Resolve ``path`` (an output folder, a store or a file in either) to the generation it is now, and pin it.

    ``Pin.path`` is the resolved path: what a long-lived reader opens so that it answers from this
    generation until it chooses to switch. A path outside any generation (an older layout) is
    resolved and returned unpinned.
    """
    path = Path(path)
    if (path / CURRENT).is_symlink():
        path = path / CURRENT
    real = Path(os.path.realpath(path))
    folder = next((p for p in (real, *real.parents) if p.parent.name == BUILDS), None)
    fd = None
    if folder is not None:
        try:
            fd = os.open(folder / STAMP, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            fd = None
    return Pin(real, folder, fd)


def store_build(store: Path) -> str | None:
    """The build id a store says it holds, or ``None`` (a store made before stores kept one)."""
    record = stamp(Path(os.path.realpath(store)), STORE_STAMP)
    return record.get("build") if record else None


def store_status(store: Path) -> str | None:
    """``None`` when the store holds the current build of its output folder; else one line that says why not."""
    real = Path(os.path.realpath(store))
    held = store_build(real)
    if held is None:
        return (f"the Oxigraph store at {store} does not say which build it holds (made by an older "
                f"serbia-kg); rebuild it with 'serbia-kg build --store {store}'")
    gen = real.parent
    if gen.parent.name != BUILDS:
        return None
    out = gen.parent.parent
    cur = current(out)
    record = stamp(cur) if cur is not None else None
    now = record.get("build") if record else None
    if now is not None and now != held:
        return (f"the Oxigraph store at {store} holds an older build ({held[:12]}) than {out} "
                f"({now[:12]}): its answers may be stale; refresh it with 'serbia-kg build --store {store}'")
    return None




def layout_status(held: object, what: str, mend: str) -> str | None:
    """``None`` when ``held`` (the layout a dataset states, ``None`` if it states none) is :data:`LAYOUT`;
    else one line: ``what`` (the store, build or server) holds another layout, and ``mend`` (the command
    that makes it again)."""
    if held is not None and str(held) == str(LAYOUT):
        return None
    holds = held if held is not None else "none (built before serbia-kg numbered them)"
    return (f"{what} holds derived graphs of layout {holds}, this serbia-kg reads layout {LAYOUT}: "
            f"its saved questions would answer wrongly; {mend}")


def rebuild_advice(out: Path) -> str:
    """What makes the build in ``out`` again, in words: a build of it, with the store its record lists."""
    cur = current(out)
    stores = ((stamp(cur) or {}).get("store_paths") or []) if cur is not None else []
    return f"rebuild it with 'serbia-kg build --out {out}" + (f" --store {stores[0]}'" if stores else "'")


def store_stamp(store_folder: Path, build: str) -> None:
    """Record in a store's folder the build it holds (:data:`STORE_STAMP`)."""
    path = Path(store_folder) / STORE_STAMP
    path.write_text(json.dumps({"build": build}) + "\n", encoding="utf-8")


def verify(out: Path) -> list[str]:
    """Check that ``out`` holds one whole generation; one line per problem (none: all is well).

    Every file its record lists is there, with the recorded sha256, and every name in ``out``
    leads into it; its store (if any) says it holds the same build, or the older build it was left at.
    """
    out = Path(out)
    cur = current(out)
    if cur is None:
        return [] if not (out / CURRENT).is_symlink() else [f"{out}: .current leads nowhere"]
    record = stamp(cur)
    if record is None:
        return [f"{cur}: the generation has no readable {STAMP}"]
    problems = []
    for name in record.get("files", []):
        path = out / name
        if not os.path.lexists(path) or os.path.realpath(path) != os.path.realpath(cur / name):
            problems.append(f"{path}: does not lead into the current generation")
            continue
        digest = (record.get("sha256") or {}).get(name)
        if digest is not None:
            import hashlib

            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            if h.hexdigest() != digest:
                problems.append(f"{path}: its bytes are not those the build wrote")
    if record.get("build") != (record.get("sha256") or {}).get("serbia-kg.nq"):
        problems.append(f"{cur}: the build id is not the digest of its N-Quads")
    if STORE in record.get("files", []):
        held = store_build(cur / STORE)
        if held is None:
            problems.append(f"{cur / STORE}: the store does not say which build it holds")
        elif held != record.get("build") and not (cur / STORE).is_symlink():
            problems.append(f"{cur / STORE}: the store holds another build than its generation")
    return problems
