"""Import a table (CSV) as a dataset source through a declarative mapping (a YAML file).

A mapping says, in data rather than code, how each row of a table becomes claims: the claim
type, which column fills which field, constants, value maps (``IN FAVOR`` -> ``in-favour``),
how wide tables unfold (one column per year -> one record per year), which entities the corpus
must know, and the metadata of the source written. The format is documented in
``docs/tables.md``; the mappings shipped with serbia-kg live in ``ontology/mappings/``.

:func:`import_table` writes, all or nothing (:mod:`graph.importers.staging`)::

    <corpus>/<source-id>/source.yaml        kind: dataset, the mapping's metadata, file, sha256, columns
    <corpus>/<source-id>/records.csv        the header and the rows, verbatim
    <corpus>/<source-id>/claims.yaml        the claims; each quote is its row(s), verbatim
    <corpus>/registry/table-<source-id>.yaml  the entities the registry lacked

Every problem is one error naming the file, the line (the row) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from graph.model.schema import CLAIM_TYPES, ClaimType
from graph.model import yamlfile
from graph.model.yamlfile import line_of as _line
from graph.model.files import read_input
from graph.model.dates import DateError, parse_date
from graph.model.errors import InputError, UnknownName
from graph.model.names import fold, words
from graph.model.registry import SECTIONS, concept_schemes, load_registry
from graph.model.resources import ontology_dir, ontology_graph
from graph.importers.staging import claim_target, commit_source, plain

__all__ = ["Mapping", "ClaimRule", "Record", "Table", "TableImport", "load_mapping", "read_table", "map_table",
           "import_table", "shipped_mappings", "find_mapping", "IMPORTER", "RECORDS", "MAPPINGS"]

IMPORTER = "table"
RECORDS = "records.csv"
#: Folder of the mappings shipped with serbia-kg (one per open or bring-your-own table), in ``ontology/``.
MAPPINGS = "mappings"

_TOP = {"mapping", "source", "table", "registry", "claims"}
_SOURCE_KEYS = {"id", "title", "publisher", "author", "issued", "language", "url", "rights", "republished_at",
                "release", "origin", "bring_your_own"}
_TABLE_KEYS = {"columns", "encoding", "delimiter", "empty", "unpivot"}
_UNPIVOT_KEYS = {"columns", "name", "value"}
_RULE_KEYS = {"type", "id", "fields", "when", "note"}
_SPEC_KEYS = {"column", "value", "template", "map", "match", "other", "split", "new"}
_NEW_KEYS = {"section", "type"}
_ID_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def _fill_id(template: str, values: dict[str, str]) -> str:
    """A rule's ``id`` template with each ``{column}`` replaced by the record's (stripped) cell."""
    return _ID_TEMPLATE.sub(lambda m: values[m.group(1)].strip(), template)


# --- the mapping ------------------------------------------------------------------------------

@dataclass
class Spec:
    """How one field of a claim gets its value from a record."""

    key: str
    line: int | None
    column: str | None = None
    value: Any = None
    template: str | None = None
    map: dict[str, Any] | None = None
    match: list[tuple[re.Pattern, Any]] | None = None
    other: str = "error"  # a value the map or match does not know: error, keep or skip
    split: str | None = None
    new: dict[str, str] | None = None  # create a missing entity: section (actors, instruments ...) and type


@dataclass
class ClaimRule:
    """One ``claims:`` entry: a claim type, an id template, its fields and an optional row filter."""

    type: ClaimType
    id: str
    specs: list[Spec]
    line: int | None
    when: dict[str, re.Pattern] = field(default_factory=dict)
    note: Spec | None = None


@dataclass
class Mapping:
    """A mapping file, read and checked."""

    path: Path
    source: dict[str, Any]
    columns: list[str]
    rules: list[ClaimRule]
    registry: dict[str, dict[str, dict]]
    encoding: str = "utf-8"
    delimiter: str = ","
    empty: tuple[str, ...] = ("",)
    unpivot: dict[str, Any] | None = None

    @property
    def bring_your_own(self) -> bool:
        """Whether the table's terms keep it out of the repository (SIPRI's data)."""
        return bool(self.source.get("bring_your_own"))


def _fail(path: Path, line: int | None, where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}" if where else message, file=path, line=line)


def _keys(node: dict, allowed: set[str], path: Path, where: str) -> None:
    extra = sorted(str(k) for k in set(node) - allowed - yamlfile.META)
    if extra:
        raise _fail(path, _line(node, extra[0]), where,
                    f"unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}")


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file.

    Raises
    ------
    InputError
        Naming the mapping file and the line: malformed YAML, an unknown key, an unknown claim
        type or field, a column the ``table.columns`` list does not name, a bad pattern.
    """
    path = Path(path)
    data = yamlfile.load(path)
    if not isinstance(data, dict):
        raise _fail(path, 1, "", "a mapping file is a YAML mapping with source, table and claims")
    _keys(data, _TOP, path, "")
    if data.get("mapping") != 1:
        raise _fail(path, _line(data, "mapping"), "mapping", "give the format version: 'mapping: 1'")
    source = data.get("source")
    if not isinstance(source, dict) or not source.get("id") or not source.get("title"):
        raise _fail(path, _line(data, "source"), "source", "give at least the source's id and title")
    _keys(source, _SOURCE_KEYS, path, "source")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", str(source["id"])):
        raise _fail(path, _line(source, "id"), "source.id", "lower-case letters, digits, '.', '_' or '-' only")
    table = data.get("table")
    if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not table["columns"]:
        raise _fail(path, _line(data, "table"), "table", "list the table's columns: 'columns: [...]'")
    _keys(table, _TABLE_KEYS, path, "table")
    columns = [str(c) for c in table["columns"]]
    unpivot = table.get("unpivot")
    known = set(columns)
    if unpivot is not None:
        if not isinstance(unpivot, dict) or not {"columns", "name", "value"} <= set(unpivot):
            raise _fail(path, _line(table, "unpivot"), "table.unpivot",
                        "give columns (a pattern of the column names to unfold), name and value")
        _keys(unpivot, _UNPIVOT_KEYS, path, "table.unpivot")
        unpivot = {"columns": _pattern(unpivot["columns"], path, _line(unpivot, "columns"), "table.unpivot.columns"),
                   "name": str(unpivot["name"]), "value": str(unpivot["value"])}
        known |= {unpivot["name"], unpivot["value"]}
    empty = table.get("empty", [])
    if not isinstance(empty, list):
        raise _fail(path, _line(table, "empty"), "table.empty", "a list of cell values that mean 'no value'")
    rules = _rules(data.get("claims"), path, _line(data, "claims"), known)
    registry = plain(data.get("registry") or {})
    if not isinstance(registry, dict) or set(registry) - set(SECTIONS):
        raise _fail(path, _line(data, "registry"), "registry", f"sections are {', '.join(SECTIONS)}")
    return Mapping(path=path, source=plain(source), columns=columns, rules=rules, registry=registry,
                   encoding=str(table.get("encoding", "utf-8")), delimiter=str(table.get("delimiter", ",")),
                   empty=tuple(["", *(str(e) for e in empty)]), unpivot=unpivot)


