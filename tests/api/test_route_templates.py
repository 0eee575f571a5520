"""Request latency is labelled by the route template, never by the path asked for: one series
per route however many SKUs are asked about, and one for every path no route serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stockpool.entrypoints.api.request_timing import UNMATCHED, RouteTemplates

router = APIRouter()


@router.get("/skus/{sku}/stock")
def sku_stock(sku: str) -> None: ...


@router.get("/channels/{code}/listings/{channel_sku:path}")
def listing(code: str, channel_sku: str) -> None: ...


@router.get("/health")
def health() -> None: ...


def templates() -> RouteTemplates:
    made = RouteTemplates()
    made.add(router.routes[:2], "/v1")
    made.add([router.routes[2], object()])  # type: ignore[list-item]  # an included router
    return made


def scope(path: str, **more: Any) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "root_path": "", **more}


def test_a_routed_request_is_labelled_by_its_route_with_the_prefix() -> None:
    routed = scope("/v1/skus/TEE-M-BLK/stock", route=router.routes[0])
    assert templates().of(routed) == "/v1/skus/{sku}/stock"


def test_a_request_answered_before_routing_is_matched_to_its_template() -> None:
    made = templates()
    assert made.of(scope("/v1/skus/MUG-12OZ/stock")) == "/v1/skus/{sku}/stock"
    assert (
        made.of(scope("/v1/channels/amazon/listings/B07/TEE BLK"))
        == "/v1/channels/{code}/listings/{channel_sku:path}"
    )
    assert made.of(scope("/health")) == "/health"


def test_paths_no_route_serves_share_one_label() -> None:
    made = templates()
    for path in ("/v1/skus/TEE-M-BLK", "/wp-admin/setup.php", "/skus/TEE/stock", "/"):
        assert made.of(scope(path)) == UNMATCHED


def test_a_prefix_the_server_is_mounted_under_is_not_part_of_the_template() -> None:
    proxied = scope("/stock/v1/skus/TEE-M-BLK/stock", root_path="/stock")
    assert templates().of(proxied) == "/v1/skus/{sku}/stock"
