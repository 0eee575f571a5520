"""The catalog, balances and the ledger (the truth, append-only; balances are its materialised
sum), idempotency and API keys."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
    func,
)

from stockpool.domain.catalog import CHANNEL_MAX, LOCATION_MAX, NAME_MAX, SKU_MAX
from stockpool.domain.states import ALL_STATES
from stockpool.store.tables.base import (
    UNIT_COST,
    LedgerId,
    OrderId,
    UtcDateTime,
    _kind_names,
    _state_names,
    metadata,
)

skus = Table(
    "skus",
    metadata,
    Column("code", String(SKU_MAX), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("barcode", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Its returns are inspected as restock when received (they skip the QC queue).
    Column("restock_on_receipt", Boolean, nullable=False, server_default=false()),
    # What a unit is worth, for the value of a count's variance; NULL: not priced.
    Column("unit_cost", UNIT_COST, nullable=True),
    CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
)


def _trigram_index(column: Column[str]) -> None:
    """A GIN trigram index on lower(column), made on PostgreSQL only (pg_trgm)."""
    label = f"lower_{column.name}"
    Index(
        f"ix_skus_lower_{column.name}_trgm",
        func.lower(column).label(label),
        postgresql_using="gin",
        postgresql_ops={label: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


# The catalog's search reads lower(code) and lower(name) LIKE '%text%' (repositories/catalog.py):
# on PostgreSQL, trigram indexes on exactly those expressions serve it. SQLite has no such index
# and scans the catalog, a page at a time. Migration 0019 creates the extension and the indexes.
# (Alembic compares these on PostgreSQL; SQLite reflects no expression index, so it skips them.)
_trigram_index(skus.c.code)
_trigram_index(skus.c.name)

locations = Table(
    "locations",
    metadata,
    Column("code", String(LOCATION_MAX), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("kind", String(32), nullable=False),
    Column("priority", Integer, nullable=False, server_default="100"),
    Column("region", String(32), nullable=True),
    # A 3PL or marketplace that reports stock snapshots: how old the last one may get before its
    # stock is counted only in part (None: it reports none), and when the last one came (a count).
    Column("snapshot_max_age_seconds", Integer, nullable=True),
    Column("snapshot_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"kind IN ({_kind_names})", name="kind"),
    CheckConstraint("snapshot_max_age_seconds > 0", name="snapshot_max_age_positive"),
    # The locations that report snapshots (snapshot_at IS NOT NULL), read by every
    # availability decision (their stock counts in part once the last snapshot is too old).
    Index("ix_locations_snapshot_at", "snapshot_at"),
)

# Which channels a location serves; no rows means it serves them all.
location_channels = Table(
    "location_channels",
    metadata,
    Column(
        "location",
        String(LOCATION_MAX),
        ForeignKey("locations.code", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("channel", String(CHANNEL_MAX), primary_key=True),
)

# One row per (sku, location), one column per state: a move between two states is a single-row
# update, so two moves on the same balance never lock two rows in opposite orders.
balances = Table(
    "balances",
    metadata,
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), primary_key=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), primary_key=True),
    *(Column(state.value, BigInteger, nullable=False, server_default="0") for state in ALL_STATES),
    *(
        CheckConstraint(f"{state.value} >= 0", name=f"{state.value}_not_negative")
        for state in ALL_STATES
    ),
    Index("ix_balances_location", "location"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", LedgerId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("sku", String(SKU_MAX), ForeignKey("skus.code"), nullable=False),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=True),
    Column("quantity", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("actor", String(100), nullable=False),
    # Each movement of a keyed request gets "<key>#<n>": the same movement can never apply twice.
    Column("idempotency_key", String(300), nullable=True, unique=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("from_state IS NOT NULL OR to_state IS NOT NULL", name="has_a_state"),
    CheckConstraint(f"from_state IS NULL OR from_state IN ({_state_names})", name="from_state"),
    CheckConstraint(f"to_state IS NULL OR to_state IN ({_state_names})", name="to_state"),
    Index("ix_ledger_sku_id", "sku", "id"),
    Index("ix_ledger_location_id", "location", "id"),
    Index("ix_ledger_reference", "reference"),
    Index("ix_ledger_at", "at"),
)

# Snapshots a 3PL or marketplace reported, one per (location, reference): what was sent (its
# hash tells a replay from a different body) and what applying it did, returned to a replay.
snapshots = Table(
    "snapshots",
    metadata,
    Column("id", OrderId, primary_key=True, autoincrement=True),
    Column("location", String(LOCATION_MAX), ForeignKey("locations.code"), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("partial", Boolean, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("movements", Integer, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("result", JSON, nullable=False),
    UniqueConstraint("location", "reference"),
    Index("ix_snapshots_location_as_of", "location", "as_of"),
)

# Requests sent with an Idempotency-Key: the first one's answer, returned to every replay.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("operation", String(50), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", JSON, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, server_default=""),
    Column("role", String(16), nullable=False),
    # SHA-256 of the key: keys are 256-bit random, so a fast hash is enough and lookup is by hash.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="role"),
)
