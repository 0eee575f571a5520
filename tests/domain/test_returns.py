"""The rules of a return that need no store: what a return and an inspection may say."""

import pytest

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.returns import Disposition, Inspection, NewReturn


def test_a_sku_named_twice_is_added_up():
    new = NewReturn("shopify", " S-1 ", "DAL-1", (("TEE", 1), ("MUG", 2), ("TEE", 2)), " fit ")
    assert (new.external_id, new.lines, new.reason) == ("S-1", (("MUG", 2), ("TEE", 3)), "fit")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"lines": ()}, "1 to 200 lines"),
        ({"lines": (("TEE", 0),)}, "greater than 0"),
        ({"reason": "  "}, "reason must not be blank"),
        ({"external_id": ""}, "order_external_id must not be blank"),
    ],
)
def test_a_malformed_return_is_refused(fields, says):
    body = {
        "channel": "shopify",
        "external_id": "S-1",
        "location": "DAL-1",
        "lines": (("TEE", 1),),
        "reason": "fit",
    }
    with pytest.raises(InvalidRequest, match=says):
        NewReturn(**{**body, **fields})


def test_return_to_vendor_needs_a_reference_and_dispositions_are_named():
    with pytest.raises(InvalidRequest, match="return_to_vendor needs a reference"):
        Inspection("TEE", 1, Disposition.RETURN_TO_VENDOR, "  ")
    with pytest.raises(InvalidRequest, match="disposition must be one of restock, damaged"):
        Inspection("TEE", 1, "resell")  # type: ignore[arg-type]
    assert Inspection("TEE", 1, "dispose").disposition == Disposition.DISPOSE  # type: ignore[arg-type]
