"""The network view in a real browser: Debian's chromium, headless, driven by Playwright, network blocked.

Never downloads a browser: it uses /usr/bin/chromium (installed by .ci/run) and skips, saying why,
only when that is missing. Every page is opened with each http(s) request aborted and recorded;
each test ends by checking that none was made and that the page logged no error.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from graph.ask.projection import project
from graph.present.view import focus, make_view, ties, write_view
from graph.store.backends import open_dataset
from view_sample import ENT, NASTY_QUOTE, sample_graph

pytestmark = pytest.mark.browser



class Page:
    """A page opened from a file with every http(s) request aborted, and what it logged."""

    def __init__(self, browser, path: Path, fragment: str = "") -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def block(route):
            self.requests.append(route.request.url)
            route.abort()

        self.page.route(lambda url: url.startswith(("http://", "https://")), block)
        self.page.goto(path.resolve().as_uri() + fragment)
        self.page.wait_for_function("window.skgView && window.skgView.ready", timeout=60_000)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def shown_iris(self) -> set[str]:
        return set(self.js("skgView.nodeView.get().map(n => n.iri)"))

    def shown_ties(self) -> int:
        return self.js("skgView.edgeView.length")

    def details(self) -> str:
        return self.page.locator("#skg-details").inner_text()

    def close(self) -> None:
        try:
            assert self.errors == [] and self.requests == []
        finally:
            self.context.close()


@pytest.fixture
def sample_page(browser, tmp_path):
    path = tmp_path / "sample.html"
    write_view(sample_graph(), path)
    page = Page(browser, path)
    yield page
    page.close()


@pytest.fixture(scope="module")
def sipri_html(sipri_both_out, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sipri-view") / "view.html"
    make_view(open_dataset(sipri_both_out), path)
    return path


@pytest.fixture
def sipri_page(browser, sipri_html):
    page = Page(browser, sipri_html)
    yield page
    page.close()


def _tie(page: Page, a: str, b: str, relation: str) -> str:
    """The id of the first drawn edge from the node labelled ``a`` to the one labelled ``b`` of ``relation``."""
    return page.js("""([a, b, rel]) => {
        const ns = skgView.nodes.get(), ia = ns.find(n => n.label === a).id, ib = ns.find(n => n.label === b).id;
        return skgView.edges.get().find(e => e.from === ia && e.to === ib && e.relation === rel).id; }""",
                   [a, b, relation])


def _free_point(page: Page, edge_id: str) -> tuple[float, float]:
    """A point of the edge, in page pixels, where no node and no other edge lies."""
    point = page.js("""id => {
        const n = skgView.network, r = n.body.container.getBoundingClientRect();
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8]) {
            const d = n.canvasToDOM(n.body.edges[id].edgeType.getPoint(t));
            if (d.x < 0 || d.y < 0 || d.x > r.width || d.y > r.height) continue;
            if (n.getNodeAt(d) === undefined && n.getEdgeAt(d) === id) return [d.x + r.left, d.y + r.top];
        }
        return null; }""", edge_id)
    assert point is not None, "no free point on the edge"
    return point[0], point[1]


def _hover(page: Page, x: float, y: float) -> str:
    page.page.mouse.move(x - 20, y - 20)
    page.page.mouse.move(x, y, steps=4)
    tip = page.page.locator("#skg-tip")
    tip.wait_for(state="visible", timeout=5_000)
    return tip.inner_text()


def _set(page: Page, selector: str, value) -> None:
    """Set a control's value as a user would, and fire its events."""
    page.js("""([sel, v]) => { const e = document.querySelector(sel); e.value = String(v);
        e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); }""",
            [selector, value])


# --- the page -------------------------------------------------------------------------------------

def test_loads_offline_without_errors_and_draws_one_tie_per_pair(sample_page):
    g = sample_graph()
    counts = sample_page.js("[skgView.network.body.data.nodes.length, skgView.network.body.data.edges.length]")
    assert counts == [g.number_of_nodes(), len(ties(g))]
    drawn = sample_page.js("Object.values(skgView.network.body.edges).filter(e => e.connected).length")
    assert drawn == len(ties(g)) == g.number_of_edges() - 1  # Russia's two supplies: one tie
    assert sample_page.js("Object.keys(skgView.network.body.nodes).length") == g.number_of_nodes()


