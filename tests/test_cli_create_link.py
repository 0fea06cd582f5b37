"""`flask create-link [LANGUAGE] [NAME] [EMAIL] [TIME]` (seed 000) through the booking service."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import Candidate, Interview, InterviewSession, InterviewSlot, Job, OutboxEmail, db
from services.outbox import queue
from tests.support import BOTH_DATABASES


def lines(result):
    return result.output.strip().splitlines()


def test_defaults(app, clock, runner):
    result = runner.invoke(args=["create-link"])
    assert result.exit_code == 0, result.output
    link = next(line for line in lines(result) if line.startswith("Interview link: "))
    key = next(line for line in lines(result) if line.startswith("Session key: ")).removeprefix("Session key: ")
    assert link == f"Interview link: http://testserver.local/?session_key={key}"
    assert lines(result)[-1] == "E-mail: queued (no SMTP server configured; it goes out once MAIL_SERVER is set)"
    session = db.session.scalar(select(InterviewSession).where(InterviewSession.session_key == key))
    assert (session.candidate_name, session.candidate_email, session.coding_language) == (
        "Test Candidate",
        "test@example.com",
        "PYTHON",
    )
    assert session.scheduled_at == clock.now()
    assert session.job_description.startswith("Job Title: AI/ML Engineer\nCompany: Quick Interviews")
    interview = session.interview
    assert interview.status == "scheduled" and interview.slot.max_candidates == 1 and interview.slot.current_bookings == 1
    assert db.session.scalar(select(OutboxEmail.kind).where(OutboxEmail.interview_id == interview.id)) == "invitation"


def test_all_arguments_in_ist(app, clock, runner):
    result = runner.invoke(args=["create-link", "javascript", "Jane Smith", "Jane@Example.com", "2030-01-20 14:30"])
    assert result.exit_code == 0, result.output
    assert "Scheduled: Sunday 20 January 2030, 02:30 PM IST" in lines(result)
    session = db.session.scalar(select(InterviewSession))
    assert session.scheduled_at == datetime(2030, 1, 20, 9, 0, tzinfo=UTC)
    assert (session.candidate_name, session.candidate_email, session.coding_language) == (
        "Jane Smith",
        "jane@example.com",
        "JAVASCRIPT",
    )
    # A second link for the same person at another time reuses the quick job and the candidate.
    again = runner.invoke(args=["create-link", "JAVASCRIPT", "Jane Smith", "jane@example.com", "2030-01-21 10:00"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Job.id))) == 1 and db.session.scalar(select(func.count(Candidate.id))) == 1
    assert db.session.scalar(select(func.count(Interview.id))) == 2
    # One open interview per candidate and job: the new link replaces the earlier one (cancelled, she is told).
    assert sorted(db.session.scalars(select(Interview.status))) == ["cancelled", "scheduled"]
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "cancellation")) == 1


def test_past_time_is_allowed_with_a_warning(app, clock, runner):
    result = runner.invoke(args=["create-link", "PYTHON", "Late Larry", "larry@example.com", "2030-01-15 09:00"])
    assert result.exit_code == 0, result.output
    assert "Warning: that time is in the past; the link may already have expired." in result.output
    assert any(line.startswith("Interview link: ") for line in lines(result))


@pytest.mark.parametrize(
    "args, reason",
    [
        (["COBOL"], "COBOL is not one of PYTHON, JAVASCRIPT, JAVA, PHP, RUBY, CSHARP, SQL."),
        (["PYTHON", "Ann", "not-an-email"], "Invalid value for EMAIL: An email address must have an @-sign."),
        (["PYTHON", "Ann", "ann@example.com", "20/10/2030 14:30"], "is not a time in the form YYYY-MM-DD HH:MM."),
        (["PYTHON", "Ann", "ann@example.com", "2030-13-01 10:00"], "is not a time in the form YYYY-MM-DD HH:MM."),
    ],
)
def test_bad_input_exits_non_zero_with_a_reason(app, clock, runner, args, reason):
    result = runner.invoke(args=["create-link", *args])
    assert result.exit_code != 0
    assert reason in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 0


def test_same_person_same_time_is_refused_and_nothing_is_left_behind(app, clock, runner):
    args = ["create-link", "PYTHON", "Ann", "ann@example.com", "2030-01-20 10:00"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "Error: Ann already has an interview at an overlapping time." in again.output
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 1


def test_help_explains_the_arguments(runner):
    result = runner.invoke(args=["create-link", "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "[LANGUAGE] [NAME] [EMAIL] [TIME]" in result.output
    assert re.search(r"YYYY-MM-DD HH:MM\S* in IST", result.output)
    assert "--no-send" in result.output and "seed" not in result.output.lower()
    example_dates = re.findall(r'"(\d{4}-\d\d-\d\d) \d\d:\d\d"', result.output)
    assert example_dates and all(day > datetime.now(UTC).date().isoformat() for day in example_dates)


def invitation_row():
    """The invitation's outbox row, read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation"))


JANE = ["create-link", "PYTHON", "Jane Smith", "jane@example.com", "2030-10-20 14:30"]


@BOTH_DATABASES
def test_sends_its_own_invitation_when_smtp_is_configured(smtp, backend, app, clock, runner):
    result = runner.invoke(args=JANE)
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "E-mail: sent to jane@example.com"
    (message,) = smtp.messages
    assert message["Subject"] == "Interview Scheduled - AI/ML Engineer at Quick Interviews"
    key = next(line for line in lines(result) if line.startswith("Session key: ")).removeprefix("Session key: ")
    assert f"http://testserver.local/?session_key={key}" in message.get_body(("plain",)).get_content()
    row = invitation_row()
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, None)
    assert queue.deliver_due()["sent"] == 0  # a running server's sender finds nothing left to send


def test_no_send_leaves_it_for_the_servers_sender(smtp, app, clock, runner):
    result = runner.invoke(args=["create-link", "--no-send", *JANE[1:]])
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "E-mail: queued (--no-send; the server's sender delivers it)"
    assert smtp.messages == [] and invitation_row().status == "queued"
    assert queue.deliver_due()["sent"] == 1


def test_refused_by_smtp_says_queued_with_the_reason(smtp, app, clock, runner):
    smtp.replies = ["451 4.3.0 try later"]
    result = runner.invoke(args=JANE)
    assert result.exit_code == 0, result.output  # the booking stands
    assert lines(result)[-1] == "E-mail: queued (SMTP refused: 451 4.3.0 try later; retrying in 30 s)"
    assert invitation_row().status == "retrying"


def test_a_stalling_server_is_waited_for_a_few_seconds_only(smtp, app, clock, runner):
    app.config["MAIL_TIMEOUT"] = 0.3  # the test waits this long once
    smtp.delay = 2
    result = runner.invoke(args=JANE)
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "E-mail: queued (SMTP server timed out; retrying in 30 s)"


@BOTH_DATABASES
def test_a_row_another_sender_holds_is_not_sent_twice(smtp, backend, app, clock, runner, monkeypatch):
    held = []
    real_claim = queue.claim_due

    def server_sender_claims_first(limit=queue.BATCH_SIZE, worker_id=None, email_ids=None):
        held.extend(real_claim(worker_id="server-sender"))  # the running server's sender got there first
        return real_claim(limit, worker_id, email_ids)

    monkeypatch.setattr(queue, "claim_due", server_sender_claims_first)
    result = runner.invoke(args=JANE)
    assert result.exit_code == 0, result.output
    assert len(held) == 1 and smtp.messages == []
    assert lines(result)[-1] == "E-mail: queued (another sender is delivering it now)"
