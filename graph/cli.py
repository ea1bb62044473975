"""The ``serbia-kg`` command: a thin click layer over the library.

Each command parses its options, calls the API, and prints. Errors become one line each on
standard error and an exit status: 0 ok, 1 a check failed, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from graph.model import generation
from graph.model.errors import CorpusInvalid, InputError, KGError, StaleStore
from graph.present.output import to_json

CORPUS_HELP = "Corpus folder: one sub-folder per source plus registry/ (default: ./sources)."
OUT_HELP = "Output folder of the built dataset (default: out/ beside the corpus)."


def corpus_option(f):
    return click.option("--sources", "corpus", type=click.Path(path_type=Path, file_okay=False),
                        default=Path("sources"), show_default=True, help=CORPUS_HELP)(f)


def out_option(f):
    return click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
                        help=OUT_HELP)(f)


STORE_HELP = ("Oxigraph store folder filled by `serbia-kg build --store PATH`: answer from it without "
              "re-parsing out/.")
ENDPOINT_HELP = ("Query URL of a SPARQL 1.1 server filled by `serbia-kg push` (env SERBIA_KG_ENDPOINT), "
                 "e.g. http://127.0.0.1:8890/sparql.")


def store_options(f):
    """Add ``--store PATH`` and ``--endpoint URL``: pass both to ``graph.store.backends.open_dataset``."""
    f = click.option("--endpoint", default=None, envvar="SERBIA_KG_ENDPOINT", metavar="URL",
                     help=ENDPOINT_HELP)(f)
    return click.option("--store", type=click.Path(path_type=Path, file_okay=False), default=None,
                        metavar="PATH", help=STORE_HELP)(f)


#: ``--data DIR``: the built dataset's folder, for the commands whose ``--out`` names the file they write.
data_option = click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
                           help="Folder of the built dataset, what `serbia-kg build --out DIR` wrote (default: out/ "
                                "beside the corpus).")


def window_options(systems_help: str):
    """Add the options that choose which facts a graph keeps, as :func:`graph.ask.projection.facts` takes
    them: ``--relation``, ``--since``, ``--until``, ``--as-of`` and ``--include-systems`` (its help:
    ``systems_help``)."""
    options = [
        click.option("--relation", "relations", multiple=True, metavar="R",
                     help="Keep only ties of this relation (repeat for several), e.g. supplies, member_of."),
        click.option("--since", default=None, metavar="YEAR",
                     help="Keep facts dated in or after this year (or month, day)."),
        click.option("--until", default=None, metavar="YEAR",
                     help="Keep facts dated no later than this year (or month, day)."),
        click.option("--as-of", "as_of", default=None, metavar="DATE",
                     help="The graph as it stood on that day: nothing reported or dated later."),
        click.option("--include-systems", is_flag=True, help=systems_help),
    ]

    def add(f):
        for option in reversed(options):
            f = option(f)
        return f

    return add


def fail(exc: KGError, json_head: dict | None = None) -> None:
    """Print a KGError as one line per problem and exit with its status.

    With ``json_head`` (a command asked for ``--format json``) standard output also gets the
    problems as JSON, after the keys of ``json_head``.
    """
    problems = exc.problems if isinstance(exc, CorpusInvalid) else [exc]
    for p in problems:
        click.echo(f"error: {p}", err=True)
    if isinstance(exc, CorpusInvalid):
        click.echo(f"{len(problems)} problem(s); nothing written", err=True)
    if json_head is not None:
        click.echo(to_json({**json_head, "exit_code": exc.exit_code, "problems": [
            {"file": p.file, "line": p.line, "claim": p.claim, "message": p.message, "error": type(p).__name__}
            for p in problems]}))
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
    import warnings

    if not getattr(warnings.showwarning, "serbia_kg", False):
        original = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, StaleStore):
                click.echo(f"warning: {message}", err=True)  # one line, as errors are
            else:
                original(message, category, *args, **kwargs)

        show.serbia_kg = True  # type: ignore[attr-defined]
        warnings.showwarning = show
    warnings.simplefilter("always", StaleStore)


shacl_engine_option = click.option(
    "--shacl-engine", type=click.Choice(["shacl-rust", "compiled", "pyshacl"]), default="shacl-rust", show_default=True,
    help="SHACL validator: shacl-rust (a SHACL engine in Rust), compiled (the shapes compiled into checks in "
         "Python: less than half shacl-rust's time, this project's own code) or pyshacl (the reference Python "
         "engine, about 50x slower); all give the same verdicts on the project's shapes (tested).")


@main.command()
@corpus_option
@out_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@click.option("--store", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="PATH",
              help="Also load the dataset into an Oxigraph store, kept with the build in --out; PATH becomes a "
                   "link to it (out/oxigraph is one too).")
@click.option("--view/--no-view", "with_view", default=True, show_default=True,
              help="Also write the network view, serbia-kg.html (as `serbia-kg view` does).")
@click.option("--full", is_flag=True,
              help="Compile and check every source, even when --out holds a previous build whose unchanged "
                   "sources could be reused (the default; the outputs are the same bytes either way).")
@shacl_engine_option
def build(corpus: Path, out: Path | None, fmt: str, quiet: bool, store: Path | None, with_view: bool,
          full: bool, shacl_engine: str) -> None:
    """Compile every source, validate it (claims, quotes, SHACL) and write the dataset and the view.

    Writes serbia-kg.trig (one named graph per source, plus the registry and the ontology),
    serbia-kg.nq, serbia-kg.ttl (all merged), serbia-kg.jsonld, summary.json and the offline
    network view serbia-kg.html. The build is one generation: everything (with --store, the
    store too) is written beside the previous build and switched in at once, so a failing or
    killed build leaves the previous one whole; a second build of the same --out is refused
    while the first runs. When --out holds a previous build, only the sources that changed are
    compiled and checked again (a changed registry, ontology or serbia-kg: all of them); when
    nothing changed, nothing is written and the build says it is up to date (--full builds anyway).

    Example: serbia-kg build --sources sources --out out
    """
    from graph.pipeline import build as build_all

    target = out if out is not None else generation.default_out(corpus)
    progress = progress_printer(quiet or fmt == "json")
    before = generation.current(target)
    try:
        comp, summary = build_all(corpus, target, store=store, view=with_view, shacl_engine=shacl_engine,
                                  progress=progress, full=full,
                                  warn=lambda line: click.echo(f"warning: {line}", err=True))
    except KGError as exc:
        fail(exc, {"built": False} if fmt == "json" else None)
    except KeyboardInterrupt:  # Ctrl-C: what out/ holds now, and the shell's status for an interrupt
        if generation.current(target) == before:
            click.echo(f"interrupted: nothing written; {target} holds the previous build as it was", err=True)
        else:
            click.echo(f"interrupted after the new build was switched in: {target} holds it", err=True)
        sys.exit(130)
    if fmt == "json":
        click.echo(to_json({"built": True, "out": str(target), "up_to_date": comp.up_to_date, **summary.__dict__}))
    else:
        click.echo(f"{'up to date:' if comp.up_to_date else 'built'} {summary.line()} -> {target}")


@main.command()
@corpus_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@shacl_engine_option
def validate(corpus: Path, fmt: str, quiet: bool, shacl_engine: str) -> None:
    """Run every check of `build` without writing anything.

    Exit status 0 when the corpus is valid, 1 when a claim, quote or shape check fails,
    2 when a file cannot be read (malformed YAML, missing folder).

    Example: serbia-kg validate --sources sources
    """
    from graph.compile import build as build_mod

    try:
        _, summary = build_mod.validate(corpus, progress=progress_printer(quiet or fmt == "json"),
                                        shacl_engine=shacl_engine)
    except KGError as exc:
        fail(exc, {"valid": False} if fmt == "json" else None)
    if fmt == "json":
        click.echo(to_json({"valid": True, **summary.__dict__}))
    else:
        click.echo(f"valid: {summary.line()}")


@main.command()
@corpus_option
@data_option
@store_options
@click.option("--out", "html_out", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="The HTML page to write (default: out/serbia-kg.html); an existing folder gets "
                   "serbia-kg.html in it. (On the other commands --out is the build's folder; here "
                   "--data is.)")
@click.option("--open", "open_it", is_flag=True, help="Open the file in the web browser when written.")
@click.option("--focus", "focus_on", default=None, metavar="ACTOR",
              help="Show only the neighbourhood of this actor (id, label or alias).")
@click.option("--hops", type=click.IntRange(min=0), default=1, show_default=True,
              help="With --focus: how many ties away to go.")
@window_options("Show weapons systems as nodes of their own.")
@click.option("--max-nodes", type=click.IntRange(min=0), default=None, metavar="N",
              help="Above N nodes keep the N most connected ones, and say so (default 1000; 0: no limit).")
@click.option("--max-ties", type=click.IntRange(min=0), default=None, metavar="N",
              help="Draw at most N ties among them, those resting on the most evidence, and say so "
                   "(default 2500; 0: no limit). A cut view shows the nodes its ties tie.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def view(corpus: Path, data: Path | None, store: Path | None, endpoint: str | None, html_out: Path | None,
         open_it: bool, focus_on: str | None, hops: int, relations: tuple[str, ...], since: str | None,
         until: str | None, as_of: str | None, include_systems: bool, max_nodes: int | None,
         max_ties: int | None, fmt: str, quiet: bool) -> None:
    """Write the network view: one self-contained HTML file that works offline.

    Node colour and shape show the type, size the number of ties; edge colour the relation.
    The page has a legend, a search box, relation and period filters; hovering a tie shows
    each piece of evidence (quote, source title and date). Nothing is loaded from the network.

    Note the two folders: --data DIR is the built dataset (read), --out FILE the page (written).

    \b
    Examples:
      serbia-kg view                     # writes out/serbia-kg.html
      serbia-kg view --focus Serbia --relation supplies --out serbia-arms.html --open
      serbia-kg view --since 2014 --until 2021 --include-systems
    """
    import webbrowser

    from graph.store import backends as store_mod
    from graph.present import view as view_mod
    from graph.ask.questions import KnowledgeGraph
    from graph.store.graphcache import GraphCache

    folder = data if data is not None else generation.default_out(corpus)
    target = html_out if html_out is not None else folder / "serbia-kg.html"
    if target.is_dir():
        target = target / "serbia-kg.html"
    progress = progress_printer(quiet or fmt == "json")
    try:
        if progress:
            progress("reading the dataset")
        store_folder: Path | None = store
        if store is None and endpoint is None:  # read natively: the build's own store, with its graph cache
            dataset, store_folder = store_mod.open_native(folder)
        else:
            dataset = store_mod.open_dataset(folder, store=store, endpoint=endpoint)
        # the whole graph is read from the store's graph cache, when it has a usable one (not projected again)
        cache = GraphCache.open(store_folder) if store_folder is not None and endpoint is None else None
        # names resolve as in the questions: ids, labels and aliases of the built dataset
        registry = KnowledgeGraph(dataset).names if focus_on is not None else None
        result = view_mod.make_view(
            dataset, target, registry=registry, focus_on=focus_on, hops=hops, relations=relations or None,
            since=since, until=until, as_of=as_of, include_systems=include_systems,
            max_nodes=view_mod.MAX_NODES if max_nodes is None else max_nodes,
            max_ties=view_mod.MAX_TIES if max_ties is None else max_ties, cache=cache, progress=progress)
    except KGError as exc:
        fail(exc)
    for note in result.notes:
        if note in result.warnings:
            click.echo(f"warning: {note}", err=True)
        elif progress:
            progress(f"note: {note}")
    if fmt == "json":
        click.echo(to_json({"out": str(target), "nodes": result.nodes, "edges": result.edges,
                               "total_nodes": result.total_nodes, "total_edges": result.total_edges,
                               "notes": result.notes}))
    else:
        click.echo(f"wrote {target}: {result.nodes} nodes, {result.edges} ties")
    if open_it:
        webbrowser.open(target.resolve().as_uri())


@main.command()
@corpus_option
@data_option
@store_options
@click.option("--format", "fmt", type=click.Choice(["gexf", "graphml", "csv"]), default="gexf", show_default=True,
              help="gexf and graphml (Gephi, Cytoscape, igraph; lists as JSON text) or csv (one row per fact, "
                   "multi-valued cells as JSON arrays).")
@click.option("--out", "file_out", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="The file to write (default: serbia-kg.<format> in the dataset folder).")
@window_options("Make weapons systems nodes of their own.")
def export(corpus: Path, data: Path | None, store: Path | None, endpoint: str | None, fmt: str,
           file_out: Path | None, relations: tuple[str, ...], since: str | None, until: str | None,
           as_of: str | None, include_systems: bool) -> None:
    """Write the projected graph (one edge per fact) for network tools: GEXF, GraphML or CSV.

    Every attribute is a plain value: lists (claims, sources, quotes) are JSON arrays, which
    `json.loads` splits back whatever the quotes hold. networkx reads the files back with
    read_gexf / read_graphml; Gephi opens both.

    \b
    Examples:
      serbia-kg export --format gexf                 # writes out/serbia-kg.gexf
      serbia-kg export --format csv --relation supplies --out supplies.csv
    """
    from graph.present import export as export_mod
    from graph.store.backends import open_dataset

    folder = data if data is not None else generation.default_out(corpus)
    target = file_out if file_out is not None else folder / f"serbia-kg{export_mod.FORMATS[fmt]}"
    try:
        graph = export_mod.export(open_dataset(folder, store=store, endpoint=endpoint), target, fmt,
                                  relations=relations or None, since=since, until=until, as_of=as_of,
                                  include_systems=include_systems)
    except KGError as exc:
        fail(exc)
    click.echo(f"wrote {target}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} facts ({fmt})")


def _target_out(corpus: Path, out: Path | None) -> Path:
    return out if out is not None else corpus.resolve().parent / "out"


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--param")
        params[key.strip()] = value
    return params


def _names_a_file(text: str) -> bool:
    """A QUERY argument that is one word naming a file or ending as query files do (``my.rq``)."""
    word = text.strip()
    return bool(word) and not any(c.isspace() for c in word) and (
        word.lower().endswith((".rq", ".sparql", ".txt")) or Path(word).is_file())


@main.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              default=None, help="Read the query from a .rq file (`-`: standard input).")
@click.option("--saved", metavar="NAME", default=None, help="Run a saved question (see --list).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a parameter (repeatable): entities by id, label, alias, ent:slug or IRI.")
@click.option("--list", "list_saved", is_flag=True, help="List the saved questions and their parameters.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld"]),
              help="SELECT/ASK: table, json, csv, tsv, xml. CONSTRUCT/DESCRIBE: turtle, nt, jsonld, xml.")
@corpus_option
@out_option
@store_options
def sparql(query, query_file, saved, params, list_saved, fmt, corpus, out, store, endpoint) -> None:
    """Run a SPARQL query on the built dataset; the project's prefixes are declared for you.

    Give the query as an argument, with --file (`-` for either reads standard input), or name a
    saved question with --saved (`--list` lists them). SELECT and ASK print a table (or --format json|csv|tsv|xml, the
    standard SPARQL 1.1 result formats); CONSTRUCT and DESCRIBE print Turtle (or nt, jsonld).
    A syntax error is one line with its position, exit status 2.

    \b
    Examples:
      serbia-kg sparql 'SELECT ?supplier ?system WHERE { ?t skg:supplier ?supplier ; skg:system ?system }'
      serbia-kg sparql --list
      serbia-kg sparql --saved systems-by-origin --param supplier=Russia --format csv
      serbia-kg sparql --file my.rq --store out/oxigraph
    """
    from graph.store import sparql as sq

    try:
        if list_saved:
            found = sq.saved_queries()
            if fmt == "json":
                click.echo(to_json([{"name": q.name, "purpose": q.purpose, "params": [
                    p.__dict__ for p in q.params]} for q in found]))
                return
            for q in found:
                click.echo(f"{q.name}: {q.purpose}")
                for p in q.params:
                    default = (" (required)" if p.required else
                               f" (default: {p.default})" if p.default is not None else "")
                    click.echo(f"    --param {p.name}=...  {p.kind}: {p.description}{default}")
            return
        given = [x for x in (query, query_file, saved) if x is not None]
        if len(given) != 1:
            raise click.UsageError("give exactly one of QUERY, --file F.rq, --saved NAME (or --list)")
        declared, where = None, "query"
        if saved is not None:
            sq_saved = sq.saved_query(saved)
            text, declared, where = sq_saved.text, sq_saved.params, f"saved query '{sq_saved.name}'"
        elif query_file is not None and str(query_file) == "-":
            text, where = sys.stdin.read(), "standard input"
        elif query_file is not None:
            try:
                text = query_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", file=query_file) from None
            where = str(query_file)
        else:
            text = sys.stdin.read() if query == "-" else query
        try:
            sq.check_syntax(text, where=where)
        except InputError:
            if query not in (None, "-") and _names_a_file(query):
                raise InputError(f"'{query}' is read as the query's text; to run the query in that file, "
                                 f"give it with --file {query}") from None
            raise
        from graph.store.backends import open_dataset

        ds = open_dataset(_target_out(corpus, out), store=_own_store(corpus, out, store, endpoint), endpoint=endpoint)
        result = sq.run_text(ds, text, _params(params), declared=declared, where=where)
        if fmt == "table" and result.type == "SELECT":
            from graph.present.output import table, terminal_width

            names, cells = sq.table_cells(result)
            text_out = (table([dict(zip(names, r)) for r in cells], names, max_width=10_000,
                              width=terminal_width())
                        + f"\n({len(cells)} row{'s' if len(cells) != 1 else ''})\n")
        else:
            text_out = sq.format_result(result, fmt)
        if fmt == "csv":  # a cell a spreadsheet would run as a formula gets a leading apostrophe
            from graph.model.cells import defuse_csv

            text_out = defuse_csv(text_out)
        click.echo(text_out, nl=not text_out.endswith("\n"))
        page = _full_page(result, declared or [], _params(params))
        if page is not None:
            click.echo(f"note: a page of {page[0]} rows; --param offset={page[1]} gives the next", err=True)
    except KGError as exc:
        fail(exc)


def _full_page(result, declared: list, given: dict[str, str]) -> tuple[int, int] | None:
    """``(limit, next offset)`` when a saved question's answer fills its page (there may be more); else None."""
    kinds = {p.kind: p for p in declared}
    if result.type != "SELECT" or "limit" not in kinds:
        return None
    try:
        limit = int(given.get(kinds["limit"].name) or kinds["limit"].default or 0)
        offset = int(given.get(kinds["offset"].name) or kinds["offset"].default or 0) if "offset" in kinds else 0
    except ValueError:
        return None
    rows = len(result.bindings) if hasattr(result, "bindings") else None
    return (limit, offset + limit) if limit and rows == limit else None


