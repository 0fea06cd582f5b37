"""Key guessing is slowed per IP address: each may fail PORTAL_LOOKUP_LIMIT session-key lookups
(unknown or malformed keys answer 404); past that, every lookup from it is refused with 429 until
the window moves on. A candidate's own page never uses the budget.

The Flask-Limiter extension's storage and strategy are used directly: its route decorator
evaluates the extension's whole rule set on every request, about a tenth of a countdown view's
cost, when all this needs is one test before the lookup and one hit after a 404.
"""
import time
from functools import lru_cache

from flask import abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse

from extensions import limiter

SCOPE = "portal-key-lookup"
DEFAULT_LIMIT = "30/minute"


def refuse_guessers():
    """Before a portal view: 429 for an address past its budget of failed lookups."""
    if not _applies():
        return
    limit, address = _limit(), get_remote_address()
    if not limiter.limiter.test(limit, SCOPE, address):
        window = limiter.limiter.get_window_stats(limit, SCOPE, address)
        abort(429, retry_after=max(int(window.reset_time - time.time()), 1))


def count_failed_lookup(response):
    """After a portal view: a 404 (no such key) uses up one of the address's lookups."""
    if response.status_code == 404 and _applies():
        limiter.limiter.hit(_limit(), SCOPE, get_remote_address())
    return response


def _applies():
    # The bare "/" without a key only redirects to sign-in: it looks nothing up.
    return current_app.config["RATELIMIT_ENABLED"] and not (request.endpoint == "portal.index" and "session_key" not in request.args)


def _limit():
    return _parsed(current_app.config.get("PORTAL_LOOKUP_LIMIT", DEFAULT_LIMIT))


@lru_cache(maxsize=8)
def _parsed(limit_string):
    return parse(limit_string)