def test_hovering_a_tie_shows_its_quote_source_and_date_as_text(sample_page):
    x, y = _free_point(sample_page, _tie(sample_page, "Aleksandar Vučić", "NATO", "states_about"))
    text = _hover(sample_page, x, y)
    assert NASTY_QUOTE in text  # shown whole, as text: nothing in it was taken for markup
    assert "Time for Serbia to Scale Back & <More>" in text and "2022-03-04" in text and "claim c6" in text
    assert "Aleksandar Vučić" in text and "NATO" in text
    assert sample_page.js("document.querySelectorAll('#skg-tip script, #skg-tip b').length") == 0


def test_hovering_a_node_shows_its_type_and_ties(sample_page):
    x, y = sample_page.js("""() => {
        const n = skgView.network, id = skgView.nodes.get().find(v => v.label === 'China').id;
        const d = n.canvasToDOM(n.getPosition(id)), r = n.body.container.getBoundingClientRect();
        return [d.x + r.left, d.y + r.top]; }""")
    text = _hover(sample_page, x, y)
    assert "China" in text and "state" in text and "supplies: Serbia" in text


def test_clicking_a_tie_lists_its_facts_with_their_evidence(sample_page):
    x, y = _free_point(sample_page, _tie(sample_page, "Russia", "Serbia", "supplies"))
    sample_page.page.mouse.click(x, y)
    text = sample_page.details()
    assert text.startswith("×\nRussia — supplies → Serbia") or "Russia — supplies → Serbia" in text.splitlines()[1]
    assert "2 fact(s) shown" in text
    for words in ("It has received 6 MiG-29 fighters from Russia", "6 MiG-29 (second-hand) delivered 2017",
                  "a Pantsir S1 air defence system", "SIPRI Arms Transfers Database, 2023-03-13 · claim c2",
                  "claim c1", "claim c3", "quantity 6", "2 source(s), 2 independent"):
        assert words in text


def test_a_click_after_a_search_shows_the_tie_clicked(sipri_page):
    """Search, press Enter, move the view, click a tie: the panel shows that tie. It showed Vučić's
    statement: leaving the search box ran the search again and the view jumped under the click."""
    page = sipri_page
    box = page.page.locator("#skg-search")
    box.fill("Vucic")
    box.press("Enter")
    assert "Aleksandar Vučić" in page.details()
    page.js("""() => { const n = skgView.network, s = skgView.nodes.get().find(v => v.label === 'Serbia').id;
                       n.moveTo({position: n.getPosition(s), scale: 1.0, animation: false}); }""")
    before = page.js("[skgView.network.getViewPosition(), skgView.network.getScale()]")
    x, y = _free_point(page, _tie(page, "Belarus", "Serbia", "supplies"))
    page.page.mouse.click(x, y)
    page.page.wait_for_timeout(200)
    assert page.js("[skgView.network.getViewPosition(), skgView.network.getScale()]") == before  # no jump
    head = next(line for line in page.details().splitlines() if "—" in line)
    assert head == "Belarus — supplies → Serbia"


def test_labels_by_importance_and_sources_out_of_the_way(sipri_page):
    page = sipri_page
    top = page.js("""() => { const n = skgView.network, s = n.getScale();
        return skgView.data.nodes.filter(v => v.rank < 20).map(v => [v.full, n.body.nodes[v.id].options.font.size * s,
            n.body.nodes[v.id].labelModule.visible()]); }""")
    assert len(top) == 20
    assert all(px >= 11 and visible for _, px, visible in top), top  # readable at the first zoom
    hidden = page.js("""() => Object.values(skgView.network.body.nodes).filter(v => !v.labelModule.visible()).length""")
    assert hidden > 0  # the least connected wait for a closer look ...
    page.js("() => skgView.network.moveTo({scale: skgView.network.getScale() * 3, animation: false})")
    assert page.js("""() => Object.values(skgView.network.body.nodes).filter(v => !v.labelModule.visible()).length""") == 0
    # ... and the sources (articles, datasets) sit on a ring outside the actors
    radius = page.js("""() => { const ps = skgView.network.getPositions(), ns = skgView.data.nodes;
        const inner = ns.filter(v => v.kind !== 'source').map(v => ps[v.id]);
        const cx = inner.reduce((a, p) => a + p.x, 0) / inner.length, cy = inner.reduce((a, p) => a + p.y, 0) / inner.length;
        const d = p => Math.hypot(p.x - cx, p.y - cy);
        return [Math.max(...inner.map(d)), Math.min(...ns.filter(v => v.kind === 'source').map(v => d(ps[v.id])))]; }""")
    assert radius[1] > radius[0]