@main.command()
@click.option("--endpoint", required=True, envvar="SERBIA_KG_ENDPOINT", metavar="URL",
              help="The server's SPARQL query URL (env SERBIA_KG_ENDPOINT), e.g. http://127.0.0.1:8890/sparql.")
@click.option("--graph-store", default=None, envvar="SERBIA_KG_GRAPH_STORE", metavar="URL",
              help="Its Graph Store Protocol URL (env SERBIA_KG_GRAPH_STORE). Default: Virtuoso's "
                   "/sparql-graph-crud-auth beside /sparql, Oxigraph's /store beside /query.")
@click.option("--user", default=None, envvar="SERBIA_KG_USER", help="Account (env SERBIA_KG_USER).")
@click.option("--password", default=None, envvar="SERBIA_KG_PASSWORD",
              help="Password (env SERBIA_KG_PASSWORD; better than the command line).")
@corpus_option
@out_option
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def push(endpoint, graph_store, user, password, corpus, out, quiet) -> None:
    """Put the built dataset on a SPARQL 1.1 server, one named graph per source.

    Each graph replaces the server's graph of the same name (Graph Store Protocol PUT, HTTP
    digest or basic authentication); serbia-kg graphs the dataset no longer has are deleted.
    Then `--endpoint URL` on the query commands asks that server.

    \b
    Example (Debian's Virtuoso, fresh install):
      serbia-kg push --endpoint http://127.0.0.1:8890/sparql --user dba --password dba
    """
    from graph.store.backends import push as push_dataset

    if graph_store is None:
        for tail, gsp in (("/sparql", "/sparql-graph-crud-auth"), ("/query", "/store")):
            if endpoint.rstrip("/").endswith(tail):
                graph_store = endpoint.rstrip("/")[: -len(tail)] + gsp
        if graph_store is None:
            fail(InputError("give --graph-store URL: the server's Graph Store Protocol address"))
    try:
        done = push_dataset(_target_out(corpus, out), graph_store, endpoint=endpoint, user=user,
                            password=password, progress=progress_printer(quiet))
    except KGError as exc:
        fail(exc)
    click.echo(f"pushed {len(done['graphs'])} graph(s), {done['triples']} triples to {graph_store}"
               + (f"; removed {len(done['removed'])} stale graph(s)" if done["removed"] else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback: only this machine; 0.0.0.0 opens it to the network).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@click.option("--store", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="PATH",
              help=STORE_HELP)
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query may run before it is stopped (503).")
@click.option("--max-rows", default=10000, show_default=True, type=click.IntRange(1),
              help="Most result rows (or triples) a query may return (more: 422).")
@click.option("--max-bytes", default=16 * 2**20, show_default=True, type=click.IntRange(1),
              help="Most bytes of values a result may hold (more: 422).")
@click.option("--max-memory", default=2048, show_default=True, type=click.IntRange(64),
              help="MB a query's worker may grow to before the query is stopped (503).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Queries run at once (each in a worker process).")
@click.option("--max-queue", default=64, show_default=True, type=click.IntRange(0),
              help="Requests that may wait for a worker; more get 503 with Retry-After.")
@click.option("--cache-mb", default=64, show_default=True, type=click.IntRange(0),
              help="MB of answers kept: a question asked again is answered without running it (0: none).")
@corpus_option
@out_option
def serve(host, port, store, timeout, max_rows, max_bytes, max_memory, workers, max_queue, cache_mb, corpus,
          out) -> None:
    """Serve the dataset as a read-only SPARQL 1.1 Protocol endpoint, with YASGUI at /.

    GET or POST /sparql (form or application/sparql-query); results by Accept or format=
    (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD, RDF/XML for graphs); GET /sparql
    alone describes the service. Updates and SERVICE are refused; a query that runs too long,
    grows too big or returns too much is stopped; a full queue answers 503. Ctrl-C stops.

    \b
    Example:
      serbia-kg serve --port 7878 --store out/oxigraph
      # then: SPARQLWrapper("http://127.0.0.1:7878/sparql"), or open http://127.0.0.1:7878/
    """
    from graph.store.server import serve as run_server

    try:
        run_server(_target_out(corpus, out), store=store, host=host, port=port, timeout=timeout,
                   max_rows=max_rows, max_bytes=max_bytes, max_memory=max_memory, workers=workers,
                   max_queue=max_queue, cache_mb=cache_mb, log=lambda m: click.echo(m, err=True))
    except KGError as exc:
        fail(exc)


# --- questions: supplies, path, centrality, ties (issue 3) -----------------------------------------------

FORMAT_HELP = "table (default), json (the API's rows, whole) or csv."
AS_OF_HELP = ("The graph as it stood on this day (2021, 2021-05 or 2021-05-04): sources issued later and "
              "facts dated later are left out; an undated fact counts from its source's issue date.")


def question_options(f):
    """--sources, --out, --store, --endpoint, --format and --as-of, shared by the question commands."""
    f = click.option("--as-of", "as_of", default=None, metavar="DATE", help=AS_OF_HELP)(f)
    f = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                     show_default=True, help=FORMAT_HELP)(f)
    return corpus_option(out_option(store_options(f)))