def _pattern(text: Any, path: Path, line: int | None, where: str) -> re.Pattern:
    try:
        return re.compile(str(text))
    except re.error as exc:
        raise _fail(path, line, where, f"bad pattern {text!r}: {exc}") from None


def _rules(raw: Any, path: Path, line: int | None, columns: set[str]) -> list[ClaimRule]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, line, "claims", "a list of claim rules, each with type, id and fields")
    rules = []
    for n, item in enumerate(raw):
        where = f"claims[{n}]"
        if not isinstance(item, dict):
            raise _fail(path, line, where, "a claim rule is a mapping with type, id and fields")
        _keys(item, _RULE_KEYS, path, where)
        ctype = CLAIM_TYPES.get(str(item.get("type")))
        if ctype is None:
            raise _fail(path, _line(item, "type"), f"{where}.type",
                        f"unknown claim type {item.get('type')!r}; one of {', '.join(CLAIM_TYPES)}")
        if not isinstance(item.get("id"), str) or not item["id"].strip():
            raise _fail(path, _line(item), f"{where}.id", "give an id template such as '{NAME_EN}-es-11-1'")
        for name in _ID_TEMPLATE.findall(item["id"]):
            if name not in columns:
                raise _fail(path, _line(item, "id"), f"{where}.id", f"unknown column '{name}'")
        fields = item.get("fields")
        if not isinstance(fields, dict):
            raise _fail(path, _line(item), f"{where}.fields", "a mapping of the claim's fields")
        specs = []
        for key in fields:
            if key in yamlfile.META:
                continue
            if key not in {"rows", "quote", "id", "type"} and ctype.field(key) is None:
                raise _fail(path, _line(fields, key), f"{where}.fields.{key}",
                            f"a {ctype.name} has no field '{key}'; its fields: "
                            f"{', '.join(f.key for f in ctype.fields if f.key != 'rows')}")
            if key in {"rows", "quote", "id", "type"}:
                raise _fail(path, _line(fields, key), f"{where}.fields.{key}", "set by the import, not by the mapping")
            specs.append(_spec(key, fields[key], path, _line(fields, key), f"{where}.fields.{key}", columns))
        given = {s.key for s in specs}
        missing = [f.key for f in ctype.fields if f.required and f.key not in given]
        if missing:
            raise _fail(path, _line(item), where, f"a {ctype.name} needs the field(s) {', '.join(missing)}")
        when = {}
        for col, pat in (item.get("when") or {}).items():
            if col in yamlfile.META:
                continue
            if col not in columns:
                raise _fail(path, _line(item, "when"), f"{where}.when", f"unknown column '{col}'")
            when[col] = _pattern(pat, path, _line(item, "when"), f"{where}.when.{col}")
        note = (_spec("note", item["note"], path, _line(item, "note"), f"{where}.note", columns)
                if "note" in item else None)
        rules.append(ClaimRule(type=ctype, id=item["id"], specs=specs, line=_line(item), when=when, note=note))
    return rules


