"""Who supplies Serbia, by supplier and year: a short example of the library API.

Run from the repository (after `serbia-kg build`, or it builds in memory):

    python scripts/supplies_by_year.py            # Serbia
    python scripts/supplies_by_year.py Croatia    # any recipient, by name or alias

A transfer's year is its own (delivery or order date) when the source gives one; otherwise
the year the source reported it, marked "reported".
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import graph
from graph.model.errors import KGError, NotBuilt
from graph.ask.questions import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent


def main(recipient: str = "Serbia") -> int:
    try:
        kg = KnowledgeGraph.load(ROOT / "out")
    except NotBuilt:
        kg = graph.from_sources(ROOT / "sources")  # nothing built yet: compile in memory
    try:
        rows = kg.supplies(to=recipient)
    except KGError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    table: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        year = r["date"][:4] if r["date"] else f"{r['reported'][:4]} (reported)"
        what = r["system"] or r["category"]
        if r["quantity"] is not None:
            what = f"{r['quantity']} × {what}"
        table[r["supplier"] or "(supplier not named)"][year].append(what)
    print(f"Who supplies {kg.resolve(recipient).label}, by supplier and year")
    for supplier in sorted(table):
        print(supplier)
        for year in sorted(table[supplier]):
            print(f"  {year}: {', '.join(table[supplier][year])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
