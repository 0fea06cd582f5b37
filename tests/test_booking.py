"""The booking service: one transaction per booking, atomic seats, overlaps, reschedule, cancel."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (
    AuditEvent,
    Interview,
    InterviewSchedule,
    InterviewSession,
    InterviewSlot,
    OutboxEmail,
    db,
)
from services import booking
from tests.booking_support import make_candidate, make_job, make_slot, seat_discrepancies
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # the day after the pinned clock


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@BOTH_DATABASES
def test_booking_creates_everything_in_one_go(app, clock, admin, backend):
    job = make_job(language="JAVA")
    candidate = make_candidate(job, resume_text="Java, Spring, SQL")
    slot = make_slot(job, T0, minutes=45, capacity=2, kind="coding")

    interview = booking.book_interview(candidate, slot, actor=admin, notes="Prefers mornings")

    assert interview.status == "scheduled" and interview.slot_id == slot.id
    assert (interview.started_at, interview.ended_at) == (T0, T0 + timedelta(minutes=45))
    assert len(interview.session_key) >= 43 and interview.created_by_id == admin.id
    assert interview.schedule.booking_notes == "Prefers mornings"
    session = interview.session
    assert session.session_key == interview.session_key
    assert (session.candidate_name, session.candidate_email) == ("Asha Rao", "asha@example.com")
    assert session.job_title == "Backend Engineer" and session.company_name == "Acme"
    assert session.job_description.startswith("Job Title: Backend Engineer\nCompany: Acme")
    assert session.resume_text == "Java, Spring, SQL"
    assert session.coding_language == "JAVA" and session.interview_type == "coding"
    assert session.duration_minutes == 45 and session.scheduled_at == T0
    assert session.language_code == "en-IN" and session.keyword_analysis == {"CODING_LANG": "JAVA"}
    assert candidate.status == "scheduled"
    db.session.refresh(slot)
    assert (slot.current_bookings, slot.status) == (1, "available")
    invitation = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation"))
    assert invitation.interview_id == interview.id and invitation.status == "unconfigured"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == str(interview.id))) == "interview.booked"


def test_last_seat_marks_the_slot_full_and_the_next_booking_is_refused(app, clock):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    first, second, third = (make_candidate(job, f"Person {n}", f"p{n}@example.com") for n in range(3))
    booking.book_interview(first, slot)
    booking.book_interview(second, slot)
    db.session.refresh(slot)
    assert (slot.current_bookings, slot.status) == (2, "full")

    with pytest.raises(booking.SlotFull) as refused:
        booking.book_interview(third, slot)
    assert refused.value.status == 409 and refused.value.message == "This slot is full."
    assert count(Interview) == 2 and count(InterviewSession) == 2 and count(InterviewSchedule) == 2
    db.session.refresh(slot)
    assert slot.current_bookings == 2 and third.status == "new"


def test_cancelled_and_past_slots_are_refused_without_touching_seats(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    cancelled = make_slot(job, T0, capacity=3)
    booking.cancel_slot(cancelled)
    with pytest.raises(booking.SlotCancelled, match="This slot is cancelled."):
        booking.book_interview(candidate, cancelled)
    past = make_slot(job, clock.now() - timedelta(minutes=5))
    with pytest.raises(booking.SlotInPast):
        booking.book_interview(candidate, past)
    started_now = make_slot(job, clock.now())
    with pytest.raises(booking.SlotInPast):
        booking.book_interview(candidate, started_now)
    assert count(Interview) == 0 and count(OutboxEmail) == 0
    assert db.session.scalar(select(func.sum(InterviewSlot.current_bookings))) == 0


def test_second_click_gets_already_booked_not_a_second_interview(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0, capacity=3)
    booking.book_interview(candidate, slot)
    with pytest.raises(booking.AlreadyBooked, match="Asha Rao is already booked into this slot."):
        booking.book_interview(candidate, slot)
    db.session.refresh(slot)
    assert count(Interview) == 1 and slot.current_bookings == 1


def test_last_seat_second_click_still_says_already_booked(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0, capacity=1)
    booking.book_interview(candidate, slot)
    with pytest.raises(booking.AlreadyBooked):
        booking.book_interview(candidate, slot)


@pytest.mark.parametrize("later_minutes", [30, 60, 330])  # overlapping, adjacent, later that day
def test_a_second_interview_for_the_same_job_is_refused_with_a_reschedule_hint(app, clock, later_minutes):
    job = make_job()
    candidate = make_candidate(job)
    morning = make_slot(job, T0, minutes=60, capacity=2)
    later = make_slot(job, T0 + timedelta(minutes=later_minutes), capacity=2)
    first = booking.book_interview(candidate, morning)
    with pytest.raises(booking.AlreadyScheduled) as refused:
        booking.book_interview(candidate, later)
    assert refused.value.status == 409 and refused.value.interview_id == first.id
    assert (
        refused.value.message
        == "Asha Rao already has an interview for this job on Wed 16 Jan 2030, 14:30 IST — reschedule it instead."
    )
    db.session.refresh(later)
    assert later.current_bookings == 0 and count(Interview) == 1 and count(OutboxEmail) == 3  # invitation, 2 reminders


def test_a_second_interview_may_follow_a_cancelled_or_finished_one(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    first = booking.book_interview(candidate, make_slot(job, T0))
    booking.cancel_interview(first)
    again = booking.book_interview(candidate, make_slot(job, T0 + timedelta(hours=2)))
    again.status = "completed"
    db.session.commit()
    assert booking.book_interview(candidate, make_slot(job, T0 + timedelta(hours=4))).status == "scheduled"


def test_the_index_holds_one_open_interview_per_candidate_and_job(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    booking.book_interview(candidate, make_slot(job, T0))
    db.session.add(Interview(candidate=candidate, job=job))  # pending, beside a scheduled one
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_slot_of_another_job_is_refused(app, clock):
    candidate = make_candidate(make_job("Data Engineer"))
    slot = make_slot(make_job("Designer"), T0)
    with pytest.raises(booking.WrongJob) as refused:
        booking.book_interview(candidate, slot)
    assert refused.value.status == 400 and "this slot is for Designer" in refused.value.message


def test_pending_interview_from_the_two_step_api_is_booked_in_place(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0)
    pending = Interview(candidate=candidate, job=job)
    db.session.add(pending)
    db.session.commit()
    booked = booking.book_interview(candidate, slot, interview=pending, notes="via API")
    assert booked.id == pending.id and booked.status == "scheduled" and booked.session is not None
    assert count(Interview) == 1
    with pytest.raises(booking.AlreadyBooked):
        booking.book_interview(candidate, slot, interview=pending)


def test_reschedule_claims_new_seat_frees_old_and_keeps_the_link(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    old = make_slot(job, T0, capacity=1)
    new = make_slot(job, T0 + timedelta(days=1), minutes=60, capacity=1, kind="coding")
    interview = booking.book_interview(candidate, old)
    key = interview.session_key

    booking.reschedule_interview(interview, new)

    db.session.refresh(old)
    db.session.refresh(new)
    assert (old.current_bookings, old.status) == (0, "available")
    assert (new.current_bookings, new.status) == (1, "full")
    assert interview.slot_id == new.id and interview.session_key == key and interview.sequence == 1
    assert interview.session.scheduled_at == new.start_at and interview.session.interview_type == "coding"
    assert interview.schedule.slot_id == new.id and interview.ended_at == new.end_at
    assert "reschedule" in db.session.scalars(select(OutboxEmail.kind)).all()


def test_reschedule_into_a_full_slot_changes_nothing(app, clock):
    job = make_job()
    mover, other = make_candidate(job), make_candidate(job, "Ben Ode", "ben@example.com")
    old, full = make_slot(job, T0), make_slot(job, T0 + timedelta(hours=2))
    interview = booking.book_interview(mover, old)
    booking.book_interview(other, full)
    with pytest.raises(booking.SlotFull):
        booking.reschedule_interview(interview, full)
    db.session.refresh(old)
    db.session.refresh(interview)
    assert old.current_bookings == 1 and interview.slot_id == old.id and interview.sequence == 0


def test_cancel_frees_the_seat_and_tells_the_candidate(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0)
    interview = booking.book_interview(candidate, slot)
    booking.cancel_interview(interview, reason="Candidate withdrew")
    db.session.refresh(slot)
    assert (slot.current_bookings, slot.status) == (0, "available")
    assert interview.status == "cancelled" and interview.session.status == "cancelled" and interview.sequence == 1
    assert db.session.scalar(select(OutboxEmail.kind).where(OutboxEmail.kind == "cancellation")) == "cancellation"
    with pytest.raises(booking.InvalidState):
        booking.cancel_interview(interview)
    # The freed seat can be booked again, by the same candidate too.
    assert booking.book_interview(candidate, slot).status == "scheduled"


@pytest.mark.parametrize("how", ["interview", "slot"])
def test_cancelling_gives_the_candidate_back_their_status(app, clock, how):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0)
    interview = booking.book_interview(candidate, slot)
    assert candidate.status == "scheduled"
    booking.cancel_interview(interview) if how == "interview" else booking.cancel_slot(slot)
    db.session.refresh(candidate)
    assert candidate.status == "new"


def test_cancelling_keeps_a_later_status_and_restores_the_last_review(app, clock):
    job = make_job()
    candidate = make_candidate(job)
    first = booking.book_interview(candidate, make_slot(job, T0))
    first.status, first.decision, candidate.status = "completed", "reject", "rejected"
    db.session.commit()
    second = booking.book_interview(candidate, make_slot(job, T0 + timedelta(hours=2)))  # a second round
    assert candidate.status == "scheduled"
    booking.cancel_interview(second)
    db.session.refresh(candidate)
    assert candidate.status == "rejected"
    # A status set by hand after booking (hired) is not undone by a cancellation.
    third = booking.book_interview(candidate, make_slot(job, T0 + timedelta(hours=4)))
    candidate.status = "hired"
    db.session.commit()
    booking.cancel_interview(third)
    db.session.refresh(candidate)
    assert candidate.status == "hired"


def test_cancel_slot_cancels_every_booking_in_it(app, clock):
    job = make_job()
    slot = make_slot(job, T0, capacity=3)
    interviews = [booking.book_interview(make_candidate(job, f"C {n}", f"c{n}@example.com"), slot) for n in range(2)]
    cancelled = booking.cancel_slot(slot)
    db.session.refresh(slot)
    assert {i.id for i in cancelled} == {i.id for i in interviews}
    assert (slot.status, slot.current_bookings) == ("cancelled", 0)
    assert all(i.status == "cancelled" for i in interviews)
    assert db.session.scalar(select(func.count()).where(OutboxEmail.kind == "cancellation")) == 2


@BOTH_DATABASES
def test_seat_counts_always_match_active_bookings(app, clock, backend):
    """Many random bookings, reschedules and cancellations: the invariant never breaks."""
    rng = random.Random(4)
    job = make_job()
    slots = [make_slot(job, T0 + timedelta(hours=n), minutes=60, capacity=rng.randint(1, 3)) for n in range(6)]
    candidates = [make_candidate(job, f"Cand {n}", f"cand{n}@example.com") for n in range(12)]
    outcomes = {"booked": 0, "refused": 0}
    for _ in range(120):
        action = rng.random()
        active = db.session.scalars(select(Interview).where(Interview.status == "scheduled")).all()
        try:
            if action < 0.55 or not active:
                booking.book_interview(rng.choice(candidates), rng.choice(slots))
                outcomes["booked"] += 1
            elif action < 0.8:
                booking.reschedule_interview(rng.choice(active), rng.choice(slots))
            elif action < 0.95:
                booking.cancel_interview(rng.choice(active))
            else:
                target = rng.choice(slots)
                if target.status != "cancelled":
                    booking.cancel_slot(target)
        except booking.BookingError:
            outcomes["refused"] += 1
        assert seat_discrepancies() == []
    assert outcomes["booked"] > 10 and outcomes["refused"] > 10
    for slot in db.session.scalars(select(InterviewSlot)):
        assert 0 <= slot.current_bookings <= slot.max_candidates
        if slot.status != "cancelled":
            assert slot.status == ("full" if slot.current_bookings == slot.max_candidates else "available")
