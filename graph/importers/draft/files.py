"""The draft's file, ``claims.draft.yaml``: writing it, reading it back, dropping rejected claims.

The file is replaced atomically (a temporary file, then a rename); accepting claims is :mod:`.review`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from graph.model import yamlfile
from graph.model.errors import InputError
from graph.model.files import write_atomically

if TYPE_CHECKING:
    from .drafting import Draft

__all__ = ["DRAFT_FILE", "items", "load_draft", "pick", "reject", "render", "rewrite_draft", "strip", "write_draft"]

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


def items(claims: list[dict]) -> str:
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
    parts.append(items(d.claims))
    return "".join(parts)


def write_draft(d: Draft) -> Path:
    """Write ``claims.draft.yaml`` beside the text (never ``claims.yaml``); return its path."""
    path = Path(d.folder) / DRAFT_FILE
    write_atomically(path, render(d).encode("utf-8"))
    return path


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in yamlfile.META}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def load_draft(folder: Path) -> tuple[dict, list[dict]]:
    """The draft file's mapping and its claims (bookkeeping keys removed)."""
    path = Path(folder) / DRAFT_FILE
    if not path.is_file():
        raise InputError(f"no {DRAFT_FILE}: run `serbia-kg draft {folder}` first", file=path)
    data = strip(yamlfile.load(path))
    if not isinstance(data, dict) or not isinstance(data.get("claims") or [], list):
        raise InputError(f"{DRAFT_FILE} must hold a mapping with a list under 'claims'", file=path, line=1)
    return data, list(data.get("claims") or [])


def pick(claims: list[dict], ids: list[str], path: Path) -> tuple[list[dict], list[dict]]:
    by_id = {c.get("id"): c for c in claims if isinstance(c, dict)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise InputError(f"no claim {', '.join(repr(m) for m in missing)} in the draft", file=path)
    chosen = [by_id[i] for i in dict.fromkeys(ids)]
    rest = [c for c in claims if c.get("id") not in set(ids)]
    return chosen, rest


def rewrite_draft(folder: Path, data: dict, rest: list[dict]) -> None:
    path = Path(folder) / DRAFT_FILE
    original = path.read_text(encoding="utf-8")
    head = original.split("\nclaims:", 1)[0].rstrip("\n") + "\n"
    text = head + ("\nclaims:\n" + items(rest) if rest else "\nclaims: []\n")
    write_atomically(path, text.encode("utf-8"))


def reject(folder: Path, ids: list[str]) -> list[str]:
    """Drop the claims ``ids`` from the draft."""
    folder = Path(folder)
    data, claims = load_draft(folder)
    chosen, rest = pick(claims, ids, folder / DRAFT_FILE)
    rewrite_draft(folder, data, rest)
    return [c["id"] for c in chosen]