def test_a_sipri_row_reads_as_labelled_fields(sipri_page):
    page = sipri_page
    x, y = _free_point(page, _tie(page, "Belarus", "Serbia", "supplies"))
    page.page.mouse.click(x, y)
    text = page.details()
    for words in ("Supplier\tBelarus", "Recipient\tSerbia", "Delivered\t2021 (4)", "TIV delivered\t54.52",
                  "SIPRI deal id\t60885", "Serbia has also procured 4 MiG-29s from Belarus"):
        assert words in text.replace("\n", "\t") or words.replace("\t", "\n") in text
    assert "60885,Belarus,Serbia" not in text and "Serbia,Belarus,2017" not in text  # never the raw line
    link = page.js("() => Array.from(document.querySelectorAll('#skg-details a')).map(a => a.href)")
    assert "https://www.sipri.org/databases/armstransfers" in link
    assert "https://www.gmfus.org/news/time-serbia-scale-back-military-ties-russia" in link


# --- focus, time, filters; counts follow ----------------------------------------------------------

def test_focus_on_a_node_one_or_two_hops(sample_page):
    g = sample_graph()
    page = sample_page
    x, y = page.js("""() => {
        const n = skgView.network, id = skgView.nodes.get().find(v => v.label === 'Aleksandar Vučić').id;
        const d = n.canvasToDOM(n.getPosition(id)), r = n.body.container.getBoundingClientRect();
        return [d.x + r.left, d.y + r.top]; }""")
    page.page.mouse.click(x, y)
    page.page.locator("#skg-details button.skg-focus-1").click()
    assert page.shown_iris() == set(focus(g, ENT + "aleksandar-vucic", 1))
    assert "Aleksandar Vučić (1 hop)" in page.page.locator("#skg-focus-name").inner_text()
    page.page.locator("#skg-details button.skg-focus-2").click()
    assert page.shown_iris() == set(focus(g, ENT + "aleksandar-vucic", 2))
    page.page.locator("#skg-focus-clear").click()
    assert page.shown_iris() == set(g.nodes)


def _year(value) -> int | None:
    return int(str(value)[:4]) if value else None


def test_time_slider_shows_the_count_of_ties(sipri_page):
    page = sipri_page
    lo, hi = page.js("skgView.data.years")
    assert lo < 2000 and hi > 2010
    page.page.locator("#skg-undated").uncheck()
    _set(page, "#skg-from", 2000)
    _set(page, "#skg-to", 2010)
    facts = page.js("skgView.data.facts")
    expected_ties = {f["t"] for f in facts if f["y0"] is not None and f["y0"] <= 2010 and f["y1"] >= 2000}
    assert page.shown_ties() == len(expected_ties) > 0
    shown = page.page.locator("#skg-shown").inner_text()
    assert shown.startswith(f"showing {len(expected_ties)} of ")
    assert page.page.locator("#skg-from-out").inner_text() == "2000"


