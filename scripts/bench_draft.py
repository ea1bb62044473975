#!/usr/bin/env python3
"""How well `serbia-kg draft` proposes the claims a person would write: recall and precision per type.

For each article with hand-made claims (the first source; the fictional articles of tests/fixtures/draft/,
with their own registry: `fiction-*` were used to change the rules, `heldout-*` were written with their
claims before the rules were run on them and were not used to change them), the article's text and
source.yaml are copied to a new folder without claims.yaml, drafted, and the draft is compared with the
hand-made claims:

- a drafted claim MATCHES a hand-made one when it has the same type, the same main fields
  (transfer: supplier, recipient, and system or category; exercise: name and participants;
  statement: speaker; sanction: imposers and targets; membership: member and organisation; names
  compared as registry ids) and its quote overlaps the hand-made claim's quote in the text;
- recall: the share of hand-made claims (of the five types drafted) that some draft matches;
- precision: the share of drafted claims that match some hand-made claim.

It also checks every drafted quote with the locator `validate` uses, and times drafting a new
folder: in this process, and as a fresh `serbia-kg draft` command (start-up, spaCy's import and the
pipeline included), a few runs each, reported as a range (the machine is shared and noisy), by turns
with a bare `python -c "import spacy"`. `--importtime` adds where a fresh command's imports go
(`python -X importtime`, cumulative seconds of the top-level packages). `--misses` lists the hand-made
claims missed and the drafted claims that match none, for the articles that are not held out (to
improve the rules on, never on a held-out one).

Usage: python scripts/bench_draft.py [--runs N] [--format text|json] [--importtime] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graph.compile.sources import QuoteIndex
from graph.importers.draft import draft
from graph.model import yamlfile
from graph.model.errors import UnknownName
from graph.model.names import words
from graph.model.registry import Registry, load_registry

TYPES = ("transfer", "exercise", "statement", "sanction", "membership")
SEED_ID = "gmf-2022-03-04-time-for-serbia-to-scale-back-military-ties-with-russia"
FICTION = REPO / "tests" / "fixtures" / "draft"


def cases() -> list[tuple[str, str, Path, Path]]:
    """(set, name, source folder, registry folder) of every article with hand-made claims."""
    out = [("first source", SEED_ID, REPO / "sources" / SEED_ID, REPO / "sources" / "registry")]
    for folder in sorted(FICTION.iterdir()):
        if (folder / "claims.yaml").is_file():
            group = "held out" if folder.name.startswith("heldout-") else "fictional"
            out.append((group, folder.name, folder, FICTION / "registry"))
    return out


def fresh_copy(folder: Path, registry: Path, root: Path) -> Path:
    """The article's text and source.yaml in a new corpus under ``root`` (claims.yaml set aside)."""
    corpus = root / "corpus"
    shutil.copytree(registry, corpus / "registry")
    target = corpus / folder.name
    target.mkdir(parents=True)
    for name in ("source.yaml", "text.txt"):
        shutil.copy(folder / name, target / name)
    return target


def _id(value: object, registry: Registry) -> str:
    try:
        return registry.resolve(str(value)).id
    except UnknownName:
        return words(str(value))


def main_fields(claim: dict, registry: Registry) -> tuple:
    """The fields a draft must get right to count, names as registry ids."""
    t = claim.get("type")
    one = lambda k: _id(claim[k], registry) if claim.get(k) not in (None, "") else None
    many = lambda k: frozenset(_id(v, registry) for v in (claim.get(k) or []))
    if t == "transfer":
        thing = one("system") or ("category:" + str(claim.get("category")))
        return t, one("supplier"), one("recipient"), thing
    if t == "exercise":
        return t, words(str(claim.get("name"))), many("participants")
    if t == "statement":
        speaker = "source" if claim.get("speaker") == "source" else one("speaker")
        return t, speaker
    if t == "sanction":
        return t, many("imposer"), many("target")
    if t == "membership":
        return t, one("member"), one("organisation")
    return (t,)


def _span(quote: str, index: QuoteIndex) -> tuple[int, int] | None:
    sel = index.locate(quote)
    return (sel.start, sel.end) if sel else None


