"""Make docs/view.png: a screenshot of the network view of the built dataset, for the README.

Uses Debian's chromium (/usr/bin/chromium) through Playwright, headless, with the network blocked;
never downloads a browser. Run after `serbia-kg build`:

    python scripts/screenshot_view.py [--data out] [--png docs/view.png] [--hover supplies] [--tie 'Belarus>Serbia']

The picture hovers one tie of the given relation so that its evidence shows, and is saved as a
palette PNG to keep it small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graph.model.errors import KGError  # noqa: E402
from graph.store.backends import open_dataset  # noqa: E402
from graph.present.view import make_view  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

HOVER = """([rel, a, b]) => {
    const n = skgView.network, r = n.body.container.getBoundingClientRect(), ns = skgView.data.nodes;
    const label = id => ns.find(v => v.id === id).full;
    for (const e of skgView.edges.get().filter(e => e.relation === rel && (!a || label(e.from) === a) && (!b || label(e.to) === b))) {
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
            const d = n.canvasToDOM(n.body.edges[e.id].edgeType.getPoint(t));
            if (n.getNodeAt(d) === undefined && n.getEdgeAt(d) === e.id) return [d.x + r.left, d.y + r.top];
        }
    }
    return null; }"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "out", help="built dataset folder (default: out/)")
    ap.add_argument("--png", type=Path, default=REPO / "docs" / "view.png", help="where to write the picture")
    ap.add_argument("--hover", default="supplies", help="relation of the tie to hover (default: supplies)")
    ap.add_argument("--tie", default=None, metavar="A>B",
                    help="hover the tie of that relation from the node labelled A to the one labelled B")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    a = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "view.html"
        try:
            make_view(open_dataset(a.data), page_file)
        except KGError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        raw = Path(tmp) / "raw.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium, args=ARGS)
            page = browser.new_page(viewport={"width": a.width, "height": a.height})
            page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
            page.goto(page_file.as_uri())
            page.wait_for_function("window.skgView && window.skgView.ready")
            ends = a.tie.split(">", 1) if a.tie else [None, None]
            point = page.evaluate(HOVER, [a.hover, ends[0], ends[1]])
            if point:
                page.mouse.move(point[0] - 20, point[1] - 20)
                page.mouse.move(*point, steps=4)
                page.locator("#skg-tip").wait_for(state="visible", timeout=5_000)
            else:
                print(f"note: no tie of relation '{a.hover}' to hover", file=sys.stderr)
            page.screenshot(path=str(raw))
            browser.close()
        a.png.parent.mkdir(parents=True, exist_ok=True)
        try:
            from PIL import Image
        except ImportError:  # Pillow is optional: keep Chromium's PNG as it is
            a.png.write_bytes(raw.read_bytes())
        else:
            Image.open(raw).convert("RGB").quantize(colors=128).save(a.png, optimize=True)
    print(f"wrote {a.png} ({a.png.stat().st_size // 1024} KiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
