"""The availability repository takes its time from the caller: the rows it makes carry the `at`
it is given (the service's clock), never the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from stockpool.store.tables import availability, skus
from tests.conftest import make_container

AT = datetime(2020, 2, 29, 12, 0, tzinfo=UTC)  # any moment the wall clock cannot be


def test_rows_locked_for_inputs_are_stamped_with_the_moment_given(pg_url):
    codes = [f"NEW-{n:04d}" for n in range(501)]  # over one chunk: inputs locks them row by row
    container = make_container(pg_url)
    try:
        with container.engine.begin() as connection:
            connection.execute(
                insert(skus), [{"code": c, "created_at": AT, "updated_at": AT} for c in codes]
            )
        with container.uow() as uow:
            uow.availability.inputs(codes, AT, old=True)
            uow.commit()
        with container.engine.connect() as connection:
            stamps = connection.execute(
                select(availability.c.computed_at).where(availability.c.sku.in_(codes))
            ).scalars()
            assert list(stamps) == [AT] * len(codes)
    finally:
        container.close()
