"""What the Python test drivers (tests/hostile, tests/deploy) share: how a case fails or is
skipped, and a bounded wait."""
import time

WAIT_S = 10.0  # bound on any wait for something that should happen


class Failure(Exception):
    """The case failed; the message says what was wrong."""


class Skip(Exception):
    """The case cannot run here (a missing tool or privilege); the message says why."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def until(pred, what, timeout=WAIT_S):
    """Polls pred() until it is true and returns its value; fails with what after timeout
    seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)
