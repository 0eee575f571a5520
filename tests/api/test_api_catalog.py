"""SKUs and locations: PUT to create or replace, GET one, list (SKUs paged and searchable)."""

from __future__ import annotations

from collections import Counter

import pytest

from stockpool.domain.catalog import Sku

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"


def put_sku(api, code, body, headers=None):
    return api.client.put(f"/v1/skus/{code}", json=body, headers=headers or api.operator)


def put_location(api, code, body, headers=None):
    return api.client.put(f"/v1/locations/{code}", json=body, headers=headers or api.admin)


def sku_page(api, **params):
    response = api.get("/v1/skus", **params)
    assert response.status_code == 200, response.text
    return response.json()


# PUT /v1/skus/{sku}


@pytest.mark.both_engines
def test_putting_a_new_sku_answers_201_with_the_sku(api):
    response = put_sku(api, "HAT-RED", {"name": "Hat, red", "barcode": "0123456789012"})

    assert response.status_code == 201
    assert response.json() == {
        "sku": "HAT-RED",
        "name": "Hat, red",
        "barcode": "0123456789012",
        "components": [],
        "restock_on_receipt": False,
        "unit_cost": None,
    }


def test_putting_an_existing_sku_replaces_it_and_answers_200(api):
    put_sku(api, "HAT-RED", {"name": "Hat", "barcode": "111"})

    response = put_sku(api, "HAT-RED", {"name": "Hat, red"})

    assert response.status_code == 200
    assert api.get("/v1/skus/HAT-RED").json() == {
        "sku": "HAT-RED",
        "name": "Hat, red",
        "barcode": None,
        "components": [],
        "restock_on_receipt": False,
        "unit_cost": None,
    }


def test_putting_the_same_sku_twice_keeps_one_sku(api, container):
    put_sku(api, "HAT-RED", {"name": "Hat"})
    put_sku(api, "HAT-RED", {"name": "Hat"})

    codes = [sku.code for sku in container.catalog.list_skus()]
    assert codes.count("HAT-RED") == 1


def test_a_sku_body_with_an_unknown_field_is_422(api, container):
    response = put_sku(api, "HAT-RED", {"name": "Hat", "colour": "red"})

    assert "colour" in api.refused(response, 422)
    assert api.get("/v1/skus/HAT-RED").status_code == 404


@pytest.mark.parametrize("code", ["-LEADING-DASH", "has space", "x" * 101])
def test_a_sku_code_with_invalid_characters_or_length_is_422(api, code):
    response = put_sku(api, code, {"name": "x"})

    assert "sku must be" in api.refused(response, 422)


def test_a_sku_barcode_over_64_characters_is_422(api):
    response = put_sku(api, "HAT-RED", {"barcode": "9" * 65})

    api.refused(response, 422)
    assert api.get("/v1/skus/HAT-RED").status_code == 404


def test_a_sku_keeps_its_settings_and_shows_its_unit_cost_as_a_decimal_string(api):
    body = {"name": "Hat", "restock_on_receipt": True, "unit_cost": "12.5"}
    assert put_sku(api, "HAT-RED", body).json()["unit_cost"] == "12.5000"

    shown = api.get("/v1/skus/HAT-RED").json()
    assert (shown["restock_on_receipt"], shown["unit_cost"]) == (True, "12.5000")
    assert put_sku(api, "HAT-RED", {"unit_cost": 3}).json()["unit_cost"] == "3.0000"


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("1.23456", "at most 4 decimals"),
        (-1, "from 0"),
        ("NaN", "decimal number"),
        ("1e9", "from 0"),
    ],
)
def test_a_wrong_unit_cost_is_422_saying_why_and_writes_nothing(api, cost, message):
    response = put_sku(api, "HAT-RED", {"unit_cost": cost})

    assert message in api.refused(response, 422)
    assert api.get("/v1/skus/HAT-RED").status_code == 404


# GET /v1/skus/{sku}


def test_getting_a_seeded_sku(api):
    response = api.get(f"/v1/skus/{TEE}")

    assert response.status_code == 200
    assert response.json() == {
        "sku": TEE,
        "name": "Tee, M, black",
        "barcode": None,
        "components": [],
        "restock_on_receipt": False,
        "unit_cost": None,
    }


def test_getting_an_unknown_sku_is_404_naming_it(api):
    response = api.get("/v1/skus/NO-SUCH-SKU")

    assert "NO-SUCH-SKU" in api.refused(response, 404)


# GET /v1/skus


def test_listing_skus_returns_them_in_code_order(api):
    page = sku_page(api)

    assert [item["sku"] for item in page["items"]] == [MUG, TEE]
    assert page["next_cursor"] is None


@pytest.mark.parametrize("q", ["tee", "TEE", "m-blk", "Tee-M"])
def test_searching_skus_matches_part_of_the_code_in_any_case(api, q):
    assert [item["sku"] for item in sku_page(api, q=q)["items"]] == [TEE]


@pytest.mark.parametrize("q", ["black", "BLACK", "mug 12"])
@pytest.mark.both_engines
def test_searching_skus_matches_part_of_the_name_in_any_case(api, q):
    expected = TEE if "black" in q.lower() else MUG
    assert [item["sku"] for item in sku_page(api, q=q)["items"]] == [expected]


def test_searching_skus_for_nothing_that_matches_returns_an_empty_page(api):
    assert sku_page(api, q="sweater") == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("q", ["%", "_"])
