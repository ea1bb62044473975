"""Import SIPRI's Arms Transfers Database (an export the user downloaded) as a dataset source.

Two layouts of SIPRI's export are read, recognised by their header line:

- the **per-delivery-year** export (17 columns, ``SIPRI AT Database ID,Supplier,...``): one row
  per deal and delivery year, metadata lines above the header (``Data generated: 12 Feb 2026``
  gives the release), a ``;`` at the end of each line;
- the **order-level** trade register (16 columns, ``Recipient,Supplier,Year of order,...``): one
  row per order, with the number ordered and delivered, the years of delivery as a list
  (``2020; 2021``), comments, and SIPRI's uncertainty marks (``?``, or ``1``/``0`` in some copies).

Each deal becomes one ``transfer`` claim (the rows of one deal across delivery years are one
transfer with per-year deliveries), whose quote is its row(s), verbatim. :func:`import_sipri`
writes, all or nothing::

    <corpus>/<source-id>/source.yaml      kind: dataset, publisher sipri, release, file name, sha256, counts
    <corpus>/<source-id>/records.csv      the header and the imported rows, verbatim, a deal's rows together
    <corpus>/<source-id>/claims.yaml      one transfer claim per deal
    <corpus>/registry/sipri-<release>.yaml  actors and systems the registry lacked (type, label, category)

SIPRI's data is SIPRI's: cite it as "Source: SIPRI Arms Transfers Database".
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, overload

import yaml

from graph.importers import twins as twins_mod
from graph.importers.staging import claim_target, commit_source, plain
from graph.model.errors import CorpusInvalid, InputError
from graph.model.names import fold, words
from graph.model.numbers import bounded_count, bounded_decimal
from graph.model import yamlfile
from graph.model.files import read_input
from graph.model.registry import ALIASES, corpus_registry

__all__ = ["Delivery", "Deal", "Export", "ImportResult", "read_export", "import_sipri", "category_for",
           "actor_type_for", "default_source_id", "DESCRIPTION_CATEGORIES", "PER_YEAR", "ORDER_LEVEL", "SIPRI_URL",
           "SIPRI_RIGHTS", "PUBLISHER_ID"]

SIPRI_URL = "https://www.sipri.org/databases/armstransfers"
SIPRI_RIGHTS = "(c) SIPRI; Source: SIPRI Arms Transfers Database"
PUBLISHER_ID = "sipri"
PER_YEAR = "per-delivery-year"
ORDER_LEVEL = "order-level"
RECORDS = "records.csv"

_PER_YEAR_HEADER = ("SIPRI AT Database ID", "Supplier", "Recipient", "Designation", "Description",
                    "Armament category", "Order date", "Order date is estimate", "Numbers delivered",
                    "Numbers delivered is estimate", "Delivery year", "Delivery year is estimate", "Status",
                    "SIPRI estimate", "TIV deal unit", "TIV delivery values", "Local production")
# None: one of SIPRI's blank-named uncertainty columns (some copies call them " Uncertainty flag ...")
_ORDER_HEADER = ("Recipient", "Supplier", "Year of order", None, "Number ordered", None, "Weapon designation",
                 "Weapon description", "Number delivered", None, "Year(s) of delivery", "status", "Comments",
                 "SIPRI TIV per unit", "SIPRI TIV for total order", "SIPRI TIV of delivered weapons")
_HEADER_SEARCH = 40  # lines of metadata at most before the header

_CONDITIONS = {"new": "new", "second hand": "second-hand", "second hand but modernized": "second-hand-modernised",
               "second hand but modernised": "second-hand-modernised"}

#: SIPRI's weapon descriptions -> a concept of skv:SystemCategories, one line per kind SIPRI uses
#: (keys as :func:`graph.names.words` gives them, so "air-search radar" is "air search radar").
#: Every description of the two sample registers is here (tests/test_sipri.py checks it); a
#: description not listed falls back to SIPRI's armament category, then to a word it contains.
DESCRIPTION_CATEGORIES: dict[str, str] = {
    # aircraft
    "fighter aircraft": "fighter-aircraft", "fga aircraft": "fighter-aircraft",
    "ground attack aircraft": "aircraft", "bomber aircraft": "aircraft", "trainer aircraft": "aircraft",
    "(armed) trainer aircraft": "aircraft", "armed trainer aircraft": "aircraft",
    "trainer/combat aircraft": "aircraft", "light/trainer aircraft": "aircraft",
    "light aircraft": "aircraft", "transport aircraft": "aircraft", "light transport aircraft": "aircraft",
    "reconnaissance aircraft": "aircraft", "tanker/transport aircraft": "aircraft",
    "maritime patrol aircraft": "aircraft", "aew&c aircraft": "aircraft", "uav": "aircraft",
    "armed uav": "armed-drone", "ucav": "armed-drone",
    "helicopter": "helicopter", "light helicopter": "helicopter", "transport helicopter": "helicopter",
    "combat helicopter": "helicopter", "anti submarine helicopter": "helicopter", "asw helicopter": "helicopter",
    # armoured vehicles
    "tank": "main-battle-tank", "light tank": "armoured-vehicle", "tank destroyer": "armoured-vehicle",
    "apc": "armoured-vehicle", "armoured personnel carrier": "armoured-vehicle", "armoured car": "armoured-vehicle",
    "infantry fighting vehicle": "armoured-vehicle", "ifv": "armoured-vehicle",
    "armoured reconnaissance vehicle": "armoured-vehicle", "armoured recovery vehicle": "armoured-vehicle",
    "apc/apv": "armoured-vehicle", "apv": "armoured-vehicle",
    # air defence
    "sam system": "air-defence-system", "sams": "air-defence-system", "mobile sam system": "air-defence-system",
    "naval sam system": "air-defence-system", "air defence system": "air-defence-system",
    "self propelled air defence system": "air-defence-system", "self propelled anti aircraft gun": "air-defence-system",
    "anti aircraft gun": "air-defence-system", "self propelled aa gun": "air-defence-system",
    # missiles
    "anti tank missile": "anti-tank-missile", "sam": "missile", "portable sam": "missile",
    "air to surface missile": "missile", "anti ship missile": "missile", "air to air missile": "missile",
    "short range air to air missile": "missile", "long range air to air missile": "missile",
    "bvraam": "missile", "sraam": "missile", "ssm": "missile", "surface to surface missile": "missile",
    "coastal defence system": "missile",  # SIPRI's coastal defence systems fire anti-ship missiles (4K40 Rubezh)
    "surface to surface missile launcher": "artillery",  # the launcher vehicle (9P113 of Luna-M)
    # sensors
    "air search radar": "sensor", "sea search radar": "sensor", "fire control radar": "sensor",
    "height finding radar": "sensor", "ground surveillance radar": "sensor", "radar": "sensor",
    "combat aircraft radar": "sensor", "sonar": "sensor", "asw sonar": "sensor",
    # artillery
    "towed gun": "artillery", "self propelled gun": "artillery", "naval gun": "artillery", "mortar": "artillery",
    "self propelled mortar": "artillery", "anti submarine mortar": "artillery", "asw mortar": "artillery",
    "multiple rocket launcher": "artillery", "self propelled mrl": "artillery", "towed mrl": "artillery",
    # ships
    "ship": "ship", "frigate": "ship", "corvette": "ship", "destroyer": "ship", "submarine": "ship",
    "patrol boat": "ship", "patrol craft": "ship", "offshore patrol vessel": "ship", "missile boat": "ship",
    "torpedo boat": "ship", "fast attack craft": "ship", "minesweeper": "ship", "minehunter": "ship",
    "landing craft": "ship", "landing ship": "ship", "salvage ship": "ship", "survey ship": "ship",
    "support ship": "ship", "training ship": "ship", "tug": "ship",
    "tanker": "ship",  # SIPRI's "tanker" is a ship (Sorong, PN-13); an air tanker is "tanker/transport aircraft"
    # engines
    "aircraft engine": "engine", "vehicle engine": "engine", "ship engine": "engine", "turbojet": "engine",
    "turbofan": "engine", "turboprop": "engine", "diesel engine": "engine", "gas turbine": "engine",
}
DESCRIPTION_CATEGORIES = {k.casefold(): v for k, v in DESCRIPTION_CATEGORIES.items()}
_BY_ARMAMENT = {
    "aircraft": "aircraft", "air-defence systems": "air-defence-system", "armoured vehicles": "armoured-vehicle",
    "missiles": "missile", "sensors": "sensor", "engines": "engine", "artillery": "artillery", "ships": "ship",
    "naval weapons": "other", "satellites": "other", "other": "other",
}
_KEYWORDS = (  # (word in the description, category), first match wins
    ("helicopter", "helicopter"), ("armed uav", "armed-drone"), ("ucav", "armed-drone"),
    ("sam system", "air-defence-system"), ("anti aircraft", "air-defence-system"),
    ("air defence", "air-defence-system"), ("anti tank missile", "anti-tank-missile"), ("missile", "missile"),
    ("sam", "missile"), ("torpedo boat", "ship"), ("missile boat", "ship"), ("torpedo", "other"),
    ("radar", "sensor"), ("sensor", "sensor"), ("sonar", "sensor"), ("engine", "engine"), ("turbojet", "engine"),
    ("aircraft", "aircraft"), ("uav", "aircraft"), ("light tank", "armoured-vehicle"),
    ("tank destroyer", "armoured-vehicle"), ("tank", "main-battle-tank"), ("vehicle", "armoured-vehicle"),
    ("apc", "armoured-vehicle"), ("ifv", "armoured-vehicle"), ("gun", "artillery"), ("howitzer", "artillery"),
    ("mortar", "artillery"), ("rocket launcher", "artillery"), ("mrl", "artillery"), ("ship", "ship"),
    ("frigate", "ship"), ("corvette", "ship"), ("destroyer", "ship"), ("boat", "ship"), ("craft", "ship"),
    ("submarine", "ship"), ("vessel", "ship"), ("minesweeper", "ship"),
)


@dataclass
class Delivery:
    """The deliveries of one year of a deal."""

    year: int
    quantity: int | None = None
    tiv: Decimal | None = None
    quantity_estimate: bool = False
    year_estimate: bool = False


@dataclass
class Deal:
    """One deal (a transfer): its fields, its deliveries, and the file lines it was read from."""

    supplier: str
    recipient: str
    designation: str
    description: str
    status: str  # SIPRI's status, verbatim
    deal_id: str | None = None
    armament_category: str | None = None
    order_year: int | None = None
    order_year_estimate: bool = False
    ordered: int | None = None
    ordered_estimate: bool = False
    delivered: int | None = None
    delivered_estimate: bool = False
    comments: str | None = None
    tiv_unit: Decimal | None = None
    tiv_base_unit: Decimal | None = None
    tiv_order: Decimal | None = None
    tiv_delivered: Decimal | None = None
    local_production: bool | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # 1-based line numbers in the original file
    texts: list[str] = field(default_factory=list)  # those lines, verbatim, without line ends
    raws: list[str] = field(default_factory=list)   # those lines with their line ends

    @property
    def condition(self) -> str:
        return _CONDITIONS[self.status.strip().casefold()]

    @property
    def delivered_total(self) -> int | None:
        """The number delivered: SIPRI's total, or the sum of the years' deliveries."""
        if self.delivered is not None:
            return self.delivered
        numbers = [d.quantity for d in self.deliveries]
        return sum(n for n in numbers if n is not None) if numbers and None not in numbers else None


@dataclass
class Export:
    """A SIPRI export, read and checked."""

    path: Path
    layout: str
    metadata: list[str]
    header: str  # the header line with its line end
    deals: list[Deal]
    rows: int
    sha256: str
    generated: dt.date | None = None
    #: The delivery years the export was made for ("Deals with deliveries made for the year range
    #: '1995' to '2025'"): its numbers delivered count deliveries of these years only.
    years: tuple[int, int] | None = None

    @property
    def release(self) -> str | None:
        """The release label the export carries (its 'Data generated' date), if any."""
        return self.generated.isoformat() if self.generated else None


@dataclass
class ImportResult:
    """What an import wrote."""

    source_id: str
    folder: Path
    registry_file: Path
    layout: str
    release: str
    issued: str | None
    rows: int
    deals: int
    added_actors: list[tuple[str, str, str]]   # (id, label, type)
    added_systems: list[tuple[str, str, str]]  # (id, label, category)
    replaced: bool = False
    merged: list[dict] = field(default_factory=list)  # twins merged: name, system, label, reason, line


# --- reading ------------------------------------------------------------------------------------

def _decode(path: Path) -> tuple[str, str]:
    data = read_input(path)
    digest = hashlib.sha256(data).hexdigest()
    try:
        return data.decode("utf-8-sig"), digest
    except UnicodeDecodeError:
        return data.decode("latin-1"), digest  # SIPRI's own downloads are Latin-1


def _cells(line: str, strip_semicolon: bool) -> list[str]:
    body = line.rstrip("\r\n")
    if strip_semicolon and body.endswith(";"):
        body = body[:-1]
    return next(csv.reader([body]), [])


def _layout_of(cells: list[str]) -> str | None:
    names = [c.strip() for c in cells]
    if tuple(names) == _PER_YEAR_HEADER:
        return PER_YEAR
    if len(names) == len(_ORDER_HEADER) and all(
            (want is None and (got == "" or got.casefold().startswith("uncertainty flag")))
            or (want is not None and got.casefold() == want.casefold())
            for want, got in zip(_ORDER_HEADER, names)):
        return ORDER_LEVEL
    return None


class _Row:
    """One CSV record: its cells, first line number, and verbatim text."""

    def __init__(self, path: Path, line: int, cells: list[str]) -> None:
        self.path, self.line, self.cells = path, line, cells

    def fail(self, message: str) -> InputError:
        return InputError(message, file=self.path, line=self.line)

    @overload
    def text(self, i: int, name: str, required: Literal[True] = ...) -> str: ...
    @overload
    def text(self, i: int, name: str, required: bool) -> str | None: ...

    def text(self, i: int, name: str, required: bool = True) -> str | None:
        value = self.cells[i].strip()
        if not value and required:
            raise self.fail(f"column {i + 1} ({name}) is empty")
        return value or None

    @overload
    def year(self, i: int, name: str, required: Literal[True] = ...) -> int: ...
    @overload
    def year(self, i: int, name: str, required: bool) -> int | None: ...

    def year(self, i: int, name: str, required: bool = True) -> int | None:
        value = self.text(i, name, required)
        if value is None:
            return None
        if not re.fullmatch(r"\d{4}", value):
            raise self.fail(f"column {i + 1} ({name}): '{value}' is not a year")
        return int(value)

    def count(self, i: int, name: str, required: bool = False) -> int | None:
        value = self.text(i, name, required)
        if value is None:
            return None
        if not re.fullmatch(r"\d+", value):
            raise self.fail(f"column {i + 1} ({name}): '{value}' is not a whole number")
        try:
            return bounded_count(int(value), f"column {i + 1} ({name})")
        except ValueError as exc:
            raise self.fail(str(exc)) from None

    def decimal(self, i: int, name: str) -> Decimal | None:
        value = self.text(i, name, False)
        if value is None:
            return None
        try:
            number = bounded_decimal(value, f"column {i + 1} ({name})")  # 1e400, NaN, 400 digits: refused here
        except ValueError as exc:
            raise self.fail(str(exc)) from None
        if number < 0 or not number.is_finite():
            raise self.fail(f"column {i + 1} ({name}): '{value}' is not a non-negative number")
        return number

    def yes_no(self, i: int, name: str) -> bool | None:
        value = self.cells[i].strip().casefold()
        if not value:
            return None
        if value in ("yes", "no"):
            return value == "yes"
        raise self.fail(f"column {i + 1} ({name}): '{self.cells[i].strip()}' is not Yes, No or empty")

    def flag(self, i: int, name: str) -> bool:
        value = self.cells[i].strip()
        if value in ("", "0"):
            return False
        if value in ("?", "1"):
            return True
        raise self.fail(f"column {i + 1} ({name}): uncertainty mark '{value}' is not '?', 1, 0 or empty")

    def status(self, i: int) -> str:
        value = self.text(i, "status")
        if value.casefold() not in _CONDITIONS:
            raise self.fail(f"column {i + 1} (status): '{value}' is not New, Second hand or "
                            "Second hand but modernized")
        return value


def read_export(path: Path) -> Export:
    """Read a SIPRI export of either layout, checking every row.

    Parameters
    ----------
    path:
        The CSV file as downloaded from SIPRI (or a subset of its lines).

    Returns
    -------
    Export
        Its layout, metadata lines, deals (rows of one deal grouped, in the file's order) and
        the sha256 of the file's bytes.

    Raises
    ------
    InputError
        Naming the file and the line: no SIPRI header, a row with the wrong number of columns,
        a value that is not a year or a number, a deal whose rows disagree.
    """
    path = Path(path)
    text, digest = _decode(path)
    lines = text.splitlines(keepends=True)
    header_at, layout = _header(lines, path)
    strip = lines[header_at].rstrip("\r\n").endswith(";")
    metadata = [ln.rstrip("\r\n") for ln in lines[:header_at]]
    width = len(_PER_YEAR_HEADER) if layout == PER_YEAR else len(_ORDER_HEADER)
    deals: dict[str, Deal] = {}
    n_rows = 0
    for first, end in _records(lines, header_at + 1):
        cells = _cells("".join(lines[first:end]), strip)
        row = _Row(path, first + 1, cells)
        if len(cells) != width:
            raise row.fail(f"expected {width} columns ({layout} layout), found {len(cells)}")
        n_rows += 1
        texts = [ln.rstrip("\r\n") for ln in lines[first:end]]
        raws = lines[first:end]
        if layout == PER_YEAR:
            _per_year_row(row, deals, texts, raws)
        else:
            _order_row(row, deals, texts, raws)
    if not n_rows:
        raise InputError("the export has a header but no rows", file=path, line=header_at + 1)
    generated, years = _generated(metadata), _year_range(metadata)
    if not lines[-1].endswith(("\n", "\r")):
        last = list(deals.values())[-1]
        if last.raws and not last.raws[-1].endswith(("\n", "\r")):
            last.raws[-1] += "\r\n" if lines[header_at].endswith("\r\n") else "\n"
    return Export(path=path, layout=layout, metadata=metadata, header=lines[header_at], deals=list(deals.values()),
                  rows=n_rows, sha256=digest, generated=generated, years=years)


def _header(lines: list[str], path: Path) -> tuple[int, str]:
    """The header line's index and the layout it names, within the first lines."""
    for i, line in enumerate(lines[:_HEADER_SEARCH]):
        layout = _layout_of(_cells(line, strip_semicolon=True))
        if layout:
            return i, layout
    raise InputError("not a SIPRI arms-transfers export: no header line "
                     "'SIPRI AT Database ID,Supplier,Recipient,...' (per delivery year) or "
                     "'Recipient,Supplier,Year of order,...' (order-level register) in its first "
                     f"{_HEADER_SEARCH} lines", file=path, line=1)


def _records(lines: list[str], start: int) -> Iterator[tuple[int, int]]:
    """Each CSV record after the header as the span ``lines[first:end]`` (a quoted field may run
    over several lines); blank lines are skipped."""
    i = start
    while i < len(lines):
        first = i
        record = lines[i]
        i += 1
        while i < len(lines) and _open_quote(record):  # read on until the record is complete
            record += lines[i]
            i += 1
        if record.strip():
            yield first, i


def _generated(metadata: list[str]) -> dt.date | None:
    """The export's "Data generated" day, from its metadata lines."""
    generated = None
    for line in metadata:
        m = re.search(r"Data generated:\s*(\d{1,2} [A-Za-z]{3} \d{4})", line)
        if m:
            try:
                generated = dt.datetime.strptime(m.group(1), "%d %b %Y").date()
            except ValueError:
                pass
    return generated


def _year_range(metadata: list[str]) -> tuple[int, int] | None:
    """The years a per-year export counts ("year range '1995' to '2025'"), from its metadata lines."""
    years = None
    for line in metadata:
        m = re.search(r"year range '(\d{4})' to '(\d{4})'", line)
        if m:
            years = (int(m.group(1)), int(m.group(2)))
    return years


def _open_quote(record: str) -> bool:
    return record.count('"') % 2 == 1


def _per_year_row(row: _Row, deals: dict[str, Deal], texts: list[str], raws: list[str]) -> None:
    deal_id = row.text(0, "SIPRI AT Database ID")
    if not re.fullmatch(r"\d+", deal_id):
        raise row.fail(f"column 1 (SIPRI AT Database ID): '{deal_id}' is not a deal id")
    fields: dict[str, Any] = dict(
        supplier=row.text(1, "Supplier"), recipient=row.text(2, "Recipient"), designation=row.text(3, "Designation"),
        description=row.text(4, "Description"), armament_category=row.text(5, "Armament category"),
        order_year=row.year(6, "Order date", required=False),
        order_year_estimate=bool(row.yes_no(7, "Order date is estimate")),
        status=row.status(12), tiv_base_unit=row.decimal(13, "SIPRI estimate"),
        tiv_unit=row.decimal(14, "TIV deal unit"), local_production=row.yes_no(16, "Local production"))
    delivery = Delivery(year=row.year(10, "Delivery year"), quantity=row.count(8, "Numbers delivered"),
                        tiv=row.decimal(15, "TIV delivery values"),
                        quantity_estimate=bool(row.yes_no(9, "Numbers delivered is estimate")),
                        year_estimate=bool(row.yes_no(11, "Delivery year is estimate")))
    deal = deals.get(deal_id)
    if deal is None:
        deal = deals[deal_id] = Deal(deal_id=deal_id, **fields)
    else:
        for name, value in fields.items():
            if getattr(deal, name) != value:
                raise row.fail(f"deal {deal_id}: {name.replace('_', ' ')} '{value}' differs from "
                               f"'{getattr(deal, name)}' at line {deal.lines[0]}")
        if any(d.year == delivery.year for d in deal.deliveries):
            raise row.fail(f"deal {deal_id}: a second row for delivery year {delivery.year}")
    deal.deliveries.append(delivery)
    deal.lines.append(row.line)
    deal.texts.extend(texts)
    deal.raws.extend(raws)


def _order_row(row: _Row, deals: dict[str, Deal], texts: list[str], raws: list[str]) -> None:
    years_text = row.text(10, "Year(s) of delivery", required=False) or ""
    years: list[int] = []
    for part in years_text.split(";"):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d{4}", part):
            raise row.fail(f"column 11 (Year(s) of delivery): '{part}' is not a year")
        if int(part) in years:
            raise row.fail(f"column 11 (Year(s) of delivery): {part} given twice")
        years.append(int(part))
    delivered = row.count(8, "Number delivered")
    deal = Deal(recipient=row.text(0, "Recipient"), supplier=row.text(1, "Supplier"),
                order_year=row.year(2, "Year of order", required=False),
                order_year_estimate=row.flag(3, "order year mark"),
                ordered=row.count(4, "Number ordered"), ordered_estimate=row.flag(5, "number ordered mark"),
                designation=row.text(6, "Weapon designation"), description=row.text(7, "Weapon description"),
                delivered=delivered, delivered_estimate=row.flag(9, "number delivered mark"),
                status=row.status(11), comments=row.text(12, "Comments", required=False),
                tiv_unit=row.decimal(13, "SIPRI TIV per unit"), tiv_order=row.decimal(14, "SIPRI TIV for total order"),
                tiv_delivered=row.decimal(15, "SIPRI TIV of delivered weapons"))
    if delivered and not years:
        raise row.fail(f"{delivered} delivered but no year of delivery")
    for y in sorted(years):
        one = len(years) == 1
        deal.deliveries.append(Delivery(year=y, quantity=delivered if one else None,
                                        quantity_estimate=deal.delivered_estimate if one else False))
    deal.lines.append(row.line)
    deal.texts.extend(texts)
    deal.raws.extend(raws)
    deals[f"line-{row.line}"] = deal


# --- mapping to the registry -------------------------------------------------------------------

def category_for(description: str | None, armament_category: str | None = None) -> str:
    """The skv:SystemCategories concept for SIPRI's description and armament category.

    The description decides (:data:`DESCRIPTION_CATEGORIES`); SIPRI's armament category is the
    fallback for a description the table lacks, then a word the description contains.

    >>> category_for("fighter aircraft", "Aircraft")
    'fighter-aircraft'
    >>> category_for("SAM", "Missiles"), category_for("torpedo boat"), category_for("air-search radar")
    ('missile', 'ship', 'sensor')
    """
    desc = words(description or "")
    if desc in DESCRIPTION_CATEGORIES:
        return DESCRIPTION_CATEGORIES[desc]
    if "helicopter" in desc:  # SIPRI files helicopters under Aircraft
        return "helicopter"
    if armament_category and armament_category.strip().casefold() in _BY_ARMAMENT:
        found = _BY_ARMAMENT[armament_category.strip().casefold()]
        if found != "other":
            return found
    padded = f" {desc} "
    for word, category in _KEYWORDS:
        if f" {word} " in padded:
            return category
    return "other"


def actor_type_for(name: str) -> str:
    """The registry type of an actor SIPRI names: SIPRI marks organisations ``**`` and non-state groups ``*``.

    >>> actor_type_for("Bangladesh"), actor_type_for("African Union**"), actor_type_for("unknown recipient(s)")
    ('State', 'InternationalOrganisation', 'Group')
    """
    name = name.strip()
    if name.endswith("**"):
        return "InternationalOrganisation"
    if name.endswith("*") or "unknown" in name.casefold() or "rebels" in name.casefold():
        return "Group"
    return "State"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", words(text).replace(" ", "-")).strip("-")
    return slug or "x"


def default_source_id(release: str, path: Path) -> str:
    """``sipri-<release>-<file name>``, e.g. ``sipri-2026-02-12-serbia-imports-1995-2024``."""
    return f"sipri-{_slug(release)}-{_slug(Path(path).stem)}"


class _Names:
    """Name lookup over a registry's entities (ids, labels, aliases, folded), by kind."""

    def __init__(self, registry) -> None:
        self.ids: set[str] = set()
        self.by_name: dict[tuple[str, str], set[str]] = {}
        for e in registry:
            self.add(e.id, e.kind, e.names())

    def add(self, eid: str, kind: str, names) -> None:
        self.ids.add(eid)
        for n in names:
            self.by_name.setdefault((kind, fold(n)), set()).add(eid)

    def find(self, kind: str, name: str) -> set[str]:
        return self.by_name.get((kind, fold(name)), set())

    def new_id(self, base: str) -> str:
        eid, n = base, 2
        while eid in self.ids:
            eid, n = f"{base}-{n}", n + 1
        return eid


class _Resolver:
    """Finds (or adds) the registry entity of each name of an export, and the twins of its systems.

    A system is, in this order: the system of the same deal in another release
    (:func:`twins.deal_twin`); the system of that name (of a compatible category); the system a
    name rule of :func:`twins.variants` points to in another release or the curated registry
    (certain rules merge, suspected ones stop the import unless ``twins`` says ``merge`` or
    ``apart``); else a new system.
    """

    def __init__(self, registry, path: Path, release_file: str, own_actors: dict, own_systems: dict,
                 aliases: dict, priors: list, twins: str) -> None:
        self.names = _Names(registry)
        self.path, self.own_actors, self.own_systems = path, own_actors, own_systems
        self.priors, self.mode = priors, twins
        self.aliases: dict[str, list[str]] = {k: list(v) for k, v in aliases.items()}
        self.category = {e.id: e.category for e in registry if e.kind == "system"}
        self.label = {e.id: e.label for e in registry}
        # systems of this release (declared in its registry file): SIPRI tells its own designations apart
        self.release_ids = {e.id for e in registry if e.file and Path(e.file).name == release_file}
        self.variant_of: dict[str, set[tuple[str, str, bool]]] = {}
        for e in registry:
            if e.kind == "system" and e.id not in self.release_ids:
                for n in e.names():
                    for v, rule, certain in twins_mod.variants(n):
                        self.variant_of.setdefault(fold(v), set()).add((e.id, f"'{n}' is '{v}' with {rule}", certain))
        self.added_actors: list[tuple[str, str, str]] = []
        self.added_systems: list[tuple[str, str, str]] = []
        self.merged: list[twins_mod.Twin] = []
        self.suspects: list[twins_mod.Twin] = []
        if not self.names.find("actor", PUBLISHER_ID):
            label = "Stockholm International Peace Research Institute"
            own_actors[PUBLISHER_ID] = {"type": "Organisation", "label": label, "aliases": ["SIPRI"]}
            self.names.add(PUBLISHER_ID, "actor", [PUBLISHER_ID, "SIPRI"])
            self.added_actors.append((PUBLISHER_ID, label, "Organisation"))

    def _one(self, kind: str, name: str, found: set[str], deal: Deal) -> str | None:
        if len(found) > 1:
            raise InputError(f"'{name}' names several {kind}s of the registry ({', '.join(sorted(found))}); "
                             "make the aliases unambiguous", file=self.path, line=deal.lines[0])
        return next(iter(found)) if found else None

    def actor(self, name: str, deal: Deal) -> str:
        found = self._one("actor", name, self.names.find("actor", name), deal)
        if found:
            return found
        label = name.strip().rstrip("*").strip().rstrip(" -").strip() or name.strip()
        typ = actor_type_for(name)
        eid = self._new("actor", name, label, {"type": typ, "label": label})
        self.added_actors.append((eid, label, typ))
        return eid

    def _new(self, kind: str, name: str, label: str, body: dict, alias: bool = True) -> str:
        eid = self.names.new_id(_slug(label))
        aliases = [name.strip()] if alias and name.strip() != label else []
        if aliases:
            body["aliases"] = aliases
        self.names.add(eid, kind, [eid, label, *aliases])
        self.label[eid] = label
        (self.own_actors if kind == "actor" else self.own_systems)[eid] = body
        if kind == "system":
            self.release_ids.add(eid)
            self.category[eid] = body["category"]
        return eid

    def _alias(self, eid: str, name: str) -> bool:
        """Give ``eid`` the name ``name`` (in this release's ``aliases:``) unless the name is taken."""
        if self.names.find("system", name):
            return False
        self.aliases.setdefault(eid, []).append(name.strip())
        self.names.add(eid, "system", [name])
        return True

    def system(self, deal: Deal, supplier: str, recipient: str) -> str:
        name, category = deal.designation, category_for(deal.description, deal.armament_category)
        twin = twins_mod.deal_twin(supplier, recipient, name, category, deal.order_year, deal.delivered_total,
                                   [d.year for d in deal.deliveries], deal.deal_id, self.priors)
        if twin is not None and twin.system in self.names.ids and twin.system not in self.names.find("system", name):
            # one system: the name becomes its alias when SIPRI's conventions make it one (9M120 Ataka,
            # Mistral SAM); a generic name ("vehicle engine") or one taken by another system stays the deal's
            added = twins_mod.related(name, twin.designation) and self._alias(twin.system, name)
            self.merged.append(twins_mod.Twin(
                name=name, entity=twin.system, entity_label=self.label.get(twin.system, twin.system),
                reason=f"the same deal as {twin.claim_id} of release {twin.release}"
                       + ("" if added else "; the name is not made an alias (another system's, or generic)"),
                certain=True, line=deal.lines[0]))
            return twin.system
        if twin is not None and twin.system in self.names.ids:
            return twin.system
        named = self.names.find("system", name)
        fitting = {i for i in named if twins_mod.categories_fit(self.category.get(i), category)}
        found = self._one("system", name, fitting, deal)
        if found:
            return found
        hits: dict[str, tuple[str, bool]] = {}
        for v, rule, certain in twins_mod.variants(name):
            for i in self.names.find("system", v):
                if i not in self.release_ids:
                    hits.setdefault(i, (f"'{name}' is '{v}' with {rule}", certain))
        for i, rule, certain in sorted(self.variant_of.get(fold(name), ())):
            hits.setdefault(i, (rule, certain))
        hits = {i: h for i, h in hits.items() if twins_mod.categories_fit(self.category.get(i), category)}
        if len(hits) == 1 and self.mode != "apart":
            (eid, (reason, certain)), = hits.items()
            twin_found = twins_mod.Twin(name=name, entity=eid, entity_label=self.label.get(eid, eid), reason=reason,
                                        certain=certain, line=deal.lines[0])
            if certain or self.mode == "merge":
                self._alias(eid, name)
                self.merged.append(twin_found)
                return eid
            self.suspects.append(twin_found)
        label = name.strip().rstrip(" -").strip() or name.strip()
        if named:  # the name is a system of another kind (P-15 the missile; P-15 the radar): no alias
            label = f"{label} ({deal.description})"
        eid = self._new("system", name, label, {"label": label, "category": category}, alias=not named)
        self.added_systems.append((eid, label, category))
        return eid


# --- writing -----------------------------------------------------------------------------------

def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral() else float(value)


def _status(deal: Deal) -> str | None:
    """ordered (nothing delivered), delivering (fewer delivered than ordered), delivered (all), or
    None when the export does not say (a per-year export gives no number ordered)."""
    total = deal.delivered_total
    if not deal.deliveries and not total:
        return "ordered"
    if deal.ordered is None:
        return None
    if total is not None and total < deal.ordered:
        return "delivering"
    return "delivered"


def _claim(deal: Deal, cid: str, supplier: str, recipient: str, system: str, release: str,
           years: tuple[int, int] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"id": cid, "type": "transfer", "supplier": supplier, "recipient": recipient,
                         "system": system, "category": category_for(deal.description, deal.armament_category),
                         "designation": deal.designation, "description": deal.description}
    if deal.armament_category:
        c["armament_category"] = deal.armament_category
    if deal.deal_id:
        c["deal_id"] = deal.deal_id
    if deal.order_year is not None:
        c["ordered"] = deal.order_year
    if len(deal.deliveries) == 1:
        c["delivered"] = deal.deliveries[0].year
    total = deal.delivered_total
    # the deal's number: the number ordered, else the number delivered (0 delivered is no number)
    quantity = deal.ordered if deal.ordered is not None else (total or None)
    if quantity is not None:
        c["quantity"] = quantity
    if deal.ordered is not None:
        c["ordered_quantity"] = deal.ordered
    if total is not None:
        c["delivered_quantity"] = total
    status = _status(deal)
    if status:
        c["status"] = status
    if years and deal.deliveries:
        c["deliveries_from"], c["deliveries_until"] = years
    c["condition"] = deal.condition
    if deal.deliveries:
        items = []
        for d in deal.deliveries:
            item: dict[str, Any] = {"year": d.year}
            if d.quantity is not None:
                item["quantity"] = d.quantity
            if d.tiv is not None:
                item["tiv"] = _number(d.tiv)
            marks = (("number-delivered", d.quantity_estimate), ("delivery-year", d.year_estimate))
            flags = [f for f, on in marks if on]
            if flags:
                item["estimated"] = flags
            items.append(item)
        c["deliveries"] = items
    tiv_delivered = deal.tiv_delivered
    if tiv_delivered is None and deal.deliveries and all(d.tiv is not None for d in deal.deliveries):
        tiv_delivered = sum((d.tiv for d in deal.deliveries if d.tiv is not None), Decimal(0))
    for key, value in (("tiv_unit", deal.tiv_unit), ("tiv_base_unit", deal.tiv_base_unit),
                       ("tiv_order", deal.tiv_order), ("tiv_delivered", tiv_delivered)):
        if value is not None:
            c[key] = _number(value)
    flags = [f for f, on in (("order-date", deal.order_year_estimate), ("number-ordered", deal.ordered_estimate),
                             ("number-delivered", deal.delivered_estimate)) if on]
    if flags:
        c["estimated"] = flags
    if deal.local_production is not None:
        c["local_production"] = deal.local_production
    if deal.comments:
        c["comments"] = deal.comments
    c["release"] = release
    c["rows"] = list(deal.lines)
    c["quote"] = "\n".join(deal.texts)
    return c


#: Written into every imported source's folder: git ignores the folder, so SIPRI's data never
#: enters a repository that holds the corpus (whatever the source's id).
_SOURCE_GITIGNORE = ("# Written by `serbia-kg import sipri`: SIPRI's data, (c) SIPRI, stays out of git.\n"
                     "# Source: SIPRI Arms Transfers Database. Users bring their own export.\n*\n")
#: The registry files an import writes, ignored by git (``<corpus>/registry/.gitignore``).
_REGISTRY_PATTERN = "sipri-*.yaml"
#: How an import treats a suspected twin (a name that looks like another release's system).
TWIN_MODES = ("stop", "merge", "apart")


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False)


