"""The signature on each delivery, the subscriber's check, and the retry backoff."""

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.webhook_signing import backoff_seconds, sign, verify

SECRET = "whsec_test"
BODY = b'{"event":"alert.raised"}'


def test_a_signed_body_verifies_and_a_tampered_one_does_not():
    signature = sign(SECRET, 1_700_000_000, BODY)
    assert signature.startswith("v1=")
    assert verify(SECRET, "1700000000", BODY, signature, now=1_700_000_010)
    assert not verify(SECRET, "1700000000", BODY + b" ", signature, now=1_700_000_010)
    assert not verify(SECRET, "1700000001", BODY, signature, now=1_700_000_010)
    assert not verify("whsec_other", "1700000000", BODY, signature, now=1_700_000_010)
    assert not verify(SECRET, "soon", BODY, signature, now=1_700_000_010)


def test_an_old_delivery_replayed_fails_the_tolerance():
    signature = sign(SECRET, 1_700_000_000, BODY)
    assert not verify(SECRET, 1_700_000_000, BODY, signature, now=1_700_000_301)
    assert verify(SECRET, 1_700_000_000, BODY, signature, now=1_700_000_301, tolerance=600)


def test_any_of_several_signatures_may_match_while_a_secret_is_rotated():
    both = f"{sign('whsec_old', 5, BODY)}, {sign(SECRET, 5, BODY)}"
    assert verify(SECRET, 5, BODY, both, now=5)


@given(st.integers(1, 30), st.floats(0, 1), st.floats(0, 1))
def test_backoff_grows_within_its_cap_and_jitter_stays_in_the_upper_half(attempts, j1, j2):
    wait = backoff_seconds(attempts, base=30, cap=3600, jitter=j1)
    ceiling = min(3600, 30 * 2 ** (attempts - 1))
    assert ceiling / 2 <= wait <= ceiling
    later = backoff_seconds(attempts + 1, base=30, cap=3600, jitter=j2)
    assert later >= wait / 2
