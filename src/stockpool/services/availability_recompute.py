"""Following a transaction's changes: the numbers of the SKUs it touched (and of the bundles made
of them) decided again and stored in that transaction, the changed ones queued for the outbox,
its sales folded into demand.

load -> decide -> save. On PostgreSQL a transaction decides a SKU only while holding its
availability row, locked before its stock is read (usually in the same round trip), so it sees
what any earlier decider committed; on SQLite the database write lock makes deciders take turns.
Decided with the cached setup when the revision read with the inputs says it is current.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.advertised import decode, encode
from stockpool.domain.changes import ListedSale, SoldFrom
from stockpool.domain.demand import Rate, with_sale
from stockpool.domain.errors import InvariantBroken
from stockpool.services.availability_decider import Decider, bundle_numbers
from stockpool.services.availability_inputs import Inputs, load
from stockpool.services.availability_setup import AvailabilitySettings, Setup, SetupCache
from stockpool.services.ports import UnitOfWork

Sale = tuple[str, str, int, datetime]  # sku, channel, units, placed at


@dataclass(frozen=True, slots=True)
class Recomputed:
    """How many SKUs were decided, and how many of their numbers changed."""

    skus: int
    changed: int

    def __add__(self, other: Recomputed) -> Recomputed:
        return Recomputed(self.skus + other.skus, self.changed + other.changed)


def recompute(
    uow: UnitOfWork,
    setups: SetupCache,
    setup: Setup,
    skus: Sequence[str],
    at: datetime,
    *,
    sales: Sequence[Sale] = (),
    listed_sales: Sequence[ListedSale] = (),
    parents: bool = True,
    except_for: frozenset[tuple[str, str]] = frozenset(),
) -> Recomputed:
    """Decide and store the numbers of skus (and, parents, the bundles made of them), queue
    changed numbers of listed SKUs (but except_for's) and the listings sold from (listed_sales,
    whose SKUs are among skus), and fold sales into demand. A listing whose last push the
    platform accepted after the buyer ordered is not lowered: that push, an absolute number,
    landed after the platform's own sale and undid it."""
    setup, ordered, old, inputs = _locked_inputs(uow, setups, setup, skus, at, parents=parents)
    if sales:
        fold_sales(uow, setups.settings, inputs, sales, {c.code for c in setup.channels})
    numbers = decide_numbers(setups.settings, setup, ordered, inputs, at)
    changed = {
        sku: text
        for sku, text in ((s, encode(numbers[s])) for s in ordered)
        if old.get(sku) != text
    }
    uow.availability.write(changed, at)
    sold = [  # of SKUs whose rows are locked above
        (channel, sku, code, units, placed_at)
        for channel, sku, code, units, placed_at in listed_sales
        if sku in numbers and channel in setup.lags
    ]
    if (changed or sold) and setup.listings:
        before = {s: decode(old.get(s)) for s in changed}
        queue_pushes(uow, before, numbers, at, except_for=except_for, sold=sold)
    return Recomputed(len(ordered), len(changed))


def _locked_inputs(
    uow: UnitOfWork,
    setups: SetupCache,
    setup: Setup,
    skus: Sequence[str],
    at: datetime,
    *,
    parents: bool,
) -> tuple[Setup, list[str], dict[str, str], Inputs]:
    """The SKUs to decide (in order), their stored numbers and inputs, read with their rows
    locked, and the setup as of the revision read with them (reloaded if the one given is old)."""
    old: dict[str, str] = {}
    while True:
        ordered = _targets(uow, setup, skus, parents=parents)
        inputs: Inputs | None
        if uow.availability.postgresql:
            revision, inputs = _lock_first(uow, setup, ordered, at, old)
        else:
            revision, old, inputs = load(uow, setup, ordered, at, old=True)
        if revision != setup.revision:
            setup = setups.current(uow)  # the cached setup was old: decide with the new one
            continue
        if inputs is None:
            _, _, inputs = load(uow, setup, ordered, at)
        return setup, ordered, old, inputs


def _targets(uow: UnitOfWork, setup: Setup, skus: Sequence[str], *, parents: bool) -> list[str]:
    """skus and (parents) the bundles made of them, in order."""
    targets = set(skus)
    if setup.bundles and parents:
        for bundles in uow.availability.bundles_of(targets).values():
            targets.update(bundles)
    return sorted(targets)


