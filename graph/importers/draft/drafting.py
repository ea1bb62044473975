"""Proposing claims from an article's text: :func:`draft` reads the folder and runs the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from graph.model import yamlfile
from graph.model.dates import DateError, parse_date
from graph.compile.sources import QuoteIndex
from graph.model.errors import InputError, UnknownName
from graph.model.registry import Registry, load_registry

from .rules import Candidate, propose, slug
from .text import Reader

__all__ = ["Draft", "Proposed", "draft", "read_text"]


@dataclass
class Proposed:
    """A name the registry does not know, proposed as an entry (section and type are guesses)."""

    name: str
    section: str
    type: str | None
    mentions: int = 0
    claims: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """What :func:`draft` proposes for one source."""

    folder: Path
    claims: list[dict]
    proposed: list[Proposed]
    sentences: int
    issued: str | None = None  # the publication date relative dates were read against
    text_name: str = "text.txt"


def read_text(folder: Path) -> tuple[str, dict]:
    """The source's text and metadata; one clear ``InputError`` for a folder that cannot be drafted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("source folder not found", file=folder)
    meta: dict = {}
    meta_file = folder / "source.yaml"
    if meta_file.is_file():
        loaded = yamlfile.load(meta_file)
        if not isinstance(loaded, dict):
            raise InputError("source.yaml must be a mapping of fields", file=meta_file, line=1)
        meta = loaded
    text_file = folder / str(meta.get("text") or "text.txt")
    try:
        raw = text_file.read_bytes()
    except FileNotFoundError:
        raise InputError("no text to draft from: the file is missing", file=text_file) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=text_file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}); save it as UTF-8",
                         file=text_file) from None
    if not text.strip():
        raise InputError("the text is empty: nothing to draft from", file=text_file)
    if "\x00" in text:
        raise InputError("the text holds NUL bytes: not a plain text file", file=text_file)
    return text, meta


def _issued(meta: dict, folder: Path) -> tuple[dt.date | None, str | None, str | None]:
    value = meta.get("issued")
    if value is None:
        return None, None, None
    try:
        lit = parse_date(value)
    except DateError as exc:
        raise InputError(f"issued: {exc}", file=folder / "source.yaml", line=yamlfile.line_of(meta, "issued")) from None
    text = str(lit)
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return day, text, f"{day.day} {day.strftime('%B %Y')}"
    if len(text) == 7:
        day = dt.date(int(text[:4]), int(text[5:]), 28)
        return day, text, day.strftime("%B %Y")
    return None, text, text


def draft(folder: Path, registry: Registry | Path | None = None) -> Draft:
    """Propose claims for the source in ``folder``.

    Parameters
    ----------
    folder:
        A source folder with ``text.txt`` (and ``source.yaml``: its ``issued`` date resolves
        relative dates such as "last year").
    registry:
        The registry, or its folder; by default ``registry/`` beside the source folder.

    Raises
    ------
    InputError
        No text, an empty text, a text that is not UTF-8, no registry.
    """
    folder = Path(folder)
    text, meta = read_text(folder)
    if registry is None or isinstance(registry, Path):
        registry = load_registry(Path(registry) if registry is not None else folder.resolve().parent / "registry")
    issued, issued_value, issued_text = _issued(meta, folder)
    sentences = Reader(registry).read(text, issued, issued_text)
    existing = _existing(folder)
    index = QuoteIndex(text)
    candidates = [c for c in propose(sentences, issued_value) if not _already(c, existing, registry, index)]
    claims = _as_claims(candidates, {str(c.get("id")) for c in existing})
    proposed = _proposals(sentences, candidates, claims)
    return Draft(folder=folder, claims=claims, proposed=proposed, sentences=len(sentences), issued=issued_value,
                 text_name=str(meta.get("text") or "text.txt"))


def _existing(folder: Path) -> list[dict]:
    """The claims already in ``claims.yaml`` (not proposed again)."""
    path = folder / "claims.yaml"
    if not path.is_file():
        return []
    data = yamlfile.load(path)
    items = data.get("claims") if isinstance(data, dict) else None
    return [c for c in items or [] if isinstance(c, dict)]


def _already(c: Candidate, existing: list[dict], registry: Registry, index: QuoteIndex) -> bool:
    """Whether a claim of ``claims.yaml`` has the candidate's type, rests on the same words and
    agrees with each of its entity fields (a claim accepted earlier, or written by hand)."""
    here = index.locate(c.quote)

    def same(a: object, b: object) -> bool:
        def ids(v: object) -> set[str]:
            out = set()
            for x in v if isinstance(v, list) else [v]:
                try:
                    out.add(registry.resolve(str(x)).id)
                except UnknownName:
                    out.add(str(x))
            return out
        return ids(a) == ids(b)

    for e in existing:
        if e.get("type") != c.type or here is None or not isinstance(e.get("quote"), str):
            continue
        there = index.locate(e["quote"])
        if there is None or not (there.start < here.end and here.start < there.end):
            continue
        keys = [k for k in ("supplier", "recipient", "system", "category", "name", "speaker", "imposer", "target",
                            "member", "organisation") if k in c.fields and k in e]
        if all(same(c.fields[k], e[k]) for k in keys):
            return True
    return False


def _claim_id(c: Candidate) -> str:
    f = c.fields
    if c.type == "transfer":
        base = slug(f.get("system") or f.get("category") or "", f.get("supplier", ""), "to", f["recipient"])
    elif c.type == "exercise":
        base = slug(f["name"])
    elif c.type == "statement":
        first = " ".join(str(f.get("words") or f.get("topic") or "").split()[:4])
        base = slug(f["speaker"], first)
    elif c.type == "sanction":
        base = slug(f["imposer"][0], "sanctions", f["target"][0])
    else:
        base = slug(f["member"], "in", f["organisation"])
    return base or c.type


def _as_claims(candidates: list[Candidate], taken: set[str]) -> list[dict]:
    out = []
    used = set(taken)
    for c in candidates:
        base = _claim_id(c)
        cid, n = base, 2
        while cid in used:
            cid, n = f"{base}-{n}", n + 1
        used.add(cid)
        claim = {"id": cid, "type": c.type, **c.fields, "quote": c.quote}
        if c.notes:
            claim["note"] = " ".join(dict.fromkeys(c.notes))
        claim["draft"] = {"rule": c.rule, "confidence": c.confidence}
        if c.unknown:
            claim["draft"]["unknown_names"] = list(dict.fromkeys(m.text for m in c.unknown))
        out.append(claim)
    return out


def _proposals(sentences, candidates: list[Candidate], claims: list[dict]) -> list[Proposed]:
    by_name: dict[str, Proposed] = {}
    for s in sentences:
        for m in s.mentions:
            if m.entity is None:
                p = by_name.setdefault(m.text, Proposed(m.text, m.guess or "actors", m.guess_type))
                p.mentions += 1
    for c, claim in zip(candidates, claims):
        for m in c.unknown:
            p = by_name.setdefault(m.text, Proposed(m.text, m.guess or "actors", m.guess_type))
            if claim["id"] not in p.claims:
                p.claims.append(claim["id"])
    return sorted(by_name.values(), key=lambda p: (not p.claims, -p.mentions, p.name))
