"""SKUs, locations, and a SKU's stock."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from stockpool.domain.catalog import (
    CODE_PATTERN,
    LOCATION_MAX,
    SKU_MAX,
    Component,
    Location,
    Sku,
    unit_cost,
)
from stockpool.entrypoints.api.deps import Admin, ContainerDep, IdempotencyKey, Operator, Viewer
from stockpool.entrypoints.api.schemas import (
    ComponentPublic,
    IncomingLot,
    IncomingPublic,
    LocationList,
    LocationPublic,
    LocationPut,
    LocationStock,
    Quantities,
    SkuPage,
    SkuPublic,
    SkuPut,
    SkuStockPublic,
)
from stockpool.services.catalog import PAGE_MAX

router = APIRouter()

SkuCode = Annotated[
    str,
    Path(
        description="The seller's SKU code.",
        json_schema_extra={"pattern": CODE_PATTERN, "maxLength": SKU_MAX},
    ),
]
LocationCode = Annotated[
    str,
    Path(
        description="Location code, e.g. DAL-1.",
        json_schema_extra={"pattern": CODE_PATTERN, "maxLength": LOCATION_MAX},
    ),
]


def sku_public(sku: Sku) -> SkuPublic:
    return SkuPublic(
        sku=sku.code,
        name=sku.name,
        barcode=sku.barcode,
        components=[ComponentPublic(sku=c.sku, units=c.units) for c in sku.components],
        restock_on_receipt=sku.restock_on_receipt,
        unit_cost=None if sku.unit_cost is None else str(sku.unit_cost),
    )


def location_public(
    location: Location, taken: dict[str, datetime], now: datetime
) -> LocationPublic:
    """The location, with the age of its last snapshot (taken: when each location's was)."""
    snapshot_at = taken.get(location.code)
    age = None if snapshot_at is None else int((now - snapshot_at).total_seconds())
    return LocationPublic(
        code=location.code,
        kind=location.kind,
        name=location.name,
        channels=sorted(location.channels),
        priority=location.priority,
        region=location.region,
        snapshot_max_age_seconds=location.snapshot_max_age_seconds,
        snapshot_at=snapshot_at,
        snapshot_age_seconds=age,
    )


@router.put(
    "/skus/{sku}",
    response_model=SkuPublic,
    tags=["catalog"],
    responses={201: {"model": SkuPublic, "description": "Created"}},
)
def put_sku(
    sku: SkuCode,
    body: SkuPut,
    key: Operator,
    container: ContainerDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> SkuPublic:
    """Create or replace a SKU (201 when new, 200 when replaced). PUT is idempotent by itself."""
    components = tuple(Component(c.sku, c.units) for c in body.components)
    record = Sku(
        sku,
        body.name,
        body.barcode,
        components,
        restock_on_receipt=body.restock_on_receipt,
        unit_cost=None if body.unit_cost is None else unit_cost(body.unit_cost),
    )
    created = container.catalog.put_sku(record)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return sku_public(record)


@router.get("/skus/{sku}", response_model=SkuPublic, tags=["catalog"])
def get_sku(sku: SkuCode, key: Viewer, container: ContainerDep) -> SkuPublic:
    return sku_public(container.catalog.get_sku(sku))


@router.get("/skus", response_model=SkuPage, tags=["catalog"])
def list_skus(
    key: Viewer,
    container: ContainerDep,
    q: Annotated[str | None, Query(max_length=100, description="Part of a code or name.")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> SkuPage:
    """SKUs in code order, a page at a time, optionally searched by code or name."""
    items = container.catalog.list_skus(search=q or None, after=cursor or None, limit=limit)
    next_cursor = items[-1].code if len(items) == limit else None
    return SkuPage(items=[sku_public(s) for s in items], next_cursor=next_cursor)


@router.get("/skus/{sku}/stock", response_model=SkuStockPublic, tags=["stock"])
def sku_stock(sku: SkuCode, key: Viewer, container: ContainerDep) -> SkuStockPublic:
    """The SKU per location and state, with totals; on_hand excludes incoming."""
    stock = container.catalog.stock(sku)
    return SkuStockPublic(
        sku=stock.sku,
        totals=Quantities(**stock.totals.as_dict()),
        locations=[
            LocationStock(location=code, **balance.as_dict())
            for code, balance in stock.locations.items()
        ],
    )


@router.put(
    "/locations/{code}",
    response_model=LocationPublic,
    tags=["catalog"],
    responses={201: {"model": LocationPublic, "description": "Created"}},
)
def put_location(
    code: LocationCode,
    body: LocationPut,
    key: Admin,
    container: ContainerDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> LocationPublic:
    """Create or replace a location and the channels it serves (empty: all channels)."""
    location = Location(
        code=code,
        kind=body.kind,
        name=body.name,
        channels=frozenset(body.channels),
        priority=body.priority,
        region=body.region,
        snapshot_max_age_seconds=body.snapshot_max_age_seconds,
    )
    created = container.catalog.put_location(location)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return location_public(location, container.snapshots.taken_at(), container.clock())


@router.get("/locations", response_model=LocationList, tags=["catalog"])
def list_locations(key: Viewer, container: ContainerDep) -> LocationList:
    taken, now = container.snapshots.taken_at(), container.clock()
    return LocationList(
        items=[location_public(loc, taken, now) for loc in container.catalog.list_locations()]
    )


@router.get("/locations/{code}", response_model=LocationPublic, tags=["catalog"])
def get_location(code: LocationCode, key: Viewer, container: ContainerDep) -> LocationPublic:
    location = container.catalog.get_location(code)
    return location_public(location, container.snapshots.taken_at(), container.clock())


@router.get("/skus/{sku}/incoming", response_model=IncomingPublic, tags=["stock"])
def sku_incoming(sku: SkuCode, key: Viewer, container: ContainerDep) -> IncomingPublic:
    """Incoming lots (transfers and purchase orders on their way), due first: where, how many,
    when they should land, and how many of their units short orders are waiting for."""
    lots = container.catalog.incoming(sku)
    return IncomingPublic(
        sku=sku,
        lots=[
            IncomingLot(
                location=lot.location,
                units=lot.units,
                eta=lot.eta,
                reference=lot.reference,
                promised=lot.promised,
            )
            for lot in lots
        ],
    )
