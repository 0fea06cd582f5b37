"""Interview slots (seeds 001/002): what creates or changes one, and a slot as answered.

services/slots/ reads the date, times, zone, capacity and type and words their refusals, so
those fields are documented here and passed through to it.
"""

from pydantic import Field

from models import InterviewType, SlotStatus
from services import timeutil
from services.schemas import CLOCK, COUNT, DATE, INSTANT, STRING, UUID, UUID_LIST, Answer, Body, Query
from services.schemas.meta import CursorPaging
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing
from services.validation import ChoiceFilter, Described, Flag

ZONE = {"type": "string", "description": "IANA zone of the date and times (default Asia/Kolkata)"}
CAPACITY = {"type": "integer", "minimum": 1, "maximum": slot_parsing.MAX_CAPACITY}
SLOT_TYPE = {"enum": list(InterviewType)}
STATES = ["available", "full", "cancelled", "past"]
TIME_FIELDS = ("interview_date", "start_time", "end_time")
IGNORED_FIELDS = ("id", "job_id", "job_title", "start_at", "end_at", "current_bookings", "seats_left", "status", "state")
READ_ONLY = "Read-only: accepted (the older system's frontend sent the slot back) and ignored; named in ignored_fields"


def _read_by_slots(schema, parse, *args):
    """A field services/slots/ reads as sent; one not sent gets that parser's message for nothing."""
    errors = {}
    parse(None, *args, errors)
    return Described(schema, missing=next(iter(errors.values())))


class SlotInput(Body):
    job_id: _read_by_slots(UUID, slot_parsing.find_job)
    interview_date: _read_by_slots(DATE, slot_parsing.parse_date, "interview_date")
    start_time: _read_by_slots(CLOCK, slot_parsing.parse_clock, "start_time")
    end_time: _read_by_slots(CLOCK, slot_parsing.parse_clock, "end_time")
    max_candidates: Described({**CAPACITY, "default": 1}) = 1
    ai_interview_type: Described({**SLOT_TYPE, "default": InterviewType.TECHNICAL}) = InterviewType.TECHNICAL
    timezone: Described(ZONE) = None
    allow_overlap: Described({"type": "boolean"}, "Create even when it overlaps another slot of the job") = False


class SlotUpdate(Body):
    """Only the fields sent change (PUT too). The slot's read-only fields (seed 002's frontend sent current_bookings and status; seats move only by booking) are accepted, ignored and named in ignored_fields"""  # noqa: E501  (the description's one line)

    max_candidates: Described(CAPACITY) = None
    ai_interview_type: Described(SLOT_TYPE) = None
    interview_date: Described(DATE, "Moves the slot; omitted (or null) keeps the current date in `timezone`") = None
    start_time: Described(CLOCK, "Moves the slot; omitted (or null) keeps the current start") = None
    end_time: Described(CLOCK, "Moves the slot; omitted (or null) keeps the current end") = None
    timezone: Described({**ZONE, "description": "IANA zone of the date and times sent and answered (default Asia/Kolkata)"}) = (
        None
    )
    confirm: Flag(
        "confirm", description="Move a booked slot: its interviews move too (same links) and each candidate is e-mailed"
    ) = False
    allow_overlap: Flag("allow_overlap", description="Move even when it overlaps another slot of the job") = False
    id: Described(UUID, READ_ONLY) = None
    job_id: Described(UUID, READ_ONLY) = None
    job_title: Described(STRING, READ_ONLY) = None
    start_at: Described(INSTANT, READ_ONLY) = None
    end_at: Described(INSTANT, READ_ONLY) = None
    current_bookings: Described(COUNT, READ_ONLY) = None
    seats_left: Described(COUNT, READ_ONLY) = None
    status: Described({"type": "string"}, READ_ONLY) = None
    state: Described({"type": "string"}, READ_ONLY) = None

    def moves(self):
        """True when a date or time was sent: the slot may move."""
        return bool(self.model_fields_set & set(TIME_FIELDS))

    def ignored(self):
        """The read-only fields sent, by name."""
        return sorted(self.model_fields_set & set(IGNORED_FIELDS))


class SlotZoneQuery(Query):
    timezone: Described({"type": "string"}, "Zone of the dates and times in the answer") = None

    def zone(self):
        """A display preference: a zone that is not one shows the display zone."""
        return timeutil.zone(self.timezone) if timeutil.is_valid_zone(self.timezone) else timeutil.zone()


class SlotListQuery(SlotZoneQuery, CursorPaging):
    job_id: Described(UUID, "Only this job's slots") = None
    status: ChoiceFilter(list(SlotStatus), "Only slots with this status") = None
    from_: Described(DATE, "From this day (in the zone)") = Field(None, alias="from")
    to: Described(DATE, "Before this day (in the zone)") = None


class SlotCancel(Body):
    reason: Described({"type": "string"}, "Told to the candidates") = None


class Slot(Answer):
    id: Described(UUID)
    job_id: Described(UUID)
    job_title: Described(STRING) = None
    interview_date: Described(DATE)
    start_time: Described(CLOCK)
    end_time: Described(CLOCK)
    timezone: Described(STRING) = None
    start_at: Described(INSTANT)
    end_at: Described(INSTANT)
    ai_interview_type: Described(SLOT_TYPE) = None
    max_candidates: Described({"type": "integer"})
    current_bookings: Described(COUNT)
    seats_left: Described(COUNT) = None
    status: Described({"enum": list(SlotStatus)})
    state: Described({"enum": STATES}) = None
    ignored_fields: Described({"type": "array", "items": {"type": "string"}}, "PUT/PATCH: fields sent that were ignored") = None
    moved_interviews: Described(UUID_LIST, "PUT/PATCH: interviews that moved with the slot") = None

    @classmethod
    def of(cls, slot, tz=None, **changes):
        """The slot with its times in `tz` (the display zone by default); `changes`: what a PUT did."""
        tz = tz or timeutil.zone()
        start, end = timeutil.to_zone(slot.start_at, tz), timeutil.to_zone(slot.end_at, tz)
        return cls(
            id=str(slot.id),
            job_id=str(slot.job_id),
            job_title=slot.job.job_title,
            interview_date=start.date().isoformat(),
            start_time=start.strftime("%H:%M"),
            end_time=end.strftime("%H:%M"),
            timezone=tz.key,
            start_at=timeutil.isoformat_z(slot.start_at),
            end_at=timeutil.isoformat_z(slot.end_at),
            ai_interview_type=slot.ai_interview_type,
            max_candidates=slot.max_candidates,
            current_bookings=slot.current_bookings,
            seats_left=slot.seats_left,
            status=slot.status,
            state=slot_crud.state_of(slot),
            **changes,
        )


class SlotCancelled(Answer):
    slot: Slot
    cancelled_interviews: Described(UUID_LIST)
