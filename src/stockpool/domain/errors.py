"""Errors the domain raises; entrypoints map each kind to an HTTP status or an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # domain.movements imports this module: only the type checker reads it back
    from stockpool.domain.movements import Movement


def printable(text: str) -> str:
    """text with any unpaired surrogate written as its escape (\\ud800): UTF-8 can encode it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class StockpoolError(Exception):
    """Base of every error a person can act on; the message says what was wrong and how to fix it."""

    def __init__(self, message: str) -> None:
        # A message may quote what the caller sent; a lone surrogate in it (from a JSON escape
        # or an undecodable argument) could be neither sent as JSON nor printed.
        message = printable(message)
        super().__init__(message)
        self.message = message


class InvariantBroken(Exception):
    """Something stockpool guarantees did not hold: our bug, not the caller's. Deliberately not a
    StockpoolError, so the API answers 500 (and logs it) and the CLI shows the traceback."""


class DatabaseNotReady(StockpoolError):
    """The database is missing, unreachable, or not at the schema this code needs."""


class InvalidRequest(StockpoolError):
    """The request itself is malformed: a bad quantity, state, reason or code."""


class Unstorable(InvalidRequest):
    """The database refused a value that validation let through (out of its range, or text it
    cannot hold)."""

    def __init__(self) -> None:
        super().__init__(
            "A value in this request cannot be stored or searched (out of range, or characters "
            "the database refuses); nothing was applied."
        )


class NotFound(StockpoolError):
    """A SKU, location, key or other named thing does not exist."""


class UnknownSku(NotFound):
    def __init__(self, sku: str) -> None:
        super().__init__(f"Unknown SKU {sku!r}: create it first (PUT /v1/skus/{sku}).")
        self.sku = sku


class UnknownLocation(NotFound):
    def __init__(self, location: str) -> None:
        super().__init__(
            f"Unknown location {location!r}: create it first (PUT /v1/locations/{location})."
        )
        self.location = location


class Conflict(StockpoolError):
    """The request is well formed but cannot apply to the current state."""


class WrittenMeanwhile(Conflict):
    """Another transaction stored a record under the same unique name between this one's check
    and its insert: sending the request again finds that record."""

    def __init__(self) -> None:
        super().__init__(
            "Another request stored the same record at the same moment; send this one again."
        )


class MovementRejected(Exception):
    """The store refused a movement: not enough stock in its from_state, or an unknown SKU or
    location. The transaction is no longer usable; the service explains why after rolling back.
    Not a StockpoolError: a service must catch it and raise one a person can act on."""

    def __init__(self, movement: Movement | None) -> None:
        super().__init__(f"movement rejected: {movement or 'unknown SKU or location'}")
        self.movement = movement


class InsufficientStock(Conflict):
    def __init__(self, sku: str, location: str, state: str, held: int, requested: int) -> None:
        super().__init__(f"SKU {sku}: {held} {state} at {location}, {requested} requested.")
        self.sku = sku
        self.location = location
        self.state = state
        self.held = held
        self.requested = requested


class IdempotencyKeyReused(Conflict):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used for a different request; "
            "send a new key for a new request, or the original body to replay it."
        )
        self.key = key


class UnknownChannel(NotFound):
    def __init__(self, channel: str) -> None:
        super().__init__(
            f"Unknown channel {channel!r}: create it first (PUT /v1/channels/{channel})."
        )
        self.channel = channel


class OrderIdReused(Conflict):
    def __init__(self, channel: str, external_id: str) -> None:
        super().__init__(
            f"Order {external_id} from {channel} was already received with different lines; "
            "an order's lines cannot change by sending it again."
        )


class UnmappedChannelSku(NotFound):
    def __init__(self, channel: str, channel_skus: list[str]) -> None:
        names = ", ".join(repr(c) for c in channel_skus)
        super().__init__(
            f"Channel SKU {names} on {channel} maps to no SKU: map it with "
            f"PUT /v1/channels/{channel}/listings/{{channel_sku}} and send the order again. Orders "
            f"naming unmapped SKUs are refused and reported at GET /v1/channels/{channel}/unmapped."
        )
        self.channel = channel
        self.channel_skus = channel_skus


class UnknownChannelsServed(InvalidRequest):
    """Locations name channels that do not exist: a typo would make a location serve nothing."""

    def __init__(self, unknown: dict[str, list[str]], known: list[str]) -> None:
        named = "; ".join(
            f"{location} names {', '.join(repr(c) for c in channels)}"
            for location, channels in sorted(unknown.items())
        )
        choices = f"the channels are {', '.join(known)}" if known else "there are no channels yet"
        super().__init__(
            f"Unknown channel(s): {named}; {choices}. Fix the code, or create the channel first "
            "(PUT /v1/channels/{code})."
        )
        self.unknown = unknown


class WebhookRefused(StockpoolError):
    """A webhook delivery not signed by the platform (forged, unsigned, or signed with another
    secret): refused, and nothing it says is taken."""


class PlatformUnavailable(Exception):
    """A platform cannot be reached now (throttled past its retries, failing, or its circuit
    open): the work stays queued and is tried again later. Not a StockpoolError: it is about the
    platform, not about a request a person made."""


class CircuitOpen(PlatformUnavailable):
    """The platform was not called: its circuit is open for `retry_in` more seconds. Nothing was
    tried, so nothing counts as a failed attempt; wait that long before calling it again."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class NotConnected(Conflict):
    def __init__(self, channel: str) -> None:
        super().__init__(
            f"Channel {channel!r} is not connected to its platform: PUT /v1/channels/{channel} "
            "with a connection (or `stockpool channels connect`)."
        )
        self.channel = channel


class UnknownSkus(NotFound):
    def __init__(self, skus: list[str]) -> None:
        names = ", ".join(repr(s) for s in skus)
        super().__init__(f"Unknown SKU(s) {names}: create them first (PUT /v1/skus/{{sku}}).")
        self.skus = skus


class SnapshotReferenceReused(Conflict):
    def __init__(self, location: str, reference: str) -> None:
        super().__init__(
            f"Snapshot {reference!r} of {location} was already applied with different contents; "
            "a corrected snapshot needs a new reference."
        )


class SnapshotOutOfOrder(Conflict):
    def __init__(self, location: str, as_of: str, last: str) -> None:
        super().__init__(
            f"Snapshot as of {as_of} is older than the last one applied at {location} "
            f"(as of {last}): snapshots of a location apply in as_of order."
        )
