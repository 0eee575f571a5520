"""Platform cancellations over HTTP: listed by state and channel, paged, and marked done by
hand by an operator (a viewer may only read)."""

from __future__ import annotations

import pytest

from stockpool.domain.platforms import Cancellation, CancellationOutcome

TEE = "TEE-M-BLK"


class SellerCenterOnly:
    """A connector whose platform leaves every cancellation to a person."""

    def cancel(self, external_id, lines):
        return Cancellation(CancellationOutcome.MANUAL, f"cancel {external_id} in Seller Center")


@pytest.mark.both_engines
def test_cancellations_are_listed_and_a_person_marks_one_done(api, clock):
    clock.advance(hours=1)  # past each order's ship-by: short units are settled as cancel
    for n in (1, 2):
        placed = api.post(
            "/v1/orders",
            {
                "channel": "walmart",
                "external_id": f"PO-{n}",
                "lines": [{"sku": TEE, "quantity": n}],
                "placed_at": "2026-11-28T09:00:00Z",
                "ship_by": "2026-11-28T09:05:00Z",
            },
        )
        assert placed.status_code == 201
    first = api.get("/v1/cancellations", state="queued", channel="walmart", limit=1).json()
    [item] = first["items"]
    assert (item["external_id"], item["lines"]) == ("PO-1", [{"channel_sku": TEE, "quantity": 1}])
    rest = api.get("/v1/cancellations", limit=1, cursor=first["next_cursor"]).json()
    assert [i["external_id"] for i in rest["items"]] == ["PO-2"]
    assert api.get("/v1/cancellations", channel="amazon").json()["items"] == []
    api.container.cancellations.send("walmart", SellerCenterOnly())
    [manual, _] = api.get("/v1/cancellations", state="manual").json()["items"]
    assert manual["detail"] == "cancel PO-1 in Seller Center" and manual["attempts"] == 1
    path = f"/v1/cancellations/{manual['id']}/done"
    assert api.post(path, None, headers=api.viewer).status_code == 403
    done = api.post(path, None)
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert api.post(path, None).json() == done.json()  # again: nothing changes
    assert api.post("/v1/cancellations/999/done", None).status_code == 404
    assert api.get("/v1/cancellations", state="sent").status_code == 422
