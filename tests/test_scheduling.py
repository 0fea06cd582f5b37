"""Candidate self-scheduling (services/scheduling.py): invitations, the rules of what a link
offers, booking, rescheduling and cancelling from it, the waitlist and retakes; races on both databases."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Interview, InterviewSlot, OutboxEmail, SchedulingInvitation, SchedulingToken, WaitlistEntry, db
from services import booking, job_rules, jobs, portal, scheduling, scheduling_links, timeutil, waitlist
from services.errors import InputError, RefusedAction, ServiceError
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing
from tests.booking_support import make_candidate, make_job, make_slot, seat_discrepancies
from tests.support import BOTH_DATABASES

NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)  # the pinned clock
TOMORROW = NOW + timedelta(days=1)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def token_of(link):
    return link.rsplit("/", 1)[1]


def emails(kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.created_at)).all()


@pytest.fixture
def scene(app, clock, recruiter):
    """A job with a slot tomorrow, a candidate invited by the recruiter; the raw token."""
    job = make_job()
    slot = make_slot(job, TOMORROW)
    candidate = make_candidate(job)
    invitation, link = scheduling.invite(candidate, actor=recruiter)
    return {
        "job": job,
        "slot": slot,
        "candidate": candidate,
        "invitation": invitation,
        "token": token_of(link),
        "recruiter": recruiter,
    }


def test_invite_stores_only_a_hash_and_emails_the_link(scene):
    invitation, token = scene["invitation"], scene["token"]
    assert len(token) >= 43  # 256 bits from secrets.token_urlsafe(32)
    assert invitation.status == "sent"
    assert invitation.expires_at == NOW + timedelta(days=7)
    stored = db.session.scalars(select(SchedulingToken.token_hash)).all()
    assert token not in stored and len(stored) == 1
    (email,) = emails("scheduling_invitation")
    assert f"http://testserver.local/schedule/{token}" in email.body_text
    assert email.scheduling_invitation_id == invitation.id and email.to_email == "asha@example.com"
    assert scheduling_links.find_invitation(token).id == invitation.id


def test_reinviting_revokes_the_older_link(scene):
    _, new_link = scheduling.invite(scene["candidate"], actor=scene["recruiter"])
    with pytest.raises(scheduling.DeadLink) as refused:
        scheduling.open_link(scene["token"])
    assert refused.value.status == 410
    db.session.refresh(scene["invitation"])
    assert scene["invitation"].status == "revoked"
    assert scheduling.open_link(token_of(new_link)).mode == "pick"


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "!" * 43, "a" * 500])
def test_unknown_and_malformed_tokens_are_one_404(scene, token):
    with pytest.raises(scheduling.DeadLink) as refused:
        scheduling.open_link(token)
    assert (refused.value.status, refused.value.message) == (404, scheduling.DeadLink.message)


def test_opening_records_opened_then_expiry_makes_it_410(scene, clock):
    page = scheduling.open_link(scene["token"])
    assert (page.mode, page.invitation.status, page.invitation.status_changed_at) == ("pick", "opened", NOW)
    clock.advance(timedelta(days=7))
    with pytest.raises(scheduling.DeadLink) as refused:
        scheduling.open_link(scene["token"])
    assert (refused.value.status, refused.value.message) == (410, scheduling.DeadLink.message)
    db.session.refresh(scene["invitation"])
    assert (scene["invitation"].status, scene["invitation"].status_changed_at) == ("expired", NOW + timedelta(days=7))


def test_revoked_link_is_410_with_the_same_message(scene):
    scheduling.revoke(scene["invitation"], actor=scene["recruiter"])
    with pytest.raises(scheduling.DeadLink) as refused:
        scheduling.find_link(scene["token"])
    assert (refused.value.status, refused.value.message) == (410, scheduling.DeadLink.message)


def test_a_pick_from_a_page_opened_before_the_revoke_is_the_dead_link_answer(scene):
    invitation = scheduling.find_link(scene["token"])  # the candidate's page is open
    scheduling.revoke(scheduling.find_link(scene["token"]), actor=scene["recruiter"])  # the recruiter, meanwhile
    with pytest.raises(scheduling.DeadLink) as refused:
        scheduling.book(invitation, str(scene["slot"].id))
    assert refused.value.status == 410  # not "already booked an interview"
    assert count(Interview) == 0


@pytest.mark.parametrize("seen", [None, "booked", "sent"])
def test_a_booked_invitation_cannot_be_revoked(scene, seen):
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    with pytest.raises(scheduling.BookedInvitation) as refused:
        scheduling.revoke(scene["invitation"], seen_status=seen)
    assert (refused.value.status, refused.value.code) == (409, "booked")
    assert scene["invitation"].status == "booked" and scheduling.open_link(scene["token"]).interview.id == interview.id


def test_offered_slots_follow_the_jobs_rules(scene):
    job = scene["job"]
    other = make_job("Other")
    inside = [scene["slot"], make_slot(job, NOW + timedelta(hours=12)), make_slot(job, NOW + timedelta(days=14))]
    full = make_slot(job, TOMORROW + timedelta(hours=2))
    full.current_bookings = 1
    cancelled = make_slot(job, TOMORROW + timedelta(hours=3))
    cancelled.status = "cancelled"
    make_slot(job, NOW + timedelta(hours=11))  # inside the 12 h notice
    make_slot(job, NOW + timedelta(days=14, minutes=1))  # beyond the 14 days
    make_slot(job, NOW - timedelta(hours=1))  # past
    make_slot(other, TOMORROW)
    db.session.commit()
    offered = [slot.id for day in scheduling.offered_days(job, timeutil.zone("Asia/Kolkata"), NOW) for slot in day.slots]
    assert offered == [slot.id for slot in sorted(inside, key=lambda s: s.start_at)]


def test_days_group_in_the_viewers_zone(scene):
    make_slot(scene["job"], datetime(2030, 1, 16, 20, 0, tzinfo=UTC))  # 01:30 IST on the 17th
    ist = [day.day.isoformat() for day in scheduling.offered_days(scene["job"], timeutil.zone("Asia/Kolkata"), NOW)]
    new_york = [day.day.isoformat() for day in scheduling.offered_days(scene["job"], timeutil.zone("America/New_York"), NOW)]
    assert ist == ["2030-01-16", "2030-01-17"] and new_york == ["2030-01-15", "2030-01-16"]


def test_booking_from_the_link_creates_everything_and_tells_the_recruiter(scene):
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    db.session.refresh(scene["invitation"])
    assert scene["invitation"].status == "booked"
    assert (interview.status, interview.slot_id, interview.scheduling_invitation_id) == (
        "scheduled",
        scene["slot"].id,
        scene["invitation"].id,
    )
    assert interview.session is not None and interview.created_by_id == scene["recruiter"].id
    (invitation_email,) = emails("invitation")
    assert "/schedule/" in invitation_email.body_text and "Reschedule or cancel" in invitation_email.body_text
    assert all("/schedule/" in reminder.body_text for reminder in emails("reminder"))
    (notice,) = emails("self_service_notice")
    assert notice.to_email == "recruiter@example.com" and "booked an interview" in notice.subject
    page = scheduling.open_link(scene["token"])
    assert (page.mode, page.interview.id, page.can_change, page.reschedules_left) == ("manage", interview.id, True, 2)


def test_a_second_booking_from_one_invitation_writes_nothing(scene):
    scheduling.book(scene["invitation"], str(scene["slot"].id))
    other = make_slot(scene["job"], TOMORROW + timedelta(hours=2))
    with pytest.raises(booking.AlreadyScheduled):
        scheduling.book(scene["invitation"], str(other.id))
    assert count(Interview) == 1 and db.session.get(InterviewSlot, other.id).current_bookings == 0


def _bad_slot(scene, kind):
    job = scene["job"]
    if kind == "unknown":
        return "not-a-uuid"
    if kind == "other job":
        return str(make_slot(make_job("Other"), TOMORROW).id)
    if kind == "too soon":
        return str(make_slot(job, NOW + timedelta(hours=2)).id)
    if kind == "too far":
        return str(make_slot(job, NOW + timedelta(days=20)).id)
    slot = make_slot(job, TOMORROW + timedelta(hours=4))
    if kind == "full":
        slot.current_bookings = 1
    elif kind == "cancelled":
        slot.status = "cancelled"
    elif kind == "past":
        slot.start_at, slot.end_at = NOW - timedelta(hours=1), NOW - timedelta(minutes=30)
    db.session.commit()
    return str(slot.id)


@pytest.mark.parametrize(
    "kind, refusal",
    [
        ("unknown", scheduling.TimeNotOffered),
        ("other job", scheduling.TimeNotOffered),
        ("too soon", scheduling.TimeNotOffered),
        ("too far", scheduling.TimeNotOffered),
        ("full", scheduling.TimeTaken),
        ("cancelled", scheduling.TimeTaken),
        ("past", scheduling.TimeTaken),
    ],
)
def test_booking_outside_the_rules_is_refused_and_writes_nothing(scene, kind, refusal):
    slot_id = _bad_slot(scene, kind)
    with pytest.raises(refusal) as refused:
        scheduling.book(scene["invitation"], slot_id)
    assert refused.value.fields == {"slot_id": refused.value.message}
    assert count(Interview) == 0 and count(OutboxEmail, OutboxEmail.kind != "scheduling_invitation") == 0
    db.session.refresh(scene["invitation"])
    assert scene["invitation"].status == "sent"


def test_an_archived_job_says_the_role_is_closed(scene):
    jobs.remove_job(scene["job"])
    assert scheduling.open_link(scene["token"]).mode == "closed"
    with pytest.raises(scheduling.RoleClosed):
        scheduling.book(scene["invitation"], str(scene["slot"].id))
    with pytest.raises(scheduling.RoleClosed):
        scheduling.invite(scene["candidate"])


def test_a_candidate_booked_by_a_recruiter_sees_the_manage_page(scene):
    interview = booking.book_interview(scene["candidate"], scene["slot"])
    page = scheduling.open_link(scene["token"])
    assert (page.mode, page.interview.id) == ("manage", interview.id)
    with pytest.raises(booking.AlreadyScheduled):
        scheduling.book(scene["invitation"], str(make_slot(scene["job"], TOMORROW + timedelta(hours=2)).id))


def test_reschedule_moves_the_booking_keeps_the_link_and_counts(scene):
    first = scheduling.book(scene["invitation"], str(scene["slot"].id))
    key, sequence = first.session_key, first.sequence
    later = make_slot(scene["job"], TOMORROW + timedelta(hours=2))
    moved = scheduling.reschedule(scene["invitation"], str(later.id))
    assert (moved.id, moved.slot_id, moved.session_key, moved.sequence) == (first.id, later.id, key, sequence + 1)
    assert db.session.get(InterviewSlot, scene["slot"].id).current_bookings == 0
    (reschedule_email,) = emails("reschedule")
    assert "/schedule/" in reschedule_email.body_text and f"SEQUENCE:{sequence + 1}" in reschedule_email.ics
    assert [n.subject.split(" - ")[0] for n in emails("self_service_notice")] == [
        "Asha Rao booked an interview",
        "Asha Rao moved their interview",
    ]
    assert scheduling.open_link(scene["token"]).reschedules_left == 1


def test_reschedules_are_limited_by_the_job(scene):
    scene["job"].max_self_reschedules = 1
    db.session.commit()
    scheduling.book(scene["invitation"], str(scene["slot"].id))
    scheduling.reschedule(scene["invitation"], str(make_slot(scene["job"], TOMORROW + timedelta(hours=2)).id))
    with pytest.raises(scheduling.ChangesClosed, match="contact Rita Recruiter"):
        scheduling.reschedule(scene["invitation"], str(make_slot(scene["job"], TOMORROW + timedelta(hours=4)).id))


def test_after_the_cutoff_changes_are_closed_and_the_page_says_whom_to_contact(scene, clock):
    scheduling.book(scene["invitation"], str(scene["slot"].id))
    clock.set(TOMORROW - timedelta(hours=2))
    page = scheduling.open_link(scene["token"])
    assert (page.mode, page.can_change) == ("manage", False)
    assert scheduling.contact_line(page.invitation) == "please contact Rita Recruiter (recruiter@example.com)."
    with pytest.raises(scheduling.ChangesClosed):
        scheduling.cancel(scene["invitation"], "ill")
    with pytest.raises(scheduling.ChangesClosed):
        scheduling.reschedule(scene["invitation"], str(make_slot(scene["job"], TOMORROW + timedelta(days=1)).id))


def test_cancel_from_the_link_frees_the_seat_and_tells_both(scene):
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    scheduling.cancel(scene["invitation"], "  Found   another job ")
    db.session.refresh(interview)
    assert interview.status == "cancelled" and db.session.get(InterviewSlot, scene["slot"].id).current_bookings == 0
    assert len(emails("cancellation")) == 1
    assert "Reason:    Found another job" in emails("self_service_notice")[-1].body_text
    assert scheduling.open_link(scene["token"]).mode == "over"
    with pytest.raises(scheduling.NothingBooked):
        scheduling.cancel(scene["invitation"])


def test_waitlist_is_for_when_nothing_fits_and_is_told_in_order(scene, clock):
    with pytest.raises(RefusedAction, match="Times are open"):
        scheduling.join_waitlist(scene["invitation"])
    holder = make_candidate(scene["job"], "Hana Holder")
    held = booking.book_interview(holder, scene["slot"])  # the only seat
    waiting = [make_candidate(scene["job"], name) for name in ("Wen One", "Wes Two")]
    invitations = [scheduling.invite(candidate)[0] for candidate in waiting]
    for invitation in [scene["invitation"], *invitations, invitations[0]]:  # Wen joins again: to the back
        clock.advance(timedelta(minutes=1))
        scheduling.join_waitlist(invitation)
    order = db.session.scalars(select(WaitlistEntry.invitation_id).order_by(WaitlistEntry.joined_at)).all()
    assert order == [scene["invitation"].id, invitations[1].id, invitations[0].id]
    booking.cancel_interview(held)
    told = {email.to_email for email in emails("waitlist_opening")}
    assert told == {"asha@example.com", "wes@example.com", "wen@example.com"}
    assert count(WaitlistEntry, WaitlistEntry.notified_at.is_(None)) == 0
    assert all("/schedule/" in email.body_text for email in emails("waitlist_opening"))
    booking.cancel_interview(booking.book_interview(holder, scene["slot"]))  # a second opening tells nobody twice
    assert len(emails("waitlist_opening")) == 3


def _ten_waiting(scene, clock):
    """The scene's only seat held by another candidate, ten candidates waiting; their invitations in join order."""
    held = booking.book_interview(make_candidate(scene["job"], "Hana Holder"), scene["slot"])
    invitations = []
    for n in range(10):
        invitation = scheduling.invite(make_candidate(scene["job"], f"Wait {n}", f"wait{n}@example.com"))[0]
        clock.advance(timedelta(minutes=1))
        scheduling.join_waitlist(invitation)
        invitations.append(invitation)
    return held, invitations


