"""Fixtures for the Walmart sandbox tests (a pytest plugin: `pytest_plugins` in each test
module): a fast sandbox, served, and clients whose every exchange is checked against Walmart's
models."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.walmart import WalmartSandbox
from tests.sandbox.walmart_contract import WalmartContract, walmart_specs
from tests.sandbox.walmart_support import DELAY, FEED_RECEIVED, FEED_SECONDS, Api, ClientFor


@pytest.fixture(scope="session")
def walmart_models() -> WalmartContract | None:
    root = walmart_specs()
    return None if root is None else WalmartContract(root)


@pytest.fixture(scope="session")
def walmart_contract(walmart_models: WalmartContract | None) -> WalmartContract:
    if walmart_models is None:
        pytest.skip(
            "Walmart's models are not there: set STOCKPOOL_SPECS_DIR to a folder holding "
            "walmart/{auth,inventory,feeds,orders}.json (default ../shared/specs beside the checkout)"
        )
    return walmart_models


@pytest.fixture
def walmart_client(walmart_models: WalmartContract | None) -> ClientFor:
    """Clients checked against Walmart's models when they are there, plain ones otherwise
    (the behaviour tests still run; test_walmart_contract skips)."""
    if walmart_models is not None:
        return walmart_models.client
    return lambda base_url: httpx.Client(base_url=base_url, timeout=10)


@pytest.fixture
def walmart() -> WalmartSandbox:
    sandbox = WalmartSandbox(
        delay_seconds=DELAY,
        seed=7,
        feed_processing_seconds=FEED_SECONDS,
        feed_received_seconds=FEED_RECEIVED,
    )
    sandbox.seed(5, quantity=10)
    return sandbox


@pytest.fixture
def walmart_url(serve: Callable[[Sandbox], str], walmart: WalmartSandbox) -> str:
    return serve(walmart)


@pytest.fixture
def walmart_bare(walmart_client: ClientFor, walmart_url: str) -> Iterator[httpx.Client]:
    """A client that sends only the headers each call gives."""
    with walmart_client(walmart_url) as client:
        yield client


@pytest.fixture
def walmart_api(walmart_bare: httpx.Client, walmart: WalmartSandbox) -> Api:
    return Api(walmart_bare, walmart.credentials["access_token"])
