"""The clock and time-zone conversions, in one place so tests can move time."""

import functools
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_app_context

from services.errors import ServiceError

INPUT_FORMAT = "%Y-%m-%d %H:%M"
DEFAULT_ZONE = "Asia/Kolkata"
MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters

_frozen_now = None


def now():
    """The current instant (UTC, aware). Tests pin it with set_now()."""
    return _frozen_now if _frozen_now is not None else datetime.now(UTC)


def set_now(instant):
    """Pin the clock to an aware instant, or release it with None (tests only)."""
    global _frozen_now
    if instant is not None and instant.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _frozen_now = instant.astimezone(UTC) if instant is not None else None


@contextmanager
def pinned(instant):
    """The clock pinned to `instant` inside the block, then as it was before (tests only)."""
    global _frozen_now
    before = _frozen_now
    set_now(instant)
    try:
        yield
    finally:
        _frozen_now = before


def advance(delta):
    """Move a pinned clock forward (tests only)."""
    set_now(now() + delta)


class TimeInputError(ServiceError):
    """A date/time the user typed cannot be used; the message says why."""


def zone(name=None):
    """A ZoneInfo for `name` (see parse_zone), the configured display zone by default."""
    if name is None:
        name = current_app.config["DISPLAY_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return parse_zone(name)


def parse_zone(name):
    """The ZoneInfo of an IANA zone name; TimeInputError for a blank, over-long or unknown one.

    Every zone a user sends (`?tz=`, `?timezone=`, a slot's `timezone`) is read here. Names are
    looked up in the tzdata list first, so no user text ever becomes a file path.
    """
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise TimeInputError("Enter a time zone, an IANA name such as Asia/Kolkata.")
    if len(text) > MAX_ZONE_NAME or text not in _known_zones():
        raise TimeInputError(f"Unknown time zone {text[:MAX_ZONE_NAME]!r}.")
    return ZoneInfo(text)


@functools.cache
def _known_zones():
    return frozenset(available_timezones())


def is_valid_zone(name):
    """True when parse_zone accepts `name`."""
    try:
        parse_zone(name)
    except TimeInputError:
        return False
    return True


def common_zones():
    """IANA zone names offered in pickers, sorted; canonical names only (no "Asia/Calcutta")."""
    return sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")) and canonical_zone(z) == z
    )


# Offered first in zone pickers: where the product's recruiters and candidates mostly are.
FEATURED_ZONES = (
    "Asia/Kolkata",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Dublin",
    "Asia/Singapore",
    "Asia/Dubai",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Perth",
    "Asia/Tokyo",
    "UTC",
)


@functools.cache
def picker_zones():
    """Canonical zone names for a zone typeahead: FEATURED_ZONES first, then the rest A–Z (once per process)."""
    return FEATURED_ZONES + tuple(z for z in common_zones() if z not in FEATURED_ZONES)


@functools.cache
def _zone_links():
    """(alias → target links, the zones countries use) from the tzdata package's zone database."""
    root = resources.files("tzdata").joinpath("zoneinfo")
    links = {}
    for line in root.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    in_use = {"UTC"}
    for line in root.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            in_use.add(line.split("\t")[2])
    return links, frozenset(in_use)


def canonical_zone(name):
    """The canonical name of an IANA zone: "Asia/Calcutta" → "Asia/Kolkata".

    A name countries still use (zone.tab) stays, so "Europe/Amsterdam" does not become the zone
    it is linked to now; an old alias follows its link.
    """
    links, in_use = _zone_links()
    if not name or name in in_use:
        return name
    target = links.get(name)
    return target if target in in_use else name


def localize(naive, tz):
    """Attach `tz` to a wall-clock time, refusing times that do not exist or are ambiguous there."""
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        raise TimeInputError(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (clocks skip it).")
    if aware.utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset():
        raise TimeInputError(f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key}; pick another time.")
    return aware


def parse_local(text, tz=None):
    """`YYYY-MM-DD HH:MM` in `tz` (display zone by default) → aware UTC datetime."""
    try:
        naive = datetime.strptime((text or "").strip(), INPUT_FORMAT)
    except ValueError:
        raise TimeInputError(f"{text!r} is not a time in the form YYYY-MM-DD HH:MM.") from None
    return localize(naive, tz or zone()).astimezone(UTC)


def combine_local(day, clock, tz=None):
    """A date and a wall-clock time in `tz` → aware UTC datetime."""
    if not isinstance(day, date) or not isinstance(clock, time):
        raise TimeInputError("A date and a time are both needed.")
    return localize(datetime.combine(day, clock), tz or zone()).astimezone(UTC)


def to_zone(instant, tz=None):
    """An aware instant shown in `tz` (display zone by default)."""
    return instant.astimezone(tz or zone())


def format_local(instant, tz=None, fmt="%a %d %b %Y, %H:%M %Z"):
    """A human-readable wall-clock time of `instant` in `tz`."""
    if instant is None:
        return ""
    return to_zone(instant, tz).strftime(fmt)


def isoformat_z(instant):
    """RFC 3339 UTC with a Z, as the seeds' API shows (`2024-10-20T14:30:00Z`)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None


def start_of_day(day, tz=None):
    """The UTC instant a local day starts."""
    return datetime.combine(day, time.min).replace(tzinfo=tz or zone()).astimezone(UTC)