def _waiting_ids():
    return set(db.session.scalars(select(WaitlistEntry.invitation_id).where(WaitlistEntry.notified_at.is_(None))))


@BOTH_DATABASES
def test_one_seat_tells_three_waiting_in_join_order_and_the_next_opening_the_next(scene, clock, backend):
    held, invitations = _ten_waiting(scene, clock)
    booking.cancel_interview(held)  # one seat
    # Who was told, in join order; the e-mails of one opening share their queueing instant.
    assert sorted(email.to_email for email in emails("waitlist_opening")) == [f"wait{n}@example.com" for n in range(3)]
    assert _waiting_ids() == {invitation.id for invitation in invitations[3:]}
    scheduling.book(invitations[0], str(scene["slot"].id))  # the seat is gone: nobody else is told
    assert len(emails("waitlist_opening")) == 3
    slot_crud.create_slot(
        slot_parsing.slot_spec(job_id=str(scene["job"].id), interview_date="2030-01-17", start_time="10:00", end_time="10:30")
    )  # another seat: the next three
    told = sorted(email.to_email for email in emails("waitlist_opening"))
    assert told == [f"wait{n}@example.com" for n in range(6)]
    assert _waiting_ids() == {invitation.id for invitation in invitations[6:]}


@BOTH_DATABASES
def test_two_openings_at_once_never_tell_one_candidate_twice(scene, clock, app, backend):
    _ten_waiting(scene, clock)
    make_slot(scene["job"], TOMORROW + timedelta(hours=3), capacity=2)  # two seats nobody announced yet
    db.session.commit()
    job_id = scene["job"].id
    db.session.remove()

    def announcing():
        def announce():
            waitlist.notify_openings(job_id)
            db.session.commit()

        return announce

    assert race(app, announcing, announcing) == ["ok", "ok"]
    told = [email.to_email for email in emails("waitlist_opening")]
    assert len(told) == len(set(told)) and 6 <= len(told) <= 10  # each at most once; one quota at least
    assert len(told) + len(_waiting_ids()) == 10


