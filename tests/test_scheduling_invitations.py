"""Invitations in bulk and by id (services/scheduling_invitations.py): who is invited, who is
skipped and why, batches over a filter, the API's filters and refusals; races on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import OutboxEmail, SchedulingInvitation, db
from services import booking, candidates, jobs, scheduling, scheduling_invitations
from services.errors import InputError, ServiceError
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES
from tests.test_scheduling import race

NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)  # the pinned clock


def live_invitations(candidate_id):
    """The candidate's invitations whose links work now."""
    return db.session.scalar(
        select(func.count())
        .select_from(SchedulingInvitation)
        .where(
            SchedulingInvitation.candidate_id == candidate_id,
            SchedulingInvitation.status.in_(("sent", "opened")),
            SchedulingInvitation.expires_at > NOW,
        )
    )


def invitation_emails():
    return db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.kind == "scheduling_invitation"))


@pytest.fixture
def crowd(app, clock, recruiter):
    """A job with five candidates (one invited, one booked), another job with one."""
    job, other_job = make_job(), make_job("Data Engineer")
    people = [make_candidate(job, f"Person{i} Test") for i in range(5)]
    scheduling.invite(people[0], actor=recruiter)
    booking.book_interview(people[1], make_slot(job, NOW + timedelta(days=1)))
    stranger = make_candidate(other_job, "Stranger Else")
    return {"job": job, "other_job": other_job, "people": people, "stranger": stranger, "recruiter": recruiter}


def test_selected_candidates_are_invited_and_the_rest_skipped_with_reasons(crowd):
    people, unknown = crowd["people"], "00000000-0000-4000-8000-000000000000"
    ids = [str(person.id) for person in people] + [str(crowd["stranger"].id), unknown, str(people[2].id)]
    result = scheduling_invitations.invite_many(str(crowd["job"].id), actor=crowd["recruiter"], candidate_ids=ids)
    assert result.created == 3 and result.skipped_total == 4
    assert result.reasons() == [
        ("not_found", "not found", 1),
        ("other_job", "applied for another job", 1),
        ("already_scheduled", "already booked for this job", 1),
        ("already_invited", "already invited, link not used yet", 1),
    ]
    assert {reason for _, reason in result.skipped_candidates} == set(scheduling_invitations.SKIP_REASONS)
    assert [live_invitations(person.id) for person in people] == [1, 0, 1, 1, 1]
    assert invitation_emails() == 1 + 3  # the earlier single invitation, then one each


def test_an_expired_or_revoked_invitation_does_not_block_a_new_one(crowd, clock):
    first = crowd["people"][0]
    clock.advance(timedelta(days=8))  # the 7-day link has lapsed
    result = scheduling_invitations.invite_many(str(crowd["job"].id), actor=None, candidate_ids=[str(first.id)])
    assert (result.created, result.skipped_total) == (1, 0)


def test_everyone_matching_goes_in_batches_and_counts_the_other_jobs(crowd, monkeypatch):
    monkeypatch.setattr(scheduling_invitations, "BATCH_SIZE", 2)
    matching = candidates.search_candidates("test")  # every "Person… Test", of any job; not the stranger
    make_candidate(crowd["other_job"], "Other Test")
    result = scheduling_invitations.invite_many(str(crowd["job"].id), actor=crowd["recruiter"], matching=matching)
    assert result.created == 3
    assert dict(result.skipped) == {"other_job": 1, "already_scheduled": 1, "already_invited": 1}
    assert result.skipped_candidates == []  # a filter's skips are counted, not listed
    assert scheduling_invitations.preview_many(str(crowd["job"].id), matching=matching) == (crowd["job"], 6)


def test_everyone_matching_stops_after_a_run_and_continues_when_asked_again(crowd, monkeypatch):
    monkeypatch.setattr(scheduling_invitations, "BATCH_SIZE", 1)
    monkeypatch.setattr(scheduling_invitations, "MAX_CREATED_PER_RUN", 2)
    for name in ("One More", "Two More"):
        make_candidate(crowd["job"], name)
    job_id, matching = str(crowd["job"].id), candidates.search_candidates(job_id=crowd["job"].id)
    first = scheduling_invitations.invite_many(job_id, actor=None, matching=matching)
    assert (first.created, first.unfinished) == (2, True)
    second = scheduling_invitations.invite_many(job_id, actor=None, matching=matching)
    assert second.created == 2
    last = scheduling_invitations.invite_many(job_id, actor=None, matching=matching)
    assert (last.created, last.unfinished, last.skipped["already_invited"]) == (1, False, 5)
    assert [live_invitations(person.id) for person in crowd["people"]] == [1, 0, 1, 1, 1] and invitation_emails() == 1 + 5


@pytest.mark.parametrize(
    "candidate_ids, message",
    [
        ([], "Select at least one candidate."),
        ("not a list", "Select at least one candidate."),
        (["not-an-id"], "Every entry must be a candidate id."),
        ([7], "Every entry must be a candidate id."),
        (["00000000-0000-4000-8000-000000000000"] * 1001, "At most 1,000 at a time; invite everyone matching a filter instead."),
    ],
)
def test_bad_candidate_ids_are_refused_before_anything_is_written(crowd, candidate_ids, message):
    with pytest.raises(InputError) as refused:
        scheduling_invitations.invite_many(str(crowd["job"].id), actor=None, candidate_ids=candidate_ids)
    assert refused.value.fields == {"candidate_ids": message}
    assert invitation_emails() == 1


