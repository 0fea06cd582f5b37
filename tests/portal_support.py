"""Sessions for portal, interviewer and review tests, booked the real way (services.booking)."""
import re
from datetime import timedelta

from models import InterviewSession, db
from services import booking, timeutil
from tests.booking_support import make_candidate, make_job, make_slot

RESUME = "Backend developer, 4 years of Python, Flask and PostgreSQL; REST APIs; Docker on AWS; pytest."


def book_session(minutes_ahead=2, kind="technical", language="PYTHON", name="Asha Rao", actor=None, job=None):
    """A booked interview starting `minutes_ahead` from the (frozen) clock; returns its session."""
    job = job or make_job("Backend Engineer", language=language)
    job.job_description = "We build REST APIs in Python with PostgreSQL. Docker and testing matter."
    candidate = make_candidate(job, name, resume_text=RESUME)
    slot = make_slot(job, timeutil.now() + timedelta(minutes=minutes_ahead), kind=kind)
    interview = booking.book_interview(candidate, slot, actor=actor)
    return db.session.get(InterviewSession, interview.session.id)


def open_window(session):
    """Move the clock to the scheduled start."""
    timeutil.set_now(session.scheduled_at)


def stage_view(html):
    """The data-view of the portal stage in a page or fragment."""
    return re.search(r'id="portal-stage" data-state="(\w+)" data-view="(\w+)"', html).groups()


def hx(**extra):
    return {"HX-Request": "true", **extra}