@BOTH_DATABASES
def test_open_seats_sums_the_free_seats_of_the_offered_slots(scene, backend):
    job = scene["job"]
    booking.book_interview(make_candidate(job, "Hana Holder"), make_slot(job, TOMORROW + timedelta(hours=1), capacity=3))
    make_slot(job, TOMORROW + timedelta(hours=2), capacity=4).status = "cancelled"
    make_slot(job, NOW + timedelta(hours=2), capacity=5)  # inside the minimum notice
    make_slot(job, NOW + timedelta(days=30), capacity=6)  # beyond the horizon
    db.session.commit()
    assert job_rules.open_seats(job, NOW) == 1 + 2  # the scene's slot and the one with a seat taken
    assert job_rules.open_seats(job, NOW, limit=1) == 1


def test_the_notices_per_seat_follow_the_setting_and_skip_dead_links(scene, clock, app):
    app.config["WAITLIST_NOTICES_PER_SEAT"] = 1
    held, invitations = _ten_waiting(scene, clock)
    invitations[0].expires_at = clock.now()  # its entry leaves without taking the seat's notice
    db.session.commit()
    booking.cancel_interview(held)
    assert [email.to_email for email in emails("waitlist_opening")] == ["wait1@example.com"]
    assert _waiting_ids() == {invitation.id for invitation in invitations[2:]}


