"""Two state changes of one interview at the same moment: one wins, the other is refused, nothing corrupts.

Each round builds a fresh scene (slot A with 2 seats holding X and Y, empty slots B and C), lets
two threads with their own app context and session read what they act on, meet at a barrier and
act at once (on PostgreSQL truly in parallel), then checks the outcome against the ones a serial
order could give, the invariants, and Y's e-mails: exactly the winner's.
"""

import itertools
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Candidate, Interview, InterviewSession, InterviewSlot, OutboxEmail, db
from services import booking, portal
from services.errors import RefusedAction
from services.interviewer import session_flow
from tests.booking_support import make_candidate, make_job, make_slot, seat_discrepancies
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # slot A; the pinned clock is a day earlier
ROUNDS = 3
OK, REFUSED = "ok", "refused"
_scene_numbers = itertools.count()


def scene(pending=False):
    """Slot A (2 seats) with X and Y booked (or Y pending), empty slots B and C; the ids."""
    n = next(_scene_numbers)
    job = make_job(f"Engineer {n}")
    a, b, c = (make_slot(job, T0 + timedelta(hours=hours), capacity=2) for hours in (0, 3, 6))
    x = booking.book_interview(make_candidate(job, "Xena X", f"x{n}@example.com"), a)
    y_candidate = make_candidate(job, "Yuri Y", f"y{n}@example.com")
    if pending:
        y = Interview(candidate=y_candidate, job=job)  # as POST /api/interviews/ makes it
        db.session.add(y)
        db.session.commit()
    else:
        y = booking.book_interview(y_candidate, a)
    return {"a": a.id, "b": b.id, "c": c.id, "x": x.id, "y": y.id}


# Each action reads what it acts on (before the barrier) and returns the call that acts.


def _y(ids):
    return db.session.get(Interview, ids["y"])


def _slot(ids, name):
    return db.session.get(InterviewSlot, ids[name])


def _session(ids):
    return db.session.scalar(select(InterviewSession).where(InterviewSession.interview_id == ids["y"]))


def book_into(name):
    def prepare(ids):
        interview, slot = _y(ids), _slot(ids, name)
        return lambda: booking.book_interview(interview.candidate, slot, interview=interview)

    return prepare


def reschedule_to(name):
    def prepare(ids):
        interview, slot = _y(ids), _slot(ids, name)
        return lambda: booking.reschedule_interview(interview, slot)

    return prepare


def cancel(ids):
    interview = _y(ids)
    return lambda: booking.cancel_interview(interview)


def cancel_slot_a(ids):
    slot = _slot(ids, "a")
    return lambda: booking.cancel_slot(slot)


def start(ids):
    session = _session(ids)
    return lambda: session_flow.start_interview(session, T0 + timedelta(minutes=1), "tab-aaaaaaaa")


def expire(ids):
    """A page view after the window: records the no-show, unless something else came first."""
    session = _session(ids)

    def view():
        state = portal.portal_state(session, T0 + timedelta(minutes=11))
        if state != portal.EXPIRED:
            raise RefusedAction(f"page shows {state}")

    return view


def racing(app, prepare, ids, barrier):
    """Run one action in its own app context once both threads are ready; its outcome."""
    with app.app_context():
        try:
            act = prepare(ids)
            barrier.wait()
            act()
            return OK
        except RefusedAction as refusal:
            return (REFUSED, refusal.status, refusal.message)
        except Exception as error:  # noqa: BLE001 -- any other failure is what the test looks for
            return ("error", repr(error))
        finally:
            db.session.remove()


def race(app, first, second, ids):
    """Both actions at once; their outcomes in order."""
    barrier = threading.Barrier(2, timeout=30)
    results = [None, None]

    def run(index, prepare):
        results[index] = racing(app, prepare, ids, barrier)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def y_emails(ids, before=frozenset()):
    """Y's e-mails other than reminders, by kind, leaving out those in `before`."""
    rows = db.session.execute(select(OutboxEmail.id, OutboxEmail.kind).where(OutboxEmail.interview_id == ids["y"])).all()
    return Counter(kind for email_id, kind in rows if email_id not in before and kind != "reminder")


