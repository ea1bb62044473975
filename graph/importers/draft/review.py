"""Moving reviewed claims from the draft into ``claims.yaml``, each checked as ``validate`` checks it.

Kept apart from drafting so that reviewing needs no spaCy and drafting loads no compiler.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from graph.compile.claims import compile_claim
from graph.compile.sources import load_source
from graph.model import yamlfile
from graph.model.errors import InputError, KGError, ValidationError
from graph.model.files import write_atomically
from graph.model.registry import concept_schemes, load_registry
from graph.model.resources import ontology_graph

from .files import DRAFT_FILE, items, load_draft, pick, rewrite_draft, strip

__all__ = ["accept"]


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
    chosen, rest = pick(claims, ids, folder / DRAFT_FILE)
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
    old = strip(yamlfile.load(path)) if old_text.strip() else None
    old_claims = list((old or {}).get("claims") or [])
    clash = sorted({c.get("id") for c in old_claims} & {c["id"] for c in final})
    if clash:
        raise InputError(f"claim id(s) {', '.join(clash)} already in claims.yaml; rename them in the draft", file=path)
    if old is None:
        new_text = (f"# Claims of {source.id}, reviewed from {DRAFT_FILE}.\n\nclaims:\n" + items(final))
    elif not old_claims and "claims:" in old_text and old_text.rstrip().endswith(("claims:", "claims: []")):
        new_text = old_text.rstrip().removesuffix("[]").rstrip() + "\n" + items(final)
    else:
        new_text = old_text.rstrip("\n") + "\n\n" + items(final).lstrip("\n")
    check = yaml.safe_load(new_text)
    if not isinstance(check, dict) or check.get("claims") != old_claims + final:
        raise InputError("cannot append: the 'claims' list is not the last thing in the file; move it to the end",
                         file=path)
    write_atomically(path, new_text.encode("utf-8"))
    rewrite_draft(folder, data, rest)
    return [c["id"] for c in final]
