"""The draft's files: writing ``claims.draft.yaml``, and moving reviewed claims into ``claims.yaml``.

Both files are replaced atomically (a temporary file, then a rename). Accepted claims are
appended to ``claims.yaml`` as text, so that its comments stay; each is first checked as
``validate`` checks it (fields, names, quote), so an accepted claim never breaks the corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from graph.compile.build import concept_schemes, write_atomically
from graph.compile.claims import compile_claim
from graph.compile.sources import load_source
from graph.model import yamlfile
from graph.model.errors import InputError, KGError, ValidationError
from graph.model.registry import load_registry
from graph.model.resources import ontology_graph

if TYPE_CHECKING:
    from . import Draft

__all__ = ["DRAFT_FILE", "accept", "load_draft", "reject", "render", "write_draft"]

DRAFT_FILE = "claims.draft.yaml"

_HEADER = """\
# Claims DRAFTED by `serbia-kg draft` from {text}: candidates for a person to review, not facts.
# Check each against the text; fix or delete its fields; then move it into claims.yaml with
#   serbia-kg draft {folder} --accept ID [ID ...]
# (--reject ID drops one). `draft:` says which rule proposed a claim and its confidence (the rule's
# score lowered for each inference, not a probability); it is dropped on acceptance.
# Relative dates were read against the publication date ({issued}); notes say how.
# Names the registry does not know are listed first: every section and type there is a GUESS; add the
# right ones to the registry (sources/registry/*.yaml) before accepting a claim that names them.
"""


class _Dumper(yaml.SafeDumper):
    """As people write claims.yaml: mappings in block style, lists of names on one line, lists indented."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(not isinstance(x, (dict, list)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _map(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=False)


_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _map)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def _items(claims: list[dict]) -> str:
    """Claims as the items of a ``claims:`` list (two-space indent, a blank line between them)."""
    text = _dump({"claims": claims})
    body = text.split("\n", 1)[1] if claims else ""
    return body.replace("\n  - id:", "\n\n  - id:")


def render(d: Draft) -> str:
    """The draft file's text."""
    meta_issued = d.issued or "not given: relative dates were left out"
    head = _HEADER.format(text=d.text_name, folder=d.folder, issued=meta_issued)
    proposed = [{"name": p.name, "section": p.section, **({"type": p.type} if p.type else {}), "guess": True,
                 "mentions": p.mentions, **({"claims": p.claims} if p.claims else {})} for p in d.proposed]
    parts = [head, "\n"]
    if proposed:
        parts.append("# names the registry does not know (section, type: guesses; those used by claims first)\n")
        parts.append(_dump({"proposed_entities": proposed}))
    else:
        parts.append("proposed_entities: []\n")
    parts.append("\nclaims:\n" if d.claims else "\nclaims: []\n")
    parts.append(_items(d.claims))
    return "".join(parts)


def write_draft(d: Draft) -> Path:
    """Write ``claims.draft.yaml`` beside the text (never ``claims.yaml``); return its path."""
    path = Path(d.folder) / DRAFT_FILE
    write_atomically(path, render(d).encode("utf-8"))
    return path


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in yamlfile.META}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def load_draft(folder: Path) -> tuple[dict, list[dict]]:
    """The draft file's mapping and its claims (bookkeeping keys removed)."""
    path = Path(folder) / DRAFT_FILE
    if not path.is_file():
        raise InputError(f"no {DRAFT_FILE}: run `serbia-kg draft {folder}` first", file=path)
    data = _strip(yamlfile.load(path))
    if not isinstance(data, dict) or not isinstance(data.get("claims") or [], list):
        raise InputError(f"{DRAFT_FILE} must hold a mapping with a list under 'claims'", file=path, line=1)
    return data, list(data.get("claims") or [])


def _pick(claims: list[dict], ids: list[str], path: Path) -> tuple[list[dict], list[dict]]:
    by_id = {c.get("id"): c for c in claims if isinstance(c, dict)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise InputError(f"no claim {', '.join(repr(m) for m in missing)} in the draft", file=path)
    chosen = [by_id[i] for i in dict.fromkeys(ids)]
    rest = [c for c in claims if c.get("id") not in set(ids)]
    return chosen, rest


def _rewrite_draft(folder: Path, data: dict, rest: list[dict]) -> None:
    path = Path(folder) / DRAFT_FILE
    original = path.read_text(encoding="utf-8")
    head = original.split("\nclaims:", 1)[0].rstrip("\n") + "\n"
    text = head + ("\nclaims:\n" + _items(rest) if rest else "\nclaims: []\n")
    write_atomically(path, text.encode("utf-8"))


def accept(folder: Path, ids: list[str], registry: Path | None = None) -> list[str]:
    """Move the claims ``ids`` from the draft into ``claims.yaml``, each checked as ``validate`` does.

    Raises
    ------
    InputError
        No draft, an id not in it, an id already in ``claims.yaml``.
    ValidationError
        A claim that would not validate (an unknown name, a bad field, a quote not in the text):
        nothing is moved.
    """
    folder = Path(folder)
    data, claims = load_draft(folder)
    chosen, rest = _pick(claims, ids, folder / DRAFT_FILE)
    final = [{k: v for k, v in c.items() if k != "draft"} for c in chosen]
    source = load_source(folder)
    reg = load_registry(registry or folder.resolve().parent / "registry")
    schemes = concept_schemes(ontology_graph())
    for claim in final:
        try:
            compile_claim(claim, source, reg, schemes)
        except KGError as exc:
            raise ValidationError(f"not accepted, fix it in {DRAFT_FILE} first: {exc.message}",
                                  file=folder / DRAFT_FILE, claim=claim.get("id")) from None
    path = folder / "claims.yaml"
    old_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    old = _strip(yamlfile.load(path)) if old_text.strip() else None
    old_claims = list((old or {}).get("claims") or [])
    clash = sorted({c.get("id") for c in old_claims} & {c["id"] for c in final})
    if clash:
        raise InputError(f"claim id(s) {', '.join(clash)} already in claims.yaml; rename them in the draft", file=path)
    if old is None:
        new_text = (f"# Claims of {source.id}, reviewed from {DRAFT_FILE}.\n\nclaims:\n" + _items(final))
    elif not old_claims and "claims:" in old_text and old_text.rstrip().endswith(("claims:", "claims: []")):
        new_text = old_text.rstrip().removesuffix("[]").rstrip() + "\n" + _items(final)
    else:
        new_text = old_text.rstrip("\n") + "\n\n" + _items(final).lstrip("\n")
    check = yaml.safe_load(new_text)
    if not isinstance(check, dict) or check.get("claims") != old_claims + final:
        raise InputError("cannot append: the 'claims' list is not the last thing in the file; move it to the end",
                         file=path)
    write_atomically(path, new_text.encode("utf-8"))
    _rewrite_draft(folder, data, rest)
    return [c["id"] for c in final]


def reject(folder: Path, ids: list[str]) -> list[str]:
    """Drop the claims ``ids`` from the draft."""
    folder = Path(folder)
    data, claims = load_draft(folder)
    chosen, rest = _pick(claims, ids, folder / DRAFT_FILE)
    _rewrite_draft(folder, data, rest)
    return [c["id"] for c in chosen]