def assert_invariants(ids):
    """Seats match bookings, nothing active in a cancelled slot, sessions follow their interviews."""
    db.session.expire_all()
    assert seat_discrepancies() == []
    assert (
        db.session.scalar(
            select(func.count(Interview.id))
            .join(InterviewSlot, Interview.slot_id == InterviewSlot.id)
            .where(InterviewSlot.status == "cancelled", Interview.status.in_(("scheduled", "in_progress")))
        )
        == 0
    )
    for interview in db.session.scalars(select(Interview).where(Interview.id.in_((ids["x"], ids["y"])))):
        sessions = db.session.scalars(select(InterviewSession).where(InterviewSession.interview_id == interview.id)).all()
        if interview.slot_id is None:  # never booked: no session to follow it
            assert sessions == []
        else:
            assert [s.status for s in sessions] == [interview.status]
        if interview.status == "cancelled":
            assert (
                db.session.scalar(
                    select(func.count(OutboxEmail.id)).where(
                        OutboxEmail.interview_id == interview.id,
                        OutboxEmail.kind == "reminder",
                        OutboxEmail.status.in_(("queued", "unconfigured")),
                    )
                )
                == 0
            ), "a cancelled interview keeps no pending reminders"
    for slot in db.session.scalars(select(InterviewSlot)):
        assert 0 <= slot.current_bookings <= slot.max_candidates


