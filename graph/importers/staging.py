"""Writing an imported source into a corpus, all or nothing (shared by every importer).

An importer prepares a source folder's files (``source.yaml``, the rows verbatim, ``claims.yaml``)
and the registry entries the corpus lacked. :func:`claim_target` says whether the folder may be
written; :func:`commit_source` stages the files, compiles every claim against the staged
registry (quotes located, names resolved, duplicates refused) and only then moves the folder and
the registry file into place (:mod:`graph.compile.staging`: a kill at any moment leaves the old
source or the new one, never half of one). A problem raises :class:`CorpusInvalid` and leaves the
corpus as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from graph.model.errors import CorpusInvalid, InputError, KGError, ValidationError
from graph.model import yamlfile

__all__ = ["claim_target", "commit_source", "importer_of", "plain", "registry_gitignore"]

Progress = Callable[[str], None]


def importer_of(folder: Path) -> str | None:
    """The importer that wrote a source folder (``dataset.importer`` of its source.yaml), if any."""
    meta_file = folder / "source.yaml"
    meta = yamlfile.load(meta_file) if meta_file.is_file() else None
    if isinstance(meta, dict) and isinstance(meta.get("dataset"), dict):
        name = meta["dataset"].get("importer")
        return str(name) if name else None
    return None


def claim_target(corpus: Path, source_id: str, importer: str, what: str | None = None,
                 hint: str = "choose another --id") -> bool:
    """Check that ``<corpus>/<source_id>`` may be written by ``importer``; True when it replaces one.

    Raises
    ------
    InputError
        When the corpus has no ``registry/`` folder, or the folder exists and another importer
        (or a person) wrote it. ``what`` names the importer in that message (default: ``importer``).
    """
    if not (Path(corpus) / "registry").is_dir():
        raise InputError("not a corpus: it has no registry/ folder", file=corpus)
    target = Path(corpus) / source_id
    if not target.exists():
        return False
    if importer_of(target) != importer:
        raise InputError(f"folder '{source_id}' exists and was not written by a {what or importer} import; {hint}",
                         file=target)
    return True


def plain(value):
    """A loaded YAML value without the loader's line bookkeeping."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k not in yamlfile.META}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _check(folder: Path, registry_dir: Path) -> int:
    """Compile every claim of a staged source against a staged registry; the number of claims."""
    from graph.compile.claims import compile_claim
    from graph.compile.sources import load_source
    from graph.model.registry import concept_schemes, load_registry
    from graph.model.resources import ontology_graph

    schemes = concept_schemes(ontology_graph())
    registry = load_registry(registry_dir, categories=schemes.get("SystemCategories"))
    source = load_source(folder)
    data = yamlfile.load(source.claims_file) or {}
    raws = data.get("claims", []) if isinstance(data, dict) else []
    problems: list[KGError] = []
    seen: dict = {}
    for raw in raws:
        try:
            compiled = compile_claim(raw, source, registry, schemes)
        except KGError as exc:
            problems.append(exc)
            continue
        first = seen.get(compiled.iri)
        if first is not None:
            problems.append(ValidationError(f"duplicate claim: says the same as '{first.claim_id}' (line {first.line})",
                                            file=source.claims_file, line=compiled.line, claim=compiled.claim_id))
        seen[compiled.iri] = compiled
    if problems:
        raise CorpusInvalid(problems)
    return len(raws)


def registry_gitignore(folder: Path, pattern: str) -> str | None:
    """The registry folder's ``.gitignore`` text with ``pattern`` ignored, or None when it already is (a line of
    it is ``pattern``, or a pattern that matches it: the committed file's ``table-sipri-*.yaml`` keeps a
    SIPRI table's import from changing a file git tracks)."""
    import fnmatch

    path = folder / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = [line.strip() for line in text.splitlines()]
    if any(line and not line.startswith(("#", "!")) and fnmatch.fnmatchcase(pattern, line) for line in lines):
        return None
    head = "" if not text else (text if text.endswith("\n") else text + "\n")
    return head + "# registry files written by an import of data that never enters the repository\n" + pattern + "\n"


def commit_source(corpus: Path, source_id: str, files: dict[str, str], registry_name: str, registry_text: str,
                  progress: Progress | None = None, ignore: str | None = None) -> None:
    """Write a source folder and its registry file into a corpus, all or nothing.

    Parameters
    ----------
    corpus:
        The corpus folder (it holds ``registry/``).
    source_id:
        The folder written: ``<corpus>/<source_id>/`` (replaced whole when it exists).
    files:
        The folder's files: name -> text (written as UTF-8, line ends as given).
    registry_name:
        The registry file this import owns (``<corpus>/registry/<registry_name>``), replaced.
    registry_text:
        Its new content.
    ignore:
        For data that must stay out of git (SIPRI's): a pattern (``sipri-*.yaml``) that
        ``<corpus>/registry/.gitignore`` is made to hold; the importer puts a ``.gitignore`` of
        its own among ``files``.

    Raises
    ------
    CorpusInvalid
        When a claim written would not compile (every problem, one per claim); nothing is written.
    """
    from graph.compile import staging

    corpus = Path(corpus)
    # staged inside the corpus and moved in by graph.compile.staging: all or nothing even when the
    # process is killed (a kill before the commit mark drops the change, after it the next
    # import, build or validation finishes it)
    with staging.change(corpus, "import") as change:
        folder = change.path(source_id)
        folder.mkdir()
        for name, text in files.items():
            with open(folder / name, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        change.path(f"registry/{registry_name}").write_text(registry_text, encoding="utf-8")
        reg_dir = change.scratch() / "registry"
        reg_dir.mkdir()
        for f in sorted((corpus / "registry").glob("*.yaml")):
            if f.name != registry_name:
                shutil.copy(f, reg_dir / f.name)
        (reg_dir / registry_name).write_text(registry_text, encoding="utf-8")
        if progress:
            progress(f"checking the claims of {source_id}")
        _check(folder, reg_dir)
        ignored = registry_gitignore(corpus / "registry", ignore) if ignore else None
        if ignored is not None:
            change.path("registry/.gitignore").write_text(ignored, encoding="utf-8")
