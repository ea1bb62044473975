"""The query page in a real browser: Debian's chromium, headless, driven by Playwright, every request
that leaves the endpoint blocked. YASGUI (served by the endpoint) runs a saved question and the
result downloads as CSV."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest

from graph.store.server import make_server

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def endpoint(seed_out):
    server = make_server(seed_out, port=0, timeout=10, workers=1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_saved_question_runs_in_yasgui_offline_and_downloads_as_csv(endpoint, browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors, outside = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(endpoint + "/"):
            r.continue_()
        else:  # no network: anything else is recorded and refused
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(endpoint + "/")
    page.wait_for_function("window.skgSaved && window.skgSaved.length > 0 && document.querySelector('.yasqe')",
                           timeout=30_000)
    page.select_option("#saved", label=next(o for o in page.eval_on_selector_all(
        "#saved option", "os => os.map(o => o.textContent)") if o.startswith("systems-by-origin")))
    assert "VALUES ?recipient" in page.evaluate("window.skgYasgui.getTab().getYasqe().getValue()")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr", timeout=30_000)
    cells = page.eval_on_selector_all(".yasr table tbody tr", "rows => rows.map(r => r.innerText)")
    assert len(cells) == 4 and any("MiG-29" in c for c in cells)
    assert any("ent:mig-29" in c for c in cells)  # IRIs shown with the project's prefixes
    with page.expect_download(timeout=30_000) as download:
        page.click(".yasr_downloadIcon")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["system", "label", "category", "quantity", "status"]
    assert sorted(r[1] for r in rows[1:]) == ["Kornet", "MiG-29", "Pantsir S1", "T-72"]
    assert outside == [] and errors == []
    context.close()