def _spec(key: str, raw: Any, path: Path, line: int | None, where: str, columns: set[str]) -> Spec:
    if not isinstance(raw, dict):
        return Spec(key, line, value=raw)  # a constant
    _keys(raw, _SPEC_KEYS, path, where)
    sources = [k for k in ("column", "value", "template") if k in raw]
    if len(sources) != 1:
        raise _fail(path, line, where, "give exactly one of column, value or template")
    spec = Spec(key, line, column=raw.get("column"), value=raw.get("value"), template=raw.get("template"),
                other=str(raw.get("other", "error")), split=raw.get("split"))
    for name in ([spec.column] if spec.column else []) + _ID_TEMPLATE.findall(spec.template or ""):
        if name not in columns:
            raise _fail(path, line, where, f"unknown column '{name}'; the table has {', '.join(sorted(columns))}")
    if spec.other not in ("error", "keep", "skip"):
        raise _fail(path, line, f"{where}.other", "error, keep or skip")
    if "map" in raw:
        if not isinstance(raw["map"], dict):
            raise _fail(path, line, f"{where}.map", "a mapping of cell values to field values")
        bad = [k for k in raw["map"] if isinstance(k, bool) or k is None]
        if bad:
            raise _fail(path, line, f"{where}.map", f"YAML reads the key {bad[0]!r} as a boolean or null: quote it "
                        "('yes', 'no', 'null')")
        spec.map = {str(k): v for k, v in plain(raw["map"]).items()}
    if "match" in raw:
        pairs = raw["match"]
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise _fail(path, line, f"{where}.match", "a list of [pattern, value] pairs (first match wins)")
        spec.match = [(_pattern(p, path, line, f"{where}.match"), v) for p, v in pairs]
    if "new" in raw:
        new = raw["new"]
        if not isinstance(new, dict) or new.get("section") not in SECTIONS:
            raise _fail(path, line, f"{where}.new", f"give the registry section: one of {', '.join(SECTIONS)}")
        _keys(new, _NEW_KEYS, path, f"{where}.new")
        spec.new = {k: str(v) for k, v in plain(new).items()}
    return spec