def score(hand: list[dict], drafted: list[dict], text: str, registry: Registry) -> dict:
    """Per type: hand-made, drafted, hand-made found (recall), drafted right (precision)."""
    index = QuoteIndex(text)
    hand = [c for c in hand if c.get("type") in TYPES]
    h = [(main_fields(c, registry), _span(c["quote"], index)) for c in hand]
    d = [(main_fields(c, registry), _span(c["quote"], index)) for c in drafted]

    def match(a, b) -> bool:
        (fa, sa), (fb, sb) = a, b
        return fa == fb and sa is not None and sb is not None and sa[0] < sb[1] and sb[0] < sa[1]

    out: dict = {}
    for t in TYPES:
        hs = [x for x, c in zip(h, hand) if c["type"] == t]
        ds = [x for x, c in zip(d, drafted) if c["type"] == t]
        out[t] = {"hand": len(hs), "drafted": len(ds),
                  "found": sum(any(match(x, y) for y in ds) for x in hs),
                  "right": sum(any(match(y, x) for x in hs) for y in ds)}
    out["quotes_found"] = sum(s is not None for _, s in d)
    out["quotes"] = len(d)
    out["missed"] = [c["id"] for x, c in zip(h, hand) if not any(match(x, y) for y in d)]
    out["wrong"] = [(c["id"], c["draft"]["rule"], x[0]) for x, c in zip(d, drafted) if not any(match(x, y) for y in h)]
    return out


def _hand(folder: Path) -> list[dict]:
    data = yamlfile.load(folder / "claims.yaml")
    return [c for c in data["claims"]]


def run_case(name: str, folder: Path, registry_dir: Path) -> dict:
    registry = load_registry(registry_dir)
    with tempfile.TemporaryDirectory() as tmp:
        target = fresh_copy(folder, registry_dir, Path(tmp))
        t0 = time.perf_counter()
        d = draft(target)
        seconds = time.perf_counter() - t0
        assert not (target / "claims.yaml").exists()
    text = (folder / "text.txt").read_text(encoding="utf-8")
    result = score(_hand(folder), d.claims, text, registry)
    result.update(name=name, seconds=seconds, proposed=len(d.proposed))
    return result


def cold_command(folder: Path, registry_dir: Path, runs: int,
                 compare: Path | None = None) -> dict[str, list[float]]:
    """Seconds for a fresh `serbia-kg draft` process on a new folder (start-up included), run by turns
    with a bare `python -c "import spacy"` (what any spaCy tool pays before it starts) and, with
    ``compare``, with the same command run from another checkout's code (``python -m graph.cli`` in
    that folder, so that it imports its own ``graph``)."""
    exe = shutil.which("serbia-kg")
    commands: dict[str, tuple[list[str], Path | None]] = {
        "draft": ([exe] if exe else [sys.executable, "-m", "graph.cli"], None)}
    if compare is not None:
        commands["compared"] = ([sys.executable, "-m", "graph.cli"], compare.resolve())
    times: dict[str, list[float]] = {name: [] for name in [*commands, "import spacy"]}
    for _ in range(runs):
        for name, (cmd, cwd) in commands.items():
            with tempfile.TemporaryDirectory() as tmp:
                target = fresh_copy(folder, registry_dir, Path(tmp))
                t0 = time.perf_counter()
                subprocess.run([*cmd, "draft", str(target)], check=True, capture_output=True, cwd=cwd)
                times[name].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import spacy"], check=True, capture_output=True)
        times["import spacy"].append(time.perf_counter() - t0)
    return times


def import_breakdown(folder: Path, registry_dir: Path) -> dict[str, float]:
    """Cumulative import seconds of each top-level package a fresh `serbia-kg draft` imports (a package
    imported by another counts in both: spaCy's numpy is in "spacy" and in "numpy"), and of all of them."""
    with tempfile.TemporaryDirectory() as tmp:
        target = fresh_copy(folder, registry_dir, Path(tmp))
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "graph.cli", "draft", str(target)],
                              check=True, capture_output=True, text=True)
    out: dict[str, float] = {}
    total = 0.0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        seconds = int(parts[1]) / 1e6
        if len(parts[2]) - len(parts[2].lstrip()) <= 1:
            total += seconds  # imported by no other module: the imports' total is the sum of these
        if "." not in name and not name.startswith("_"):
            out[name] = max(out.get(name, 0.0), seconds)
    return {"all imports": round(total, 3), **dict(sorted(out.items(), key=lambda kv: -kv[1]))}