def test_an_archived_or_unknown_job_is_refused(crowd):
    jobs.remove_job(crowd["job"])
    with pytest.raises(scheduling.RoleClosed):
        scheduling_invitations.invite_many(str(crowd["job"].id), actor=None, candidate_ids=[str(crowd["people"][2].id)])
    with pytest.raises(scheduling_invitations.NotFound) as unknown:
        scheduling_invitations.invite_many("nope", actor=None, candidate_ids=[str(crowd["people"][2].id)])
    assert (unknown.value.status, unknown.value.fields) == (404, {"job_id": "No such job."})
    assert invitation_emails() == 1


def test_one_invitation_by_ids_with_its_own_expiry(crowd):
    person = crowd["people"][2]
    invitation, link = scheduling_invitations.invite_to_job(
        {"candidate_id": str(person.id), "job_id": str(crowd["job"].id), "expires_at": "2030-01-20T18:00:00+05:30"},
        actor=crowd["recruiter"],
    )
    assert invitation.expires_at == datetime(2030, 1, 20, 12, 30, tzinfo=UTC) and link.startswith(
        "http://testserver.local/schedule/"
    )
    naive = scheduling_invitations.invite_to_job(
        {"candidate_id": str(person.id), "job_id": str(crowd["job"].id), "expires_at": "2030-01-20T18:00"},
        actor=None,
    )[0]
    assert naive.expires_at == datetime(2030, 1, 20, 12, 30, tzinfo=UTC)  # read in IST
    with pytest.raises(ServiceError) as other:
        scheduling_invitations.invite_to_job(
            {"candidate_id": str(crowd["stranger"].id), "job_id": str(crowd["job"].id)}, actor=None
        )
    assert (other.value.status, other.value.code) == (400, "other_job")


@pytest.mark.parametrize(
    "value, message",
    [
        ("tomorrow", "Give a date and time such as 2030-01-20T18:00:00+05:30."),
        ("2030-01-15T09:00:00+05:30", "Choose a time after now and within 90 days."),
        ("2030-06-01T00:00:00Z", "Choose a time after now and within 90 days."),
        ("0001-01-01T00:00:00+05:00", "Give a date and time such as 2030-01-20T18:00:00+05:30."),
    ],
)
def test_bad_expiry_is_a_field_error(crowd, value, message):
    errors = {}
    assert scheduling_invitations.parse_expiry(value, errors) is None
    assert errors == {"expires_at": message}


def test_the_list_filters_by_the_state_as_of_now(crowd, clock):
    job = crowd["job"]
    scheduling_invitations.invite_many(str(job.id), actor=None, candidate_ids=[str(crowd["people"][2].id)])
    clock.advance(timedelta(days=7, minutes=1))  # both earlier invitations have lapsed
    fresh = scheduling.invite(crowd["people"][3])[0]

    def listed(**filters):
        return db.session.scalars(scheduling_invitations.invitation_list(**filters)).all()

    assert [i.id for i in listed(status="sent")] == [fresh.id]
    assert len(listed(status="expired")) == 2
    assert [i.id for i in listed(candidate_id=crowd["people"][3].id)] == [fresh.id]
    assert len(listed(job_id=job.id)) == 3 and listed(job_id=crowd["other_job"].id) == []


def test_revoking_a_booked_invitation_is_refused(crowd):
    job, person = crowd["job"], crowd["people"][2]
    slot = make_slot(job, NOW + timedelta(days=2))
    invitation = scheduling.invite(person)[0]
    scheduling.book(invitation, str(slot.id))
    with pytest.raises(scheduling.BookedInvitation) as refused:
        scheduling_invitations.revoke_by_id(str(invitation.id), actor=None)
    assert (refused.value.status, refused.value.code) == (409, "booked")
    assert scheduling_invitations.revoke_by_id(str(scheduling.invite(crowd["people"][3])[0].id), actor=None).status == "revoked"
    with pytest.raises(scheduling_invitations.NotFound):
        scheduling_invitations.resend_by_id("00000000-0000-4000-8000-000000000000", actor=None)


@BOTH_DATABASES
def test_two_recruiters_bulk_inviting_overlapping_sets_leave_one_live_invitation_each(app, backend, clock, recruiter):
    job = make_job()
    people = [make_candidate(job, f"Racer{i} Test") for i in range(12)]
    job_id, person_ids = str(job.id), [person.id for person in people]
    ids = [str(person_id) for person_id in person_ids]
    db.session.remove()
    outcomes = []

    def inviting(chosen):
        def prepare():
            def act():
                outcomes.append(scheduling_invitations.invite_many(job_id, actor=None, candidate_ids=chosen))

            return act

        return prepare

    # Overlapping in opposite orders: a lock taken candidate by candidate would deadlock.
    results = race(app, inviting(ids[:8]), inviting(list(reversed(ids[4:]))))
    assert results == ["ok", "ok"], results
    assert [live_invitations(person_id) for person_id in person_ids] == [1] * 12
    assert sum(outcome.created for outcome in outcomes) == 12
    assert sum(outcome.skipped["already_invited"] for outcome in outcomes) == 4
    assert invitation_emails() == 12


@BOTH_DATABASES
def test_a_single_invite_racing_a_bulk_one_leaves_one_live_invitation(app, backend, clock):
    job = make_job()
    person = make_candidate(job)
    job_id, person_id = str(job.id), person.id
    db.session.remove()

    def single():
        candidate = db.session.get(type(person), person_id)
        return lambda: scheduling.invite(candidate)

    def bulk():
        return lambda: scheduling_invitations.invite_many(job_id, actor=None, candidate_ids=[str(person_id)])

    assert race(app, single, bulk) == ["ok", "ok"]
    assert live_invitations(person_id) == 1