# --- the table --------------------------------------------------------------------------------

@dataclass
class Row:
    """One row of the file: its line, its text (verbatim, without the line end) and its cells."""

    line: int
    text: str
    raw: str  # with its line end
    cells: dict[str, str]


@dataclass
class Record:
    """What a claim rule reads: a row, or (for an unfolded wide table) one cell of a row with its column."""

    row: Row
    values: dict[str, str]
    column: str | None = None  # the unfolded column, if any


@dataclass
class Table:
    """A table file, read and checked against its mapping."""

    path: Path
    header: str  # verbatim, with its line end
    columns: list[str]
    rows: list[Row]
    sha256: str

    def records(self, mapping: Mapping) -> Iterator[Record]:
        """Each row, or each non-empty cell of the unfolded columns with its row."""
        if mapping.unpivot is None:
            for row in self.rows:
                yield Record(row, row.cells)
            return
        pattern, name, value = mapping.unpivot["columns"], mapping.unpivot["name"], mapping.unpivot["value"]
        wide = [c for c in self.columns if pattern.fullmatch(c)]
        for row in self.rows:
            for col in wide:
                cell = row.cells[col]
                if cell.strip() in mapping.empty:
                    continue
                yield Record(row, {**row.cells, name: col, value: cell}, column=col)


def read_table(path: str | Path, mapping: Mapping) -> Table:
    """Read a CSV file with the mapping's encoding and delimiter; check its header.

    Raises
    ------
    InputError
        Naming the file and line: unreadable, a header without the mapping's columns, a row with
        the wrong number of cells.
    """
    path = Path(path)
    data = read_input(path)
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig" if mapping.encoding.lower().replace("_", "-") == "utf-8" else mapping.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"cannot decode as {mapping.encoding}: {exc}", file=path) from None
    lines = text.splitlines(keepends=True)
    if not lines:
        raise InputError("the file is empty", file=path, line=1)
    header = _split(lines[0], mapping.delimiter)
    missing = [c for c in mapping.columns if c not in header]
    if missing or len(set(header)) != len(header):
        what = f"lacks the column(s) {', '.join(repr(c) for c in missing)}" if missing else "repeats a column name"
        raise InputError(f"the header {what} that the mapping {mapping.path.name} reads; the header has: "
                         f"{', '.join(header)}", file=path, line=1)
    rows: list[Row] = []
    i = 1
    while i < len(lines):
        first = i
        record = lines[i]
        i += 1
        while i < len(lines) and record.count('"') % 2 == 1:  # a quoted cell over several lines
            record += lines[i]
            i += 1
        if not record.strip():
            continue
        cells = _split(record, mapping.delimiter)
        if len(cells) != len(header):
            raise InputError(f"expected {len(header)} cells as in the header, found {len(cells)}",
                             file=path, line=first + 1)
        rows.append(Row(line=first + 1, text=record.rstrip("\r\n"), raw=record, cells=dict(zip(header, cells))))
    if not rows:
        raise InputError("the file has a header but no rows", file=path, line=1)
    if not rows[-1].raw.endswith(("\n", "\r")):
        rows[-1].raw += "\r\n" if lines[0].endswith("\r\n") else "\n"
    return Table(path=path, header=lines[0], columns=header, rows=rows, sha256=digest)


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(line.rstrip("\r\n")), delimiter=delimiter), [])


# --- rows to claims ---------------------------------------------------------------------------