def print_misses(results: dict[str, list[dict]]) -> None:
    for group, rs in results.items():
        if group == "held out":
            continue
        for r in rs:
            print(f"\n{r['name']}")
            for cid in r["missed"]:
                print(f"  missed  {cid}")
            for cid, rule, fields in r["wrong"]:
                print(f"  no match {cid} ({rule}): {fields}")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} %" if b else "    -  "


def summarise(results: list[dict]) -> dict:
    total: dict = {t: {"hand": 0, "drafted": 0, "found": 0, "right": 0} for t in TYPES}
    for r in results:
        for t in TYPES:
            for k in total[t]:
                total[t][k] += r[t][k]
    return total


def print_table(title: str, total: dict) -> None:
    print(f"\n{title}")
    print(f"  {'type':<11} {'hand':>5} {'drafted':>8} {'recall':>16} {'precision':>18}")
    for t in TYPES + ("overall",):
        if t == "overall":
            v = {k: sum(total[x][k] for x in TYPES) for k in ("hand", "drafted", "found", "right")}
        else:
            v = total[t]
        print(f"  {t:<11} {v['hand']:>5} {v['drafted']:>8} {_pct(v['found'], v['hand']):>9} "
              f"({v['found']:>2}/{v['hand']:<2}) {_pct(v['right'], v['drafted']):>9} ({v['right']:>2}/{v['drafted']:<2})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-command timing runs (default 3)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--importtime", action="store_true", help="where a fresh command's imports go")
    parser.add_argument("--misses", action="store_true", help="list misses of the articles not held out")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also time the fresh command with the code of another checkout, by turns")
    args = parser.parse_args(argv)
    results: dict[str, list[dict]] = {"first source": [], "fictional": [], "held out": []}
    for group, name, folder, reg in cases():
        results[group].append(run_case(name, folder, reg))
    if args.misses:
        print_misses(results)
        return 0
    seed = cases()[0]
    cold = cold_command(seed[2], seed[3], args.runs, args.compare) if args.runs else {}
    imports = import_breakdown(seed[2], seed[3]) if args.importtime else {}
    quotes = sum(r["quotes"] for g in results.values() for r in g)
    found = sum(r["quotes_found"] for g in results.values() for r in g)
    if args.format == "json":
        print(json.dumps({"results": results, "totals": {g: summarise(r) for g, r in results.items()},
                          "quotes": quotes, "quotes_found": found, "fresh_command_seconds": cold,
                          "load_average": os.getloadavg(), "import_seconds": imports}, indent=1))
        return 0
    print("serbia-kg draft: drafted claims against hand-made ones (match: type, main fields, overlapping quote)")
    for group, rs in results.items():
        print_table(f"{group}: " + ", ".join(r["name"][:40] for r in rs), summarise(rs))
    print(f"\ndrafted quotes found by validate's locator: {found}/{quotes}")
    for group, rs in results.items():
        for r in rs:
            print(f"  draft in-process {r['name'][:50]}: {r['seconds']:.2f} s ({r['proposed']} unknown names)")
    if cold:
        print(f"fresh `serbia-kg draft` on a new folder (first source), {args.runs} runs by turns "
              f"(load average {os.getloadavg()[0]:.1f}):")
        for name, ts in cold.items():
            print(f"  {name:<13} {min(ts):.2f}-{max(ts):.2f} s (median {statistics.median(ts):.2f}): "
                  + " ".join(f"{t:.2f}" for t in ts))
        own = [d - b for d, b in zip(cold["draft"], cold["import spacy"])]
        print(f"  the draft's own share (draft minus import spacy, run by run): {min(own):.2f}-{max(own):.2f} s")
    if imports:
        print("imports of a fresh `serbia-kg draft` (python -X importtime, cumulative s): "
              + ", ".join(f"{k} {v:.2f}" for k, v in list(imports.items())[:8]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
