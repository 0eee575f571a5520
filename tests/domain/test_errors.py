"""Error messages: whatever the caller sent, a message can be sent as JSON and printed."""

from __future__ import annotations

from stockpool.domain.errors import InvalidRequest, UnknownChannel


def test_a_lone_surrogate_quoted_in_a_message_is_written_as_its_escape():
    error = InvalidRequest("reference PO\ud800-1 is not allowed")

    assert error.message == "reference PO\\ud800-1 is not allowed"
    assert str(error) == error.message
    error.message.encode("utf-8")  # raised UnicodeEncodeError before


def test_a_message_without_surrogates_is_unchanged():
    assert UnknownChannel("Ünïcode-✓").message.startswith("Unknown channel 'Ünïcode-✓'")
