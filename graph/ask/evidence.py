"""The evidence of one claim, as the questions on votes, series and alignment give it.

A claim read from a table quotes its row(s); the source keeps the table's header
(``skg:columnNames``), so the evidence also gives each cell with its column's name.
"""

from __future__ import annotations

import csv
from typing import Any

from graph.model.terms import SKG, SOURCE
from graph.store.native import Reader

__all__ = ["Evidence"]

_OA = "http://www.w3.org/ns/oa#"
_PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_DC_TITLE = "http://purl.org/dc/terms/title"


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]), [])


class Evidence:
    """Reads, for any claim of a built graph, its source, title, quote, rows and named cells."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self._quotes = r.quotes(str(SKG.evidence), _OA + "hasSelector", _OA + "exact")

    def of(self, claim: str) -> dict[str, Any]:
        """``{claim, claim_id, source, title, quote, rows, cells}`` (``cells``: column name -> cell of a
        one-row quote of a table, else empty)."""
        r = self.r
        src = r.one(_PROV_DERIVED, claim)
        quote = self._quotes.get(claim)
        header = r.one(str(SKG.columnNames), src) if src else None
        cells: dict[str, str] = {}
        if header and quote and "\n" not in quote:
            names, values = _cells(str(header)), _cells(str(quote))
            if len(names) == len(values):
                cells = {n: v for n, v in zip(names, values) if v != ""}
        base = str(SOURCE)
        return {"claim": claim, "claim_id": str(r.one(str(SKG.claimId), claim) or ""),
                "source": src[len(base):] if src and src.startswith(base) else src,
                "title": str(r.one(_DC_TITLE, src)) if src and r.one(_DC_TITLE, src) is not None else None,
                "quote": str(quote) if quote is not None else None,
                "rows": sorted(int(x) for x in r.prop(str(SKG.sourceRow)).get(claim, [])),
                "cells": cells}