def test_the_first_waitlisted_candidate_to_book_wins_and_the_others_links_stay_valid(scene):
    other = make_candidate(scene["job"], "Omar Other")
    other_invitation, other_link = scheduling.invite(other)
    scheduling.book(scene["invitation"], str(scene["slot"].id))
    with pytest.raises(scheduling.TimeTaken):
        scheduling.book(other_invitation, str(scene["slot"].id))
    assert scheduling.open_link(token_of(other_link)).mode == "pick"
    scheduling.join_waitlist(other_invitation)
    spec = slot_parsing.slot_spec(job_id=str(scene["job"].id), interview_date="2030-01-17", start_time="10:00", end_time="10:30")
    slot_crud.create_slot(spec)
    assert [email.to_email for email in emails("waitlist_opening")] == ["omar@example.com"]


def test_retake_after_a_missed_interview(scene, clock):
    scene["job"].retakes_allowed = 1
    db.session.commit()
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    key = interview.session_key
    clock.set(TOMORROW + timedelta(minutes=11))
    assert portal.portal_state(portal.find_session(key), clock.now()) == portal.EXPIRED
    assert scheduling.retakes_left(key) == 1
    raw = scheduling.start_retake(key)
    again = scheduling.start_retake(key)  # a second click: the same invitation, a new link
    assert scheduling.find_link(raw).id == scheduling.find_link(again).id
    assert scheduling.retakes_left(key) == 0
    page = scheduling.open_link(raw)
    assert page.mode == "pick" and page.invitation.is_retake