class _Names:
    """Registry lookup for the mapped values, and the entities this import adds."""

    def __init__(self, registry, own: dict[str, dict]) -> None:
        self.registry = registry
        self.own = own  # section -> id -> entry (this import's registry file)
        self.added: list[tuple[str, str, str]] = []  # (section, id, label)
        self.by_name: dict[tuple[str, str], str] = {}
        for section, entries in own.items():
            for eid, body in entries.items():
                self._index(section, eid, body)

    def _index(self, section: str, eid: str, body: dict) -> None:
        kind = SECTIONS[section][0]
        for name in [eid, body.get("label", eid), *(body.get("aliases") or [])]:
            self.by_name[(kind, fold(str(name)))] = eid

    def find(self, kinds: tuple[str, ...], name: str) -> str | None:
        for kind in kinds:
            eid = self.by_name.get((kind, fold(name)))
            if eid:
                return eid
        try:
            return self.registry.resolve(name, kinds).id
        except UnknownName:
            return None

    def declare(self, section: str, eid: str, body: dict) -> None:
        """A registry entry of the mapping: added unless an entity of that id or name exists."""
        kind = SECTIONS[section][0]
        if eid in self.registry or self.find((kind,), str(body.get("label", eid))) or self.find((kind,), eid):
            return
        self.own.setdefault(section, {})[eid] = body
        self._index(section, eid, body)
        self.added.append((section, eid, str(body.get("label", eid))))

    def create(self, section: str, typ: str | None, name: str) -> str:
        label = name.strip()
        base = _slug(label)
        eid, n = base, 2
        while eid in self.registry or any(eid in e for e in self.own.values()):
            eid, n = f"{base}-{n}", n + 1
        body: dict[str, Any] = {"label": label}
        if typ:
            body = {"type": typ, **body}
        self.own.setdefault(section, {})[eid] = body
        self._index(section, eid, body)
        self.added.append((section, eid, label))
        return eid


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", words(text).replace(" ", "-")).strip("-") or "x"


class _Skip(Exception):
    """The mapping says to leave this field out for this record."""


def _cell_error(table: Table, record: Record, column: str | None, message: str) -> InputError:
    where = f"column '{column}'" if column else "row"
    if record.column and column and column != record.column:
        where += f" (unfolding column '{record.column}')"
    return InputError(f"{where}: {message}", file=table.path, line=record.row.line)


def _raw_value(spec: Spec, record: Record, mapping: Mapping) -> Any:
    if spec.column is not None:
        cell = record.values[spec.column].strip()
        return None if cell in mapping.empty else cell
    if spec.template is not None:
        return _ID_TEMPLATE.sub(lambda m: record.values[m.group(1)].strip(), spec.template)
    return spec.value


def _translate(spec: Spec, value: Any) -> Any:
    """Apply the spec's map or match to one value (a cell)."""
    if spec.map is None and spec.match is None:
        return value
    if spec.map is not None and str(value) in spec.map:
        return spec.map[str(value)]
    for pattern, out in spec.match or []:
        if pattern.search(str(value)):
            return out
    if spec.other == "keep":
        return value
    if spec.other == "skip":
        raise _Skip()
    known = list(spec.map or {}) + [p.pattern for p, _ in spec.match or []]
    raise ValueError(f"'{value}' is not one the mapping knows ({', '.join(known)})")


def _typed(ctype: ClaimType, key: str, value: Any) -> Any:
    """Check a value against the claim field's kind; numbers and dates read as the claim file writes them."""
    f = ctype.field(key)
    if f is None or value is None:
        return value
    text = str(value).strip() if not isinstance(value, bool) else value
    if f.kind == "count":
        if not re.fullmatch(r"\d+", str(text)):
            raise ValueError(f"'{value}' is not a whole number")
        return int(str(text))
    if f.kind in ("decimal", "percent"):
        try:
            number = Decimal(str(text))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a number") from None
        if not number.is_finite():
            raise ValueError(f"'{value}' is not a number")
        if f.kind == "percent" and not 0 <= number <= 100:
            raise ValueError(f"'{value}' is not a percentage from 0 to 100")
        return int(number) if number == number.to_integral() and "." not in str(text) else str(text)
    if f.kind == "date":
        try:
            parse_date(text)
        except DateError as exc:
            raise ValueError(str(exc)) from None
        return str(text)
    if f.kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(text).casefold() in ("true", "yes", "1"):
            return True
        if str(text).casefold() in ("false", "no", "0"):
            return False
        raise ValueError(f"'{value}' is not true or false")
    return value