def _lock_first(
    uow: UnitOfWork, setup: Setup, ordered: Sequence[str], at: datetime, old: dict[str, str]
) -> tuple[int, Inputs | None]:
    """PostgreSQL: lock the rows before reading stock, to see the last decider's commit; their
    stored numbers into old. The revision, and the inputs when read in the same round trip."""
    if not (setup.bundles or old):  # the lock and the read in one round trip
        revision, stored, inputs = load(uow, setup, ordered, at, lock=True)
        old.update(stored)
        return revision, inputs
    # Should a stale setup hide a bundle, its row is locked on the next pass, after the
    # others: only while bundles change can that order cross another transaction's.
    revision, locked = uow.availability.lock_reading_revision(
        [s for s in ordered if s not in old], at
    )
    old.update(locked)
    return revision, None


def fold_sales(
    uow: UnitOfWork,
    settings: AvailabilitySettings,
    inputs: Inputs,
    sales: Sequence[Sale],
    channels: set[str],
) -> None:
    """This transaction's sales into the demand rates (read with the SKUs' rows locked):
    written back, and in inputs for the decision."""
    half_life = settings.demand_half_life_hours
    updated: dict[tuple[str, str], Rate] = {}
    for sku, channel, units, placed_at in sales:
        if channel not in channels:
            continue
        key = (sku, channel)
        before = updated.get(key) or inputs.rates.get(sku, {}).get(channel)
        updated[key] = with_sale(before, units, placed_at, half_life)
    uow.availability.write_demand(updated)
    for (sku, channel), rate in updated.items():
        inputs.rates.setdefault(sku, {})[channel] = rate


def decide_numbers(
    settings: AvailabilitySettings,
    setup: Setup,
    targets: Sequence[str],
    inputs: Inputs,
    at: datetime,
) -> dict[str, dict[str, int]]:
    """Every channel's number for each of targets: components first, then the bundles made of
    them."""
    decider = Decider(settings, setup, at)
    numbers: dict[str, dict[str, int]] = {}
    for sku in sorted(set(targets) | {c.sku for p in inputs.components.values() for c in p}):
        if sku not in inputs.components:
            numbers[sku] = decider.decide(sku, inputs)
    for sku, parts in inputs.components.items():
        numbers[sku] = {
            code: b.advertised
            for code, b in bundle_numbers(setup, sku, parts, inputs, numbers).items()
        }
    return {sku: numbers[sku] for sku in targets}


def queue_pushes(
    uow: UnitOfWork,
    before: Mapping[str, Mapping[str, int]],
    numbers: Mapping[str, Mapping[str, int]],
    at: datetime,
    *,
    except_for: frozenset[tuple[str, str]] = frozenset(),
    sold: Sequence[SoldFrom] = (),
) -> None:
    """Queue every listing whose channel's number for its SKU changed (but those of
    except_for, by (channel, channel_sku): the caller queues them itself); the listings sold
    from (sold) against what their platforms show once they lowered it, see queue_after_sales."""
    if sold:
        if except_for:
            raise InvariantBroken("queue_pushes takes sold or except_for, not both.")
        queue_after_sales(uow, before, numbers, sold, at)
        return
    if not except_for:  # the usual case: found and queued in one statement
        uow.availability.queue_changed(
            [
                (sku, channel, number)
                for sku, now in numbers.items()
                if sku in before
                for channel, number in now.items()
                if before[sku].get(channel) != number
            ],
            at,
        )
        return
    entries = []
    for channel, channel_sku, sku in uow.availability.listings_of(sorted(before)):
        now = numbers[sku].get(channel)
        if (
            now is not None
            and before[sku].get(channel) != now
            and (channel, channel_sku) not in except_for
        ):
            entries.append((channel, channel_sku, sku, now))
    uow.availability.queue(entries, at)


def queue_after_sales(
    uow: UnitOfWork,
    before: Mapping[str, Mapping[str, int]],
    numbers: Mapping[str, Mapping[str, int]],
    sold: Sequence[SoldFrom],
    at: datetime,
) -> None:
    """A platform lowers its number by what its buyers order, on its own: the listings sold
    from are lowered the same (pushed_quantity, what the platform is believed to show), then
    queued only when their channel's number differs from that - an own sale that lowers the
    number by as many queues nothing (a late absolute push would show units sold meanwhile
    again), one that leaves it (a cap) queues it back. Other listings: when their number
    changed. Two statements, after the SKUs' rows are locked (their lock order)."""
    uow.availability.lower_pushed(sold)
    sold_pairs = {(sku, channel) for channel, sku, _, _, _ in sold}
    rows = []
    for sku, now in numbers.items():
        for channel, number in now.items():
            changed = sku in before and before[sku].get(channel) != number
            if changed or (sku, channel) in sold_pairs:
                rows.append((sku, channel, number, changed))
    uow.availability.queue_after_sales(rows, sold, at)
