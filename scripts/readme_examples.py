"""Run every example shown in README.md and docs/*.md, and compare (or refresh) the outputs they show.

An example is a fenced ``console`` block: lines starting with ``$ `` are commands, the lines after
each command are what it prints (standard output and standard error, as a terminal shows them)::

    python scripts/readme_examples.py             # check: print a diff per drifted example, exit 1
    python scripts/readme_examples.py --update    # rewrite the shown outputs from what the commands print
    python scripts/readme_examples.py docs/sparql.md   # only these files

Only paths and timings are normalised: the folder an example runs in is shown as ``~/serbia-kg``,
and a duration (``1.2 s``, ``35 ms``) matches any duration. A line holding only ``...`` stands for
any number of lines (the output's head is shown above it, its tail below; ``--update`` keeps as many
lines of each as the block shows).

Each block runs in a fresh folder holding a copy of ``sources/`` already built into ``out/``
(and ``scripts/``), with ``COLUMNS=100``. A comment on the line before the block changes that::

    <!-- example: setup=sources -->        sources/ only, nothing built yet
    <!-- example: setup=empty -->          an empty folder
    <!-- example: setup=bad-claims -->     the seed plus tests/examples/bad-claims/ copied over it
    <!-- example: continue -->             the folder of the previous block of the same file
    <!-- example: needs=shared -->         copy ../shared's sample tables into data/ (skipped without them)
    <!-- example: needs=server -->         needs SERBIA_KG_TEST_ENDPOINT (a SPARQL server; .ci/run starts one)
    <!-- example: skip=REASON -->          shown, not run (a command that never ends, a browser window)

In a fenced ``sh`` block (commands without their output) every line starting with ``serbia-kg``
is run the same way and must succeed (exit status 0); its output is not compared.

``serbia-kg ...`` commands run in this process through click's test runner (the same ``main`` as
the installed command); any other command (a pipe, ``python scripts/...``) runs in ``bash``, with
``$?`` the status of the command before it. tests/test_docs_examples.py runs the same checks.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# the examples document this checkout: run its code, whatever else is installed
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("SERBIA_KG_SHARED") or REPO.parent / "shared")
EXAMPLES = REPO / "tests" / "examples"
SHOWN_HOME = "~/serbia-kg"
COLUMNS = "100"
UPDATE_COMMAND = "python scripts/readme_examples.py --update"

_DIRECTIVE = re.compile(r"^<!--\s*example:\s*(.*?)\s*-->\s*$")
_TIMING = re.compile(r"(?<![\w.-])\d+(?:[.,]\d+)?\s?(?:ms|s|min)\b")
_SHELL_SYNTAX = re.compile(r"[|<>;&`$()]")


@dataclass
class Command:
    line: str                      # the command, without "$ "
    shown: list[str]               # the output lines the document shows


@dataclass
class Block:
    path: Path
    start: int                     # line number (1-based) of the opening fence
    end: int                       # line number of the closing fence
    options: dict[str, str]
    kind: str = "console"          # "console" ($ commands) or "pycon" (>>> Python)
    commands: list[Command] = field(default_factory=list)

    def source_lines(self, c: Command) -> list[str]:
        if self.kind == "console":
            return ["$ " + c.line]
        first, *rest = c.line.split("\n")
        return [">>> " + first] + ["... " + r for r in rest]

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path}:{self.start}"

    def skip_reason(self) -> str | None:
        if "skip" in self.options:
            return self.options["skip"]
        needs = self.options.get("needs", "")
        if "server" in needs.split(",") and not os.environ.get("SERBIA_KG_TEST_ENDPOINT"):
            return "needs a SPARQL server: set SERBIA_KG_TEST_ENDPOINT (.ci/run starts Virtuoso and sets it)"
        if "shared" in needs.split(",") and not (SHARED / "data" / "external").is_dir():
            return f"needs the sample tables in {SHARED}/data/external (../shared beside the checkout)"
        return None


def documents() -> list[Path]:
    """README.md and every docs/*.md page."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def parse(path: Path) -> list[Block]:
    """The console blocks of one Markdown file, with their directives."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() in ("```console", "```pycon", "```sh"):
            kind = lines[i].strip()[3:]
            options: dict[str, str] = {}
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            m = _DIRECTIVE.match(lines[j]) if j >= 0 else None
            if m:
                text, _, reason = m.group(1).partition("skip=")
                if reason:
                    options["skip"] = reason.strip()
                for part in shlex.split(text):
                    key, _, value = part.partition("=")
                    options[key] = value
            k = i + 1
            while k < len(lines) and lines[k].strip() != "```":
                k += 1
            if k == len(lines):
                raise SystemExit(f"{path}:{i + 1}: a console block is never closed")
            block = Block(path, i + 1, k + 1, options, kind)
            if kind == "sh":  # commands only: each `serbia-kg ...` line must run and succeed
                for text in lines[i + 1:k]:
                    if text.strip().startswith("serbia-kg "):
                        block.commands.append(Command(shlex.join(shlex.split(text, comments=True)), []))
                if block.commands:
                    blocks.append(block)
                i = k + 1
                continue
            prompt, more = ("$ ", None) if kind == "console" else (">>> ", "... ")
            for text in lines[i + 1:k]:
                if text.startswith(prompt) or text.rstrip() == prompt.rstrip():
                    block.commands.append(Command(text[len(prompt):], []))
                elif more and block.commands and not block.commands[-1].shown and text.startswith(more):
                    block.commands[-1].line += "\n" + text[len(more):]
                elif block.commands:
                    block.commands[-1].shown.append(text)
                else:
                    raise SystemExit(f"{path}:{i + 1}: a {kind} block must start with a {prompt.strip()!r} line")
            blocks.append(block)
            i = k
        i += 1
    return blocks


# --- the folders examples run in

class Workspace:
    """Makes the folders blocks run in; the seed is built once and copied."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="readme-examples-"))
        self._built: Path | None = None
        self.count = 0

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _template(self) -> Path:
        if self._built is None:
            t = self.root / "template"
            shutil.copytree(REPO / "sources", t / "sources")
            text, status = run_command("serbia-kg build -q", t, 0)
            if status:
                raise SystemExit(f"the seed does not build:\n{text}")
            self._built = t
        return self._built

    def new(self, setup: str) -> Path:
        self.count += 1
        # every block's folder has the same name length, so that wrapped lines wrap alike
        home = self.root / f"b{self.count:04d}" / "serbia-kg"
        home.parent.mkdir()
        if setup == "empty":
            home.mkdir()
        elif setup == "sources":
            shutil.copytree(REPO / "sources", home / "sources")
        else:
            shutil.copytree(self._template(), home, symlinks=True)
            if setup != "built":
                fixture = EXAMPLES / setup
                if not fixture.is_dir():
                    raise SystemExit(f"unknown example setup {setup!r}: no folder {fixture}")
                shutil.copytree(fixture, home, dirs_exist_ok=True)
        shutil.copytree(REPO / "scripts", home / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
        return home


def _needs(block: Block, home: Path) -> None:
    if "shared" in block.options.get("needs", "").split(","):
        shutil.copytree(SHARED / "data" / "external", home / "data", dirs_exist_ok=True)


# --- running commands

def run_command(command: str, home: Path, last_status: int) -> tuple[str, int]:
    """Run one command in ``home``; return what it printed (stdout and stderr, interleaved) and its status."""
    env = {"COLUMNS": COLUMNS, "NO_COLOR": "1"}
    if command.startswith("serbia-kg ") and not _SHELL_SYNTAX.search(command):
        from click.testing import CliRunner

        from graph.cli import main

        cwd = os.getcwd()
        os.chdir(home)
        try:
            result = CliRunner().invoke(main, shlex.split(command)[1:], env=env, prog_name="serbia-kg")
        finally:
            os.chdir(cwd)
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            output += "".join(traceback.format_exception(*result.exc_info))  # a crash is shown, not hidden
        return output, result.exit_code
    bindir = str(Path(sys.executable).parent)
    full_env = {**os.environ, **env, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
                "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(["bash", "-c", f"(exit {last_status}); {command}"], cwd=home, env=full_env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.stdout, proc.returncode


def run_python(source: str, home: Path, namespace: dict) -> str:
    """Run one ``>>>`` example in ``home`` as the interactive interpreter would; return what it printed."""
    import contextlib
    import io
    import traceback

    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(home)
    try:
        with contextlib.redirect_stdout(buf):
            try:
                exec(compile(source + "\n", "<example>", "single"), namespace)
            except Exception as exc:  # shown as the interpreter shows it: the last line of the traceback
                buf.write("Traceback (most recent call last):\n  ...\n")
                buf.write("".join(traceback.format_exception_only(type(exc), exc)))
    finally:
        os.chdir(cwd)
    return buf.getvalue()


def shown_form(output: str, home: Path) -> list[str]:
    """What a document shows for ``output``: the folder as ~/serbia-kg, no trailing blanks."""
    for form in {str(home.resolve()), str(home)}:
        output = output.replace(form, SHOWN_HOME)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _norm(lines: list[str]) -> list[str]:
    return [_TIMING.sub("<time>", line.rstrip()) for line in lines]


def matches(shown: list[str], actual: list[str], kind: str = "console") -> bool:
    """``shown`` equals ``actual`` once timings are normalised; one ``...`` line stands for any lines
    (in a ``pycon`` block, doctest's rule: ``...`` stands for any text, white space is folded)."""
    shown, actual = _norm(shown), _norm(actual)
    if kind == "pycon":
        import doctest

        want = "\n".join(shown).strip("\n")
        got = "\n".join(actual).strip("\n")
        return doctest.OutputChecker().check_output(want + "\n", got + "\n",
                                                    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    while shown and not shown[-1]:
        shown.pop()
    if "..." not in shown:
        return shown == actual
    cut = shown.index("...")
    head, tail = shown[:cut], shown[cut + 1:]
    if "..." in tail:
        raise ValueError("at most one '...' line per command")
    return (len(head) + len(tail) <= len(actual) and actual[:len(head)] == head
            and (not tail or actual[-len(tail):] == tail))


def refreshed(shown: list[str], actual: list[str]) -> list[str]:
    """The lines to show for ``actual``, keeping a ``...`` cut where ``shown`` had one."""
    if "..." not in shown:
        return actual
    cut = shown.index("...")
    head, tail = cut, len(shown) - cut - 1
    if head + tail >= len(actual):
        return actual
    return actual[:head] + ["..."] + (actual[len(actual) - tail:] if tail else [])


@dataclass
class Outcome:
    block: Block
    actual: list[list[str]]        # per command, what it printed (shown form)
    skipped: str | None = None
    statuses: list[int] = field(default_factory=list)

    @property
    def drifted(self) -> list[int]:
        if self.skipped:
            return []
        if self.block.kind == "sh":
            return [i for i, status in enumerate(self.statuses) if status != 0]
        return [i for i, (c, a) in enumerate(zip(self.block.commands, self.actual)) if not matches(c.shown, a, self.block.kind)]

    def report(self) -> str:
        out = []
        if self.block.kind == "sh":
            for i in self.drifted:
                out.append(f"{self.block.where}: `{self.block.commands[i].line}` failed (exit status "
                           f"{self.statuses[i]}):\n" + "\n".join(self.actual[i][-10:]))
            if out:
                out.append("Fix the command in the document (an sh block shows commands, not their output).")
            return "\n".join(out)
        for i in self.drifted:
            c = self.block.commands[i]
            diff = difflib.unified_diff(c.shown, self.actual[i], "shown", "printed now", lineterm="", n=2)
            out.append(f"{self.block.where}: `{c.line}` printed something else than the document shows:\n"
                       + "\n".join(diff))
        if out:
            out.append(f"If the new output is right, refresh the documents with: {UPDATE_COMMAND}")
        return "\n".join(out)


def run_file(path: Path, ws: Workspace) -> list[Outcome]:
    """Run every block of one document, in order."""
    outcomes: list[Outcome] = []
    home: Path | None = None
    for block in parse(path):
        reason = block.skip_reason()
        if reason:
            outcomes.append(Outcome(block, [], skipped=reason))
            continue
        if "continue" not in block.options or home is None:
            home = ws.new(block.options.get("setup", "built"))
            _needs(block, home)
        status = 0
        actual, statuses = [], []
        namespace: dict = {"__name__": "__example__"}
        for c in block.commands:
            if block.kind == "pycon":
                text = run_python(c.line, home, namespace)
            else:
                text, status = run_command(c.line, home, status)
            actual.append(shown_form(text, home))
            statuses.append(status)
        outcomes.append(Outcome(block, actual, statuses=statuses))
    return outcomes


def update(path: Path, outcomes: list[Outcome]) -> int:
    """Rewrite the outputs of ``path``'s blocks; return how many commands changed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    for o in sorted(outcomes, key=lambda o: o.block.start, reverse=True):
        if o.skipped or not o.drifted or o.block.kind == "sh":
            continue
        body = []
        for c, a in zip(o.block.commands, o.actual):
            body.extend(o.block.source_lines(c))
            if matches(c.shown, a, o.block.kind):
                body.extend(c.shown)
            else:
                blanks = 0
                while blanks < len(c.shown) and not c.shown[-1 - blanks].strip():
                    blanks += 1
                body.extend(refreshed(c.shown, a) + [""] * blanks)
        changed += len(o.drifted)
        lines[o.block.start:o.block.end - 1] = body
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path, help="Markdown files (default: README.md and docs/*.md)")
    ap.add_argument("--update", action="store_true", help="rewrite the shown outputs from what the commands print")
    args = ap.parse_args(argv)
    files = [f.resolve() for f in args.files] or documents()
    ws = Workspace()
    bad = 0
    try:
        for path in files:
            outcomes = run_file(path, ws)
            n = sum(len(o.block.commands) for o in outcomes if not o.skipped)
            skipped = [o for o in outcomes if o.skipped]
            if args.update:
                changed = update(path, outcomes)
                print(f"{path.relative_to(REPO)}: {n} command(s) run, {changed} output(s) rewritten")
            else:
                drifted = [o for o in outcomes if o.drifted]
                for o in drifted:
                    print(o.report().rsplit("\n", 1)[0])
                bad += sum(len(o.drifted) for o in drifted)
                print(f"{path.relative_to(REPO)}: {n} command(s) run, {sum(len(o.drifted) for o in drifted)} drifted")
            for o in skipped:
                print(f"  {o.block.where}: not run: {o.skipped}")
    finally:
        ws.close()
    if bad:
        print(f"{bad} example(s) drifted. If the new outputs are right, run: {UPDATE_COMMAND}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
