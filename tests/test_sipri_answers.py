"""Answers that agree with the rows they come from: both SIPRI samples imported, every row walked.

The 2026 per-delivery-year export and the 2025 order-level register (``--release 2025-03``) are
imported beside the first source and built; ``supplies --format json`` must give, for every row of
both files, the row's numbers and years: the number ordered and delivered, every delivery year with
its number, the year of order (issue 12).
"""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.compile.build import build
from graph.importers.sipri import import_sipri
from graph.importers.twins import corpus_duplicates
from graph.model import yamlfile

from conftest import EXTERNAL, SEED_CORPUS

PER_YEAR = EXTERNAL / "sipri_trade_register_2026"
ORDERS = EXTERNAL / "sipri_trade_register_2025_orders"
FILES_2026 = [PER_YEAR / "serbia_imports_1995_2024.csv", PER_YEAR / "serbia_exports_1995_2024.csv"]
FILES_2025 = [ORDERS / "serbia_yugoslavia_imports_orders.csv", ORDERS / "serbia_yugoslavia_exports_orders.csv"]
pytestmark = pytest.mark.skipif(not PER_YEAR.is_dir() or not ORDERS.is_dir(),
                                reason=f"SIPRI samples not found in {EXTERNAL}")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("sipri-both")
    corpus = root / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    results = [import_sipri(p, corpus) for p in FILES_2026]
    results += [import_sipri(p, corpus, release="2025-03") for p in FILES_2025]
    build(corpus, root / "out")
    return corpus, root / "out", results


