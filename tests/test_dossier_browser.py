"""The dossier page in a real browser (Debian's chromium, network blocked): every chart drawn, no error."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph.cli import main

pytestmark = pytest.mark.browser

MARKS = {"units": "g.mark-rect.role-mark path", "tiv": "g.mark-rect.role-mark path",
         "alignment": "g.mark-symbol.role-mark path", "spending": "g.mark-symbol.role-mark path",
         "votes": "g.mark-rect.role-mark path"}


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def block(route):
        requests.append(route.request.url)
        route.abort()

    page.route(lambda url: url.startswith(("http://", "https://")), block)
    page.goto(path.resolve().as_uri())
    page.wait_for_function("Array.from(document.querySelectorAll('.chart')).every(e => e.dataset.drawn)",
                           timeout=30_000)
    return page, errors, requests


def drawn(page) -> dict[str, tuple[int, int]]:
    """Each chart's expected number of marks (its data) and the number drawn."""
    out = {}
    for el in page.query_selector_all(".chart"):
        name = el.get_attribute("id").removeprefix("chart-")
        selector = MARKS[name.rsplit("-", 1)[-1]]
        out[name] = (int(el.get_attribute("data-marks")), len(el.query_selector_all(selector)))
    return out


def test_seed_dossier_draws_offline(browser, seed_out, tmp_path):
    path = tmp_path / "serbia.html"
    assert CliRunner().invoke(main, ["dossier", "Serbia", "--out", str(seed_out), "--html", str(path),
                                     "-q"]).exit_code == 0
    page, errors, requests = open_page(browser, path)
    charts = drawn(page)
    assert {"alignment", "votes"} <= set(charts) and all(want == got and want > 0 for want, got in charts.values()), charts
    assert errors == [] and requests == []
    frame = page.frame_locator("iframe")
    frame.locator("canvas").first.wait_for(timeout=30_000)  # the 1-hop network view, drawn by its own code
    page.close()


def test_sipri_dossier_draws_every_year(browser, sipri_out, tmp_path):
    path = tmp_path / "serbia.html"
    assert CliRunner().invoke(main, ["dossier", "Serbia", "--out", str(sipri_out), "--html", str(path),
                                     "-q"]).exit_code == 0
    page, errors, requests = open_page(browser, path)
    charts = drawn(page)
    assert {"imports-units", "exports-units"} <= set(charts)
    assert all(want == got and want > 0 for want, got in charts.values()), charts
    assert errors == [] and requests == []
    page.close()