def _own_store(corpus: Path, out: Path | None, store: Path | None, endpoint: str | None) -> Path | None:
    """The store to read: the one given, else the one the current build made (``build --store``) when it holds
    that build (:func:`graph.model.generation.own_store`): the same answers, without parsing the dataset."""
    if store is not None or endpoint is not None:
        return store
    return generation.own_store(_target_out(corpus, out))


def _knowledge_graph(corpus: Path, out: Path | None, store: Path | None, endpoint: str | None, *,
                     native: bool = False):
    from graph.ask.questions import KnowledgeGraph

    return KnowledgeGraph.load(_target_out(corpus, out), sources=corpus,
                               store=_own_store(corpus, out, store, endpoint), endpoint=endpoint, native=native)


def _evidence_cell(sources: list[dict]) -> list[str]:
    return [f"“{s['quote']}” ({s['source']})" if s.get("quote") else f"({s['source']})" for s in sources]


def _emit(rows: list[dict], columns: list[str], fmt: str, *, json_value=None, empty: str | None = None,
          headers: dict[str, str] | None = None) -> None:
    from graph.present.output import render, terminal_width

    if not rows and empty:
        click.echo(empty, err=True)
        if fmt == "table":
            return
    text = render(rows, columns, fmt, headers=headers, json_value=json_value, width=terminal_width())
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@click.option("--to", "to", default=None, metavar="ACTOR", help="The recipient (a name, alias or id).")
@click.option("--from", "supplier", default=None, metavar="ACTOR", help="The supplier.")
@click.option("--system", default=None, metavar="NAME", help="A weapons system (MiG-29, Pantsir S1 ...).")
@click.option("--category", default=None, metavar="NAME",
              help="A system category, with its narrower ones (aircraft, air-defence system, armed drone ...).")