def test_no_retake_when_the_job_allows_none(scene, clock):
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    clock.set(TOMORROW + timedelta(minutes=11))
    assert scheduling.retakes_left(interview.session_key) == 0
    with pytest.raises(RefusedAction, match="no more retakes"):
        scheduling.start_retake(interview.session_key)
    with pytest.raises(scheduling.DeadLink):
        scheduling.start_retake("x" * 43)


def test_resend_gives_a_new_link_and_a_fresh_expiry(scene, clock):
    clock.advance(timedelta(days=3))
    invitation, link = scheduling.resend(scene["invitation"])
    assert invitation.expires_at == clock.now() + timedelta(days=7)
    assert scheduling.find_link(token_of(link)).id == scheduling.find_link(scene["token"]).id
    assert [email.status for email in emails("scheduling_invitation")] == ["cancelled", "unconfigured"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("min_notice_hours", "-1", "Minimum notice (hours) must be between 0 and 720."),
        ("booking_horizon_days", "0", "Offer slots up to (days ahead) must be between 1 and 365."),
        ("invitation_expiry_days", "soon", "Invitation links expire after (days) must be a whole number."),
        ("retakes_allowed", "11", "Retakes after a missed interview must be between 0 and 10."),
    ],
)
def test_job_rules_are_validated(app, field, value, message):
    with pytest.raises(InputError) as refused:
        jobs.create_job({"job_title": "T", "company_name": "C", field: value})
    assert refused.value.fields == {field: message}


