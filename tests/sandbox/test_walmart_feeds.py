"""Bulk inventory feeds: RECEIVED → INPROGRESS → PROCESSED (or ERROR) by time, item by item."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.gateway import Quota
from tests.sandbox.timing import Clock, eventually
from tests.sandbox.walmart_support import (
    Api,
    ClientFor,
    errors_of,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def v14(*rows: tuple[str, Any]) -> dict[str, Any]:
    return {
        "InventoryHeader": {"version": "1.4"},
        "Inventory": [
            {"sku": sku, "quantity": {"unit": "EACH", "amount": amount}} for sku, amount in rows
        ],
    }


def submit(walmart_api: Api, document: Any, feed_type: str = "inventory") -> httpx.Response:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return walmart_api.post(
        "/v3/feeds",
        params={"feedType": feed_type},
        files={"file": ("inventory.json", content, "application/json")},
    )


def status(walmart_api: Api, feed_id: str, **params: str) -> dict[str, Any]:
    answer = walmart_api.get(f"/v3/feeds/{quote(feed_id, safe='')}", params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def shown(walmart_api: Api, sku: str) -> int:
    amount: int = walmart_api.get("/v3/inventory", params={"sku": sku}).json()["quantity"]["amount"]
    return amount


def test_a_feed_is_received_then_in_progress_then_processed_and_then_shown(
    walmart_client: ClientFor, serve: Callable[[Sandbox], str]
) -> None:
    clock = Clock()
    # the defaults: RECEIVED for 60 s, processed after 30 min, shown 10 min later
    sandbox = WalmartSandbox(clock=clock, token_ttl_seconds=86_400)
    sandbox.seed(3, quantity=10)
    with walmart_client(serve(sandbox)) as client:
        api = Api(client, sandbox.credentials["access_token"])
        rows = v14(("SKU-0001", 3), ("SKU-0002", 0), ("NOT-LISTED", 5), ("SKU-0003", -2))
        feed_id = submit(api, rows).json()["feedId"]
        assert "@" in feed_id

        def now() -> dict[str, Any]:
            return status(api, feed_id, includeDetails="true")

        def verdicts() -> list[str]:
            return [item["ingestionStatus"] for item in now()["itemDetails"]["itemIngestionStatus"]]

        received = now()
        assert received["feedStatus"] == "RECEIVED"
        assert (received["itemsReceived"], received["itemsProcessing"]) == (4, 4)
        clock.advance(60)
        assert now()["feedStatus"] == "INPROGRESS"
        assert verdicts() == ["INPROGRESS"] * 4
        clock.advance(1800 - 60 - 1)
        assert now()["feedStatus"] == "INPROGRESS"
        clock.advance(1)
        done = now()
        assert done["feedStatus"] == "PROCESSED"
        assert (done["itemsReceived"], done["itemsSucceeded"], done["itemsFailed"]) == (4, 2, 2)
        assert done["itemsProcessing"] == 0
        assert verdicts() == ["SUCCESS", "SUCCESS", "DATA_ERROR", "DATA_ERROR"]
        refused = done["itemDetails"]["itemIngestionStatus"][2]
        assert refused["sku"] == "NOT-LISTED"
        assert refused["ingestionErrors"]["ingestionError"][0]["type"] == "DATA_ERROR"
        # processed is not live: the quantities take the propagation delay from here
        assert (shown(api, "SKU-0001"), shown(api, "SKU-0002")) == (10, 10)
        clock.advance(599)
        assert (shown(api, "SKU-0001"), shown(api, "SKU-0002")) == (10, 10)
        clock.advance(1)
        assert (shown(api, "SKU-0001"), shown(api, "SKU-0002"), shown(api, "SKU-0003")) == (
            3,
            0,
            10,
        )


def test_a_feed_lands_on_time_even_if_nobody_asks_about_it(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    submit(walmart_api, v14(("SKU-0004", 1)))

    def buyers_see() -> int:
        with walmart.lock:
            listing = next(item for item in walmart.shelf.all() if item.sku == "SKU-0004")
            return listing.shown

    assert eventually(buyers_see, lambda amount: amount == 1) == 1


def test_mp_inventory_feeds_set_quantities_per_ship_node(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    node = walmart.credentials["ship_node"]
    document = {
        "inventoryHeader": {"version": "1.5"},
        "inventory": [
            {
                "sku": "SKU-0001",
                "shipNodes": [{"shipNode": node, "quantity": {"unit": "EACH", "amount": 6}}],
            },
            {
                "sku": "SKU-0002",
                "shipNodes": [{"shipNode": "999", "quantity": {"unit": "EACH", "amount": 6}}],
            },
            {"sku": "SKU-0003"},
        ],
    }
    feed_id = submit(walmart_api, document, "MP_INVENTORY").json()["feedId"]
    done = eventually(
        lambda: status(walmart_api, feed_id, includeDetails="true"),
        lambda found: found["feedStatus"] == "PROCESSED",
    )
    verdicts = [item["ingestionStatus"] for item in done["itemDetails"]["itemIngestionStatus"]]
    assert verdicts == ["SUCCESS", "DATA_ERROR", "DATA_ERROR"]
    assert eventually(lambda: shown(walmart_api, "SKU-0001"), lambda amount: amount == 6) == 6


@pytest.mark.parametrize(
    ("feed_type", "content"),
    [
        ("inventory", b"<InventoryFeed>not json</InventoryFeed>"),
        ("inventory", b'{"Inventory": "nope", "InventoryHeader": {"version": "1.4"}}'),
        ("inventory", b'{"InventoryHeader": {"version": "9"}, "Inventory": []}'),
        ("MP_INVENTORY", json.dumps(v14(("SKU-0001", 1))).encode()),
    ],
    ids=["not-json", "no-list", "wrong-version", "v14-as-mp"],
)
def test_an_unreadable_file_ends_the_feed_in_error(
    walmart_api: Api, feed_type: str, content: bytes
) -> None:
    feed_id = submit(walmart_api, content, feed_type).json()["feedId"]
    done = eventually(
        lambda: status(walmart_api, feed_id, includeDetails="true"),
        lambda found: found["feedStatus"] not in ("RECEIVED", "INPROGRESS"),
    )
    assert done["feedStatus"] == "ERROR"
    assert done["itemsReceived"] == 0
    assert done["ingestionErrors"]["ingestionError"][0]["type"] == "DATA_ERROR"
    assert done["itemDetails"]["itemIngestionStatus"] == []
    assert shown(walmart_api, "SKU-0001") == 10


def test_stuck_feeds_stay_in_progress(walmart_api: Api, walmart: WalmartSandbox) -> None:
    walmart.faults.stuck_feeds = True
    stuck = submit(walmart_api, v14(("SKU-0001", 1))).json()["feedId"]
    walmart.faults.stuck_feeds = False
    later = submit(walmart_api, v14(("SKU-0002", 2))).json()["feedId"]
    eventually(lambda: status(walmart_api, later), lambda found: found["feedStatus"] == "PROCESSED")
    assert status(walmart_api, stuck)["feedStatus"] == "INPROGRESS"
    assert eventually(lambda: shown(walmart_api, "SKU-0002"), lambda amount: amount == 2) == 2
    assert shown(walmart_api, "SKU-0001") == 10


def test_item_details_page_with_offset_and_limit(walmart_api: Api) -> None:
    feed_id = submit(walmart_api, v14(*((f"SKU-000{n}", n) for n in range(1, 6)))).json()["feedId"]
    eventually(
        lambda: status(walmart_api, feed_id), lambda found: found["feedStatus"] == "PROCESSED"
    )
    page = status(walmart_api, feed_id, includeDetails="true", offset="1", limit="2")
    assert [item["index"] for item in page["itemDetails"]["itemIngestionStatus"]] == [1, 2]
    assert (page["offset"], page["limit"], page["itemsReceived"]) == (1, 2, 5)
    assert "itemDetails" not in status(walmart_api, feed_id)


def test_the_feed_id_works_raw_and_url_encoded(walmart_api: Api) -> None:
    feed_id = submit(walmart_api, v14(("SKU-0001", 1))).json()["feedId"]
    raw = walmart_api.get(f"/v3/feeds/{feed_id}")
    encoded = walmart_api.get(f"/v3/feeds/{feed_id.replace('@', '%40')}")
    assert raw.status_code == encoded.status_code == 200
    assert raw.json()["feedId"] == encoded.json()["feedId"] == feed_id


def test_feeds_are_listed_newest_first(walmart_api: Api) -> None:
    first = submit(walmart_api, v14(("SKU-0001", 1))).json()["feedId"]
    second = submit(
        walmart_api,
        v14(("SKU-0002", 1)),
    ).json()["feedId"]
    listed = walmart_api.get("/v3/feeds").json()
    assert listed["totalResults"] == 2
    assert [feed["feedId"] for feed in listed["results"]["feed"]] == [second, first]
    assert listed["results"]["feed"][0]["feedType"] == "inventory"
    one = walmart_api.get("/v3/feeds", params={"feedId": first}).json()
    assert [feed["feedId"] for feed in one["results"]["feed"]] == [first]


def test_an_unknown_feed_is_404(walmart_api: Api) -> None:
    answer = walmart_api.get("/v3/feeds/NOPE%40AQMBAQA")
    assert answer.status_code == 404
    assert errors_of(answer)[0]["code"] == "CONTENT_NOT_FOUND"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"includeDetails": "maybe"}, "includeDetails"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_status_parameters_are_400(
    walmart_api: Api, params: dict[str, str], field: str
) -> None:
    feed_id = submit(walmart_api, v14(("SKU-0001", 1))).json()["feedId"]
    answer = walmart_api.get(f"/v3/feeds/{quote(feed_id)}", params=params)
    assert answer.status_code == 400
    assert errors_of(answer)[0]["field"] == field


def test_bad_submissions_are_400(walmart_api: Api) -> None:
    file = {"file": ("f.json", b"{}", "application/json")}
    cases = [
        walmart_api.post("/v3/feeds", params={"feedType": "price"}, files=file),
        walmart_api.post("/v3/feeds", files=file),
        walmart_api.post(
            "/v3/feeds", params={"feedType": "inventory", "shipNode": "999"}, files=file
        ),
        walmart_api.post(
            "/v3/feeds", params={"feedType": "inventory"}, files={"other": ("f", b"{}")}
        ),
        walmart_api.post("/v3/feeds", params={"feedType": "inventory"}, json=v14(("SKU-0001", 1))),
        walmart_api.post(
            "/v3/feeds",
            params={"feedType": "inventory"},
            content=b"--x\r\nbroken",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        ),
    ]
    fields = [errors_of(answer)[0]["field"] for answer in cases]
    assert [answer.status_code for answer in cases] == [400] * len(cases)
    assert fields == ["feedType", "feedType", "shipNode", "file", "file", "file"]


def test_inventory_feeds_have_their_own_hourly_quota(
    walmart_client: ClientFor, serve: Callable[[Sandbox], str]
) -> None:
    sandbox = WalmartSandbox(delay_seconds=0, quotas={"feed_submit": Quota(2, 3600)})
    sandbox.seed(1)
    with walmart_client(serve(sandbox)) as client:
        walmart_api = Api(client, sandbox.credentials["access_token"])
        assert [submit(walmart_api, v14(("SKU-0001", 1))).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        refused = submit(walmart_api, v14(("SKU-0001", 1)))
        assert int(refused.headers["Retry-After"]) > 1000  # the next of 2 an hour
        assert (
            walmart_api.put(
                "/v3/inventory",
                params={"sku": "SKU-0001"},
                json={"sku": "SKU-0001", "quantity": {"unit": "EACH", "amount": 1}},
            ).status_code
            == 200
        )