@click.option("--since", default=None, metavar="YEAR", help="Transfers dated in or after this year (or month, day).")
@click.option("--until", default=None, metavar="YEAR",
              help="Transfers dated (or, undated, reported) no later than this year (or month, day).")
@question_options
def supplies(to, supplier, system, category, since, until, corpus, out, store, endpoint, fmt, as_of) -> None:
    """Who supplies whom with what: one row per arms transfer, with its sources and quotes.

    Claims of several sources about one transfer (linked as the same fact) make one row listing
    every source. A supplier the source does not name stays empty (null in JSON), never guessed.
    Names are matched through labels and aliases, with or without diacritics, spaces or hyphens
    (MiG29 finds MiG-29). No matching
    transfer: a note on standard error, exit status 0.

    \b
    Examples:
      serbia-kg supplies --to Serbia
      serbia-kg supplies --to Serbia --from China --format json
      serbia-kg supplies --category aircraft --since 2017 --format csv
    """
    try:
        kg = _knowledge_graph(corpus, out, store, endpoint)
        rows = kg.supplies(to=to, supplier=supplier, system=system, category=category, since=since,
                           until=until, as_of=as_of)
    except KGError as exc:
        fail(exc)
    from graph.ask.supplies import deliveries_text

    if fmt == "table":
        shown = [{**r, "supplier": r["supplier"] or "(not named)", "evidence": _evidence_cell(r["sources"])}
                 for r in rows]  # the numbers and years in full: --format json or csv
        _emit(shown, ["supplier", "recipient", "system", "category", "quantity", "date", "status", "evidence"],
              fmt, empty="no transfers match")
    elif fmt == "csv":
        flat = [{**r, "deliveries": deliveries_text(r.get("deliveries")),
                 "source_ids": [s["source"] for s in r["sources"]], "titles": [s["title"] for s in r["sources"]],
                 "quotes": [s["quote"] for s in r["sources"]]} for r in rows]
        _emit(flat, ["supplier", "recipient", "system", "category", "quantity", "ordered", "delivered", "deliveries",
                     "order_year", "date", "order_date", "delivery_date", "status", "estimated", "condition",
                     "reported", "claims", "source_ids", "titles", "quotes", "fact"],
              fmt, empty="no transfers match")
    else:
        _emit(rows, [], fmt, empty="no transfers match")


