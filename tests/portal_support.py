"""Sessions for portal, interviewer and review tests, booked the real way (services.booking)."""
import io
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


REVIEW_CLIENT = "review-tab-000001"


def take_interview(client, session, clock, audio=False):
    """Answer every question through the portal; one answer carries HTML, one a recording."""
    open_window(session)
    client.post("/interview/start", data={"session_key": session.session_key, "client_id": REVIEW_CLIENT, "audio_consent": "yes"}, headers=hx())
    for question in list(session.questions):
        clock.advance(timedelta(seconds=42))
        data = {"session_key": session.session_key, "question_id": str(question.id), "client_id": REVIEW_CLIENT,
                "text": f"Answer to {question.position}: <script>alert(1)</script>" if question.position == 1 else f"Answer to {question.position}"}
        if question.kind == "coding":
            data["code"] = "def f(x):\n    return x < 2 and '<b>'\n"
        if audio and question.position == 0:
            data["audio"] = (io.BytesIO(b"OggS fake voice"), "a.ogg", "audio/ogg")
        client.post("/interview/answer", data=data, headers=hx(), content_type="multipart/form-data")
    db.session.refresh(session)
    return session.interview