def test_job_rules_have_defaults_and_can_be_changed(app):
    job = jobs.create_job({"job_title": "T", "company_name": "C"})
    assert (
        job.min_notice_hours,
        job.booking_horizon_days,
        job.change_cutoff_hours,
        job.max_self_reschedules,
        job.invitation_expiry_days,
        job.retakes_allowed,
    ) == (12, 14, 2, 2, 7, 0)
    jobs.update_job(job, {"retakes_allowed": "1", "min_notice_hours": "0"}, partial=True)
    assert (job.retakes_allowed, job.min_notice_hours) == (1, 0)


# --- races -----------------------------------------------------------------------------------


def race(app, *actions):
    """Run the actions at once, each in its own app context; their outcomes ('ok' or the refusal's class name)."""
    barrier = threading.Barrier(len(actions), timeout=30)
    results = [None] * len(actions)

    def run(index, prepare):
        with app.app_context():
            try:
                act = prepare()
                db.session.commit()
                barrier.wait()
                act()
                results[index] = "ok"
            except ServiceError as refusal:
                results[index] = type(refusal).__name__
            except Exception as error:  # noqa: BLE001 -- any other failure is what the test looks for
                results[index] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _booking_from(token, slot_id):
    def prepare():
        invitation = scheduling.find_link(token)
        return lambda: scheduling.book(invitation, str(slot_id))

    return prepare


@BOTH_DATABASES
def test_two_submits_from_one_invitation_make_one_booking(scene, app, backend):
    other = make_slot(scene["job"], TOMORROW + timedelta(hours=2))
    ids = (scene["slot"].id, other.id)
    db.session.remove()
    results = race(app, _booking_from(scene["token"], ids[0]), _booking_from(scene["token"], ids[1]))
    assert sorted(results) == ["AlreadyBooked", "ok"] or sorted(results) == ["AlreadyScheduled", "ok"], results
    assert count(Interview) == 1 and seat_discrepancies() == []
    assert sum(db.session.get(InterviewSlot, slot_id).current_bookings for slot_id in ids) == 1


@BOTH_DATABASES
def test_a_resend_that_loaded_the_invitation_before_a_booking_mails_no_link(scene, app, backend):
    """The recruiter's request has the invitation loaded (unused) when the candidate's booking commits."""
    invitation = db.session.get(SchedulingInvitation, scene["invitation"].id)
    slot_id, token = scene["slot"].id, scene["token"]
    assert race(app, _booking_from(token, slot_id)) == ["ok"]  # another request, committed meanwhile
    assert invitation.status == "sent"  # what this request still holds
    with pytest.raises(RefusedAction, match="This invitation is booked; send a new one instead."):
        scheduling.resend(invitation)
    assert invitation.status == "booked" and len(emails("scheduling_invitation")) == 1  # the first one only


@BOTH_DATABASES
def test_revoke_racing_a_booking_one_wins_cleanly(scene, app, backend):
    invitation_id, slot_id, token = scene["invitation"].id, scene["slot"].id, scene["token"]
    db.session.remove()

    def revoking():
        invitation = db.session.get(SchedulingInvitation, invitation_id)
        return lambda: scheduling.revoke(invitation)

    results = race(app, _booking_from(token, slot_id), revoking)
    invitation = db.session.get(SchedulingInvitation, invitation_id)
    if results == ["ok", "InvitationChanged"]:
        assert invitation.status == "booked" and count(Interview) == 1
    else:
        assert results == ["DeadLink", "ok"], results
        assert invitation.status == "revoked" and count(Interview) == 0
        assert db.session.get(InterviewSlot, slot_id).current_bookings == 0
    assert seat_discrepancies() == []


