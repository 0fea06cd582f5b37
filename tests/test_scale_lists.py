"""Lists that stay flat as data grows: statement counts, cursor walks, capped counts, indexed search."""

from datetime import UTC, datetime, timedelta

import pytest

from blueprints.api import pagination
from models import Candidate, Domain, Resume, db
from services import booking, candidates, dashboard, paging
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # the clock fixture is Tue 15 Jan 2030, 10:00 IST


@pytest.fixture
def statements_for(recorded_sql):
    """statements_for(client, url): the SQL statements of a request, counted after one unmeasured
    request (a token's first use also records it)."""

    def count(client, url, **kwargs):
        client.get(url, **kwargs)
        with recorded_sql() as statements:
            response = client.get(url, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return len(statements)

    return count


def candidates_with_resumes(count, job=None):
    job = job or make_job()
    domain = Domain(name="AI/ML")
    db.session.add_all(
        Candidate(
            full_name=f"Person {n:03d}",
            email=f"p{n}@example.com",
            job=job,
            domain=domain,
            resume=Resume(
                original_filename="cv.txt",
                stored_name=f"cv-{n}.txt",
                content_type="text/plain",
                size_bytes=8,
                sha256="0" * 64,
                parsed_text=f"resume {n}",
            ),
        )
        for n in range(count)
    )
    db.session.commit()
    return job


@BOTH_DATABASES
def test_api_candidate_list_statements_do_not_grow_with_page_size(app, backend, client, api_headers, statements_for):
    candidates_with_resumes(120)
    small = statements_for(client, "/api/candidates/?page_size=20", headers=api_headers)
    large = statements_for(client, "/api/candidates/?page_size=100", headers=api_headers)
    listed = client.get("/api/candidates/?page_size=100", headers=api_headers).json
    assert small == large
    assert len(listed["results"]) == 100 and listed["results"][0]["domain"] == "AI/ML"
    assert listed["results"][0]["resume"]["has_text"] is True and "parsed_text" not in listed["results"][0]["resume"]


@BOTH_DATABASES
def test_api_slot_list_statements_do_not_grow_with_page_size(app, backend, clock, client, api_headers, statements_for):
    job = make_job()
    for n in range(120):
        make_slot(job, T0 + timedelta(hours=n), capacity=2)
    small = statements_for(client, "/api/interviews/slots/?page_size=20", headers=api_headers)
    assert statements_for(client, "/api/interviews/slots/?page_size=100", headers=api_headers) == small


@BOTH_DATABASES
def test_candidate_list_and_dashboard_statements_do_not_grow_with_rows(app, backend, clock, recruiter_client, statements_for):
    job = candidates_with_resumes(3)
    slot = make_slot(job, T0, capacity=40)
    booking.book_interview(db.session.get(Candidate, db.session.scalars(db.select(Candidate.id)).first()), slot)
    few = (statements_for(recruiter_client, "/candidates/"), statements_for(recruiter_client, "/interviews/dashboard"))
    for n in range(30):
        booking.book_interview(make_candidate(job, f"More {n}", f"more{n}@example.com"), slot)
    many = (statements_for(recruiter_client, "/candidates/"), statements_for(recruiter_client, "/interviews/dashboard"))
    assert many == few


@BOTH_DATABASES
def test_cursor_walk_sees_every_candidate_once_while_others_are_added(app, backend, clock, client, api_headers):
    job = make_job()
    for n in range(23):
        make_candidate(job, f"Walker {n}", f"w{n}@example.com")
    clock.advance(timedelta(seconds=1))
    for n in range(22):  # the same created_at for all of these: the id breaks the ties
        make_candidate(job, f"Twin {n}", f"t{n}@example.com")
    expected = {str(c.id) for c in db.session.scalars(db.select(Candidate))}
    seen, url, added = [], "/api/candidates/?page_size=10", 0
    while url:
        body = client.get(url, headers=api_headers).json
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        clock.advance(timedelta(seconds=1))
        make_candidate(job, f"Newcomer {added}", f"new{added}@example.com")  # newer: before the cursor
        added += 1
    assert len(seen) == len(set(seen)) == 45 and set(seen) == expected


@BOTH_DATABASES
def test_cursor_walk_of_slots_with_slots_added_ahead_and_behind(app, backend, clock, client, api_headers):
    job = make_job()
    made = [make_slot(job, T0 + timedelta(hours=n)) for n in range(25)]
    seen, url, n = [], "/api/interviews/slots/?page_size=7", 0
    while url:
        body = client.get(url, headers=api_headers).json
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        if url:
            made.append(make_slot(job, T0 + timedelta(days=30, hours=n)))  # ahead of the cursor: shown later
            make_slot(job, T0 - timedelta(hours=n + 1))  # behind it: never shown
            n += 1
    assert len(seen) == len(set(seen)) and set(seen) == {str(slot.id) for slot in made}


def test_page_numbers_stop_at_the_offset_limit_and_bad_cursors_are_refused(app, client, api_headers, monkeypatch):
    candidates_with_resumes(6)
    monkeypatch.setattr(pagination, "MAX_OFFSET", 4)
    assert client.get("/api/candidates/?page=2&page_size=2", headers=api_headers).status_code == 200
    deep = client.get("/api/candidates/?page=3&page_size=2", headers=api_headers)
    assert deep.status_code == 400 and "follow `next`" in deep.json["fields"]["page"]
    bad = client.get("/api/candidates/?cursor=bm90IGEgY3Vyc29y", headers=api_headers)
    assert bad.status_code == 400 and bad.json["fields"] == {"cursor": paging.BAD_CURSOR}
    assert client.get("/api/jobs/?cursor=abc", headers=api_headers).status_code == 400


def test_counts_stop_at_the_cap_and_say_so(app, clock, client, api_headers, recruiter_client, monkeypatch):
    job = candidates_with_resumes(6)
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    listed = client.get("/api/candidates/?page_size=2", headers=api_headers).json
    assert (listed["count"], listed["count_capped"], listed["pages"]) == (4, True, 2)
    assert "4+ candidates" in recruiter_client.get("/candidates/").get_data(as_text=True)
    monkeypatch.setattr(candidates, "SEARCH_COUNT_CAP", 2)  # a search's count stops sooner
    assert "2+ candidates matching “person”" in recruiter_client.get("/candidates/?q=person").get_data(as_text=True)
    searched = client.get("/api/candidates/?search=person", headers=api_headers).json
    assert (searched["count"], searched["count_capped"], len(searched["results"])) == (2, True, 6)
    slot = make_slot(job, T0, capacity=6)
    for candidate in db.session.scalars(db.select(Candidate)).all():
        booking.book_interview(candidate, slot)
    monkeypatch.setattr(dashboard, "COUNT_CAP", 3)
    html = recruiter_client.get("/interviews/dashboard").get_data(as_text=True)
    assert (
        "<strong>3+</strong> upcoming" in html and "<strong>3+</strong> scheduled" in html and "<strong>0</strong> past" in html
    )


SEARCH_PEOPLE = [
    ("Élodie MÜLLER", "elodie@example.com", "+49 30 1234567"),
    ("Asha Rao", "asha.rao@example.com", "+91 98450 12345"),
    ("Rao Patel", "rp@example.com", ""),
    ("ASHOK kumar", "ak_100%@example.com", "044-2345678"),
]
SEARCHES = ["müller", "MÜL", "élodie", "rao", "RAO asha", "ash", "as", "patel", "ak_", "100%", "_", "98450", "%", "nobody", "o m"]


@BOTH_DATABASES
def test_search_matches_substrings_in_any_case_alike_on_both_databases(app, backend):
    job = make_job()
    for name, email, phone in SEARCH_PEOPLE:
        candidate = make_candidate(job, name, email)
        candidate.phone = phone
    db.session.commit()
    for words in SEARCHES:
        expected = {
            name
            for name, email, phone in SEARCH_PEOPLE
            if all(word.lower() in f"{name} {email} {phone}".lower() for word in words.split())
        }
        assert {c.full_name for c in db.session.scalars(candidates.search_candidates(words))} == expected, words


def test_search_follows_renames_and_deletes(app):
    job = make_job()
    candidate = make_candidate(job, "Old Name", "old@example.com")
    candidates.update_candidate(candidate, {"full_name": "Brand New"}, partial=True)
    assert [c.full_name for c in db.session.scalars(candidates.search_candidates("brand"))] == ["Brand New"]
    assert list(db.session.scalars(candidates.search_candidates("old name"))) == []
    db.session.delete(candidate)
    db.session.commit()
    assert list(db.session.scalars(candidates.search_candidates("brand"))) == []


def test_the_schema_can_be_dropped_and_created_again_with_its_search(app):
    """drop_all mirrors create_all (`make screenshots` rebuilds its demo this way between sizes)."""
    db.session.remove()
    db.drop_all()
    db.create_all()
    make_candidate(make_job(), "Asha Rao", "asha@example.com")
    db.session.commit()
    assert [c.full_name for c in db.session.scalars(candidates.search_candidates("asha"))] == ["Asha Rao"]