def _field(spec: Spec, rule: ClaimRule, record: Record, mapping: Mapping, names: _Names,
           concepts: dict[str, set[str]]) -> Any:
    raw = _raw_value(spec, record, mapping)
    if raw is None:
        raise _Skip()
    items = [p.strip() for p in str(raw).split(spec.split)] if spec.split and isinstance(raw, str) else [raw]
    f = rule.type.field(spec.key)
    out = []
    for item in items:
        if item in ("", None):
            continue
        try:
            value = _translate(spec, item) if spec.column is not None else item
        except _Skip:
            continue
        if value is None:
            continue
        if f is not None and f.kind in ("entity", "speaker") and not (f.kind == "speaker" and value == "source"):
            eid = names.find(f.kinds, str(value))
            if eid is None:
                if spec.new is None:
                    raise ValueError(f"unknown {' or '.join(f.kinds)} '{value}': add it to the registry, map it, "
                                     "or let the mapping create it ('new:')")
                eid = names.create(spec.new["section"], spec.new.get("type"), str(value))
            value = eid
        elif f is not None and f.kind == "concept":
            known = concepts.get(f.scheme or "", set())
            if value not in known:
                raise ValueError(f"'{value}' is not in {f.scheme} ({', '.join(sorted(known))})")
        else:
            value = _typed(rule.type, spec.key, value)
        out.append(value)
    if not out:
        raise _Skip()
    if f is not None and f.many:
        return out
    if len(out) > 1:
        raise ValueError(f"{len(out)} values for '{spec.key}', which takes one")
    return out[0]


@dataclass
class _Claim:
    body: dict[str, Any]
    rows: list[Row]
    line: int  # first row's line, for messages


def map_table(table: Table, mapping: Mapping, registry, concepts: dict[str, set[str]],
              own: dict[str, dict] | None = None) -> tuple[list[_Claim], _Names]:
    """Turn the records of a table into claim bodies (fields only; the quote and rows are set later).

    Records that give the same claim (the United Kingdom's four rows in a map-maker's table of
    one UN vote) become one claim resting on all of them.

    Raises
    ------
    InputError
        Naming the table file, the line and the column of the first record that does not fit.
    """
    names = _Names(registry, own if own is not None else {})
    for section, entries in mapping.registry.items():
        for eid, entry in (entries or {}).items():
            names.declare(section, str(eid), dict(entry or {}))
    claims: dict[str, _Claim] = {}
    ids: dict[str, str] = {}
    for record in table.records(mapping):
        for rule in mapping.rules:
            if any(not pat.search(record.values[col]) for col, pat in rule.when.items()):
                continue
            body: dict[str, Any] = {"type": rule.type.name}
            for spec in rule.specs:
                try:
                    body[spec.key] = _field(spec, rule, record, mapping, names, concepts)
                except _Skip:
                    f = rule.type.field(spec.key)
                    if f is not None and f.required:
                        raise _cell_error(table, record, spec.column, f"empty, but a {rule.type.name} needs "
                                          f"its '{spec.key}'") from None
                except ValueError as exc:
                    if spec.column is None and spec.template is None:  # a constant: the mapping is wrong
                        raise InputError(f"{rule.type.name} field '{spec.key}': {exc}", file=mapping.path,
                                         line=spec.line) from None
                    raise _cell_error(table, record, spec.column, f"{exc} (field '{spec.key}')") from None
            if record.column is not None and rule.type.field("column") is not None:
                body["column"] = record.column
            if rule.type.one_of and not any(k in body for k in rule.type.one_of):
                raise _cell_error(table, record, None, f"a {rule.type.name} needs one of {', '.join(rule.type.one_of)}")
            if rule.note is not None:
                try:
                    body["note"] = str(_field(rule.note, rule, record, mapping, names, concepts))
                except _Skip:
                    pass
                except ValueError as exc:
                    raise _cell_error(table, record, rule.note.column, str(exc)) from None
            key = repr(sorted((k, repr(v)) for k, v in body.items()))
            cid = _slug(_fill_id(rule.id, record.values))
            if key in claims:
                if record.row not in claims[key].rows:
                    claims[key].rows.append(record.row)
                continue
            if cid in ids:
                first = claims[ids[cid]]
                raise _cell_error(table, record, None, f"claim id '{cid}' (from '{rule.id}') is also made by line "
                                  f"{first.line} for another claim: make the id template unique")
            ids[cid] = key
            claims[key] = _Claim(body={"id": cid, **body}, rows=[record.row], line=record.row.line)
    return list(claims.values()), names


