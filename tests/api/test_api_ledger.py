"""GET /v1/ledger: every movement, filtered by SKU, location, reference, actor and time, paged."""

from __future__ import annotations

from datetime import datetime

import pytest

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"


def page(api, **params):
    response = api.get("/v1/ledger", **params)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(api, **params) -> list[list[int]]:
    """The ids on each page, following next_cursor to the end."""
    pages = []
    cursor = None
    while True:
        body = page(api, **params, **({"cursor": cursor} if cursor else {}))
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
def history(api, clock):
    """Seven movements, five minutes apart from 09:00 UTC: ids 1-7."""
    api.receive(TEE, DAL, 10, reference="PO-1")  # 1  09:00
    clock.advance(minutes=5)
    api.receive(MUG, DAL, 4, reference="PO-1")  # 2  09:05
    clock.advance(minutes=5)
    api.move(TEE, DAL, 1, "available", "damaged")  # 3  09:10
    clock.advance(minutes=5)
    api.transfer(TEE, DAL, FBA, 2, reference="TR-1")  # 4, 5  09:15
    clock.advance(minutes=5)
    api.receive(TEE, NYC, 6)  # 6  09:20
    clock.advance(minutes=5)
    api.adjust(MUG, DAL, -1, "shrinkage")  # 7  09:25
    return api


def test_the_ledger_starts_empty(api):
    assert page(api) == {"items": [], "next_cursor": None}


@pytest.mark.both_engines
def test_the_ledger_lists_every_movement_oldest_first(history):
    items = page(history)["items"]

    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    assert [(i["sku"], i["location"], i["reason"]) for i in items] == [
        (TEE, DAL, "received"),
        (MUG, DAL, "received"),
        (TEE, DAL, "damage"),
        (TEE, DAL, "transfer_out"),
        (TEE, FBA, "transfer_in"),
        (TEE, NYC, "received"),
        (MUG, DAL, "shrinkage"),
    ]


def test_a_ledger_line_matches_the_movement_the_write_answered_with(api):
    (written,) = api.receive(TEE, DAL, 3, reference="PO-5").json()["movements"]

    (listed,) = page(api)["items"]

    assert {k: v for k, v in listed.items() if k != "at"} == {
        k: v for k, v in written.items() if k != "at"
    }
    assert datetime.fromisoformat(listed["at"]) == datetime.fromisoformat(written["at"])


def test_order_desc_lists_newest_first(history):
    ids = [item["id"] for item in page(history, order="desc")["items"]]

    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 7


def test_filtering_by_sku(history):
    items = page(history, sku=MUG)["items"]

    assert {item["sku"] for item in items} == {MUG}
    assert len(items) == 2


def test_filtering_by_location(history):
    items = page(history, location=FBA)["items"]

    assert [(item["location"], item["reason"]) for item in items] == [(FBA, "transfer_in")]


def test_filtering_by_reference(history):
    items = page(history, reference="PO-1")["items"]

    assert [(item["sku"], item["reference"]) for item in items] == [(TEE, "PO-1"), (MUG, "PO-1")]


def test_filtering_by_actor(history):
    receipt = {"sku": MUG, "location": NYC, "quantity": 1}
    (by_admin,) = history.post("/v1/stock/receipts", receipt, headers=history.admin).json()[
        "movements"
    ]

    assert [item["id"] for item in page(history, actor=by_admin["actor"])["items"]] == [
        by_admin["id"]
    ]
    assert len(page(history, actor=f"api:{history.operator_key_id}")["items"]) == 7
    assert page(history, actor="cli:nobody")["items"] == []


def test_a_misspelt_filter_is_422_not_ignored(history):
    detail = history.refused(history.get("/v1/ledger", acter="cli:nobody"), 422)

    assert "query.acter: unknown query parameter" in detail
    assert "actor" in detail


def test_filters_combine(history):
    items = page(history, sku=TEE, location=DAL)["items"]

    assert [item["reason"] for item in items] == ["received", "damage", "transfer_out"]


def test_filtering_by_an_unknown_sku_finds_nothing(history):
    assert page(history, sku="NO-SUCH")["items"] == []


def test_since_is_inclusive_and_until_exclusive(history):
    items = page(history, since="2026-11-28T09:10:00Z", until="2026-11-28T09:20:00Z")["items"]

    assert [item["at"][11:16] for item in items] == ["09:10", "09:15", "09:15"]


@pytest.mark.both_engines
def test_since_and_until_with_another_time_zone_mean_the_same_instant(history):
    in_utc = page(history, since="2026-11-28T09:10:00Z", until="2026-11-28T09:20:00Z")
    in_berlin = page(history, since="2026-11-28T10:10:00+01:00", until="2026-11-28T10:20:00+01:00")

    assert in_berlin == in_utc


@pytest.mark.parametrize("name", ["since", "until"])
def test_a_time_without_a_time_zone_is_422(history, name):
    response = history.get("/v1/ledger", **{name: "2026-11-28T09:10:00"})

    detail = history.refused(response, 422)
    assert name in detail
    assert "time zone" in detail


@pytest.mark.parametrize(
    ("name", "value"),
    [("since", "0001-01-01T00:00:00+01:00"), ("until", "9999-12-31T23:59:59-01:00")],
)
def test_a_time_that_falls_outside_the_calendar_in_utc_is_422(history, name, value):
    """Converting these to UTC overflows the datetime range; that must not be a 500."""
    response = history.get("/v1/ledger", **{name: value})

    assert name in history.refused(response, 422)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-40T00:00:00Z"])
def test_a_time_that_is_not_a_date_is_422(history, value):
    history.refused(history.get("/v1/ledger", since=value), 422)


@pytest.mark.both_engines
def test_paging_returns_every_line_once_in_order(history):
    pages = every_page(history, limit=3)

    assert pages == [[1, 2, 3], [4, 5, 6], [7]]


def test_paging_newest_first(history):
    pages = every_page(history, limit=3, order="desc")

    assert pages == [[7, 6, 5], [4, 3, 2], [1]]


def test_paging_a_filtered_ledger(history):
    pages = every_page(history, sku=TEE, limit=2)

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [i["id"] for i in page(history, sku=TEE)["items"]]


def test_a_page_has_a_next_cursor_only_while_lines_may_remain(history):
    assert page(history, limit=7)["next_cursor"] == "7"
    assert page(history, limit=8)["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "0x10", " 3"])
def test_a_bad_cursor_is_422(history, cursor):
    response = history.get("/v1/ledger", cursor=cursor)

    assert "cursor" in history.refused(response, 422)


def test_a_cursor_of_non_ascii_digits_is_422(history):
    """'²'.isdigit() is True but int('²') fails: this must not reach int() and crash (500)."""
    response = history.get("/v1/ledger", cursor="²")

    assert "cursor" in history.refused(response, 422)


@pytest.mark.both_engines
def test_a_cursor_beyond_any_id_is_422(history):
    """A 23-digit cursor cannot be any page's next_cursor; the database cannot compare it."""
    response = history.get("/v1/ledger", cursor="9" * 23)

    assert "cursor" in history.refused(response, 422)


@pytest.mark.parametrize(("name", "value"), [("limit", 0), ("limit", 1001), ("order", "sideways")])
def test_a_bad_limit_or_order_is_422(history, name, value):
    history.refused(history.get("/v1/ledger", **{name: value}), 422)


def test_refused_writes_leave_no_ledger_line(history):
    history.move(TEE, DAL, 1000, "available", "damaged")
    history.receive("NO-SUCH", DAL, 1)

    assert len(page(history)["items"]) == 7
