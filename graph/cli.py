"""The ``serbia-kg`` command: a thin click layer over the library.

Each command parses its options, calls the API, and prints. Errors become one line each on
standard error and an exit status: 0 ok, 1 a check failed, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import CorpusInvalid, KGError

CORPUS_HELP = "Corpus folder: one sub-folder per source plus registry/ (default: ./sources)."
OUT_HELP = "Output folder of the built dataset (default: out/ beside the corpus)."


def corpus_option(f):
    return click.option("--sources", "corpus", type=click.Path(path_type=Path, file_okay=False),
                        default=Path("sources"), show_default=True, help=CORPUS_HELP)(f)


def out_option(f):
    return click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
                        help=OUT_HELP)(f)


def fail(exc: KGError) -> None:
    """Print a KGError as one line per problem and exit with its status."""
    problems = exc.problems if isinstance(exc, CorpusInvalid) else [exc]
    for p in problems:
        click.echo(f"error: {p}", err=True)
    if isinstance(exc, CorpusInvalid):
        click.echo(f"{len(problems)} problem(s); nothing written", err=True)
    sys.exit(exc.exit_code)


def progress_printer(quiet: bool):
    if quiet:
        return None
    return lambda msg: click.echo(msg, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="serbia-kg")
def main() -> None:
    """serbia-kg: a knowledge graph of Serbia's foreign security ties.

    Sources (articles, reports, datasets) hold claims, each with the verbatim quote it rests on;
    `build` compiles them into RDF (TriG with one named graph per source, N-Quads, Turtle,
    JSON-LD). Start with `serbia-kg build`, then ask the graph.
    """


@main.command()
@corpus_option
@out_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def build(corpus: Path, out: Path | None, fmt: str, quiet: bool) -> None:
    """Compile every source, validate it (claims, quotes, SHACL) and write the dataset.

    Writes serbia-kg.trig (one named graph per source, plus the registry and the ontology),
    serbia-kg.nq, serbia-kg.ttl (all merged), serbia-kg.jsonld and summary.json. Files are
    replaced atomically: a failing build leaves the previous outputs intact.

    Example: serbia-kg build --sources sources --out out
    """
    from . import build as build_mod

    target = out if out is not None else build_mod.default_out(corpus)
    try:
        _, summary = build_mod.build(corpus, target, progress=progress_printer(quiet or fmt == "json"))
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps({"out": str(target), **summary.__dict__}, indent=1))
    else:
        click.echo(f"built {summary.line()} -> {target}")


@main.command()
@corpus_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def validate(corpus: Path, fmt: str, quiet: bool) -> None:
    """Run every check of `build` without writing anything.

    Exit status 0 when the corpus is valid, 1 when a claim, quote or shape check fails,
    2 when a file cannot be read (malformed YAML, missing folder).

    Example: serbia-kg validate --sources sources
    """
    from . import build as build_mod

    try:
        _, summary = build_mod.validate(corpus, progress=progress_printer(quiet or fmt == "json"))
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps({"valid": True, **summary.__dict__}, indent=1))
    else:
        click.echo(f"valid: {summary.line()}")


if __name__ == "__main__":  # pragma: no cover
    main()