def test_time_filter_matches_the_projection(sipri_both_out, browser, sipri_html):
    """The years the page keeps are those of the projection's own dates."""
    g = project(open_dataset(sipri_both_out))
    page = Page(browser, sipri_html)
    try:
        page.page.locator("#skg-undated").uncheck()
        _set(page, "#skg-from", 1990)
        _set(page, "#skg-to", 1999)
        kept = set()
        for u, v, k, d in g.edges(keys=True, data=True):
            y0 = _year(d.get("date"))  # an unknown date is left out of the graph
            y1 = _year(d.get("end_date")) or y0
            if y0 is not None and y0 <= 1999 and y1 >= 1990:
                a, b = (u, v) if d.get("directed", True) or str(u) < str(v) else (v, u)
                kept.add((a, b, d["relation"]))
        assert page.shown_ties() == len(kept)
    finally:
        page.close()


def test_filters_by_kind_source_and_independent_sources_and_the_legend_follows(sample_page):
    g = sample_graph()
    page = sample_page
    assert page.page.locator("[data-type=Person]").inner_text() == "(1 of 1)"
    page.page.locator("input.skg-type[value=Person]").uncheck()
    assert ENT + "aleksandar-vucic" not in page.shown_iris()
    assert page.page.locator("[data-type=Person]").inner_text() == "(0 of 1)"
    assert page.page.locator("[data-relation=states_about]").inner_text() == "(0 of 1)"
    page.page.locator("input.skg-type[value=Person]").check()
    page.page.locator("#skg-source").select_option("sipri")
    sipri_ties = {(u, v, d["relation"]) for u, v, d in g.edges(data=True) if "sipri" in d["sources"]}
    assert page.shown_ties() == len(sipri_ties) == 1
    assert page.page.locator("[data-relation=supplies]").inner_text() == "(1 of 2)"
    page.page.locator("#skg-source").select_option("")
    page.page.locator("#skg-min-sources").select_option("2")
    assert page.shown_ties() == 1 and page.shown_iris() == {ENT + "russia", ENT + "serbia"}
    page.page.locator("#skg-min-sources").select_option("1")
    page.page.locator("#skg-none").click()
    assert page.shown_ties() == 0
    page.page.locator("input.skg-relation[value=supplies]").check()
    assert page.shown_ties() == len({(u, v) for u, v, d in g.edges(data=True) if d["relation"] == "supplies"})
    assert page.page.locator("[data-relation=supplies]").inner_text() == "(2 of 2)"


def test_tie_width_by_facts_quantity_or_sources(sample_page):
    page = sample_page
    russia, china = _tie(page, "Russia", "Serbia", "supplies"), _tie(page, "China", "Serbia", "supplies")
    width = lambda: page.js("([a, b]) => [skgView.edges.get(a).width, skgView.edges.get(b).width]", [russia, china])
    by_facts = width()
    assert by_facts[0] > by_facts[1] > 0  # 2 facts against 1
    page.page.locator("#skg-width").select_option("quantity")
    by_quantity = width()
    assert by_quantity[0] > by_quantity[1] == 1  # 7 units against none
    page.page.locator("#skg-width").select_option("sources")
    assert width()[0] > width()[1]  # 2 independent sources against 1


# --- what leaves the page --------------------------------------------------------------------------