def supplies(both, *args) -> list[dict]:
    corpus, out, _ = both
    res = CliRunner().invoke(main, ["supplies", "--sources", str(corpus), "--out", str(out), "--format", "json",
                                    *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout) if res.stdout.strip() else []


@pytest.fixture(scope="module")
def by_claim(both) -> dict[str, dict]:
    """Every row of ``supplies`` (no filter), by the claim ids it rests on."""
    found: dict[str, dict] = {}
    for row in supplies(both):
        for claim_id in row["claims"]:
            found[claim_id] = row
    return found


def evidence_of(row: dict, claim_id: str) -> dict:
    [ev] = [e for e in row["sources"] if e["claim_id"] == claim_id]
    return ev


def data_rows(path):
    """(line number, cells) of each data row of a SIPRI file (metadata lines and header skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(("SIPRI AT Database ID,", "Recipient,Supplier")))
    for n, line in enumerate(lines[start + 1:], start + 2):
        if line.strip():
            yield n, next(csv.reader([line[:-1] if line.endswith(";") else line]))


def claim_by_line(result) -> dict[int, str]:
    claims = yamlfile.load(result.folder / "claims.yaml")["claims"]
    return {line: c["id"] for c in claims for line in c["rows"]}


def number(text: str) -> int | None:
    return int(text) if text.strip() else None


def test_every_row_of_the_2026_export_gives_its_year_and_number(both, by_claim):
    _, _, results = both
    walked = 0
    for path, result in zip(FILES_2026, results[:2]):
        lines = claim_by_line(result)
        for line, cells in data_rows(path):
            claim_id = lines[line]
            row = by_claim[claim_id]
            year, count = int(cells[10]), number(cells[8])
            ev = evidence_of(row, claim_id)
            assert {"year": year, "quantity": count} in [{k: d[k] for k in ("year", "quantity")}
                                                         for d in ev["deliveries"]], (line, cells)
            assert year in [d["year"] for d in row["deliveries"]], (line, row["deliveries"])
            assert ev["order_year"] == number(cells[6]) and row["order_year"] == number(cells[6])
            walked += 1
    assert walked == 74 + 44


def test_every_row_of_the_2025_register_gives_its_numbers_and_years(both, by_claim):
    _, _, results = both
    walked = 0
    for path, result in zip(FILES_2025, results[2:]):
        lines = claim_by_line(result)
        for line, cells in data_rows(path):
            claim_id = lines[line]
            row = by_claim[claim_id]
            ev = evidence_of(row, claim_id)
            years = [int(y) for y in re.split(r";\s*", cells[10]) if y.strip()]
            assert (ev["ordered"], ev["delivered"]) == (number(cells[4]), number(cells[8])), (line, cells)
            assert [d["year"] for d in ev["deliveries"]] == sorted(years), (line, cells)
            assert ev["order_year"] == number(cells[2])
            assert set(years) <= {d["year"] for d in row["deliveries"]}
            if len([c for c in row["claims"] if c.startswith("order-")]) == 1 and number(cells[4]) is not None:
                assert row["ordered"] == number(cells[4]), (line, row)  # (a fact of several deals sums them)
            walked += 1
    assert walked == 211 + 77


def test_ordered_and_delivered_are_two_numbers_and_unknown_stays_null(both, by_claim):
    # EC-145 of 2021: the register orders 9, both releases say 4 delivered: agreeing, not two quantities
    ec145 = by_claim["deal-65086-germany-serbia-ec-145"]
    assert (ec145["ordered"], ec145["delivered"], ec145["status"], ec145["quantities"]) == (9, 4, "delivering", None)
    assert [(d["year"], d["quantity"]) for d in ec145["deliveries"]] == [(2023, 1), (2024, 3)]
    # RPS-42: the number ordered is not yet known, none delivered: null, never 0
    rps = by_claim["order-2022-israel-serbia-rps-42"]
    assert (rps["ordered"], rps["delivered"], rps["quantity"], rps["status"]) == (None, 0, None, "ordered")
    # Malyutka: ordered 1974, the 2026 export counts 1995-2000 only (50 a year); the register's 650 in all
    malyutka = by_claim["deal-31154-russia-serbia-malyutka"]
    assert (malyutka["ordered"], malyutka["delivered"], malyutka["quantities"]) == (650, 650, None)
    assert [(d["year"], d["quantity"]) for d in malyutka["deliveries"]] == \
        [(1992, None), (1993, None), (1994, None)] + [(y, 50) for y in range(1995, 2001)]


def test_since_2019_lists_the_t72_and_brdm2_deliveries(both):
    rows = supplies(both, "--since", "2019", "--to", "Serbia", "--from", "Russia")
    systems = [r["system"] for r in rows]
    assert "T-72" in systems and "BRDM-2" in systems
    t72 = next(r for r in rows if r["system"] == "T-72")
    assert [(d["year"], d["quantity"]) for d in t72["deliveries"]] == [(2020, 11), (2021, 19)]
    assert (t72["ordered"], t72["delivered"], t72["order_year"]) == (30, 30, 2016)
    until = [r["system"] for r in supplies(both, "--until", "2018", "--to", "Serbia", "--from", "Russia")]
    assert "T-72" not in until and "BRDM-2" not in until


def test_as_of_shows_nothing_delivered_after_that_day(both):
    rows = supplies(both, "--as-of", "2022-03-04")
    assert rows
    for row in rows:
        assert all(d["year"] < 2022 for d in row["deliveries"]), row
        assert all(e["issued"] is None or e["issued"] <= "2022-03-04" for e in row["sources"]), row
    # neither SIPRI release was known then (2026-02-12, and the 2025-03 register dated by its label)
    assert not [e for row in rows for e in row["sources"] if e["source"].startswith("sipri-")]
    later = supplies(both, "--as-of", "2025-06", "--to", "Serbia", "--from", "China")
    hq22 = [r for r in later if r["system"] == "HQ-22"]
    assert hq22 and all(d["year"] <= 2024 for r in hq22 for d in r["deliveries"])


def test_one_system_one_row(both):
    corpus, _, _ = both
    assert corpus_duplicates(corpus) == []
    rows = supplies(both, "--to", "Serbia", "--from", "Russia")
    ataka = [r for r in rows if r["system"] == "Ataka"]
    assert len(ataka) == 1 and len({e["source"] for e in ataka[0]["sources"]}) == 2


def test_csv_has_the_new_fields(both):
    corpus, out, _ = both
    res = CliRunner().invoke(main, ["supplies", "--sources", str(corpus), "--out", str(out), "--format", "csv",
                                    "--to", "Serbia", "--from", "Russia", "--system", "T-72"])
    header, *lines = list(csv.DictReader(res.stdout.splitlines()))
    rows = [header, *lines]
    t72 = next(r for r in rows if r["deliveries"])
    assert (t72["ordered"], t72["delivered"], t72["order_year"]) == ("30", "30", "2016")
    assert t72["deliveries"] == "2020: 11; 2021: 19"