@BOTH_DATABASES
def test_the_last_seat_taken_by_another_candidate_says_just_taken(scene, app, backend):
    other = make_candidate(scene["job"], "Omar Other")
    _, other_link = scheduling.invite(other)
    slot_id = scene["slot"].id
    db.session.remove()
    results = race(app, _booking_from(scene["token"], slot_id), _booking_from(token_of(other_link), slot_id))
    assert sorted(results) == ["TimeTaken", "ok"], results
    assert count(Interview) == 1 and db.session.get(InterviewSlot, slot_id).current_bookings == 1
    assert seat_discrepancies() == []


@BOTH_DATABASES
def test_a_self_reschedule_racing_a_recruiters_cancel_one_wins(scene, app, backend):
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    later = make_slot(scene["job"], TOMORROW + timedelta(hours=2))
    ids = {"interview": interview.id, "later": later.id, "invitation": scene["invitation"].id}
    db.session.remove()

    def rescheduling():
        invitation = scheduling.find_link(scene["token"])
        return lambda: scheduling.reschedule(invitation, str(ids["later"]))

    def cancelling():
        target = db.session.get(Interview, ids["interview"])
        return lambda: booking.cancel_interview(target)

    results = race(app, rescheduling, cancelling)
    interview = db.session.get(Interview, ids["interview"])
    if results == ["ok", "ChangedMeanwhile"]:
        assert (interview.status, interview.slot_id) == ("scheduled", ids["later"])
    else:
        assert results in (["ChangedMeanwhile", "ok"], ["NothingBooked", "ok"]), results
        assert interview.status == "cancelled"
        assert db.session.get(SchedulingInvitation, ids["invitation"]).reschedules_used == 0  # rolled back with it
    assert seat_discrepancies() == []


@BOTH_DATABASES
def test_a_cancel_committed_while_a_reschedule_looks_is_not_called_closed(scene, app, backend, monkeypatch):
    """The interleaving the race above can hit: the recruiter's cancel commits right after the
    reschedule's first read of the booking; the reschedule must not then call it 'closed'."""
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    later = make_slot(scene["job"], TOMORROW + timedelta(hours=2))
    interview_id, later_id, invitation_id = interview.id, later.id, scene["invitation"].id
    db.session.remove()
    read_booking = scheduling.active_interview

    def read_then_recruiter_cancels(invitation):
        found = read_booking(invitation)
        monkeypatch.setattr(scheduling, "active_interview", read_booking)

        def cancel():
            with app.app_context():
                booking.cancel_interview(db.session.get(Interview, interview_id))

        recruiter = threading.Thread(target=cancel)
        recruiter.start()
        recruiter.join(30)
        return found

    monkeypatch.setattr(scheduling, "active_interview", read_then_recruiter_cancels)
    with pytest.raises(booking.ChangedMeanwhile):
        scheduling.reschedule(scheduling.find_link(scene["token"]), str(later_id))
    db.session.remove()
    assert db.session.get(Interview, interview_id).status == "cancelled"
    assert db.session.get(SchedulingInvitation, invitation_id).reschedules_used == 0
    assert seat_discrepancies() == []


@BOTH_DATABASES
def test_two_retake_clicks_at_once_make_one_retake_invitation(scene, app, clock, backend):
    scene["job"].retakes_allowed = 2
    db.session.commit()
    interview = scheduling.book(scene["invitation"], str(scene["slot"].id))
    key, candidate_id = interview.session_key, interview.candidate_id
    clock.set(TOMORROW + timedelta(minutes=11))
    assert portal.portal_state(portal.find_session(key), clock.now()) == portal.EXPIRED  # the no-show, recorded
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    tokens = [None, None]

    def click(index):
        with app.app_context():
            try:
                barrier.wait()
                tokens[index] = scheduling.start_retake(key)
            except Exception as error:  # noqa: BLE001 -- any failure is what the test looks for
                tokens[index] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    retakes = db.session.scalars(
        select(SchedulingInvitation).where(
            SchedulingInvitation.candidate_id == candidate_id, SchedulingInvitation.is_retake.is_(True)
        )
    ).all()
    assert len(retakes) == 1, tokens
    assert [scheduling.find_link(token).id for token in tokens] == [retakes[0].id] * 2
    assert count(OutboxEmail, OutboxEmail.scheduling_invitation_id == retakes[0].id) == 1
    assert scheduling.retakes_left(key) == 1
