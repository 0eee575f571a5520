"""How stockpool reaches a channel's platform: the platform's base URL (and Amazon's token URL)
and the credentials it accepts, as the object `stockpool sandbox --json` prints for that
platform, so that a sandbox is connected by copying its line.

Credentials are secrets: they are never shown (what is shown is which keys are set), never
written to a log (the repr names the keys only) and kept encrypted at rest by the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from stockpool.domain.channels import Platform
from stockpool.domain.errors import InvalidRequest

URL_MAX = 500
CREDENTIAL_KEYS_MAX = 30
CREDENTIAL_MAX = 4096

# What each platform's connector needs to call it; other keys are kept (a sandbox prints a few
# more) but not required.
REQUIRED: dict[Platform, tuple[str, ...]] = {
    Platform.SHOPIFY: ("access_token", "webhook_secret", "api_version"),
    Platform.AMAZON: ("client_id", "client_secret", "refresh_token", "seller_id", "marketplace_id"),
    Platform.WALMART: ("client_id", "client_secret"),
}


def _url(value: str, name: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(f"{name} must be an http or https URL, e.g. https://api.example.com.")
    if len(value) > URL_MAX:
        raise InvalidRequest(f"{name} is longer than {URL_MAX} characters.")
    return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class Connection:
    url: str
    credentials: Mapping[str, str] = field(repr=False)
    token_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _url(self.url, "url"))
        if self.token_url is not None:
            object.__setattr__(self, "token_url", _url(self.token_url, "token_url"))
        credentials = self.credentials
        if not isinstance(credentials, Mapping) or not credentials:
            raise InvalidRequest("credentials must be an object of the platform's keys.")
        if len(credentials) > CREDENTIAL_KEYS_MAX:
            raise InvalidRequest(f"credentials hold at most {CREDENTIAL_KEYS_MAX} keys.")
        for key, value in credentials.items():
            if not (isinstance(key, str) and key.isidentifier() and len(key) <= 64):
                raise InvalidRequest(
                    "credentials keys are names like access_token (letters, digits, _)."
                )
            if not isinstance(value, str) or not 0 < len(value) <= CREDENTIAL_MAX:
                raise InvalidRequest(
                    f"credentials.{key} must be text of 1 to {CREDENTIAL_MAX} characters."
                )
        object.__setattr__(self, "credentials", dict(credentials))

    def __repr__(self) -> str:  # never the secrets themselves
        return (
            f"Connection(url={self.url!r}, token_url={self.token_url!r}, "
            f"credentials=<{', '.join(sorted(self.credentials))}>)"
        )

    def for_platform(self, platform: Platform) -> Connection:
        """The connection checked against its channel's platform: what its connector needs is
        there."""
        if platform == Platform.MANUAL:
            raise InvalidRequest(
                "A manual channel has no platform to connect: stockpool takes its orders itself."
            )
        missing = [key for key in REQUIRED[platform] if key not in self.credentials]
        if missing:
            raise InvalidRequest(
                f"A {platform.value} connection needs credentials {', '.join(missing)} "
                f"(`stockpool sandbox --json` prints the object a sandbox accepts)."
            )
        if platform == Platform.AMAZON and self.token_url is None:
            raise InvalidRequest(
                "An amazon connection needs token_url: where Login with Amazon issues tokens."
            )
        if platform != Platform.AMAZON and self.token_url is not None:
            raise InvalidRequest(f"token_url is for amazon connections, not {platform.value}.")
        return self


@dataclass(frozen=True, slots=True)
class ConnectionShown:
    """A connection as anyone may see it: where, and which credentials are set."""

    url: str
    token_url: str | None
    credentials_set: tuple[str, ...]
    updated_at: datetime
