"""The SIPRI importer: both layouts of the real samples, a fictional fixture, and refusals."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.model import yamlfile
from graph.compile.build import compile_corpus
from graph.cli import main
from graph.model.errors import InputError
from graph.importers.sipri import (ORDER_LEVEL, PER_YEAR, actor_type_for, category_for, import_sipri,
                                   read_export)
from graph.model.terms import SKG

from conftest import EXTERNAL, SEED_CORPUS

PER_YEAR_DIR = EXTERNAL / "sipri_trade_register_2026"
ORDERS_DIR = EXTERNAL / "sipri_trade_register_2025_orders"
needs_samples = pytest.mark.skipif(not PER_YEAR_DIR.is_dir() or not ORDERS_DIR.is_dir(),
                                   reason=f"SIPRI samples not found in {EXTERNAL} (CI has ../shared beside the checkout)")

HEADER = ("SIPRI AT Database ID,Supplier,Recipient,Designation,Description,Armament category,Order date,"
          "Order date is estimate,Numbers delivered,Numbers delivered is estimate,Delivery year,"
          "Delivery year is estimate,Status,SIPRI estimate,TIV deal unit,TIV delivery values,Local production;")
#: A fictional export in SIPRI's per-delivery-year layout (metadata lines, trailing ';', CRLF).
FICTION = [
    "Transfers of major conventional arms from All countries  to All countries . Deals with deliveries made for the year range '1995' to '2025';",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.;",
    "Data generated: 1 Apr 2030 10:00:00 AM;",
    HEADER,
    "900001,Freedonia,Sylvania,Zephyr-9,fighter aircraft,Aircraft,2018,No,1,No,2019,No,New,10,10,10,No;",
    "900002,Freedonia,Sylvania,Quasar AD,SAM system,Air-defence systems,2019,Yes,2,No,2020,No,Second hand,20,8,16,No;",
    "900003,Rebels of Nowhere*,Sylvania,Nimbus,armed UAV,Aircraft,2020,Yes,5,Yes,2021,Yes,New,1,1,5,No;",
    "900001,Freedonia,Sylvania,Zephyr-9,fighter aircraft,Aircraft,2018,No,3,Yes,2020,Yes,New,10,10,30,No;",
    "900004,Freedonia,Sylvania,Zephyr-9,fighter aircraft,Aircraft,2020,No,2,No,2021,No,New,10,10,20,No;",
]


def write_fiction(folder: Path, lines=FICTION, name="fiction_register.csv") -> Path:
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    return path


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    corpus = tmp_path / "sources"
    shutil.copytree(SEED_CORPUS, corpus)
    return corpus


def claims_of(folder: Path) -> list[dict]:
    return yamlfile.load(folder / "claims.yaml")["claims"]


# --- the fictional fixture ---------------------------------------------------------------------

def test_fixture_deals_rows_and_deliveries(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    result = import_sipri(write_fiction(tmp_path), corpus)
    assert (result.layout, result.release, result.issued) == (PER_YEAR, "2030-04-01", "2030-04-01")
    assert (result.rows, result.deals) == (5, 4)
    claims = {c["deal_id"]: c for c in claims_of(result.folder)}
    zephyr = claims["900001"]
    assert [d["year"] for d in zephyr["deliveries"]] == [2019, 2020]
    assert zephyr["delivered_quantity"] == sum(d["quantity"] for d in zephyr["deliveries"]) == 4
    assert zephyr["deliveries"][1]["estimated"] == ["number-delivered", "delivery-year"]
    assert zephyr["tiv_delivered"] == 40 and zephyr["condition"] == "new" and zephyr["rows"] == [5, 8]
    assert claims["900002"]["condition"] == "second-hand" and claims["900002"]["estimated"] == ["order-date"]
    assert claims["900002"]["category"] == "air-defence-system"
    # the rows of one deal are contiguous in records.csv, the header first, every line verbatim
    records = (result.folder / "records.csv").read_bytes().decode().split("\r\n")
    assert records[0] == HEADER and records[1] == FICTION[4] and records[2] == FICTION[7]
    assert sorted(records[1:-1]) == sorted(FICTION[4:])
    assert zephyr["quote"] == FICTION[4] + "\n" + FICTION[7]
    meta = yamlfile.load(result.folder / "source.yaml")
    assert meta["kind"] == "dataset" and meta["publisher"] == "sipri" and meta["text"] == "records.csv"
    assert meta["dataset"]["sha256"] == hashlib.sha256((tmp_path / "fiction_register.csv").read_bytes()).hexdigest()
    # new actors and systems: in their own registry file, with their types
    assert ("rebels-of-nowhere", "Rebels of Nowhere", "Group") in result.added_actors
    assert ("zephyr-9", "Zephyr-9", "fighter-aircraft") in result.added_systems
    assert result.registry_file == corpus / "registry" / "sipri-2030-04-01.yaml"


def test_fixture_compiles_with_deliveries_as_iri_nodes(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    import_sipri(write_fiction(tmp_path), corpus)
    comp = compile_corpus(corpus)
    ds = comp.dataset
    transfer = next(s for s, _, o, _ in ds.quads((None, SKG.dealId, None, None)) if str(o) == "900001")
    deliveries = sorted({o for _, _, o, _ in ds.quads((transfer, SKG.delivery, None, None))})
    assert [str(d).rsplit("#", 1)[1] for d in deliveries] == ["delivery-2019", "delivery-2020"]
    assert sum(int(o) for d in deliveries for _, _, o, _ in ds.quads((d, SKG.quantity, None, None))) == 4


def test_malformed_row_refused_with_its_line_and_nothing_written(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    before = snapshot(corpus)
    bad = FICTION[:6] + ["900009,Freedonia,Sylvania,Zephyr-9,fighter aircraft,Aircraft,2018,No,three,No,2019,No,New,10,10,10,No;"]
    with pytest.raises(InputError) as err:
        import_sipri(write_fiction(tmp_path, bad), corpus)
    assert err.value.line == 7 and "fiction_register.csv" in str(err.value) and "'three'" in str(err.value)
    short = FICTION[:5] + ["900010,Freedonia,Sylvania,Zephyr-9;"]
    with pytest.raises(InputError) as err:
        import_sipri(write_fiction(tmp_path, short), corpus)
    assert err.value.line == 6 and "expected 17 columns" in str(err.value)
    assert snapshot(corpus) == before
    assert not any(p.name.startswith(".sipri-import") for p in corpus.iterdir())


def test_rows_of_one_deal_must_agree(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    bad = FICTION[:5] + [FICTION[7].replace("Freedonia", "Ruritania")]
    with pytest.raises(InputError, match=r"deal 900001: supplier 'Ruritania' differs .* line 5") as err:
        import_sipri(write_fiction(tmp_path, bad), corpus)
    assert err.value.line == 6


def test_not_a_sipri_file(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(InputError, match="not a SIPRI arms-transfers export"):
        import_sipri(path, corpus)


def test_reimport_replaces_but_never_overwrites_another_source(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    path = write_fiction(tmp_path)
    first = import_sipri(path, corpus)
    again = import_sipri(path, corpus)
    assert again.replaced and again.added_actors == [] and again.added_systems == []
    assert "zephyr-9" in (corpus / "registry" / "sipri-2030-04-01.yaml").read_text()  # kept from the first import
    assert snapshot(first.folder) == snapshot(again.folder)
    with pytest.raises(InputError, match="not written by a SIPRI import"):
        import_sipri(path, corpus, source_id="fixture-source")


def test_cli_import_and_refusal(tmp_path, make_corpus):
    corpus = make_corpus("claims: []\n")
    runner = CliRunner()
    ok = runner.invoke(main, ["import", "sipri", str(write_fiction(tmp_path)), "--sources", str(corpus),
                              "--id", "sipri-fiction"])
    assert ok.exit_code == 0, ok.output
    assert "5 rows, 4 deals" in ok.output and "added 3 actors, 3 systems" in ok.output
    assert (corpus / "sipri-fiction" / "claims.yaml").is_file()
    bad = write_fiction(tmp_path, FICTION[:4] + ["900011,Freedonia,Sylvania,Zephyr-9,fighter aircraft,Aircraft,"
                                                 "20x8,No,1,No,2019,No,New,10,10,10,No;"], name="bad.csv")
    refused = runner.invoke(main, ["import", "sipri", str(bad), "--sources", str(corpus)])
    assert refused.exit_code == 2
    assert f"{bad}:5: column 7 (Order date): '20x8' is not a year" in refused.output


def test_mapping_rules():
    assert category_for("combat helicopter", "Aircraft") == "helicopter"
    assert category_for("SAM system", "Air-defence systems") == "air-defence-system"
    assert category_for("portable SAM") == "missile"
    assert category_for("self-propelled gun", "Artillery") == "artillery"
    assert actor_type_for("African Union**") == "InternationalOrganisation"
    assert actor_type_for("Houthi rebels (Yemen)*") == "Group"
    assert actor_type_for("Yugoslavia") == "State"


# --- the real samples ---------------------------------------------------------------------------

@needs_samples
@pytest.mark.parametrize("name, rows, deals", [("serbia_imports_1995_2024.csv", 74, 49),
                                               ("serbia_exports_1995_2024.csv", 44, 29)])
def test_real_per_year_export_every_row_imported(seed_copy, name, rows, deals):
    path = PER_YEAR_DIR / name
    data_lines = path.read_text().splitlines()[12:]
    article_transfers = compile_corpus(seed_copy).summary().claims_by_type["transfer"]
    result = import_sipri(path, seed_copy)
    assert (result.rows, result.deals, result.release) == (rows, deals, "2026-02-12") and len(data_lines) == rows
    claims = claims_of(result.folder)
    assert sorted(line for c in claims for line in c["quote"].split("\n")) == sorted(data_lines)
    assert sorted(r for c in claims for r in c["rows"]) == list(range(13, 13 + rows))
    for c in claims:  # per-year deliveries add up to the deal; counted for 1995-2025 only; no status known
        assert c["delivered_quantity"] == sum(d["quantity"] for d in c["deliveries"])
        assert (c["deliveries_from"], c["deliveries_until"], "status" in c) == (1995, 2025, False)
    hq22 = next(c for c in claims if c.get("deal_id") == "63743") if name.startswith("serbia_imports") else None
    if hq22:
        assert [(d["year"], d["quantity"]) for d in hq22["deliveries"]] == [(2022, 1), (2023, 2)]
    comp = compile_corpus(seed_copy)
    assert comp.summary().claims_by_type["transfer"] == article_transfers + deals  # one claim per deal


@needs_samples
@pytest.mark.slow
def test_real_order_level_register(seed_copy):
    path = ORDERS_DIR / "serbia_yugoslavia_imports_orders.csv"
    export = read_export(path)
    assert export.layout == ORDER_LEVEL and export.rows == 211 and len(export.deals) == 211
    with pytest.raises(InputError, match="--release"):
        import_sipri(path, seed_copy)
    result = import_sipri(path, seed_copy, release="2025-03")
    claims = {c["id"]: c for c in claims_of(result.folder)}
    rafale = claims["order-2024-france-serbia-rafale-f4"]
    assert (rafale["status"], rafale["ordered_quantity"], rafale["delivered_quantity"]) == ("ordered", 12, 0)
    assert "deliveries" not in rafale and "delivery planned 2028-2030" in rafale["comments"]
    xenta = claims["order-2021-denmark-serbia-xenta-m"]
    assert (xenta["status"], xenta["quantity"], xenta["delivered_quantity"]) == ("delivering", 12, 1)
    # RPS-42: the number ordered is empty (not yet known), none delivered: no number, never 0
    rps = claims["order-2022-israel-serbia-rps-42"]
    assert "quantity" not in rps and "ordered_quantity" not in rps and rps["delivered_quantity"] == 0
    assert xenta["estimated"] == ["order-date", "number-ordered"]
    t72 = claims["order-2016-russia-serbia-t-72"]
    assert t72["system"] == "t-72" and [d["year"] for d in t72["deliveries"]] == [2020, 2021]
    assert claims["order-2018-russia-serbia-96k9-pantsyr-s1"]["system"] == "pantsir-s1"  # through an alias
    compile_corpus(seed_copy)


@needs_samples
@pytest.mark.slow
def test_two_releases_spelling_a_system_two_ways_name_one_system(seed_copy):
    """SIPRI's 2026 export writes "EC-145" and "BOV M-11", its 2025 register "EC145" and "BOV M11": one
    system each (a name's separators do not matter), so the second import adds no twin."""
    import_sipri(PER_YEAR_DIR / "serbia_imports_1995_2024.csv", seed_copy)
    import_sipri(PER_YEAR_DIR / "serbia_exports_1995_2024.csv", seed_copy)
    for name in ("serbia_yugoslavia_imports_orders.csv", "serbia_yugoslavia_exports_orders.csv"):
        import_sipri(ORDERS_DIR / name, seed_copy, release="2025-03")
    imports = {c["id"]: c for c in claims_of(seed_copy / "sipri-2025-03-serbia-yugoslavia-imports-orders")}
    exports = {c["id"]: c for c in claims_of(seed_copy / "sipri-2025-03-serbia-yugoslavia-exports-orders")}
    assert imports["order-2016-germany-serbia-ec145"]["system"] == "ec-145"
    assert exports["order-2012-serbia-bangladesh-bov-m11"]["system"] == "bov-m-11"
    registry = compile_corpus(seed_copy).registry
    assert "ec145" not in registry and "bov-m11" not in registry
    assert registry.resolve("EC145", ["system"]).id == registry.resolve("ec 145", ["system"]).id == "ec-145"
