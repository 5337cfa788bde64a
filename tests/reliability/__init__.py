"""The reliability and security suite: faults, crashes, concurrency, hostile input, secrets.

RELIABILITY.md states each promise with the figures these tests back it with.
"""

from __future__ import annotations


def assert_one_sentence(message: str) -> None:
    """What a user is shown when hcctl fails: one line of words, never a traceback."""
    assert message.strip(), "an empty error message"
    assert "\n" not in message.strip(), f"more than one line: {message!r}"
    assert "Traceback" not in message, message
