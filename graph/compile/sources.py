"""Reading a corpus: source folders, their metadata and text, and locating quotes in the text.

A corpus is a folder (``sources/`` by default) with one sub-folder per source and a
``registry/`` folder of entities. A source folder holds::

    source.yaml   metadata: id, kind, title, publisher, author, issued, language, url, text, ...
    text.txt      the source's text (for articles and reports)
    claims.yaml   the claims encoded from it

A claim's quote must occur in the text after folding white space and typographic quotes;
:class:`QuoteIndex` finds it and gives the offsets in the original text.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Sequence

from graph.model.dates import DateError, parse_date
from graph.model.errors import InputError, ValidationError
from graph.model.terms import GRAPH, SOURCE
from graph.model import yamlfile

__all__ = ["Source", "QuoteIndex", "Selector", "discover", "load_source", "fold_text", "SOURCE_KINDS"]

SOURCE_KINDS = ("article", "report", "dataset")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REQUIRED = ("id", "kind", "title")
_KNOWN = {"id", "kind", "title", "publisher", "author", "issued", "language", "url", "republished_at",
          "text", "rights", "dataset"} | yamlfile.META

# Typographic quotes and spaces fold to their plain forms; every run of white space to one space.
_FOLD = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "…": "...",
}
_PREFIX_SUFFIX = 32


# white space other than a single plain space, or a character that folds (\s is str.isspace())
_NEEDS_FOLDING = re.compile(r"[^\S ]|  |[" + "".join(_FOLD) + "]")


# what folds: a run of white space (to one space), one white-space character other than a plain
# space, or a typographic character
_FOLDABLE = re.compile(r"\s{2,}|[^\S ]|[" + "".join(_FOLD) + "]")


def fold_text(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return it with, for each folded character, its offset in ``text``.

    >>> fold_text("a  “b”")[0]
    'a "b"'
    >>> fold_text("a \\n\\tb…")
    ('a b...', [0, 1, 4, 5, 5, 5])
    """
    if not _NEEDS_FOLDING.search(text):  # most quotes: nothing to fold
        return text, list(range(len(text)))
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _FOLDABLE.finditer(text):
        a = m.start()
        if a > pos:
            out.append(text[pos:a])
            offsets.extend(range(pos, a))
        found = m.group()
        rep = " " if found[0].isspace() else _FOLD[found]
        out.append(rep)
        offsets.extend([a] * len(rep))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    return "".join(out), offsets


class _Offsets:
    """Each folded character's offset in the text, as :func:`fold_text`'s list gives them, kept as runs (a
    text's list had an int per character: most of reading a source): the folded text's run ``k``, from
    ``starts[k]``, is the text's from ``origins[k]`` (``steps[k]`` 1) or one folded character (0)."""

    __slots__ = ("starts", "origins", "steps")

    def __init__(self, starts: list[int], origins: list[int], steps: list[int]) -> None:
        self.starts, self.origins, self.steps = starts, origins, steps

    def __getitem__(self, i: int) -> int:
        """The offset of the folded character ``i`` (from 0, within the folded text)."""
        k = bisect.bisect_right(self.starts, i) - 1
        return self.origins[k] + (i - self.starts[k]) * self.steps[k]


def _fold_runs(text: str) -> tuple[str, Sequence[int] | _Offsets]:
    """:func:`fold_text`, its offsets as a ``range`` (nothing folded) or :class:`_Offsets`."""
    if not _NEEDS_FOLDING.search(text):
        return text, range(len(text))
    out: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    steps: list[int] = []
    pos = n = 0  # n: the folded text's length so far
    for m in _FOLDABLE.finditer(text):
        a = m.start()
        if a > pos:
            out.append(text[pos:a])
            starts.append(n)
            origins.append(pos)
            steps.append(1)
            n += a - pos
        found = m.group()
        rep = " " if found[0].isspace() else _FOLD[found]
        out.append(rep)
        starts.append(n)
        origins.append(a)
        steps.append(0)
        n += len(rep)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
        starts.append(n)
        origins.append(pos)
        steps.append(1)
    return "".join(out), _Offsets(starts, origins, steps)