_ARROWS = {"forward": "→", "backward": "←", "mutual": "—"}


@main.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--max-hops", type=click.IntRange(min=1), default=None, metavar="N",
              help="Refuse chains longer than N hops.")
@click.option("--relation", "relations", multiple=True, metavar="R",
              help="Follow only this relation (repeatable): supplies, participates_in, part_of, member_of, "
                   "cooperates_with, states_about ...")
@click.option("--all", "all_paths", is_flag=True, help="Every shortest chain, not just one.")
@question_options
def path(a, b, max_hops, relations, all_paths, corpus, out, store, endpoint, fmt, as_of) -> None:
    """The shortest chain of ties between two actors, each hop with its relation, direction and evidence.

    Ties are followed either way; the direction column says which way each fact points
    (→ from the hop's first actor to the second, ← the other way, — mutual). Exercises,
    programmes and a state's bodies (part of it, from the registry) may sit in between.
    No connection: one line, exit status 1.

    \b
    Examples:
      serbia-kg path Serbia Belarus
      serbia-kg path Serbia Russia --relation participates_in --relation part_of --all
      serbia-kg path Vucic Putin --max-hops 3 --format json
    """
    try:
        kg = _knowledge_graph(corpus, out, store, endpoint)
        chains = kg.path(a, b, max_hops=max_hops, relations=relations or None, all_paths=all_paths, as_of=as_of)
    except KGError as exc:
        fail(exc)
    rows = [{"path": i, **hop, "direction": hop["direction"], "arrow": _ARROWS[hop["direction"]],
             "evidence": _evidence_cell(hop["sources"]), "source_ids": [s["source"] for s in hop["sources"]],
             "quotes": [s["quote"] for s in hop["sources"]]}
            for i, chain in enumerate(chains, 1) for hop in chain["hops"]]
    if fmt == "json":
        _emit(rows, [], fmt, json_value=chains)
    elif fmt == "csv":
        _emit(rows, ["path", "step", "from", "to", "relation", "direction", "says", "date", "claims",
                     "source_ids", "quotes"], fmt)
    else:
        columns = (["path"] if all_paths else []) + ["step", "from", "arrow", "to", "relation", "says", "evidence"]
        _emit(rows, columns, fmt, headers={"arrow": "dir"})


@main.command()
@click.option("--measure", type=click.Choice(["degree", "pagerank", "betweenness", "eigenvector"]),
              default="degree", show_default=True, help="How to rank.")
@click.option("--relation", "relations", multiple=True, metavar="R",
              help="Count only this relation (repeatable).")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, metavar="N",
              help="How many actors to list (0: all).")
@click.option("--backend", type=click.Choice(["auto", "igraph", "networkx"]), default="auto", show_default=True,
              help="Library betweenness runs on: igraph (exact at any size), networkx (estimated from a sample "
                   "above 1,000 nodes); auto: igraph when installed.")
@question_options
def centrality(measure, relations, top, backend, corpus, out, store, endpoint, fmt, as_of) -> None:
    """Actors ranked by centrality: degree (number of ties), pagerank, betweenness or eigenvector.

    degree counts each fact once; the other measures run on the undirected graph of ties,
    weighted by the number of sources. Betweenness says on standard error which library computed
    it, and whether exactly or from a sample of nodes (`backend` and `sampled` in JSON and CSV).

    \b
    Examples:
      serbia-kg centrality
      serbia-kg centrality --measure pagerank --relation supplies --top 5 --format json
    """
    from graph.ask.questions import BETWEENNESS_EXACT_MAX

    try:
        kg = _knowledge_graph(corpus, out, store, endpoint)
        rows = kg.centrality(measure, relations=relations or None, top=top or None, as_of=as_of, backend=backend)
    except KGError as exc:
        fail(exc)
    if rows and rows[0]["sampled"]:
        click.echo(f"note: betweenness estimated by {rows[0]['backend']} from {rows[0]['sampled']} sampled nodes "
                   f"(the graph has more than {BETWEENNESS_EXACT_MAX})", err=True)
    elif rows and measure == "betweenness" and rows[0]["backend"]:
        click.echo(f"note: betweenness computed exactly by {rows[0]['backend']}", err=True)
    _emit(rows, ["rank", "actor", "type", "score", "ties"] + (["id", "sampled", "backend"] if fmt == "csv" else []),
          fmt, empty="no actors to rank")


@main.command()
@click.argument("actor", metavar="ACTOR")
@click.option("--relation", "relations", multiple=True, metavar="R", help="Only this relation (repeatable).")
@question_options
def ties(actor, relations, corpus, out, store, endpoint, fmt, as_of) -> None:
    """Everything known about one actor, grouped by relation, each with its evidence.

    A person's ties list their statements; a state's list its supplies, exercises (through its
    bodies), memberships, votes, positions, and what others say about it.

    \b
    Examples:
      serbia-kg ties Vucic
      serbia-kg ties "Russian Federation" --relation supplies --format json
    """
    try:
        kg = _knowledge_graph(corpus, out, store, endpoint)
        answer = kg.ties(actor, as_of=as_of, relations=relations or None)
    except KGError as exc:
        fail(exc)
    rows = [{**r, "actor": answer["actor"], "evidence": _evidence_cell(r["sources"]),
             "source_ids": [s["source"] for s in r["sources"]], "quotes": [s["quote"] for s in r["sources"]]}
            for group in answer["relations"].values() for r in group]
    empty = f"no ties known for {answer['actor']}"
    if fmt == "json":
        if not rows:
            click.echo(empty, err=True)

        click.echo(to_json(answer))
    elif fmt == "csv":
        _emit(rows, ["actor", "relation", "direction", "with", "says", "date", "claims", "source_ids", "quotes"],
              fmt, empty=empty)
    else:
        if rows:
            click.echo(f"{answer['actor']} ({answer['type']}): {answer['count']} ties", err=True)
        _emit(rows, ["relation", "direction", "says", "evidence"], fmt, empty=empty)


