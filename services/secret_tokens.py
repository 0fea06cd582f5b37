"""Secrets handed out in links and headers: made by `secrets`, stored only as their SHA-256."""

import hashlib


def hash_token(raw):
    """The stored form of a raw token (API tokens, reset links, scheduling links, recovery codes)."""
    return hashlib.sha256(raw.encode()).hexdigest()
