"""Settings, read once from STOCKPOOL_* environment variables (or a .env file) and passed in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STOCKPOOL_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./stockpool.db",
        description="SQLAlchemy URL; sqlite:///file.db (default) or postgresql://user@host/db.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key channel credentials are encrypted with; on SQLite without it, "
        "a key file beside the database (<database>.key, mode 0600) is created on first use.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key the dashboard's session cookies are signed with; without it each "
        "server process makes a random one (sessions end when it restarts; set it when several "
        "processes serve the same dashboard).",
    )
    session_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="A dashboard sign-in lasts this long."
    )
    shutdown_grace_seconds: int = Field(
        default=10,
        ge=0,
        description="stockpool serve, asked to stop, waits this long for open requests (an open "
        "dashboard's live stream never ends by itself), then cuts them.",
    )
    key_cache_seconds: float = Field(
        default=5,
        ge=0,
        le=300,
        description="A server process remembers an API key it checked this long, so a request "
        "costs no database read to authenticate; a key revoked elsewhere is refused by every "
        "process within this time (at once by the one that revoked it). 0: read every time.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Larger request bodies are refused with 413."
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: every commit survives power loss. NORMAL (WAL): faster, may lose "
        "the last commits on power loss, never corrupts.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    conflict_policy: Literal["auto", "propose"] = Field(
        default="auto",
        description="auto: conflicts are resolved as they arise, by cancellation cost. propose: "
        "the resolution waits for POST /v1/conflicts/{id}/decision.",
    )
    count_approval_units: int = Field(
        default=10,
        ge=0,
        le=10**9,
        description="A count session whose line differs from the ledger by more units than "
        "this waits for another key's approval before it is posted.",
    )
    count_approval_units_by_location: dict[str, int] = Field(
        default_factory=dict,
        description='Per-location exceptions to count_approval_units, as JSON: {"DAL-1": 5}.',
    )
    count_approval_value: Decimal | None = Field(
        default=None,
        ge=0,
        lt=10**13,
        description="A count session whose variances are worth more than this (|variance| x "
        "each SKU's unit_cost, summed; SKUs without one count 0) waits for another key's "
        "approval too. Unset: no value limit.",
    )
    count_approval_value_by_location: dict[str, Decimal | None] = Field(
        default_factory=dict,
        description="Per-location exceptions to count_approval_value, as JSON: "
        '{"DAL-1": "500", "NYC-STORE": null} (null: no value limit there).',
    )
    group_commit_max: int = Field(
        default=500,
        ge=1,
        le=500,
        description="Most orders that arrive together and share one transaction (1: none share).",
    )
    reservation_ttl_seconds: int = Field(
        default=900, ge=1, le=31 * 86400, description="How long a reservation holds by default."
    )
    pending_order_hold_seconds: int = Field(
        default=30 * 86400,
        ge=1,
        le=31 * 86400,
        description="How long a pending (unconfirmed) order's units stay reserved.",
    )
    reservation_sweep_seconds: float = Field(
        default=30,
        ge=0,
        description="How often the server releases expired reservations (0: never; orders and "
        "reservations still release expired holds on the SKUs they touch).",
    )
    returns_overdue_hours: float = Field(
        default=48,
        gt=0,
        description="A return waiting for inspection longer than this is flagged overdue in the "
        "QC queue.",
    )
    demand_half_life_hours: float = Field(
        default=72,
        ge=1,
        le=24 * 365,
        description="Demand rates weigh sales by recency: a sale counts half after this long.",
    )
    demand_fast_half_life_hours: float = Field(
        default=24,
        ge=1,
        le=24 * 365,
        description="The forecast also shows each SKU's pace with this shorter half-life, "
        "worked out from its recent sales: a change in demand shows there first.",
    )
    demand_floor_per_day: float = Field(
        default=0.5,
        ge=0,
        le=1_000_000,
        description="The least demand assumed per SKU and channel (units a day): new SKUs have "
        "no history yet.",
    )
    lag_shopify_seconds: float = Field(
        default=10, ge=0, le=86400, description="Shopify's sync lag until one is measured."
    )
    lag_amazon_seconds: float = Field(
        default=900, ge=0, le=86400, description="Amazon's sync lag until one is measured."
    )
    lag_walmart_seconds: float = Field(
        default=1800, ge=0, le=86400, description="Walmart's sync lag until one is measured."
    )
    lag_manual_seconds: float = Field(
        default=0,
        ge=0,
        le=86400,
        description="A manual channel's lag (stockpool takes its orders).",
    )
    sync_stale_seconds: float = Field(
        default=900,
        ge=1,
        description="A channel is stale when a change has waited this long and no push has "
        "succeeded for as long: its rivals then hold back what it still shows.",
    )
    feed_stuck_seconds: float = Field(
        default=3600, ge=1, description="A bulk feed processing longer than this makes it stale."
    )
    stale_snapshot_holdback_percent: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Share of a location's stock not counted while its snapshot is overdue.",
    )
    order_poll_seconds: float = Field(
        default=60,
        ge=0,
        description="How often the sync worker polls each connected channel for its orders "
        "(0: never; Shopify's webhooks still bring its orders in).",
    )
    return_poll_seconds: float = Field(
        default=300,
        ge=0,
        description="How often the sync worker polls each connected channel for returns it "
        "received back (0: never; Shopify's refund webhooks still bring its returns in).",
    )
    fulfilled_stock_seconds: float = Field(
        default=900,
        ge=0,
        description="How often the sync worker reads the stock a channel's own fulfilment "
        "network holds (Amazon FBA, Walmart WFS) into the marketplace_fulfilled location that "
        "serves that channel alone, as a snapshot (0: never).",
    )
    availability_refresh_seconds: float = Field(
        default=120,
        ge=0,
        description="How often the server judges channel health and recomputes every SKU's "
        "numbers (demand decays, syncs go stale); 0: never (`stockpool availability recompute`).",
    )
    worker: Literal["embedded", "off"] = Field(
        default="embedded",
        description="embedded: `stockpool serve` runs the sync worker (pushes, feeds, "
        "reconciliation, order polling) in the background; off: run `stockpool worker` apart.",
    )
    sync_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often the worker looks for numbers to push to each connected channel.",
    )
    reconcile_seconds: float = Field(
        default=300,
        ge=0,
        description="How often each channel's listings are read back and compared with what was "
        "pushed (drift is repaired and, when it persists, alerted); 0: never.",
    )
    lease_seconds: float = Field(
        default=30,
        ge=5,
        le=600,
        description="How long a worker process holds a channel without renewing it: a process "
        "that dies is replaced on that channel after this long.",
    )
    alert_stockout_days: float = Field(
        default=7,
        gt=0,
        le=3650,
        description="Alert stockout_ahead when a SKU's available stock, at its demand rate and "
        "with the incoming lots due in time, runs out sooner than this many days.",
    )
    alert_oversell_risk: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="Alert oversell_risk when the chance that what a channel shows oversells "
        "(demand on its rivals during its lag) is above this.",
    )
    alert_conflicts_waiting_minutes: float = Field(
        default=30,
        gt=0,
        description="Alert conflicts_waiting when a proposed conflict has waited this long for "
        "a decision.",
    )
    alert_evaluate_seconds: float = Field(
        default=60,
        ge=0,
        description="How often the server decides which alerts hold, records them and queues "
        "their webhooks (0: never; `stockpool`'s tests and scripts call it themselves).",
    )
    webhook_send_seconds: float = Field(
        default=5,
        ge=0,
        description="How often the server delivers queued webhook events (0: never).",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="How long a subscriber may take to answer."
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Attempts at a delivery before it is marked failed.",
    )
    webhook_backoff_seconds: float = Field(
        default=30,
        gt=0,
        description="The wait after a delivery's first failed attempt; it doubles each time "
        "(with jitter) up to webhook_backoff_max_seconds.",
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600, gt=0, description="The longest wait between two attempts at a delivery."
    )
    public_url: str | None = Field(
        default=None,
        description="The address the platforms reach stockpool at (e.g. https://stock.example.com): "
        "Shopify's webhooks are registered to {public_url}/webhooks/shopify/{channel}; unset, "
        "Shopify orders arrive by polling only.",
    )

    @property
    def reconcile_every(self) -> timedelta:
        return timedelta(seconds=self.reconcile_seconds)