def _folded(text: str) -> str:
    """``fold_text(text)[0]``, without the offsets (a quote's are not read)."""
    return fold_text(text)[0] if _NEEDS_FOLDING.search(text) else text


@dataclass(frozen=True)
class Selector:
    """Where a quote is: offsets in the original text, the exact words there, and their context."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class QuoteIndex:
    """Finds quotes in one text, ignoring differences of white space and typographic quotes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded, self._offsets = _fold_runs(text)

    def locate(self, quote: str) -> Selector | None:
        """Where ``quote`` occurs, or ``None``: the first place where it fills whole lines (a dataset's
        row, "Guinea,ABSTENTION", rather than the end of "Equatorial Guinea,ABSTENTION"), else the first.

        >>> QuoteIndex("Equatorial Guinea,NO\\nGuinea,NO\\n").locate("Guinea,NO").start
        21
        """
        needle = _folded(quote).strip()
        if not needle:
            return None
        at = self.folded.find(needle)
        if at < 0:
            return None
        first = at
        while at >= 0 and not self._whole_lines(at, len(needle)):
            at = self.folded.find(needle, at + 1)
        at = first if at < 0 else at
        start = self._offsets[at]
        end = self._offsets[at + len(needle) - 1] + 1
        return Selector(start=start, end=end, exact=self.text[start:end],
                        prefix=self.text[max(0, start - _PREFIX_SUFFIX):start],
                        suffix=self.text[end:end + _PREFIX_SUFFIX])

    def _whole_lines(self, at: int, n: int) -> bool:
        start, end = self._offsets[at], self._offsets[at + n - 1] + 1
        return (start == 0 or self.text[start - 1] in "\r\n") and (end == len(self.text) or self.text[end] in "\r\n")

    def contains(self, words: str, within: str) -> bool:
        """Whether ``words`` occur in ``within`` once both are folded."""
        return _folded(words).strip() in _folded(within)


@dataclass
class Source:
    """One source folder, read."""

    id: str
    folder: Path
    meta: dict[str, Any]
    text: str | None = None
    quotes: QuoteIndex | None = field(default=None, repr=False)

    @cached_property
    def iri(self):  # (made once: rdflib's Namespace makes and checks the IRI at each use)
        return SOURCE[self.id]

    @cached_property
    def graph_iri(self):
        return GRAPH[self.id]

    @property
    def meta_file(self) -> Path:
        return self.folder / "source.yaml"

    @property
    def claims_file(self) -> Path:
        return self.folder / "claims.yaml"

    @property
    def text_sha256(self) -> str | None:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest() if self.text is not None else None

    @property
    def title(self) -> str:
        return str(self.meta["title"])


#: The longest text a source may have (characters); longer is refused, not truncated.
MAX_TEXT = 50_000_000


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, its links followed, lies inside ``root`` (its links followed too)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


def read_text_file(path: Path, shown_as: str, where: Path) -> str:
    """A source's text file as UTF-8 text; one clear ``InputError`` for anything else (naming ``where``)."""
    if path.is_dir():
        raise InputError(f"text file '{shown_as}' is a folder, not a file", file=path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"text file '{shown_as}' named in source.yaml not found", file=where) from None
    except OSError as exc:
        raise InputError(f"cannot read text file '{shown_as}': {exc.strerror or exc}", file=path) from None
    if b"\x00" in data:
        raise InputError(f"text file '{shown_as}' is binary (it holds NUL bytes), not text", file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"text file '{shown_as}' is not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); save it as UTF-8", file=path) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as Python's text mode reads it (universal newlines)
    if len(text) > MAX_TEXT:
        raise InputError(f"text file '{shown_as}' has {len(text):,} characters; at most {MAX_TEXT:,}", file=path)
    return text