def _registry_yaml(release: str, actors: dict, systems: dict, aliases: dict) -> str:
    head = (f"# Actors and systems added by `serbia-kg import sipri` (SIPRI release {release}): those the\n"
            "# registry lacked, and (aliases:) this release's names of systems other files declare. Check the\n"
            "# types (SIPRI marks organisations ** and non-state groups *), add aliases where another source\n"
            "# names an entity differently; a later import keeps your edits. SIPRI's data: never committed.\n")
    body: dict[str, Any] = {}
    if actors:
        body["actors"] = {k: actors[k] for k in sorted(actors)}
    if systems:
        body["systems"] = {k: systems[k] for k in sorted(systems)}
    if aliases:
        body[ALIASES] = {k: list(aliases[k]) for k in sorted(aliases)}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=None)
    return head + (text if body else "{}\n")


def import_sipri(path: Path, corpus: Path, release: str | None = None, source_id: str | None = None,
                 progress: Callable[[str], None] | None = None, twins: str = "stop") -> ImportResult:
    """Import a SIPRI export into a corpus as a dataset source; all or nothing.

    Parameters
    ----------
    path:
        The export (either layout).
    corpus:
        The corpus folder (``sources/``): the source is written to ``<corpus>/<source-id>/``, new
        entities to ``<corpus>/registry/sipri-<release>.yaml``.
    release:
        The release label; defaults to the export's "Data generated" date (``2026-02-12``).
    source_id:
        Defaults to ``sipri-<release>-<file name>``. An existing folder of that name is replaced
        only if an earlier SIPRI import wrote it.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        A malformed export (naming its line), no release known, an id taken by another source.
    CorpusInvalid
        When the claims written would not compile (nothing is written then).
    """
    corpus = Path(corpus)
    if twins not in TWIN_MODES:
        raise InputError(f"twins must be one of {', '.join(TWIN_MODES)}, not '{twins}'")
    export = read_export(path)
    release, source_id = _names(export, path, release, source_id)
    target = corpus / source_id
    replaced = claim_target(corpus, source_id, "sipri", "SIPRI")
    registry = corpus_registry(corpus / "registry")
    reg_file = corpus / "registry" / f"sipri-{_slug(release)}.yaml"
    own_actors, own_systems, aliases = _own_entries(reg_file)
    priors = [p for p in twins_mod.prior_deals(corpus, skip_source=source_id) if p.release != release]
    resolver = _Resolver(registry, path, reg_file.name, own_actors, own_systems, aliases, priors, twins)
    claims = _claims_of(export, resolver, release, path)
    source_meta, files = _source_files(export, path, source_id, release, claims)
    registry_text = _registry_yaml(release, own_actors, own_systems, resolver.aliases)
    if progress:
        progress(f"checking {len(claims)} claims")
    commit_source(corpus, source_id, files, reg_file.name, registry_text, ignore=_REGISTRY_PATTERN)
    return ImportResult(source_id=source_id, folder=target, registry_file=reg_file, layout=export.layout,
                        release=release, issued=source_meta.get("issued"), rows=export.rows,
                        deals=len(export.deals), added_actors=resolver.added_actors,
                        added_systems=resolver.added_systems, replaced=replaced,
                        merged=[{"name": t.name, "system": t.entity, "label": t.entity_label,
                                 "reason": t.reason, "line": t.line} for t in resolver.merged])


