"""The booking dialog's candidate typeahead and slot picker: the search service, the e-mail
fallback without JavaScript, the 422 of a missing choice, and the page and fragment of each route."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Interview, db
from services import booking
from services.errors import InputError
from services.slots import crud as slot_crud
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

HX = {"HX-Request": "true"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # Wed 16 Jan 2030, 14:30 IST; the clock is Tue 10:00 IST


@BOTH_DATABASES  # the search index differs: FTS5 on SQLite, a trigram index on PostgreSQL
def test_suggestions_match_name_or_email_of_the_slots_job_and_leave_out_who_is_booked(app, clock):
    job, other_job = make_job(), make_job("Designer")
    slot = make_slot(job, T0, capacity=3)
    asha = make_candidate(job, "Asha Rao", "asha@example.com")
    booked = make_candidate(job, "Ashok Kumar", "ashok@example.com")
    make_candidate(job, "Ben Mills", "ben@example.com")
    make_candidate(other_job, "Asha Other", "asha.other@example.com")
    booking.book_interview(booked, slot)

    assert slot_crud.candidate_suggestions(slot, "ash") == [asha]
    assert [c.full_name for c in slot_crud.candidate_suggestions(slot, "BEN@exa")] == ["Ben Mills"]
    assert [c.full_name for c in slot_crud.candidate_suggestions(slot, "rao asha")] == ["Asha Rao"]
    assert slot_crud.candidate_suggestions(slot, "a") == [] and slot_crud.candidate_suggestions(slot, "  ") == []


def test_suggestions_stop_at_ten(app, clock):
    job = make_job()
    slot = make_slot(job, T0)
    for n in range(12):
        make_candidate(job, f"Priya {n}", f"priya{n}@example.com")
    assert len(slot_crud.candidate_suggestions(slot, "priya")) == slot_crud.SUGGESTION_LIMIT == 10


@BOTH_DATABASES
@pytest.mark.parametrize("typed", ["asha@example.com", "  ASHA@Example.com ", "Asha Rao <asha@example.com>"])
def test_a_typed_email_names_the_candidate_of_the_slots_job(app, clock, typed):
    job, other_job = make_job(), make_job("Designer")
    slot = make_slot(job, T0)
    make_candidate(other_job, "Asha Elsewhere", "asha@example.com")
    asha = make_candidate(job, "Asha Rao", "asha@example.com")
    assert booking.booking_choice(str(slot.id), "", typed) == (slot, asha)


def test_the_chosen_id_wins_over_the_text(app, clock):
    job = make_job()
    slot = make_slot(job, T0)
    make_candidate(job, "Asha Rao", "asha@example.com")
    ben = make_candidate(job, "Ben Mills", "ben@example.com")
    assert booking.booking_choice(str(slot.id), str(ben.id), "Asha Rao <asha@example.com>") == (slot, ben)


@pytest.mark.parametrize(
    ("slot_given", "candidate_id", "typed", "fields"),
    [
        (True, "", "", {"candidate": "Choose a candidate."}),
        (
            True,
            "",
            "Asha",
            {
                "candidate": "No candidate for this job has the e-mail “Asha”. Type part of a name and choose from the list, or type the whole e-mail."
            },
        ),
        (
            True,
            "not-a-uuid",
            "nobody@example.com",
            {
                "candidate": "No candidate for this job has the e-mail “nobody@example.com”. Type part of a name and choose from the list, or type the whole e-mail."
            },
        ),
        (False, "", "", {"slot_id": "Choose a slot.", "candidate": "Choose a candidate."}),
    ],
)
def test_a_missing_or_unknown_choice_is_a_422_naming_the_field(app, clock, slot_given, candidate_id, typed, fields):
    job = make_job()
    slot = make_slot(job, T0)
    make_candidate(job, "Asha Rao", "asha@example.com")
    with pytest.raises(InputError) as refused:
        booking.booking_choice(str(slot.id) if slot_given else "", candidate_id, typed)
    assert refused.value.status == 422 and refused.value.fields == fields


def test_candidate_options_fragment(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0)
    asha = make_candidate(job, "Asha Rao", "asha@example.com")
    response = recruiter_client.get(f"/interviews/book/candidates?slot_id={slot.id}&candidate=asha", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(
        '<ul id="candidate-options" class="typeahead-options" role="listbox" aria-label="Matching candidates">'
    )
    assert (
        f'<li id="candidate-option-{asha.id}" role="option" aria-selected="false" data-value="{asha.id}" data-label="Asha Rao &lt;asha@example.com&gt;">'
        in html
    )

    nobody = recruiter_client.get(f"/interviews/book/candidates?slot_id={slot.id}&candidate=zzz", headers=HX).get_data(
        as_text=True
    )
    assert "No candidate for this job matches “zzz”, or they are booked here already" in nobody
    short = recruiter_client.get(f"/interviews/book/candidates?slot_id={slot.id}&candidate=a", headers=HX).get_data(as_text=True)
    assert "Type at least two letters" in short and "hidden" not in short
    assert recruiter_client.get("/interviews/book/candidates?slot_id=nope&candidate=asha").status_code == 404


def test_booking_from_a_slot_by_typed_email_without_javascript(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    asha = make_candidate(job, "Asha Rao", "asha@example.com")
    page = recruiter_client.get(f"/interviews/book?slot_id={slot.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Book an interview</h1>" in html
    assert '<h2 id="picker-heading">Confirm the time</h2>' in html and "<strong>14:30–15:00 IST</strong>" in html
    assert f'<input type="hidden" name="slot_id" value="{slot.id}">' in html and "Pick another time" not in html

    form = {"origin": "slot", "slot_id": str(slot.id), "candidate": "Asha Rao <asha@example.com>", "candidate_id": ""}
    done = recruiter_client.post("/interviews/book", data=form)
    interview = db.session.scalar(select(Interview))
    assert done.status_code == 302 and done.headers["Location"] == f"/interviews/{interview.id}"
    assert interview.candidate_id == asha.id and interview.slot_id == slot.id


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_an_unknown_candidate_comes_back_422_with_the_message_beside_the_field(clock, recruiter_client, headers):
    job = make_job()
    slot = make_slot(job, T0)
    form = {"origin": "slot", "slot_id": str(slot.id), "candidate": "nobody@example.com", "booking_notes": "Keep me"}
    response = recruiter_client.post("/interviews/book", data=form, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ("<html" in html) is not bool(headers)
    assert '<p class="error" id="candidate-error">No candidate for this job has the e-mail “nobody@example.com”.' in html
    assert 'aria-describedby="candidate-hint candidate-error"' in html and 'aria-invalid="true"' in html
    assert 'value="nobody@example.com"' in html and "Keep me</textarea>" in html
    assert db.session.scalar(select(func.count(Interview.id))) == 0


def test_booking_from_a_candidate_picks_a_time_in_the_picker(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    morning, later = make_slot(job, T0), make_slot(job, T0 + timedelta(days=1))
    page = recruiter_client.get(f"/interviews/book?candidate_id={candidate.id}").get_data(as_text=True)
    assert '<h2 id="picker-heading">Pick a time</h2>' in page and page.count('class="day-button"') == 2
    time_link = f"/interviews/book?origin=candidate&amp;candidate_id={candidate.id}&amp;page=standalone&amp;tz=Asia/Kolkata&amp;slot_id={morning.id}"
    assert f'href="{time_link}"' in page

    # The time's link: the confirmation card, as a page and (htmx, the picker taken out of it) a fragment.
    url = time_link.replace("&amp;", "&")
    confirm = recruiter_client.get(url).get_data(as_text=True)
    assert '<h2 id="picker-heading">Confirm the time</h2>' in confirm and ">Book</button>" in confirm and "<html" in confirm
    fragment = recruiter_client.get(url, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="slot-picker"' in fragment.text
    assert 'hx-select="#slot-picker"' in fragment.text and f'name="slot_id" value="{morning.id}"' in fragment.text

    done = recruiter_client.post(
        "/interviews/book",
        data={"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": str(later.id), "page": "standalone"},
        headers=HX,
    )
    assert done.status_code == 200 and "Interview booked" in done.text
    assert db.session.scalar(select(Interview.slot_id)) == later.id
