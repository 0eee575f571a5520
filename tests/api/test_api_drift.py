"""GET /v1/channels/{code}/drift: what reconciliation found showing another number than pushed,
and the channel's health once it persists."""

from tests.sync.fakes import FakePlatform

from stockpool.domain.channels import Platform
from stockpool.domain.listings import Listing
from stockpool.domain.sync_plan import PERSISTENT


def test_drift_is_listed_and_a_persistent_one_fails_the_channel(api, clock):
    container = api.container
    container.listings.put(Listing("walmart", "W-TEE", "TEE-M-BLK", ship_node="N1"))
    api.receive("TEE-M-BLK", "DAL-1", 12).raise_for_status()
    walmart = FakePlatform(Platform.WALMART, clock)
    container.channel_sync("w1").run("walmart", walmart.connector())
    walmart.shows["W-TEE"] = 999
    walmart.frozen.add("W-TEE")
    for _ in range(PERSISTENT):
        clock.advance(minutes=5)
        container.reconciliation.step("walmart", walmart.connector())
    page = api.get("/v1/channels/walmart/drift").json()
    (drift,) = page["items"]
    assert drift["channel_sku"] == "W-TEE" and drift["shown"] == 999
    assert drift["readings"] == PERSISTENT and drift["expected"] != 999
    health = api.get("/v1/channels/walmart/health").json()
    assert health["status"] == "failing" and "another number" in health["reasons"][0]
    assert api.get("/v1/channels/nowhere/drift").status_code == 404