def _names(export: Export, path: Path, release: str | None, source_id: str | None) -> tuple[str, str]:
    """The release label (given, else the export's) and the source id (given, else the default), checked."""
    release = release or export.release
    if not release:
        raise InputError("the export has no 'Data generated' line, so its release is unknown: name it with "
                         "--release (e.g. --release 2025-03)", file=path)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", release):
        raise InputError(f"release label '{release}' may hold only letters, digits, '.', '_' and '-'")
    source_id = source_id or default_source_id(release, path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", source_id):
        raise InputError(f"source id '{source_id}' must be lower-case letters, digits, '.', '_' or '-'")
    return release, source_id


def _own_entries(reg_file: Path) -> tuple[dict, dict, dict]:
    """The actors, systems and aliases an earlier import of this release wrote to its registry file."""
    old = plain(yamlfile.load(reg_file)) if reg_file.is_file() else {}
    if not isinstance(old, dict):
        raise InputError("a registry file must be a mapping of sections", file=reg_file, line=1)
    return dict(old.get("actors") or {}), dict(old.get("systems") or {}), dict(old.get(ALIASES) or {})


def _claims_of(export: Export, resolver: _Resolver, release: str, path: Path) -> list[dict]:
    """One transfer claim per deal, each with a unique id; every suspected twin stops the import."""
    claims: list[dict] = []
    used_ids: set[str] = set()
    for deal in export.deals:
        supplier = resolver.actor(deal.supplier, deal)
        recipient = resolver.actor(deal.recipient, deal)
        system = resolver.system(deal, supplier, recipient)
        base = (f"deal-{deal.deal_id}" if deal.deal_id else f"order-{deal.order_year or 'undated'}") + \
            f"-{_slug(deal.supplier)}-{_slug(deal.recipient)}-{_slug(deal.designation)}"
        cid, n = base, 2
        while cid in used_ids:
            cid, n = f"{base}-{n}", n + 1
        used_ids.add(cid)
        claims.append(_claim(deal, cid, supplier, recipient, system, release, export.years))
    if resolver.suspects:
        raise CorpusInvalid([InputError(
            f"'{t.name}' may be the system '{t.entity}' ({t.entity_label}) of another release: {t.reason}; "
            f"{t.alias_hint()} (an 'aliases:' entry in any registry file) and import again, or import with "
            "--twins merge (they are one) or --twins apart (they differ)", file=path, line=t.line)
            for t in resolver.suspects])
    return claims


def _source_files(export: Export, path: Path, source_id: str, release: str,
                  claims: list[dict]) -> tuple[dict[str, Any], dict[str, str]]:
    """The source's metadata, and the files of its folder (source.yaml, the records, claims.yaml, .gitignore)."""
    title_layout = "per delivery year" if export.layout == PER_YEAR else "order-level trade register"
    source_meta: dict[str, Any] = {
        "id": source_id, "kind": "dataset",
        "title": f"SIPRI Arms Transfers Database, {title_layout} (release {release}): {Path(path).name}",
        "publisher": PUBLISHER_ID, "author": None}
    if export.generated:
        source_meta["issued"] = export.generated.isoformat()
    source_meta.update({
        "language": "en", "url": SIPRI_URL, "text": RECORDS, "rights": SIPRI_RIGHTS,
        "dataset": {"importer": "sipri", "layout": export.layout, "release": release, "file": Path(path).name,
                    "sha256": export.sha256, "rows": export.rows, "deals": len(export.deals),
                    "metadata": export.metadata}})
    header = (f"# Written by `serbia-kg import sipri` from {Path(path).name} (sha256 {export.sha256[:12]}...).\n"
              "# Data (c) SIPRI. Source: SIPRI Arms Transfers Database. Re-import rather than edit.\n")
    records = export.header + "".join(raw for deal in export.deals for raw in deal.raws)
    claims_text = header + _dump({"claims": claims})
    return source_meta, {"source.yaml": header + _dump(source_meta), RECORDS: records, "claims.yaml": claims_text,
                         ".gitignore": _SOURCE_GITIGNORE}
