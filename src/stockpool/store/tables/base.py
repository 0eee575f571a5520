"""What every table is built on: the metadata with its naming convention, and column types."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from stockpool.domain.catalog import LocationKind
from stockpool.domain.states import ALL_STATES

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A ship-by stored where "none" must sort as later than every real one (order_lines).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
LedgerId = BigInteger().with_variant(Integer(), "sqlite")

_state_names = ", ".join(f"'{s.value}'" for s in ALL_STATES)
_kind_names = ", ".join(f"'{k.value}'" for k in LocationKind)
OrderId = BigInteger().with_variant(Integer(), "sqlite")

# Money as exact decimals: a SKU's unit cost (below a billion, 4 places) and a count's value
# threshold (sums of many units' costs). SQLite keeps them as REAL; 14 digits survive that.
UNIT_COST = Numeric(14, 4)
MONEY = Numeric(18, 4)
