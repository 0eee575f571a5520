"""Calling a platform without hammering it: token buckets, retries with backoff, the circuit
breaker - on a clock moved by hand."""

import pytest

from stockpool.channels.resilience import (
    Backoff,
    CircuitBreaker,
    Retry,
    TokenBucket,
    call,
    push_each,
)
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Outcome, Push, Pushed
from stockpool.domain.sync_health import Vitals


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_bucket_lets_its_burst_through_then_paces_at_its_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.wait_for() for _ in range(3)] == [0, 0, 0]
    assert bucket.wait_for() == pytest.approx(0.5)
    clock.now += 10
    assert bucket.wait_for() == 0  # refilled, up to the burst only
    bucket.seen(available=0, rate=1)
    assert bucket.wait_for() == pytest.approx(1.0)


def test_retries_back_off_with_jitter_or_the_platforms_retry_after():
    clock = Clock()
    answers = iter([Retry("throttled", after=2.0), Retry("503"), "done"])

    def attempt():
        answer = next(answers)
        if isinstance(answer, Retry):
            raise answer
        return answer

    result = call(
        attempt,
        bucket=TokenBucket(100, 100, clock=clock),
        breaker=CircuitBreaker(clock=clock),
        backoff=Backoff(base=1, jitter=lambda: 0.5),
        sleep=clock.sleep,
    )
    assert result == "done"
    assert clock.slept == [2.0, 1.0]  # Retry-After, then half of base * 2**1


def test_a_failing_platform_opens_the_circuit_until_the_cooldown():
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown=30, clock=clock)
    calls = []

    def failing():
        calls.append(clock.now)
        raise Retry("500")

    options = dict(
        bucket=TokenBucket(100, 100, clock=clock),
        breaker=breaker,
        backoff=Backoff(attempts=5, jitter=lambda: 0),
        sleep=clock.sleep,
    )
    with pytest.raises(PlatformUnavailable, match="circuit open"):
        call(failing, **options)
    assert len(calls) == 3  # opened after three in a row; the rest refused at once
    assert breaker.vitals() == Vitals("open", 3, 0)
    with pytest.raises(PlatformUnavailable, match="circuit open"):
        call(failing, **options)
    assert len(calls) == 3
    clock.now += 31  # half open: one call is let through, and it succeeds
    assert breaker.vitals().circuit == "half_open"
    assert call(lambda: "back", **options) == "back"
    assert not breaker.open and breaker.failed_in_a_row == 0
    assert breaker.vitals() == Vitals("closed", 0, 0)


def test_a_throttling_platform_is_slowed_down_for_but_its_circuit_stays_closed():
    clock = Clock()
    breaker = CircuitBreaker(failures=2, cooldown=30, clock=clock)
    answers = iter([Retry("429", after=1.0, throttled=True)] * 3 + ["done"])

    def attempt():
        answer = next(answers)
        if isinstance(answer, Retry):
            raise answer
        return answer

    result = call(
        attempt,
        bucket=TokenBucket(100, 100, clock=clock),
        breaker=breaker,
        backoff=Backoff(attempts=5, jitter=lambda: 0),
        sleep=clock.sleep,
    )
    assert result == "done" and not breaker.open and breaker.failed_in_a_row == 0
    assert clock.slept == [1.0, 1.0, 1.0]
    assert breaker.vitals() == Vitals("closed", 0, 3)  # the throttled answers, counted


def test_a_call_may_cost_more_than_one_token_and_the_platform_may_resize_its_bucket():
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=100, clock=clock)
    assert bucket.wait_for(60) == 0
    assert bucket.wait_for(60) == pytest.approx(2.0)  # 20 short at 10 a second
    bucket.seen(available=500, rate=50, burst=1000)
    assert (bucket.tokens, bucket.rate, bucket.burst) == (500, 50, 1000)


def test_an_open_circuit_says_how_long_it_stays_open():
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=30, clock=clock)
    breaker.failed()
    clock.now += 12
    with pytest.raises(CircuitOpen) as refused:
        breaker.allow()
    assert refused.value.retry_in == pytest.approx(18)


def test_pushes_go_one_by_one_until_the_circuit_opens():
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=30, clock=clock)
    listing = Listing("amazon", "A-1", "TEE")
    pushes = [Push(listing, quantity, version) for version, quantity in enumerate((5, 4, 3), 1)]
    sent: list[int] = []

    def push_one(push: Push) -> Pushed:
        breaker.allow()
        sent.append(push.quantity)
        if push.quantity == 4:
            breaker.failed()
            raise PlatformUnavailable("HTTP 500")
        return Pushed(push, Outcome.APPLIED)

    results = push_each(pushes, push_one)
    assert [(r.push.quantity, r.outcome) for r in results] == [
        (5, Outcome.APPLIED),
        (4, Outcome.FAILED),  # tried and failed: it backs off
    ]  # 3 was not sent: no result, still due
    assert sent == [5, 4] and results[1].detail == "HTTP 500"
    with pytest.raises(CircuitOpen):  # not one sent
        push_each(pushes[2:], push_one)
