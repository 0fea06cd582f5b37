"""The scheduling invitations API on both databases: create (the link once), list with filters and
cursors, read, revoke, resend, bulk; every refusal as `{"error", "fields", "code"}`."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import OutboxEmail, SchedulingToken, db
from services import booking, jobs, scheduling, scheduling_links
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)
URL = "/api/scheduling-invitations/"
UNKNOWN = str(uuid.UUID(int=7))


def invitation_emails():
    return db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "scheduling_invitation"))


@pytest.fixture
def setting(app, clock, client, api_headers):
    job, other_job = make_job(), make_job("Data Engineer")
    asha, ben = make_candidate(job, "Asha Rao"), make_candidate(job, "Ben Stone")
    stranger = make_candidate(other_job, "Cy Other")

    def call(method, path, **kwargs):
        return client.open(path, method=method, headers=api_headers, **kwargs)

    return {"job": job, "other_job": other_job, "asha": asha, "ben": ben, "stranger": stranger, "call": call}


def create(setting, candidate, **extra):
    return setting["call"]("POST", URL, json={"candidate_id": str(candidate.id), "job_id": str(candidate.job_id), **extra})


@BOTH_DATABASES
def test_create_answers_the_link_once_and_emails_it(setting, backend):
    response = create(setting, setting["asha"])
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["expires_at"], body["candidate_id"]) == ("sent", "2030-01-22T04:30:00Z", str(setting["asha"].id))
    assert body["scheduling_link"].startswith("http://testserver.local/schedule/")
    token = body["scheduling_link"].rsplit("/", 1)[1]
    assert scheduling_links.find_invitation(token).id == uuid.UUID(body["id"])
    assert token not in db.session.scalars(select(SchedulingToken.token_hash)).all()  # stored hashed
    assert invitation_emails() == 1
    shown = setting["call"]("GET", f"{URL}{body['id']}/").json
    assert "scheduling_link" not in shown and shown == {name: value for name, value in body.items() if name != "scheduling_link"}


def test_create_with_an_expiry_and_a_reinvite_revokes_the_older(setting):
    first = create(setting, setting["asha"]).json
    second = create(setting, setting["asha"], expires_at="2030-01-20T18:00:00+05:30").json
    assert second["expires_at"] == "2030-01-20T12:30:00Z"
    assert setting["call"]("GET", f"{URL}{first['id']}/").json["status"] == "revoked"


@BOTH_DATABASES
@pytest.mark.parametrize(
    "case, status, code, fields",
    [
        ("missing", 400, None, {"candidate_id": "Required.", "job_id": "Required."}),
        ("bad expiry", 400, None, {"expires_at": "Choose a time after now and within 90 days."}),
        ("unknown candidate", 404, "not_found", {"candidate_id": "No such candidate."}),
        ("unknown job", 404, "not_found", {"job_id": "No such job."}),
        ("another job's candidate", 400, "other_job", {"candidate_id": "Applied for another job."}),
        ("archived job", 410, "role_closed", {}),
    ],
)
def test_create_refusals(setting, backend, case, status, code, fields):
    asha, job = setting["asha"], setting["job"]
    bodies = {
        "missing": {},
        "bad expiry": {"candidate_id": str(asha.id), "job_id": str(job.id), "expires_at": "2031-01-01T00:00:00Z"},
        "unknown candidate": {"candidate_id": UNKNOWN, "job_id": str(job.id)},
        "unknown job": {"candidate_id": str(asha.id), "job_id": UNKNOWN},
        "another job's candidate": {"candidate_id": str(setting["stranger"].id), "job_id": str(job.id)},
        "archived job": {"candidate_id": str(asha.id), "job_id": str(job.id)},
    }
    if case == "archived job":
        jobs.remove_job(job)
    response = setting["call"]("POST", URL, json=bodies[case])
    assert response.status_code == status and response.json["fields"] == fields and response.json.get("code") == code
    assert isinstance(response.json["error"], str) and invitation_emails() == 0


@BOTH_DATABASES
def test_the_list_filters_and_pages_by_cursor(setting, backend, clock):
    asha_first = create(setting, setting["asha"]).json
    clock.advance(timedelta(minutes=1))
    ben = create(setting, setting["ben"]).json
    clock.advance(timedelta(minutes=1))
    asha = create(setting, setting["asha"]).json  # the first one is revoked
    call = setting["call"]

    def ids(query=""):
        return [row["id"] for row in call("GET", URL + query).json["results"]]

    assert ids() == [asha["id"], ben["id"], asha_first["id"]]  # newest first
    assert ids(f"?candidate_id={setting['asha'].id}") == [asha["id"], asha_first["id"]]
    assert ids("?status=revoked") == [asha_first["id"]]
    assert ids(f"?job_id={setting['other_job'].id}") == []
    page = call("GET", URL + "?page_size=2").json
    assert (page["count"], page["pages"], len(page["results"])) == (3, 2, 2)
    rest = call("GET", page["next"].replace("http://testserver.local", "")).json
    assert [row["id"] for row in rest["results"]] == [asha_first["id"]] and rest["page"] is None and rest["next"] is None

    clock.advance(timedelta(days=8))  # unused links lapse: they read, and filter, as expired
    assert sorted(ids("?status=expired")) == sorted([asha["id"], ben["id"]]) and ids("?status=sent") == []


@pytest.mark.parametrize(
    "query, fields",
    [
        ("?job_id=nope", {"job_id": "Not an id."}),
        ("?candidate_id=12", {"candidate_id": "Not an id."}),
        ("?status=lost", {"status": "One of sent, opened, booked, expired, revoked."}),
    ],
)
def test_bad_filters_are_400(setting, query, fields):
    response = setting["call"]("GET", URL + query)
    assert response.status_code == 400 and response.json == {"error": "Invalid filter.", "fields": fields}


@BOTH_DATABASES
def test_revoke_and_its_refusals(setting, backend):
    call = setting["call"]
    invitation = create(setting, setting["asha"]).json
    revoked = call("POST", f"{URL}{invitation['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    again = call("POST", f"{URL}{invitation['id']}/revoke/")
    assert again.status_code == 409 and again.json["error"] == "This invitation is already revoked."
    assert call("POST", f"{URL}{UNKNOWN}/revoke/").status_code == 404
    assert call("POST", f"{URL}{UNKNOWN}/revoke/").json["fields"] == {"invitation_id": "No such invitation."}
    assert call("POST", f"{URL}not-an-id/revoke/").status_code == 404

    booked_invitation, _ = scheduling.invite(setting["ben"])
    scheduling.book(booked_invitation, str(make_slot(setting["job"], NOW + timedelta(days=1)).id))
    refused = call("POST", f"{URL}{booked_invitation.id}/revoke/")
    assert refused.status_code == 409 and refused.json["code"] == "booked"
    assert call("GET", f"{URL}{booked_invitation.id}/").json["status"] == "booked"


@BOTH_DATABASES
def test_resend_gives_a_new_link_and_its_refusals(setting, backend, clock):
    call = setting["call"]
    invitation = create(setting, setting["asha"]).json
    clock.advance(timedelta(days=2))
    resent = call("POST", f"{URL}{invitation['id']}/resend/")
    assert resent.status_code == 200 and resent.json["expires_at"] == "2030-01-24T04:30:00Z"
    assert resent.json["scheduling_link"] != invitation["scheduling_link"] and invitation_emails() == 2
    call("POST", f"{URL}{invitation['id']}/revoke/")
    assert call("POST", f"{URL}{invitation['id']}/resend/").status_code == 409
    fresh = create(setting, setting["ben"]).json
    jobs.remove_job(setting["job"])
    closed = call("POST", f"{URL}{fresh['id']}/resend/")
    assert closed.status_code == 410 and closed.json["code"] == "role_closed"
    assert call("GET", f"{URL}{UNKNOWN}/").status_code == 404


@BOTH_DATABASES
def test_bulk_counts_created_and_skipped_with_reasons(setting, backend):
    booking.book_interview(setting["ben"], make_slot(setting["job"], NOW + timedelta(days=1)))
    third = make_candidate(setting["job"], "Dev Third")
    create(setting, third)
    ids = [str(setting["asha"].id), str(setting["ben"].id), str(third.id), str(setting["stranger"].id), UNKNOWN]
    response = setting["call"]("POST", URL + "bulk/", json={"job_id": str(setting["job"].id), "candidate_ids": ids})
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1 and response.json["skipped"] == 4
    assert response.json["skipped_reasons"] == {"not_found": 1, "other_job": 1, "already_scheduled": 1, "already_invited": 1}
    assert {(row["candidate_id"], row["reason"]) for row in response.json["skipped_candidates"]} == {
        (str(setting["ben"].id), "already_scheduled"),
        (str(third.id), "already_invited"),
        (str(setting["stranger"].id), "other_job"),
        (UNKNOWN, "not_found"),
    }
    assert invitation_emails() == 2


@pytest.mark.parametrize(
    "body, status, fields",
    [
        ({"candidate_ids": [UNKNOWN]}, 400, {"job_id": "Required."}),
        ({"job_id": UNKNOWN, "candidate_ids": [UNKNOWN]}, 404, {"job_id": "No such job."}),
        ({"job_id": "{job}", "candidate_ids": []}, 400, {"candidate_ids": "Select at least one candidate."}),
        ({"job_id": "{job}", "candidate_ids": ["x"]}, 400, {"candidate_ids": "Every entry must be a candidate id."}),
        ({"job_id": "{job}", "candidate_ids": {"a": 1}}, 400, {"candidate_ids": "Select at least one candidate."}),
    ],
)
def test_bulk_refusals(setting, body, status, fields):
    body = {name: value.format(job=setting["job"].id) if isinstance(value, str) else value for name, value in body.items()}
    response = setting["call"]("POST", URL + "bulk/", json=body)
    assert response.status_code == status and response.json["fields"] == fields and invitation_emails() == 0


def test_bulk_for_an_archived_job_is_410(setting):
    jobs.remove_job(setting["job"])
    response = setting["call"](
        "POST", URL + "bulk/", json={"job_id": str(setting["job"].id), "candidate_ids": [str(setting["asha"].id)]}
    )
    assert response.status_code == 410 and response.json["code"] == "role_closed"


def test_a_token_is_required(client, app):
    for method, path in (("GET", URL), ("POST", URL), ("POST", URL + "bulk/"), ("POST", f"{URL}{UNKNOWN}/revoke/")):
        response = client.open(path, method=method, json={})
        assert response.status_code == 401 and response.json["error"]