# pair: (first action, second action, Y pending?, {(first's outcome, second's): (Y's status, Y's slot, Y's new e-mails)})
PAIRS = {
    "book A vs book B": (
        book_into("a"),
        book_into("b"),
        True,
        {
            (OK, REFUSED): ("scheduled", "a", {"invitation": 1}),
            (REFUSED, OK): ("scheduled", "b", {"invitation": 1}),
        },
    ),
    "book vs cancel": (
        book_into("b"),
        cancel,
        True,
        {
            (OK, REFUSED): ("scheduled", "b", {"invitation": 1}),
            (REFUSED, OK): ("cancelled", None, {}),
        },
    ),
    "reschedule vs cancel": (
        reschedule_to("b"),
        cancel,
        False,
        {
            (OK, REFUSED): ("scheduled", "b", {"reschedule": 1}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
    "reschedule vs reschedule": (
        reschedule_to("b"),
        reschedule_to("c"),
        False,
        {
            (OK, REFUSED): ("scheduled", "b", {"reschedule": 1}),
            (REFUSED, OK): ("scheduled", "c", {"reschedule": 1}),
        },
    ),
    "cancel vs cancel": (
        cancel,
        cancel,
        False,
        {
            (OK, REFUSED): ("cancelled", "a", {"cancellation": 1}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
    "cancel vs slot cancel": (
        cancel,
        cancel_slot_a,
        False,
        {
            (OK, OK): ("cancelled", "a", {"cancellation": 1}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
    "reschedule vs slot cancel": (
        reschedule_to("b"),
        cancel_slot_a,
        False,
        {
            (OK, OK): ("scheduled", "b", {"reschedule": 1}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
    "start vs cancel": (
        start,
        cancel,
        False,
        {
            (OK, REFUSED): ("in_progress", "a", {}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
    "start vs reschedule": (
        start,
        reschedule_to("b"),
        False,
        {
            (OK, REFUSED): ("in_progress", "a", {}),
            (REFUSED, OK): ("scheduled", "b", {"reschedule": 1}),
        },
    ),
    "expire vs start": (
        expire,
        start,
        False,
        {
            (OK, REFUSED): ("expired", "a", {}),
            (REFUSED, OK): ("in_progress", "a", {}),
        },
    ),
    "expire vs cancel": (
        expire,
        cancel,
        False,
        {
            (OK, REFUSED): ("expired", "a", {}),
            (REFUSED, OK): ("cancelled", "a", {"cancellation": 1}),
        },
    ),
}


@BOTH_DATABASES
@pytest.mark.parametrize("pair", PAIRS)
def test_two_changes_of_one_interview_at_once(app, clock, backend, pair):
    first, second, pending, allowed = PAIRS[pair]
    for _ in range(ROUNDS):
        ids = scene(pending)
        before = {email_id for (email_id,) in db.session.execute(select(OutboxEmail.id))}
        db.session.remove()

        results = race(app, first, second, ids)

        assert not any(result[0] == "error" for result in results if result != OK), results
        outcome = tuple(result if result == OK else REFUSED for result in results)
        assert outcome in allowed, results
        status, slot_name, emails = allowed[outcome]
        y = db.session.get(Interview, ids["y"])
        assert y.status == status, results
        assert y.slot_id == (ids[slot_name] if slot_name else None), results
        assert y_emails(ids, before) == Counter(emails), results
        assert_invariants(ids)
        x = db.session.get(Interview, ids["x"])
        assert x.status == ("cancelled" if first is cancel_slot_a or second is cancel_slot_a else "scheduled")
        db.session.remove()


def test_the_loser_is_told_what_happened(app, clock):
    ids = scene()
    results = race(app, reschedule_to("b"), cancel, ids)
    refusal = next(result for result in results if result != OK)
    assert refusal in (
        (REFUSED, 409, "This interview was cancelled meanwhile; nothing was changed."),
        (REFUSED, 409, "This interview was rescheduled meanwhile (now Wed 16 Jan 2030, 17:30 IST); nothing was changed."),
    )


# Pairs whose serial orders, too, leave exactly one 200: a race can only change which one.
API_PAIRS = {
    "cancel twice": (False, ("{y}/cancel/", {}), ("{y}/cancel/", {})),
    "reschedule twice": (False, ("{y}/reschedule/", {"slot_id": "{b}"}), ("{y}/reschedule/", {"slot_id": "{b}"})),
    "book into two slots": (
        True,
        ("schedules/book_interview/", {"interview_id": "{y}", "slot_id": "{a}"}),
        ("schedules/book_interview/", {"interview_id": "{y}", "slot_id": "{b}"}),
    ),
}


@BOTH_DATABASES
@pytest.mark.parametrize("pair", API_PAIRS)
def test_the_api_answers_the_loser_409(app, clock, backend, api_headers, pair):
    pending, *requests = API_PAIRS[pair]
    ids = scene(pending)
    db.session.remove()
    names = {name: str(value) for name, value in ids.items()}
    barrier = threading.Barrier(2, timeout=30)
    answers = [None, None]

    def call(index, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/interviews/" + path.format(**names), json={k: v.format(**names) for k, v in body.items()}, headers=api_headers
        )
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=call, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(status for status, _ in answers) == [200 if not pending else 201, 409], answers
    loser = next(body for status, body in answers if status == 409)
    # changed_meanwhile when it lost at the lock; a plain refusal when it looked after the winner.
    assert loser["error"] and loser.get("code") in ("changed_meanwhile", None), answers
    assert_invariants(ids)


@BOTH_DATABASES
def test_two_first_issues_of_one_link_at_once_are_one_201(app, clock, backend, api_headers):
    """create_interview_session twice at once: one 201 (the first issue), one 200, one audit event."""
    ids = scene()
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    statuses = []

    def call():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/interviews/schedules/create_interview_session/", json={"interview_id": str(ids["y"])}, headers=api_headers
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 201], statuses
    issued = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "interview.session_issued", AuditEvent.subject_id == str(ids["y"])
    )
    assert db.session.scalar(issued) == 1
    assert _session(ids).link_issued_at is not None


@BOTH_DATABASES
def test_a_racing_second_booking_of_one_candidate_is_one_interview(app, clock, backend):
    """Two bookings of one candidate into two slots at once: one interview, the other a 409 naming it."""
    for _ in range(ROUNDS):
        n = next(_scene_numbers)
        job = make_job(f"Engineer {n}")
        a, b = (make_slot(job, T0 + timedelta(hours=hours), capacity=2) for hours in (0, 5))
        ids = {"candidate": make_candidate(job, "Zed Z", f"z{n}@example.com").id, "a": a.id, "b": b.id}
        db.session.remove()

        def book(name):
            def prepare(scene):
                candidate = db.session.get(Candidate, scene["candidate"])
                slot = _slot(scene, name)
                return lambda: booking.book_interview(candidate, slot)

            return prepare

        results = race(app, book("a"), book("b"), ids)
        assert Counter(r if r == OK else r[:2] for r in results) == Counter([OK, (REFUSED, 409)]), results
        interviews = db.session.scalars(select(Interview).where(Interview.candidate_id == ids["candidate"])).all()
        assert len(interviews) == 1 and interviews[0].status == "scheduled"
        refusal = next(r for r in results if r != OK)
        assert refusal[2].startswith("Zed Z already has an interview for this job on "), results
        assert seat_discrepancies() == []
        db.session.remove()
