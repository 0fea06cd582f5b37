"""Key guessing is slowed per IP address: each may fail PORTAL_LOOKUP_LIMIT session-key lookups
(unknown or malformed keys answer 404); past that, every lookup from it is refused with 429 until
the window moves on. A candidate's own page never uses the budget.

The Flask-Limiter extension's storage and strategy are used directly: its route decorator
evaluates the extension's whole rule set on every request, about a tenth of a countdown view's
cost, when all this needs is one test before the lookup and one hit after a 404.

When that storage (Redis) fails, lookups are counted in this process's memory for
STORAGE_RETRY_SECONDS before it is tried again: an outage neither locks candidates out of their
interviews with 500s nor leaves guessing unchecked.
"""

import time
from functools import lru_cache

from flask import abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage

from extensions import limiter

SCOPE = "portal-key-lookup"
STORAGE_RETRY_SECONDS = 30


def refuse_guessers():
    """Before a portal view: 429 for an address past its budget of failed lookups."""
    if not _applies():
        return
    limit, address = _limit(), get_remote_address()
    counter = _counter()
    if not counter.test(limit, SCOPE, address):
        window = counter.get_window_stats(limit, SCOPE, address)
        abort(429, retry_after=max(int(window.reset_time - time.time()), 1))


def count_failed_lookup(response):
    """After a portal or scheduling-link view: a 404 (no such key) or 410 (a dead link) uses up one
    of the address's lookups."""
    if response.status_code in (404, 410) and _applies():
        _counter().hit(_limit(), SCOPE, get_remote_address())
    return response


class _FailedLookupCounter:
    """The extension's rate-limit strategy on its shared storage, or on memory while that is down."""

    def __init__(self):
        self._in_memory = None
        self._shared_down_until = 0.0

    def test(self, *args):
        return self._run("test", *args)

    def hit(self, *args):
        return self._run("hit", *args)

    def get_window_stats(self, *args):
        return self._run("get_window_stats", *args)

    def _run(self, method, *args):
        shared = limiter.limiter
        if time.monotonic() >= self._shared_down_until:
            try:
                return getattr(shared, method)(*args)
            except (StorageError, *_as_tuple(limiter.storage.base_exceptions)):
                current_app.logger.warning(
                    "Rate-limit storage unreachable: failed portal key lookups are counted in memory for %d s",
                    STORAGE_RETRY_SECONDS,
                )
                self._shared_down_until = time.monotonic() + STORAGE_RETRY_SECONDS
        if self._in_memory is None:
            self._in_memory = type(shared)(MemoryStorage())
        return getattr(self._in_memory, method)(*args)


def _as_tuple(exceptions):
    return exceptions if isinstance(exceptions, tuple) else (exceptions,)


def _counter():
    counter = current_app.extensions.get("portal_key_counter")
    if counter is None:
        counter = current_app.extensions["portal_key_counter"] = _FailedLookupCounter()
    return counter


def _applies():
    # The bare "/" without a key only redirects to sign-in: it looks nothing up.
    return current_app.config["RATELIMIT_ENABLED"] and not (
        request.endpoint == "portal.index" and "session_key" not in request.args
    )


def _limit():
    return _parsed(current_app.config["PORTAL_LOOKUP_LIMIT"])


@lru_cache(maxsize=8)
def _parsed(limit_string):
    return parse(limit_string)