def test_export_the_shown_selection_as_csv_and_png(sample_page):
    page = sample_page
    page.page.locator("#skg-none").click()
    page.page.locator("input.skg-relation[value=supplies]").check()
    with page.page.expect_download() as info:
        page.page.locator("#skg-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert info.value.suggested_filename == "serbia-kg-view.csv"
    assert sorted(r["fact"] for r in rows) == ["supplies:cn-drones", "supplies:mig29", "supplies:pantsir"]
    mig = next(r for r in rows if r["fact"] == "supplies:mig29")
    assert (mig["source_label"], mig["target_label"], mig["quantity"]) == ("Russia", "Serbia", "6")
    assert sorted(json.loads(mig["source_ids"])) == ["gmf", "sipri"]
    assert sorted(json.loads(mig["source_titles"])) == ["SIPRI Arms Transfers Database", "Time for Serbia to Scale Back"]
    assert sorted(json.loads(mig["claim_ids"])) == ["c1", "c2"]
    with page.page.expect_download() as info:
        page.page.locator("#skg-png").click()
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == tuple(page.js("(() => { const c = document.querySelector('#skg-network canvas'); return [c.width, c.height]; })()"))


def test_the_exported_csv_runs_no_formula_in_a_spreadsheet(browser, tmp_path):
    # a label that a spreadsheet would run (CSV injection), and a date that is a plain negative number
    g = sample_graph()
    g.nodes[ENT + "china"]["label"] = '=HYPERLINK("http://example.org/x","China")'
    g.nodes[ENT + "russia"]["label"] = "@SUM(A1)"
    g.edges[ENT + "china", ENT + "serbia", "supplies:cn-drones"]["date"] = "-0044"
    path = tmp_path / "formula.html"
    write_view(g, path)
    page = Page(browser, path)
    try:
        rows = list(csv.DictReader(io.StringIO(page.js("skgView.shownCsv()"))))
        drones = next(r for r in rows if r["fact"] == "supplies:cn-drones")
        assert drones["source_label"] == "'=HYPERLINK(\"http://example.org/x\",\"China\")"
        assert drones["date"] == "-0044"  # a number stays a number
        mig = next(r for r in rows if r["fact"] == "supplies:mig29")
        assert (mig["source_label"], mig["quantity"]) == ("'@SUM(A1)", "6")
        cells = [c for r in rows for c in r.values()]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
        assert [c for c in cells if c[:1] == "-"] == ["-0044"]
    finally:
        page.close()


def test_the_page_state_lives_in_the_address(browser, tmp_path):
    path = tmp_path / "sample.html"
    write_view(sample_graph(), path)
    first = Page(browser, path)
    try:
        first.js("id => skgView.setFocus(id, 2)", first.js("skgView.nodes.get().find(v => v.label === 'Serbia').id"))
        first.page.locator("input.skg-relation[value=states_about]").uncheck()
        first.page.locator("#skg-width").select_option("quantity")
        _set(first, "#skg-from", 2015)
        fragment = first.js("location.hash")
        shown = (first.shown_iris(), first.shown_ties())
        for words in ("focus=https%3A%2F%2Fw3id.org%2Fserbia-kg%2Fid%2Fserbia", "hops=2", "width=quantity", "from=2015",
                      "relations="):
            assert words in fragment
    finally:
        first.close()
    second = Page(browser, path, fragment)  # the link, opened anew
    try:
        assert (second.shown_iris(), second.shown_ties()) == shown
        assert second.js("[skgView.state.hops, skgView.state.width, skgView.state.from]") == [2, "quantity", 2015]
        assert not second.page.locator("input.skg-relation[value=states_about]").is_checked()
        assert second.page.locator("#skg-width").input_value() == "quantity"
    finally:
        second.close()


def test_search_focuses_an_actor(sample_page):
    box = sample_page.page.locator("#skg-search")
    box.fill("vucic")
    box.press("Enter")
    selected = sample_page.js("skgView.network.getSelectedNodes().map(id => skgView.nodes.get(id).iri)")
    assert selected == [ENT + "aleksandar-vucic"]
    assert "Aleksandar Vučić" in sample_page.details()
    sample_page.js("skgView.network.unselectAll()")
    box.fill("AleksandarVucic")  # as the CLI folds: case, diacritics and separators do not matter
    box.press("Enter")
    selected = sample_page.js("skgView.network.getSelectedNodes().map(id => skgView.nodes.get(id).iri)")
    assert selected == [ENT + "aleksandar-vucic"]
    box.fill("Atlantis")
    box.press("Enter")
    assert "no node matches" in sample_page.page.locator("#skg-search-status").inner_text()


def test_the_seed_source_view(browser, seed_out, tmp_path):
    ds = open_dataset(seed_out)
    g = project(ds)
    path = tmp_path / "seed.html"
    make_view(ds, path)
    page = Page(browser, path)
    try:
        counts = page.js("[skgView.network.body.data.nodes.length, skgView.network.body.data.edges.length]")
        assert counts == [g.number_of_nodes(), len(ties(g))]
        x, y = _free_point(page, _tie(page, "Belarus", "Serbia", "supplies"))
        assert "Serbia has also procured 4 MiG-29s from Belarus" in _hover(page, x, y)
    finally:
        page.close()
