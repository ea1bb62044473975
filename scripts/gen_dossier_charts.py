#!/usr/bin/env python
"""Write the dossier's chart specifications (Vega-Lite, built by Altair) beside the page's template.

The page fills each specification with its rows, so writing a page neither imports Altair nor
validates a specification again. Run after changing a chart in ``graph/present/dossier.py``:

    python scripts/gen_dossier_charts.py            # rewrite graph/present/templates/dossier-charts.vl.json
    python scripts/gen_dossier_charts.py --check    # exit 1 if the file is stale (the tests check it too)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.model.files import write_atomically  # noqa: E402
from graph.present.dossier import CHARTS_FILE, chart_templates  # noqa: E402


def text() -> str:
    """The file's text: the specifications, sorted, one key a line."""
    return json.dumps(chart_templates(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) the dossier's chart specifications.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not what Altair builds now")
    args = parser.parse_args(argv)
    want = text()
    if args.check:
        stale = not CHARTS_FILE.is_file() or CHARTS_FILE.read_text(encoding="utf-8") != want
        if stale:
            print(f"{CHARTS_FILE.name} is stale: run python scripts/gen_dossier_charts.py", file=sys.stderr)
        return 1 if stale else 0
    write_atomically(CHARTS_FILE, want.encode("utf-8"))
    print(f"wrote {CHARTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