@main.group("import")
def import_group() -> None:
    """Import a structured dataset as a source of the corpus.

    The dataset stays the user's own download: the import writes it into the corpus folder
    (default ./sources), never into the repository. Then run `serbia-kg build`.
    """


@import_group.command("sipri")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--release", default=None, metavar="LABEL",
              help="The export's release (default: its 'Data generated' date, e.g. 2026-02-12; required when "
                   "the export has none).")
@corpus_option
@click.option("--id", "source_id", default=None, metavar="SOURCE_ID",
              help="The source's id and folder name (default: sipri-<release>-<file name>).")
@click.option("--twins", type=click.Choice(["stop", "merge", "apart"]), default="stop", show_default=True,
              help="A system name that only looks like another release's system (G-4 Super Galeb, G-4): stop "
                   "and name the alias to add, merge them, or keep them apart.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print what was imported.")
def import_sipri(file: Path, release: str | None, corpus: Path, source_id: str | None, twins: str,
                 fmt: str) -> None:
    """Import a SIPRI Arms Transfers Database export (either layout) as a dataset source.

    Reads the per-delivery-year export (17 columns, metadata lines on top) or the order-level
    trade register (16 columns), and writes <corpus>/<id>/ (source.yaml, records.csv with the
    rows verbatim, claims.yaml with one transfer per deal) and the actors and systems the
    registry lacked to <corpus>/registry/sipri-<release>.yaml. All or nothing: a malformed file
    is refused with its line, and nothing is written. Importing the same file again replaces it.

    SIPRI's data never enters git: the source's folder gets a .gitignore that ignores it whole,
    and <corpus>/registry/.gitignore ignores sipri-*.yaml, so `git status` stays clean in a
    checkout (use --sources to keep the corpus elsewhere).

    Twins: a system of another release named differently (9M120 Ataka and Ataka, Mistral SAM
    and Mistral, the same deal in two releases) is that system; the name becomes an alias
    (listed as "merged"). A name that only may be one (a nickname added) stops the import with
    one line per pair and the alias to add, unless --twins says merge or apart.
    `serbia-kg duplicates` lists suspected twins of any corpus.

    Example: serbia-kg import sipri ~/Downloads/trade-register.csv && serbia-kg build

    Source: SIPRI Arms Transfers Database, https://www.sipri.org/databases/armstransfers
    """
    from graph.importers.sipri import import_sipri as run

    try:
        result = run(file, corpus, release=release, source_id=source_id, twins=twins)
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(to_json(result.__dict__))
        return
    verb = "replaced" if result.replaced else "imported"
    click.echo(f"{verb} {file.name} ({result.layout}, release {result.release}): {result.rows} rows, "
               f"{result.deals} deals -> {result.folder}")
    actors = ", ".join(f"{label} ({typ})" for _, label, typ in result.added_actors)
    systems = ", ".join(f"{label} ({cat})" for _, label, cat in result.added_systems)
    click.echo(f"added {len(result.added_actors)} actors, {len(result.added_systems)} systems to "
               f"{result.registry_file}" + (":" if actors or systems else ""))
    if actors:
        click.echo(f"  actors: {actors}")
    if systems:
        click.echo(f"  systems: {systems}")
    if result.merged:
        click.echo(f"merged {len(result.merged)} twin(s) with systems of other releases:")
        for m in result.merged:
            click.echo(f"  {m['name']} = {m['label']} ({m['system']}): {m['reason']}")


@main.command()
@corpus_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table, json or csv.")
def duplicates(corpus: Path, fmt: str) -> None:
    """List systems that look like one system under two registry ids, and the alias that joins them.

    Suspected when a name of one is a name of the other once folded, or by SIPRI's conventions
    (a designation prefix like 9M120 or 96K9, a word of SIPRI's descriptions like SAM or AV,
    names joined by a slash, a nickname added), their categories being of one kind; or when one
    deal of two SIPRI releases names both. Reads the corpus, not the built dataset. Exit status
    0 when none is found, 1 otherwise.

    Example: serbia-kg duplicates --sources sources --format json
    """
    from .importers.twins import corpus_duplicates

    try:
        found = corpus_duplicates(corpus)
    except KGError as exc:
        fail(exc)
    rows = [{"a": t.entities[0] if t.entities else t.name, "b": t.entities[1] if t.entities else t.entity,
             "certain": t.certain, "reason": t.reason, "alias_to_add": t.alias_hint()} for t in found]
    _emit(rows, ["a", "b", "certain", "reason", "alias_to_add"], fmt, empty="no suspected duplicates")
    if found:
        sys.exit(1)


@import_group.command("table")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--mapping", "mapping", default=None, metavar="FILE|NAME",
              help="The mapping (a YAML file, or the name of a shipped one: see --list).")
@corpus_option
@click.option("--id", "source_id", default=None, metavar="SOURCE_ID",
              help="The source's id and folder name (default: the mapping's source.id).")
@click.option("--list", "list_mappings", is_flag=True, help="List the shipped mappings and exit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print what was imported.")
def import_table(file: Path | None, mapping: str | None, corpus: Path, source_id: str | None, list_mappings: bool,
                 fmt: str) -> None:
    """Import a table (CSV) as a dataset source through a declarative mapping (YAML).

    The mapping says how each row becomes claims (claim type, which column fills which field,
    constants, value maps, wide tables unfolded by year) and what the source is; each claim's
    quote is its row, verbatim, kept in <corpus>/<id>/records.csv. All or nothing: a bad
    mapping or a row that does not fit is refused with one line naming the file, the line and
    the column, and nothing is written. Importing again replaces the source. Format:
    docs/tables.md.

    \b
    Examples:
      serbia-kg import table --list
      serbia-kg import table --mapping unga-es11-1-votes unga_es11_1_2022-03-02_votes.csv
      serbia-kg import table --mapping my-mapping.yaml data.csv --sources sources
    """
    from graph.importers.tables import import_table as run, load_mapping, shipped_mappings

    if list_mappings:
        for name, path in shipped_mappings().items():
            m = load_mapping(path)
            terms = "bring your own (never committed)" if m.bring_your_own else "open"
            click.echo(f"{name}: {m.source['title']} [{terms}]")
        return
    if file is None or mapping is None:
        click.echo("error: give --mapping FILE|NAME and the CSV file (or --list)", err=True)
        sys.exit(2)
    progress = progress_printer(fmt == "json")
    try:
        result = run(mapping, file, corpus, source_id=source_id, progress=progress)
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(to_json(result.__dict__))
        return
    verb = "replaced" if result.replaced else "imported"
    kinds = ", ".join(f"{n} {t}" for t, n in result.claims_by_type.items())
    click.echo(f"{verb} {result.file} with {result.mapping}: {result.rows} rows -> {result.claims} claims ({kinds}) "
               f"-> {result.folder}")
    click.echo(f"added {len(result.added)} entities to {result.registry_file}")
    if result.bring_your_own:
        click.echo("note: this table's terms keep it out of the repository: do not commit "
                   f"{result.folder} (bring your own)", err=True)