@pytest.mark.both_engines
def test_like_wildcards_in_a_search_match_only_themselves(api, container, q):
    container.catalog.put_skus([Sku("PCT-1", "100% cotton"), Sku("USC-1", "snake_case name")])

    found = [item["sku"] for item in sku_page(api, q=q)["items"]]

    assert found == (["PCT-1"] if q == "%" else ["USC-1"])


@pytest.mark.both_engines
def test_paging_through_250_skus_returns_each_exactly_once(api, container):
    container.catalog.put_skus([Sku(f"BULK-{n:04d}", f"Bulk item {n}") for n in range(250)])
    everything = {sku.code for sku in container.catalog.list_skus(limit=1000)}
    assert len(everything) == 252  # the two seeded SKUs as well

    seen: list[str] = []
    sizes = []
    cursor = None
    while True:
        page = sku_page(api, limit=100, **({"cursor": cursor} if cursor else {}))
        seen += [item["sku"] for item in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [100, 100, 52]
    assert Counter(seen) == Counter(everything)


def test_paging_a_search_returns_only_matches_each_exactly_once(api, container):
    container.catalog.put_skus(
        [Sku(f"BULK-{n:03d}", "red" if n % 2 else "blue") for n in range(250)]
    )

    seen: list[str] = []
    cursor = None
    while True:
        page = sku_page(api, q="RED", limit=40, **({"cursor": cursor} if cursor else {}))
        seen += [item["sku"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert Counter(seen) == Counter(f"BULK-{n:03d}" for n in range(1, 250, 2))


def test_the_last_page_has_no_next_cursor(api):
    page = sku_page(api, limit=2)

    assert len(page["items"]) == 2
    after = sku_page(api, limit=2, cursor=page["next_cursor"])
    assert after == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("limit", [0, -1, 1001, "ten"])
def test_a_sku_page_limit_out_of_range_is_422(api, limit):
    api.refused(api.get("/v1/skus", limit=limit), 422)


@pytest.mark.both_engines
def test_a_search_for_a_nul_character_is_not_a_server_error(api):
    response = api.get("/v1/skus", q="\x00")

    assert response.status_code < 500, response.text


def test_a_search_over_100_characters_is_422(api):
    api.refused(api.get("/v1/skus", q="x" * 101), 422)


# Locations


def test_putting_a_new_location_answers_201_with_it(api):
    response = put_location(
        api,
        "LAX-3PL",
        {
            "kind": "3pl",
            "name": "LA 3PL",
            "channels": ["shopify", "amazon"],
            "priority": 5,
            "region": "us-west",
            "snapshot_max_age_seconds": 86400,
        },
    )

    assert response.status_code == 201
    assert response.json() == {
        "code": "LAX-3PL",
        "kind": "3pl",
        "name": "LA 3PL",
        "channels": ["amazon", "shopify"],
        "priority": 5,
        "region": "us-west",
        "snapshot_max_age_seconds": 86400,
        "snapshot_at": None,
        "snapshot_age_seconds": None,
    }


@pytest.mark.both_engines
def test_putting_an_existing_location_replaces_it_and_its_channels(api):
    put_location(api, "LAX-3PL", {"kind": "3pl", "channels": ["shopify", "amazon"]})

    response = put_location(api, "LAX-3PL", {"kind": "store", "channels": ["walmart"]})

    assert response.status_code == 200
    assert api.get("/v1/locations/LAX-3PL").json() == {
        "code": "LAX-3PL",
        "kind": "store",
        "name": "",
        "channels": ["walmart"],
        "priority": 100,
        "region": None,
        "snapshot_max_age_seconds": None,
        "snapshot_at": None,
        "snapshot_age_seconds": None,
    }


def test_a_location_naming_an_unknown_channel_is_422_naming_the_known_ones(api):
    before = api.get(f"/v1/locations/{FBA}").json()

    response = put_location(api, FBA, {"kind": "marketplace_fulfilled", "channels": ["amazom"]})

    assert api.refused(response, 422) == (
        "Unknown channel(s): FBA-US names 'amazom'; the channels are amazon, manual, shopify, "
        "walmart. Fix the code, or create the channel first (PUT /v1/channels/{code})."
    )
    assert api.get(f"/v1/locations/{FBA}").json() == before


def test_listing_locations_shows_each_with_its_kind_and_channels(api):
    response = api.get("/v1/locations")

    assert response.status_code == 200
    by_code = {item["code"]: item for item in response.json()["items"]}
    assert sorted(by_code) == [DAL, FBA, NYC]
    assert (by_code[DAL]["kind"], by_code[DAL]["channels"]) == ("warehouse", [])
    assert (by_code[FBA]["kind"], by_code[FBA]["channels"]) == ("marketplace_fulfilled", ["amazon"])
    assert (by_code[NYC]["kind"], by_code[NYC]["channels"]) == ("store", ["shopify"])


def test_getting_an_unknown_location_is_404(api):
    assert "NOWHERE" in api.refused(api.get("/v1/locations/NOWHERE"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "garage"},
        {},
        {"kind": "store", "channels": ["Not A Channel"]},
        {"kind": "store", "priority": -1},
        {"kind": "store", "priority": "first"},
        {"kind": "store", "region": "x" * 33},
        {"kind": "store", "colour": "blue"},
    ],
    ids=["kind", "no-kind", "channel", "priority", "priority-type", "region", "unknown-field"],
)
def test_an_invalid_location_is_422_and_not_created(api, body):
    response = put_location(api, "NEW-LOC", body)

    api.refused(response, 422)
    assert api.get("/v1/locations/NEW-LOC").status_code == 404
