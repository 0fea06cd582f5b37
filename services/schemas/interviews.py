"""Interviews (seeds 001/002): create one, book it into a slot, its session and link, move or cancel it."""

from pydantic import ConfigDict

from models import CodingLanguage, InterviewStatus
from services import notifications, timeutil
from services.schemas import INSTANT, NULLABLE_STRING, NULLABLE_UUID, STRING, UUID, Answer, Body
from services.validation import Described, RequiredId

EMAIL_SENT_TEXT = (
    "true when the invitation was delivered, or is queued (or retrying) for a configured SMTP server; "
    "false when no SMTP server is configured, delivery failed or there is no invitation"
)
EMAIL_STATUS_TEXT = (
    "The invitation's outbox state: sent, queued, sending, retrying (a try failed, it is tried again), "
    "unconfigured (no SMTP server; it waits), failed (given up) or cancelled"
)
NOTES = Described(STRING)


class InterviewCreate(Body):
    """Other fields are accepted and ignored: the older system's frontend sent its own interview
    fields along with candidate_id and job_id (seed 002), and its scripts still do."""

    model_config = ConfigDict(extra="ignore")

    candidate_id: RequiredId("candidate_id")
    job_id: RequiredId("job_id")
    slot_id: Described(UUID, "Book into this slot at once (not with scheduled_at)") = None
    scheduled_at: Described(
        {"type": "string", "examples": ["2030-01-16T14:30:00+05:30", "2030-01-16 14:30"]},
        "Book at this time into a new 1-seat slot as long as the job's interviews: ISO 8601 "
        "with an offset (or Z), or YYYY-MM-DD HH:MM in IST (not with slot_id)",
    ) = None
    booking_notes: Described(STRING, "With slot_id or scheduled_at") = None


class SlotBooking(Body):
    interview_id: RequiredId("interview_id")
    booking_notes: NOTES = None


class InterviewBooking(Body):
    interview_id: RequiredId("interview_id")
    slot_id: RequiredId("slot_id")
    booking_notes: NOTES = None


class SessionRequest(Body):
    interview_id: RequiredId("interview_id")


class Reschedule(Body):
    slot_id: RequiredId("slot_id")


class InterviewCancel(Body):
    reason: Described(STRING, "Told to the candidate") = None


class Interview(Answer):
    id: Described(UUID)
    candidate_id: Described(UUID)
    job_id: Described(UUID)
    slot_id: Described(NULLABLE_UUID)
    status: Described({"enum": list(InterviewStatus)})
    started_at: Described(INSTANT) = None
    ended_at: Described(INSTANT) = None
    session_key: Described(NULLABLE_STRING)
    interview_link: Described(NULLABLE_STRING)
    booking_notes: Described(STRING) = None
    email_status: Described(NULLABLE_STRING, EMAIL_STATUS_TEXT) = None
    email_sent: Described({"type": "boolean"}, EMAIL_SENT_TEXT) = None

    @classmethod
    def fields_of(cls, interview):
        email = notifications.invitation_email(interview)
        return {
            "id": str(interview.id),
            "candidate_id": str(interview.candidate_id),
            "job_id": str(interview.job_id),
            "slot_id": str(interview.slot_id) if interview.slot_id else None,
            "status": interview.status,
            "started_at": timeutil.isoformat_z(interview.started_at),
            "ended_at": timeutil.isoformat_z(interview.ended_at),
            "session_key": interview.session_key,
            "interview_link": notifications.interview_link(interview.session_key) if interview.session_key else None,
            "booking_notes": interview.schedule.booking_notes if interview.schedule else "",
            "email_status": email.status if email else None,
            "email_sent": notifications.email_was_sent(email),
        }

    @classmethod
    def of(cls, interview):
        return cls(**cls.fields_of(interview))


class InterviewSessionLink(Answer):
    """The response of create_interview_session, field for field as the older system answered"""

    success: Described({"const": True})
    interview_link: Described(STRING)
    session_key: Described(STRING)
    session_id: Described(UUID)
    candidate_name: Described(STRING)
    candidate_email: Described(STRING)
    scheduled_at: Described(INSTANT)
    coding_language: Described({"enum": list(CodingLanguage)})
    email_sent: Described({"type": "boolean"}, EMAIL_SENT_TEXT)

    @classmethod
    def fields_of(cls, interview):
        session = interview.session
        return {
            "success": True,
            "interview_link": notifications.interview_link(session.session_key),
            "session_key": session.session_key,
            "session_id": str(session.id),
            "candidate_name": session.candidate_name,
            "candidate_email": session.candidate_email,
            "scheduled_at": timeutil.isoformat_z(session.scheduled_at),
            "coding_language": session.coding_language,
            "email_sent": notifications.email_was_sent(notifications.invitation_email(interview)),
        }

    @classmethod
    def of(cls, interview):
        return cls(**cls.fields_of(interview))


class BookedInterview(InterviewSessionLink, Interview):
    """An interview with seed 001's session and link fields"""

    @classmethod
    def of(cls, interview):
        return cls(**(Interview.fields_of(interview) | InterviewSessionLink.fields_of(interview)))
