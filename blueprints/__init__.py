"""One package per user-facing area; shared view helpers live in web.py."""
