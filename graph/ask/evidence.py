"""The evidence of one claim, as the questions on votes, series and alignment give it.

A claim read from a table quotes its row(s); the source keeps the table's header
(``skg:columnNames``), so the evidence also gives each cell with its column's name.
"""

from __future__ import annotations

import csv
from typing import Any, Iterable

from graph.model.terms import SKG, SOURCE
from graph.store.native import Reader

__all__ = ["Evidence"]

_OA = "http://www.w3.org/ns/oa#"
_PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_DC_TITLE = "http://purl.org/dc/terms/title"


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]), [])


class Evidence:
    """Reads, for the claims of a built graph it is given, their source, title, quote, rows and named cells:
    what it reads is about these claims and their sources alone (:meth:`graph.store.native.Reader.values`),
    not every claim of the dataset (the quotes of the 1M corpus took 3 s for 1,082 votes' evidence)."""

    def __init__(self, r: Reader, claims: Iterable[str]) -> None:
        self.r = r
        self._source: dict[str, list] = {}
        self._id: dict[str, list] = {}
        self._rows: dict[str, list] = {}
        self._quotes: dict[str, str] = {}
        self._title: dict[str, list] = {}
        self._header: dict[str, list] = {}
        self._read: set[str] = set()
        self._read_about(claims)

    def _read_about(self, claims: Iterable[str]) -> None:
        r = self.r
        claims = [c for c in dict.fromkeys(claims) if c not in self._read]
        if not claims:
            return
        self._read.update(claims)
        self._source.update(r.values(_PROV_DERIVED, claims))
        self._id.update(r.values(str(SKG.claimId), claims))
        self._rows.update(r.values(str(SKG.sourceRow), claims))
        self._quotes.update(r.quotes_of(claims, str(SKG.evidence), _OA + "hasSelector", _OA + "exact"))
        sources = sorted({str(v[0]) for c in claims for v in [self._source.get(c)] if v} - set(self._title))
        self._title.update(r.values(_DC_TITLE, sources))
        self._header.update(r.values(str(SKG.columnNames), sources))
        self._title.update({s: [] for s in sources if s not in self._title})

    def of(self, claim: str) -> dict[str, Any]:
        """``{claim, claim_id, source, title, quote, rows, cells}`` (``cells``: column name -> cell of a
        one-row quote of a table, else empty)."""
        self._read_about([claim])
        found = self._source.get(claim)
        src = found[0] if found else None
        quote = self._quotes.get(claim)
        header = (self._header.get(src) or [None])[0] if src else None
        cells: dict[str, str] = {}
        if header and quote and "\n" not in quote:
            names, values = _cells(str(header)), _cells(str(quote))
            if len(names) == len(values):
                cells = {n: v for n, v in zip(names, values) if v != ""}
        title = (self._title.get(src) or [None])[0] if src else None
        claim_id = (self._id.get(claim) or [None])[0]
        base = str(SOURCE)
        return {"claim": claim, "claim_id": str(claim_id or ""),
                "source": src[len(base):] if src and src.startswith(base) else src,
                "title": str(title) if title is not None else None,
                "quote": str(quote) if quote is not None else None,
                "rows": sorted(int(x) for x in self._rows.get(claim, [])),
                "cells": cells}