@main.command()
@click.option("--actor", default=None, metavar="ACTOR",
              help="Whose series (a name, alias or id); required but with --list.")
@click.option("--indicator", default=None, metavar="NAME",
              help="Which indicator (id or label; default: all): armed-forces-personnel, arms-imports-tiv, "
                   "arms-exports-tiv, military-expenditure, military-expenditure-share-of-gdp.")
@click.option("--list", "list_indicators", is_flag=True, help="List the indicators and exit.")
@question_options
def series(actor, indicator, list_indicators, corpus, out, store, endpoint, fmt, as_of) -> None:
    """Yearly values of an indicator for an actor (W3C Data Cube observations), each with its source.

    Each value is a claim of a dataset source, quoted by its row of the table (the year's cell
    named); two sources for one year give two rows. Reads the built dataset.

    \b
    Examples:
      serbia-kg series --actor Serbia --indicator armed-forces-personnel
      serbia-kg series --actor Serbia --indicator military-expenditure --format csv
    """
    try:
        kg = _knowledge_graph(corpus, out, store, endpoint)
        if list_indicators:
            for cid, label in kg.indicators().items():
                click.echo(f"{cid}: {label}")
            return
        if not actor:
            raise InputError("give --actor (whose series), or --list for the indicators")
        rows = kg.series(actor, indicator, as_of=as_of)
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        _emit(rows, [], fmt, empty="no values")
    elif fmt == "csv":
        _emit(rows, ["actor", "indicator", "period", "value", "unit", "source", "claim_id", "rows", "column", "cell"],
              fmt, empty="no values")
    else:
        shown = [{**r, "evidence": f"{r['source']} line {', '.join(map(str, r['rows']))}, column {r['column']}"
                  if r["column"] else f"{r['source']}: {r['quote']}"} for r in rows]
        _emit(shown, ["indicator", "period", "value", "unit", "evidence"], fmt, empty="no values")


def _row_evidence(e: dict) -> str:
    """A claim's evidence in a table cell: a table's row by its line (the quote too when short)."""
    if not e["rows"]:
        return f"“{e['quote']}” ({e['source']})"
    where = f"{e['source']}, line {', '.join(map(str, e['rows']))}"
    return f"“{e['quote']}” ({where})" if e["quote"] and len(e["quote"]) <= 60 else where


@main.command()
@click.option("--actor", required=True, metavar="ACTOR", help="Whose votes (a name, alias or id).")
@click.option("--compare", default="", metavar="A,B",
              help="Actors to compare with, separated by commas (\"Russia,United States\").")
@question_options
def votes(actor, compare, corpus, out, store, endpoint, fmt, as_of) -> None:
    """How an actor voted on each resolution the graph knows, beside others, with agreement rates.

    Two actors agree on a resolution when both cast the same vote (in favour, against,
    abstention); where either did not vote, or the graph lacks a vote, the resolution is left out
    of the rate. Every vote comes with its evidence (source and quote). Reads the built dataset.

    \b
    Examples:
      serbia-kg votes --actor Serbia --compare Russia
      serbia-kg votes --actor Serbia --compare "Russia,United States" --format json
    """
    from graph.ask.votes import position_label

    names = [c.strip() for c in compare.split(",") if c.strip()]
    try:
        answer = _knowledge_graph(corpus, out, store, endpoint).votes(actor, names, as_of=as_of)
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(to_json(answer))
        return
    rows = []
    for res in answer["resolutions"]:
        for who, vote in res["votes"].items():
            agree = res["agree"].get(who)
            rows.append({"resolution": res["resolution"], "date": res["date"], "actor": who,
                         "vote": position_label(vote["position"]),
                         "agrees": "" if who == answer["actor"] else ("-" if agree is None else
                                                                     "yes" if agree else "no"),
                         "source": [e["source"] for e in vote["evidence"]],
                         "evidence": [_row_evidence(e) for e in vote["evidence"]]})
    if fmt == "csv":
        _emit(rows, ["resolution", "date", "actor", "vote", "agrees", "source", "evidence"], fmt,
              empty="no votes of this actor")
        return
    _emit(rows, ["resolution", "date", "actor", "vote", "agrees", "evidence"], fmt, empty="no votes of this actor")
    for who, a in answer["agreement"].items():
        rate = f"{a['rate']:.0%}" if a["rate"] is not None else "no resolution to compare"
        click.echo(f"{answer['actor']} and {who} voted alike on {a['agreed']} of {a['compared']} resolutions "
                   f"both voted on: {rate}", err=True)


@main.command()
@click.argument("actor")
@click.option("--since", type=int, default=None, metavar="YEAR", help="First year of the window.")
@click.option("--until", type=int, default=None, metavar="YEAR", help="Last year of the window.")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help=AS_OF_HELP)
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The page to write (default: dossier-<actor id>.html in the output folder).")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True,
              help="html writes the page; json prints the page's data on standard output.")
@corpus_option
@out_option
@store_options
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def dossier(actor, since, until, as_of, html_out, fmt, corpus, out, store, endpoint, quiet) -> None:
    """Write one offline page about ACTOR: arms by year, timeline, alignment and votes, spending,
    disagreements and its place in the network, every number with its quote.

    Example: serbia-kg dossier Serbia --since 2015
    """
    from graph.present.dossier import write_dossier

    progress = progress_printer(quiet or fmt == "json")
    try:
        if out is not None and out.suffix.lower() in (".html", ".htm") and not out.is_dir():
            raise InputError(f"--out names the built dataset's folder, not the page: write the page with --html {out}")
        kg = _knowledge_graph(corpus, out, store, endpoint, native=True)
        data = kg.dossier(actor, since=since, until=until, as_of=as_of)
        if fmt == "json":
            click.echo(to_json(data))
            return
        target = html_out or _target_out(corpus, out) / f"dossier-{data['actor']['id']}.html"
        write_dossier(data, target, kg=kg, progress=progress)
    except KGError as exc:
        fail(exc)
    click.echo(f"wrote {target}")


