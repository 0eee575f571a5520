"""The SDK wired to one seller: its API objects on an httpx client, LWA tokens of our own, and
the Calls gateway every operation goes through."""

from __future__ import annotations

import gzip
import time
from collections.abc import Mapping

import httpx
from spapi import ApiClient, Configuration  # type: ignore[import-untyped]
from spapi.api.fba_inventory_v1.fba_inventory_api import (  # type: ignore[import-untyped]
    FbaInventoryApi,
)
from spapi.api.feeds_v2021_06_30.feeds_api import FeedsApi  # type: ignore[import-untyped]
from spapi.api.listings_items_v2021_08_01.listings_api import (  # type: ignore[import-untyped]
    ListingsApi,
)
from spapi.api.orders_v2026_01_01.search_orders_api import (  # type: ignore[import-untyped]
    SearchOrdersApi,
)
from spapi.api.reports_v2021_06_30.reports_api import (  # type: ignore[import-untyped]
    ReportsApi,
)

from stockpool.channels.amazon.auth import LwaTokens
from stockpool.channels.amazon.calls import Calls, Refused
from stockpool.channels.amazon.http import HttpxRest
from stockpool.channels.resilience import Backoff, CircuitBreaker, Clock, Retry, Sleep

NEEDED = ("client_id", "client_secret", "refresh_token", "seller_id")
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
GZIP_MAGIC = b"\x1f\x8b"


class MissingCredentials(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"Amazon credentials lack {', '.join(missing)}: pass the object `stockpool sandbox "
            "--json` prints for amazon (or your app's LWA client id, secret, refresh token and "
            "seller id)."
        )


class SpApi:
    """One seller's SP-API: listings, feeds, orders, reports, FBA inventory, and the documents'
    pre-signed URLs."""

    def __init__(
        self,
        credentials: Mapping[str, str],
        url: str,
        token_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        timeout: float = 30.0,
    ) -> None:
        missing = [name for name in NEEDED if not credentials.get(name)]
        if missing:
            raise MissingCredentials(missing)
        self.seller_id = credentials["seller_id"]
        self.marketplace_id = credentials.get("marketplace_id") or "ATVPDKIKX0DER"
        self.http = httpx.Client(transport=transport, timeout=timeout)
        self.tokens = LwaTokens(credentials, token_url, self.http, clock)
        self.calls = Calls(
            self.tokens,
            clock,
            sleep,
            backoff or Backoff(),
            breaker or CircuitBreaker(clock=clock),
        )
        api = _api_client(url.rstrip("/"), self.tokens, self.http)
        self.listings = ListingsApi(api)
        self.feeds = FeedsApi(api)
        self.orders = SearchOrdersApi(api)
        self.reports = ReportsApi(api)
        self.fba_inventory = FbaInventoryApi(api)

    def upload(self, url: str, content: bytes) -> None:
        """Put a feed document's content at its pre-signed URL."""

        def put() -> None:
            answer = self.http.put(
                url, content=content, headers={"content-type": FEED_CONTENT_TYPE}
            )
            _checked(answer)

        self.calls.run("uploadFeedDocument", put)

    def download(
        self, url: str, compression: str | None, operation: str = "downloadFeedDocument"
    ) -> bytes:
        """A (feed or report) document's content from its pre-signed URL, unzipped if Amazon
        zipped it."""

        def get() -> bytes:
            return _checked(self.http.get(url)).content

        content = self.calls.run(operation, get)
        # Already unzipped if the URL answered with Content-Encoding: gzip (httpx decodes it).
        zipped = compression == "GZIP" and content[:2] == GZIP_MAGIC
        return gzip.decompress(content) if zipped else content

    def close(self) -> None:
        self.http.close()


def _api_client(url: str, tokens: LwaTokens, http: httpx.Client) -> ApiClient:
    configuration = Configuration()
    configuration.host = url
    # Set after the client is built: ApiClient's constructor would fetch a token at once.
    configuration.access_token_cache = None
    api = ApiClient(configuration=configuration)
    configuration.access_token_cache = tokens
    api.rest_client = HttpxRest(http)
    return api


def _checked(answer: httpx.Response) -> httpx.Response:
    """A pre-signed URL's answer: 2xx, else Retry (429, 5xx) or Refused."""
    if answer.status_code == 429 or answer.status_code >= 500:
        raise Retry(f"the document URL answered {answer.status_code}")
    if answer.status_code >= 400:
        raise Refused(answer.status_code, [{"code": "Document", "message": answer.text[:200]}])
    return answer