def discover(corpus: Path, progress: Callable[[str], None] | None = None) -> list[Path]:
    """The source folders of a corpus (those with a ``source.yaml``), sorted by name.

    A folder that holds a source's claims or metadata (``claims.yaml``, a ``source.yml``...) without its
    ``source.yaml`` is an :class:`InputError` naming it: its claims would be left out without a word.

    A change of the corpus that a killed import left half-done is finished or dropped first
    (:func:`graph.compile.staging.recover`), and ``progress`` told so, a line each.
    """
    from graph.compile.staging import recover

    if not corpus.is_dir():
        raise InputError("no such corpus folder (one folder per source, and registry/): run serbia-kg in "
                         "the folder that holds sources/, or give the corpus with --sources DIR", file=corpus)
    for line in recover(corpus):
        if progress:
            progress(line)
    folders = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:  # a source whose metadata is missing or misnamed is not left out without a word
        if folder.name != "registry" and not (folder / "source.yaml").is_file():
            try:
                found = sorted(n.name for n in folder.iterdir() if n.name.lower().startswith(_SOURCE_FILES))
            except OSError as exc:
                raise InputError(f"cannot list the folder: {exc.strerror or exc}", file=folder) from None
            if found:
                raise InputError(f"a source folder without its source.yaml (it holds {', '.join(found)}): add "
                                 "source.yaml (docs/sources.md), or move the folder out of the corpus", file=folder)
    return [p for p in folders if (p / "source.yaml").is_file()]


#: The beginnings of the names of a source's metadata and claims (``source.yml``, ``claims.yaml``): a folder of the
#: corpus holding one is meant as a source (one with a text and a draft only is not yet).
_SOURCE_FILES = ("source.", "claims.yaml", "claims.yml")


def load_source(folder: Path) -> Source:
    """Read a source folder's metadata and text.

    Raises
    ------
    InputError
        Missing or malformed ``source.yaml``, a missing text file.
    ValidationError
        Metadata that breaks a rule: the id is not the folder's name, a bad date, an unknown kind.
    """
    meta_file = folder / "source.yaml"
    corpus = folder.parent
    for path in (folder, meta_file, folder / "claims.yaml"):
        if path.is_symlink() and not inside(path, corpus):
            raise InputError(f"'{path.name}' is a link to {os.path.realpath(path)}, outside the corpus; "
                             "copy the file in instead", file=path)
    meta = yamlfile.load(meta_file)
    if not isinstance(meta, dict):
        raise InputError("source.yaml must be a mapping of fields", file=meta_file, line=1)
    for key in _REQUIRED:
        if not meta.get(key):
            raise ValidationError(f"source.yaml lacks '{key}'", file=meta_file, line=yamlfile.line_of(meta, key))
    extra = sorted(set(meta) - _KNOWN)
    if extra:
        raise ValidationError(f"unknown field(s) {', '.join(map(str, extra))}; allowed: "
                              f"{', '.join(sorted(_KNOWN - yamlfile.META))}", file=meta_file,
                              line=yamlfile.line_of(meta, extra[0]))
    sid = str(meta["id"])
    if not _ID.match(sid):
        raise ValidationError(f"source id '{sid}' must be lower-case letters, digits, '.', '_' or '-'",
                              file=meta_file, line=yamlfile.line_of(meta, "id"))
    if sid != folder.name:
        raise ValidationError(f"source id '{sid}' differs from its folder name '{folder.name}'",
                              file=meta_file, line=yamlfile.line_of(meta, "id"))
    if meta["kind"] not in SOURCE_KINDS:
        raise ValidationError(f"kind '{meta['kind']}' is not one of {', '.join(SOURCE_KINDS)}",
                              file=meta_file, line=yamlfile.line_of(meta, "kind"))
    if meta.get("issued") is not None:
        try:
            parse_date(meta["issued"])
        except DateError as exc:
            raise ValidationError(f"issued: {exc}", file=meta_file, line=yamlfile.line_of(meta, "issued")) from None
    source = Source(id=sid, folder=folder, meta=meta)
    text_name = meta.get("text")
    if text_name:
        text_path = folder / str(text_name)
        if not inside(text_path, corpus):
            raise InputError(f"text file '{text_name}' lies outside the corpus (it is or passes through "
                             "a link, or names '..'); copy the text in instead", file=meta_file,
                             line=yamlfile.line_of(meta, "text"))
        source.text = read_text_file(text_path, str(text_name), meta_file)
        source.quotes = QuoteIndex(source.text)
    elif meta["kind"] != "dataset":
        raise ValidationError("an article or report needs its text: add 'text: text.txt'", file=meta_file,
                              line=yamlfile.line_of(meta, "kind"))
    return source