@main.command()
@corpus_option
@out_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table, json (each conflict whole) or csv (one row per side).")
def conflicts(corpus: Path, out: Path | None, fmt: str) -> None:
    """List where sources disagree about one fact, each side with its value and evidence.

    Two claims of independent sources that agree on supplier, recipient and system but not on a
    number or a year (or, for one SIPRI deal id, on a party) disagree. Releases of one dataset are
    one source: a disagreement is listed once, its side naming every release. The kind says
    which is which: a "conflict" is proven (one deal, different numbers or years); a "possible
    date discrepancy" is a date that differs where the sides may speak of different deliveries
    (an article's shipment "in January" against a deal SIPRI dates a year before). Different
    alignment rates of one country for one period are listed too, each side with who measured it
    (ISAC, the European Commission) and who reported it: kind "measurers differ" when each measurer
    gives one rate (not an error of either), "conflict" when one measurer's rate is reported as two
    numbers. Reads the built dataset (run `serbia-kg build` first). In Python: kg.conflicts().

    Example: serbia-kg conflicts --format json
    """
    from graph.present.output import render, terminal_width

    try:
        found = _knowledge_graph(corpus, out, None, None).conflicts()
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(to_json(found))
        return
    rows = []
    for n, c in enumerate(found, 1):
        for side in c["sides"]:
            by = ""
            if c["about"] == "alignment":
                hosts = [u.split("/")[2] if "://" in u else u for u in side["reported_in"]]
                by = f" (measured by {side['measured_by'] or 'not said'}" + \
                    (f"; reported in {', '.join(hosts)})" if hosts else ")")
            rows.append({"n": n, "fact": c["fact"], "field": c["field"], "kind": c["kind"],
                         "value": side["value"] + (" (estimate)" if side["estimated"] else "") + by,
                         "source": side["sources"], "claims": side["claim_ids"], "evidence": side["quotes"]})
    if not rows:
        click.echo("no conflicts", err=True)
        if fmt == "table":
            return
    columns = ["n", "fact", "field", "kind", "value", "source", "claims", "evidence"]
    text = render(rows, columns if fmt == "csv" else [c for c in columns if c != "claims"], fmt,
                  width=terminal_width())
    click.echo(text, nl=not text.endswith("\n"))
    if fmt == "table":
        click.echo(f"{len(found)} conflict(s)", err=True)


@main.command("draft")
@click.argument("source_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--accept", "do_accept", is_flag=True,
              help="Move the claims ID... from claims.draft.yaml into claims.yaml (each checked as validate does).")
@click.option("--reject", "do_reject", is_flag=True, help="Drop the claims ID... from claims.draft.yaml.")
@click.option("--registry", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
              help="Registry folder (default: registry/ beside SOURCE_DIR).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print what was drafted.")
def draft_cmd(source_dir: Path, ids: tuple[str, ...], do_accept: bool, do_reject: bool, registry: Path | None,
              fmt: str) -> None:
    """Draft claims from SOURCE_DIR/text.txt into SOURCE_DIR/claims.draft.yaml, for review.

    Proposes transfers, exercises, statements, sanctions and memberships, each with the sentence
    it rests on as its quote, the rule that proposed it and a confidence; names the registry does
    not know are listed first as proposed entries (their kind a guess). Offline: a blank spaCy
    English pipeline and rules, no model. Never writes claims.yaml: review the draft, then move
    claims with --accept (or drop them with --reject), then run `serbia-kg validate`.

    \b
    Examples:
      serbia-kg draft sources/my-article
      serbia-kg draft sources/my-article --accept kornet-russia-to-serbia mig-29-russia-to-serbia
    """
    from graph.importers import draft as drafting

    if do_accept and do_reject:
        raise click.UsageError("--accept and --reject do not go together")
    if (do_accept or do_reject) and not ids:
        raise click.UsageError("give the ids of the claims to " + ("accept" if do_accept else "reject"))
    if ids and not (do_accept or do_reject):
        raise click.UsageError("claim ids are given with --accept or --reject")
    try:
        if do_accept:
            moved = drafting.accept(source_dir, list(ids), registry)
            click.echo(f"accepted {len(moved)} claim(s) into {source_dir / 'claims.yaml'}: {', '.join(moved)}")
            return
        if do_reject:
            dropped = drafting.reject(source_dir, list(ids))
            click.echo(f"dropped {len(dropped)} claim(s) from the draft: {', '.join(dropped)}")
            return
        try:
            propose = drafting.draft  # loads spaCy (only drafting needs it)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] != "spacy":
                raise
            click.echo("error: serbia-kg draft needs spaCy: pip install 'serbia-kg[draft]' (or '.[draft]' in a "
                       "checkout)", err=True)
            sys.exit(2)
        d = propose(source_dir, registry)
        path = drafting.write_draft(d)
    except KGError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(to_json({"draft": str(path), "sentences": d.sentences, "claims": len(d.claims),
                               "proposed_entities": len(d.proposed),
                               "by_type": _count_types(d.claims)}))
        return
    types = ", ".join(f"{n} {t}" for t, n in _count_types(d.claims).items())
    click.echo(f"drafted {len(d.claims)} claim(s) ({types or 'none'}) from {d.sentences} sentences; "
               f"{len(d.proposed)} unknown name(s) proposed -> {path}")


def _count_types(claims: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in claims:
        counts[c["type"]] = counts.get(c["type"], 0) + 1
    return counts


def run() -> None:
    """The installed ``serbia-kg`` command: :func:`main`, then the process ends without taking apart
    what the command held in memory, as mypy's command does (``mypy.util.hard_exit``).

    Python's own exit collects and frees every object one by one: after a 1M build, 0.5-1.2 s once
    the summary is printed. Here the outputs are written and renamed, the standard streams are
    flushed, and the process ends with :func:`os._exit` and the command's status. Where anything could
    still need Python's exit (another thread, a child process, a stream that cannot be flushed, an
    exit message) it exits the usual way. Click's test runner calls :func:`main`, as tests do.
    """
    try:
        main.main(prog_name="serbia-kg")
    except SystemExit as done:
        code = done.code
        if code is None:
            code = 0
        if not isinstance(code, int) or not _alone():
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            raise done from None
        os._exit(code)


def _alone() -> bool:
    """Whether this process runs nothing but the main thread: no other thread, no child process of
    :mod:`multiprocessing` (whose exit joins them)."""
    import threading

    mp = sys.modules.get("multiprocessing")
    return threading.active_count() == 1 and not (mp is not None and mp.active_children())


if __name__ == "__main__":  # pragma: no cover
    run()
