"""The slot picker's context (templates/schedule/_slot_picker.html), shared by the candidate's
scheduling link and the recruiter's booking dialog: days with openings, the day and time the
request chose (?day=, ?slot_id=) and the zones its switch offers."""

from flask import request

from services import timeutil

# A short list people recognise; the viewer's own zone (chosen, or detected by schedule.js) is added.
COMMON_ZONES = (
    "Asia/Kolkata",
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)
IST = "Asia/Kolkata"


def picker_context(days, zone_name, *, picker_url, confirm_url, **options):
    """What the picker shows of `days` (scheduling.days_of) in `zone_name`; `options` are the
    template's other parameters (picker_query, confirm_fields, confirm_target, …)."""
    wanted_day, wanted_slot = request.values.get("day"), request.args.get("slot_id")
    return {
        "days": days,
        "selected": next((day for day in days if day.day.isoformat() == wanted_day), days[0] if days else None),
        "chosen_slot": next((slot for day in days for slot in day.slots if str(slot.id) == wanted_slot), None),
        "zone_name": zone_name,
        "tz": timeutil.zone(zone_name),
        "ist": timeutil.zone(IST),
        "zones": COMMON_ZONES if zone_name in COMMON_ZONES else (zone_name, *COMMON_ZONES),
        "picker_url": picker_url,
        "confirm_url": confirm_url,
        **options,
    }
