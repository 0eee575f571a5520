"""Reservations decided together in one transaction (group commit): the balances of every SKU
asked for are locked once, each reservation is routed in turn against what the ones before it
left, and each gets its own answer - one refused (409, unknown SKU) does not fail the others.

A single reservation is a batch of one: there is one way to reserve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpool.domain.balance import BalanceKey
from stockpool.domain.bundles import Origin, expand
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.errors import (
    Conflict,
    InsufficientStock,
    InvariantBroken,
    StockpoolError,
    UnknownChannel,
    UnknownSku,
)
from stockpool.domain.orders import OrderLine
from stockpool.domain.reservations import (
    Checkout,
    Hold,
    NewReservation,
    Reservation,
    reserving,
)
from stockpool.domain.routing import route
from stockpool.services.holds import lock_balances, record_decided
from stockpool.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Reserved:
    reservation: Reservation
    replayed: bool


Answer = Reserved | StockpoolError


@dataclass(frozen=True, slots=True)
class _Asked:
    """A new reservation, checked and expanded (bundles as their components)."""

    index: int
    new: NewReservation
    channel: Channel
    lines: list[OrderLine]
    origin: list[Origin]
    eligible: list[Location]


def hold_many(
    uow: UnitOfWork, news: Sequence[NewReservation], at: datetime, actor: str
) -> list[Answer]:
    """Each reservation's answer, in the order given: held, a replay of one made before (also
    earlier in this batch), or why not. The caller follows the changes and commits."""
    answers: list[Answer | None] = [None] * len(news)
    stored = uow.reservations.ids_of((new.channel, new.reference) for new in news)
    asked: list[_Asked] = []
    first: dict[tuple[str, str], int] = {}  # a name's first place in the batch
    for i, new in enumerate(news):
        name = (new.channel, new.reference)
        if name in stored:
            answers[i] = _replay(uow, stored[name], new)
        elif name not in first:
            first[name] = i
    checked = _checked(uow, [(i, news[i]) for i in first.values()])
    for i, found in checked.items():
        if isinstance(found, StockpoolError):
            answers[i] = found
        else:
            asked.append(found)
    for i, held in _hold(uow, asked, at, actor).items():
        answers[i] = held
    for i, new in enumerate(news):  # the same name again in this batch: as the first went
        earlier = first.get((new.channel, new.reference), i)
        if answers[i] is None and earlier != i:
            answers[i] = _again(answers[earlier], new)
    return [_decided(answer) for answer in answers]


def _checked(
    uow: UnitOfWork, news: Sequence[tuple[int, NewReservation]]
) -> dict[int, _Asked | StockpoolError]:
    """Each new reservation's channel, SKUs and bundles looked up: the channels, locations,
    SKUs and bundles in one statement for the batch (order intake's view, no orders named)."""
    if not news:
        return {}
    view = uow.intake_view.read((), {line.sku for _, new in news for line in new.lines})
    checked: dict[int, _Asked | StockpoolError] = {}
    for i, new in news:
        channel = view.channels.get(new.channel)
        unknown = sorted({line.sku for line in new.lines} - view.known)
        if channel is None:
            checked[i] = UnknownChannel(new.channel)
        elif unknown:
            checked[i] = UnknownSku(unknown[0])
        else:
            lines, origin = expand(new.lines, view.bundles)
            eligible = [loc for loc in view.locations if loc.serves(channel.code)]
            checked[i] = _Asked(i, new, channel, lines, origin, eligible)
    return checked


def _hold(uow: UnitOfWork, asked: Sequence[_Asked], at: datetime, actor: str) -> dict[int, Answer]:
    """Lock every balance the batch may take from, once; route each reservation in turn against
    what the ones before it left; store those held and move their units in one write."""
    if not asked:
        return {}
    skus = {line.sku for a in asked for line in a.lines}
    codes = {loc.code for a in asked for loc in a.eligible}
    current = lock_balances(uow, skus, codes, at, actor)
    available = {key: balance.available for key, balance in current.items()}
    answers: dict[int, Answer] = {}
    taken: list[tuple[_Asked, list[Hold]]] = []
    for a in asked:
        decision = route(a.lines, a.channel, a.eligible, available)
        short = next((n for n, units in enumerate(decision.short) if units), None)
        if short is not None:
            answers[a.index] = _refusal(a, a.lines[short], available)
            continue
        for allocation in decision.allocations:
            available[(allocation.sku, allocation.location)] -= allocation.units
        taken.append((a, [Hold(x.line, x.sku, x.location, x.units) for x in decision.allocations]))
    ids = uow.reservations.add_checkouts([_checkout(a, holds, at) for a, holds in taken], at)
    movements = [
        m
        for (_, holds), reservation_id in zip(taken, ids, strict=True)
        for m in reserving(holds, f"reservation:{reservation_id}")
    ]
    record_decided(uow, current, movements, at, actor)
    stored = uow.reservations.get_many(ids)
    for (a, _), reservation_id in zip(taken, ids, strict=True):
        if reservation_id not in stored:
            raise InvariantBroken(f"Reservation {reservation_id} was not there once written.")
        answers[a.index] = Reserved(stored[reservation_id], replayed=False)
    return answers


def _checkout(a: _Asked, holds: list[Hold], at: datetime) -> Checkout:
    return Checkout(
        channel=a.new.channel,
        reference=a.new.reference,
        fingerprint=a.new.fingerprint(),
        lines=lines_record(a.new.lines, a.lines, a.origin),
        holds=tuple(holds),
        expires_at=at + a.new.ttl,
    )


def _refusal(a: _Asked, line: OrderLine, available: Mapping[BalanceKey, int]) -> StockpoolError:
    """409: every unit or none; how many the serving locations had left for it."""
    codes = {loc.code for loc in a.eligible}
    held = sum(
        units
        for (sku, location), units in available.items()
        if sku == line.sku and location in codes
    )
    where = f"the locations serving {a.channel.code}"
    return InsufficientStock(line.sku, where, "available", held, line.quantity)


def lines_record(
    requested: Sequence[OrderLine], lines: Sequence[OrderLine], origin: Sequence[Origin]
) -> dict[str, Any]:
    """A reservation's lines as stored: as asked for, and as held (bundles expanded)."""
    return {
        "requested": [[line.sku, line.quantity] for line in requested],
        "lines": [
            [line.sku, line.quantity, *(source or (None, None))]
            for line, source in zip(lines, origin, strict=True)
        ],
    }


def _replay(uow: UnitOfWork, reservation_id: int, new: NewReservation) -> Answer:
    """The reservation stored under new's name, if new asks for the same lines (else 409)."""
    stored = uow.reservations.get(reservation_id)
    if stored is None:  # reservations are never deleted
        raise InvariantBroken(
            f"Reservation {reservation_id} was found by its reference, then gone."
        )
    return _same(stored, new)


def _same(stored: Reservation, new: NewReservation) -> Answer:
    if stored.fingerprint != new.fingerprint():
        return Conflict(
            f"Reservation {new.reference} on {new.channel} was already made with different "
            "lines; use a new reference for a new hold."
        )
    return Reserved(stored, replayed=True)


def _again(first: Answer | None, new: NewReservation) -> Answer:
    """The answer to a name already asked for earlier in the batch."""
    if isinstance(first, Reserved):
        return _same(first.reservation, new)
    return _decided(first)


def _decided(answer: Answer | None) -> Answer:
    if answer is None:
        raise InvariantBroken("A reservation of the batch was left without an answer.")
    return answer
