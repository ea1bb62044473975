"""graph.ask.transfers: one transfer's numbers and years merged over its sources, on small known cases."""

from __future__ import annotations

import datetime as dt

from graph.ask.transfers import TransferClaim, deliveries_text, match_years, merge

NONE: frozenset[str] = frozenset()
EST = frozenset({"number-delivered"})


def per_year(source="sipri-2026", **kw) -> TransferClaim:
    return TransferClaim(source=source, known=dt.date(2026, 2, 12), window=(1995, 2025), **kw)


def register(source="sipri-2025", **kw) -> TransferClaim:
    return TransferClaim(source=source, known=dt.date(2025, 3, 31), **kw)


def test_ordered_and_delivered_stay_apart():
    # EC-145 of 2021: the register orders 9 and has 4 delivered; the per-year export counts 1 + 3
    got = merge([register(ordered=9, delivered=4, order_year=2021, status="delivering",
                          deliveries=((2023, None, NONE), (2024, None, NONE))),
                 per_year(delivered=4, order_year=2021, deliveries=((2023, 1, NONE), (2024, 3, EST)))])
    assert (got["ordered"], got["delivered"], got["status"], got["order_year"]) == (9, 4, "delivering", 2021)
    assert got["deliveries"] == [{"year": 2023, "quantity": 1, "estimated": []},
                                 {"year": 2024, "quantity": 3, "estimated": ["number-delivered"]}]


def test_unknown_is_none_never_zero():
    got = merge([register(delivered=0, order_year=2022, status="ordered")])  # RPS-42: number ordered empty
    assert (got["ordered"], got["delivered"], got["status"], got["deliveries"]) == (None, 0, "ordered", [])
    got = merge([per_year(delivered=300, order_year=1974, deliveries=((1995, 50, NONE), (1996, 250, NONE)))])
    assert got["delivered"] is None  # ordered in 1974, counted from 1995: earlier deliveries unknown
    assert got["status"] is None     # deliveries made; whether all, the export does not say


def test_a_source_that_books_one_fact_as_two_deals_gives_their_sum():
    got = merge([per_year(source="s", delivered=1, order_year=2016, deliveries=((2017, 1, NONE),)),
                 per_year(source="s", delivered=5, order_year=2016, deliveries=((2017, 5, NONE),))])
    assert (got["delivered"], got["deliveries"][0]["quantity"]) == (6, 6)


def test_as_of_keeps_only_the_deliveries_made_by_that_day():
    t72 = [per_year(delivered=30, order_year=2016, deliveries=((2020, 11, NONE), (2021, 19, NONE))),
           register(ordered=30, delivered=30, order_year=2016, status="delivered",
                    deliveries=((2020, None, NONE), (2021, None, NONE)))]
    assert merge(t72, as_of=dt.date(2021, 6, 1))["delivered"] == 11  # 2021's delivery may come later
    got = merge(t72, as_of=dt.date(2019, 12, 31))
    assert (got["delivered"], got["deliveries"], got["status"]) == (0, [], "ordered")
    assert merge(t72, as_of=dt.date(2021, 12, 31))["status"] == "delivered"


def test_a_transfer_is_found_by_its_delivery_years_else_its_order_year():
    assert match_years([per_year(order_year=2016, deliveries=((2020, 11, NONE), (2021, 19, NONE)))]) == [2020, 2021]
    assert match_years([register(ordered=12, order_year=2024)]) == [2024]
    assert match_years([TransferClaim(quantity=6)]) == []
    assert deliveries_text([{"year": 2020, "quantity": 11}, {"year": 2021, "quantity": None}]) == "2020: 11; 2021: ?"
