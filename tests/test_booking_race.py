"""Concurrent bookings into one slot: exactly its capacity succeeds, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from models import Candidate, Interview, InterviewSlot, db
from services import booking
from tests.booking_support import make_candidate, make_job, make_slot, seat_discrepancies
from tests.support import BOTH_DATABASES

THREADS, CAPACITY = 30, 3


@BOTH_DATABASES
def test_thirty_threads_three_seats(app, clock, backend):
    job = make_job()
    slot_id = make_slot(job, datetime(2030, 1, 20, 9, 0, tzinfo=UTC), capacity=CAPACITY).id
    candidate_ids = [make_candidate(job, f"Racer {n}", f"racer{n}@example.com").id for n in range(THREADS)]
    same_candidate_id = candidate_ids[0]
    db.session.remove()
    start = threading.Barrier(THREADS + 2, timeout=60)

    def attempt(candidate_id):
        with app.app_context():
            candidate = db.session.get(Candidate, candidate_id)
            slot = db.session.get(InterviewSlot, slot_id)
            db.session.commit()  # give the connection back to the pool while waiting to start
            start.wait()
            try:
                booking.book_interview(candidate, slot)
                return 201
            except booking.BookingError as error:
                return error.status
            finally:
                db.session.remove()

    # Every candidate once, plus two extra "double clicks" by the first candidate.
    with ThreadPoolExecutor(THREADS + 2) as pool:
        results = list(pool.map(attempt, candidate_ids + [same_candidate_id, same_candidate_id]))

    assert results.count(201) == CAPACITY
    assert results.count(409) == THREADS + 2 - CAPACITY
    slot = db.session.get(InterviewSlot, slot_id)
    assert (slot.current_bookings, slot.status) == (CAPACITY, "full")
    assert db.session.scalar(select(func.count(Interview.id))) == CAPACITY
    held = db.session.scalar(select(func.count(Interview.id)).where(Interview.candidate_id == same_candidate_id))
    assert held <= 1
    assert seat_discrepancies() == []
