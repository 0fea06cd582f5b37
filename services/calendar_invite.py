"""iCalendar (.ics) invitations for interviews, built with the `icalendar` package.

One interview keeps one UID for its whole life; calendar clients apply a later message with a
higher SEQUENCE (a reschedule) over the earlier one and remove the event on METHOD:CANCEL.

`icalendar` is imported where an invitation is built, not with the app: it is slow to load and
only e-mails about an interview need it.
"""

from urllib.parse import urlsplit

from flask import current_app

from services import timeutil

PRODID = "-//Interview Scheduler//Interviews//EN"
REQUEST, CANCEL = "REQUEST", "CANCEL"


def event_uid(interview):
    """A stable UID per interview: `interview-<id>@<host of BACKEND_URL>`."""
    host = urlsplit(current_app.config["BACKEND_URL"]).hostname or "localhost"
    return f"interview-{interview.id}@{host}"


def _single_line(value):
    return " ".join(str(value or "").split())


def _address(email, name):
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(_single_line(name))
    return address


def build_invite(interview, *, method=REQUEST, summary, description, link, organizer):
    """The .ics text for `interview` (METHOD REQUEST or CANCEL), times in UTC, SEQUENCE from the interview.

    `organizer` is the sender as (name, address).
    """
    from icalendar import Calendar, Event

    sender_name, sender_email = organizer
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", event_uid(interview))
    event.add("dtstamp", timeutil.now())
    event.add("dtstart", interview.started_at)
    event.add("dtend", interview.ended_at)
    event.add("sequence", interview.sequence)
    event.add("summary", _single_line(summary))
    event.add("description", description)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    if link:
        event.add("url", link)
        event.add("location", link)
    event.add("organizer", _address(sender_email or "interviews@localhost", sender_name or "Interviews"))
    attendee = _address(interview.candidate.email, interview.candidate.full_name)
    attendee.params.update({"role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION", "rsvp": "FALSE"})
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def method_of(ics_text):
    """The METHOD of a stored .ics (REQUEST when absent), for the attachment's content type."""
    for line in (ics_text or "").splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return REQUEST
