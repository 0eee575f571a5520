"""What every body shares: codes and quantities as fields, requests that forbid unknown fields,
and the error body every refusal carries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from stockpool.domain.catalog import (
    CHANNEL_MAX,
    CHANNEL_PATTERN,
    CODE_PATTERN,
    LOCATION_MAX,
    SKU_MAX,
)


def _documented_code(limit: int, description: str) -> Any:
    """A code field whose pattern is documented; the domain checks it, with a clearer message."""
    return Field(
        description=description,
        json_schema_extra={"pattern": CODE_PATTERN, "minLength": 1, "maxLength": limit},
    )


SkuCode = Annotated[str, _documented_code(SKU_MAX, "The seller's SKU code.")]
LocationCode = Annotated[str, _documented_code(LOCATION_MAX, "A location code, e.g. DAL-1.")]
Quantity = Annotated[StrictInt, Field(gt=0, description="Whole units, more than 0.")]
Level = Annotated[StrictInt, Field(ge=0, description="Whole units, 0 or more.")]
SignedQuantity = Annotated[StrictInt, Field(description="Positive adds units, negative removes.")]
Reference = Annotated[
    str | None,
    Field(default=None, max_length=200, description="Your document: PO, RMA, count sheet..."),
]
ManualState = Literal["available", "quality_control", "damaged", "safety_stock"]
AdjustableState = Literal["available", "quality_control", "damaged", "safety_stock", "incoming"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Every error: a sentence saying what was wrong and how to fix it."""

    detail: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For a 422 from validation: each problem, where and why."
    )


_ERROR = {"model": ErrorPublic}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {**_ERROR, "description": "The body could not be read as text"},
    401: {**_ERROR, "description": "No API key, or an unknown or revoked one"},
    403: {**_ERROR, "description": "The key's role may not do this"},
    404: {**_ERROR, "description": "Unknown SKU, location or key"},
    409: {
        **_ERROR,
        "description": "Not enough stock, or an Idempotency-Key reused for another request",
    },
    413: {**_ERROR, "description": "Request body too large"},
    415: {
        **_ERROR,
        "description": "A body sent without the content type the route reads "
        "(application/json; text/csv for an import)",
    },
    422: {**_ERROR, "description": "Invalid request"},
}


ChannelCode = Annotated[
    str,
    Field(
        description="A channel code, e.g. shopify or amazon-us.",
        json_schema_extra={"pattern": CHANNEL_PATTERN, "minLength": 1, "maxLength": CHANNEL_MAX},
    ),
]