def _ordered_rows(table: Table, claims: list[_Claim]) -> list[Row]:
    """The rows in file order, except that the rows of one claim are moved together (after its first)."""
    placed: set[int] = set()
    out: list[Row] = []
    by_first: dict[int, list[_Claim]] = {}
    for c in claims:
        by_first.setdefault(c.rows[0].line, []).append(c)
    for row in table.rows:
        if row.line in placed:
            continue
        out.append(row)
        placed.add(row.line)
        for c in by_first.get(row.line, []):
            for other in c.rows[1:]:
                if other.line not in placed:
                    out.append(other)
                    placed.add(other.line)
    for c in claims:
        at = [out.index(r) for r in c.rows]
        if at != list(range(at[0], at[0] + len(at))):
            raise InputError(f"the rows of claim '{c.body['id']}' (lines {', '.join(str(r.line) for r in c.rows)}) "
                             "cannot be stored side by side for one quote", file=table.path, line=c.line)
    return out


# --- the import -------------------------------------------------------------------------------

@dataclass
class TableImport:
    """What :func:`import_table` wrote."""

    source_id: str
    folder: Path
    registry_file: Path
    mapping: str
    file: str
    rows: int
    records: int
    claims: int
    claims_by_type: dict[str, int]
    added: list[tuple[str, str, str]]  # (registry section, id, label)
    replaced: bool = False
    bring_your_own: bool = False
    verbatim: bool = True  # records.csv is the file, byte for byte


def shipped_mappings() -> dict[str, Path]:
    """The mappings shipped with serbia-kg, by name (file name without ``.yaml``)."""
    return {p.stem: p for p in sorted((ontology_dir() / MAPPINGS).glob("*.yaml"))}


def find_mapping(name: str | Path) -> Path:
    """A mapping file: a path, or the name of a shipped mapping (``unga-es11-1-votes``)."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = shipped_mappings()
    if str(name) in shipped:
        return shipped[str(name)]
    raise InputError(f"no mapping file '{name}' and no shipped mapping of that name (shipped: "
                     f"{', '.join(shipped) or 'none'})")


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False)


def _registry_text(source_id: str, own: dict[str, dict]) -> str:
    head = (f"# Entities added by `serbia-kg import table` for the source {source_id}: those the registry\n"
            "# lacked. Check them, add aliases; a later import of the same source keeps your edits.\n")
    body = {s: {k: own[s][k] for k in sorted(own[s])} for s in SECTIONS if own.get(s)}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=None)
    return head + (text if body else "{}\n")


def import_table(mapping: str | Path, data: str | Path, corpus: str | Path, source_id: str | None = None,
                 progress: Callable[[str], None] | None = None) -> TableImport:
    """Import a CSV file into a corpus through a mapping; all or nothing.

    Parameters
    ----------
    mapping:
        A mapping file, or the name of a shipped one (:func:`shipped_mappings`).
    data:
        The CSV file.
    corpus:
        The corpus folder (``sources/``).
    source_id:
        The source's id and folder (default: the mapping's ``source.id``). An existing folder is
        replaced only if an earlier table import wrote it.

    Raises
    ------
    InputError
        A bad mapping (its file and line), a row that does not fit (the table's file, line and
        column), a folder that another import or a person wrote.
    CorpusInvalid
        When a claim written would not compile; nothing is written then.
    """
    corpus = Path(corpus)
    m = load_mapping(find_mapping(mapping))
    table = read_table(data, m)
    source_id = source_id or str(m.source["id"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", source_id):
        raise InputError(f"source id '{source_id}' must be lower-case letters, digits, '.', '_' or '-'")
    replaced = claim_target(corpus, source_id, IMPORTER)
    schemes = concept_schemes(ontology_graph())
    registry = load_registry(corpus / "registry", categories=schemes.get("SystemCategories"))
    reg_file = corpus / "registry" / f"table-{source_id}.yaml"
    old = plain(yamlfile.load(reg_file)) if reg_file.is_file() else {}
    if not isinstance(old, dict):
        raise InputError("a registry file must be a mapping of sections", file=reg_file, line=1)
    own = {s: dict(old.get(s) or {}) for s in SECTIONS if old.get(s)}
    if progress:
        progress(f"mapping {len(table.rows)} rows of {table.path.name}")
    claims, names = map_table(table, m, registry, schemes, own)
    rows = _ordered_rows(table, claims)
    records = table.header + "".join(r.raw for r in rows)
    out_claims = []
    for c in claims:
        body = dict(c.body)
        if c.body["type"] in CLAIM_TYPES and CLAIM_TYPES[c.body["type"]].field("rows") is not None:
            body["rows"] = [r.line for r in c.rows]
        body["quote"] = "\n".join(r.text for r in sorted(c.rows, key=rows.index))
        out_claims.append(body)
    meta: dict[str, Any] = {"id": source_id, "kind": "dataset", "title": m.source["title"]}
    for key in ("publisher", "author", "issued", "language", "url", "republished_at", "rights"):
        if m.source.get(key) is not None:
            meta[key] = m.source[key]
    if "author" not in meta:
        meta["author"] = None
    meta["text"] = RECORDS
    meta["dataset"] = {"importer": IMPORTER, "mapping": m.path.name, "file": table.path.name,
                       "sha256": table.sha256, "header": table.header.rstrip("\r\n"), "rows": len(table.rows),
                       "claims": len(out_claims)}
    for key in ("release", "origin"):
        if m.source.get(key) is not None:
            meta["dataset"][key] = m.source[key]
    header = (f"# Written by `serbia-kg import table --mapping {m.path.name}` from {table.path.name} "
              f"(sha256 {table.sha256[:12]}...).\n# Re-import rather than edit.\n")
    files = {"source.yaml": header + _dump(meta), RECORDS: records,
             "claims.yaml": header + _dump({"claims": out_claims})}
    if m.bring_your_own:  # the table's terms keep it out of the repository: git never picks it up
        files[".gitignore"] = (f"# Written by `serbia-kg import table --mapping {m.path.name}`: this data's terms keep "
                               "it out of git.\n# Users bring their own copy.\n*\n")
    commit_source(corpus, source_id, files, reg_file.name, _registry_text(source_id, own), progress,
                  ignore=reg_file.name if m.bring_your_own else None)
    by_type: dict[str, int] = {}
    for claim in out_claims:
        by_type[claim["type"]] = by_type.get(claim["type"], 0) + 1
    n_records = sum(1 for _ in table.records(m))
    return TableImport(source_id=source_id, folder=corpus / source_id, registry_file=reg_file, mapping=m.path.name,
                       file=table.path.name, rows=len(table.rows), records=n_records, claims=len(out_claims),
                       claims_by_type=by_type, added=names.added, replaced=replaced, bring_your_own=m.bring_your_own,
                       verbatim=hashlib.sha256(records.encode("utf-8")).hexdigest() == table.sha256)
