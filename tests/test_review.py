"""The recruiter's review: every answer (escaped, raw first), code, audio for staff only, the decision."""

import pytest

from models import AuditEvent, CandidateStatus, Interview, db
from tests.portal_support import book_session, hx, take_interview


def test_review_shows_every_answer_escaped_with_times_and_aid(clock, recruiter_client, recruiter):
    session = book_session(actor=recruiter)
    interview = take_interview(recruiter_client, session, clock)
    response = recruiter_client.get(f"/interviews/{interview.id}/review")
    assert response.status_code == 200
    html = response.text
    for question in session.questions:
        assert f"Answer to {question.position}" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "return x &lt; 2 and &#39;&lt;b&gt;&#39;" in html and 'class="language-python"' in html
    assert html.count("Time taken: 0:42") == len(session.questions)
    assert "Aid, not a score" in html
    # Raw answer before the aid in every question's block.
    first = html.split('id="question-1"')[1]
    assert first.index("Answer to 0") < first.index("Aid, not a score")


def test_detail_page_links_to_the_review(clock, recruiter_client, recruiter):
    interview = take_interview(recruiter_client, book_session(actor=recruiter), clock)
    html = recruiter_client.get(f"/interviews/{interview.id}").text
    assert f'href="/interviews/{interview.id}/review"' in html


def test_audio_is_served_to_staff_only(clock, client, auth, recruiter):
    session = book_session(actor=recruiter)
    interview = take_interview(client, session, clock, audio=True)
    answer = session.questions[0].answer
    url = f"/interviews/{interview.id}/answers/{answer.id}/audio"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("recruiter@example.com")
    html = client.get(f"/interviews/{interview.id}/review").text
    assert f'src="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200 and response.data == b"OggS fake voice"
    assert response.mimetype == "audio/ogg" and "no-store" in response.headers["Cache-Control"]
    other = book_session(name="Ben Other", job=interview.job)
    assert client.get(f"/interviews/{other.interview.id}/answers/{answer.id}/audio").status_code == 404
    no_audio = session.questions[1].answer
    assert client.get(f"/interviews/{interview.id}/answers/{no_audio.id}/audio").status_code == 404


@pytest.mark.parametrize(
    "decision, candidate_status",
    [("hire", CandidateStatus.HIRED), ("reject", CandidateStatus.REJECTED), ("advance", CandidateStatus.INTERVIEWED)],
)
def test_decision_updates_interview_and_candidate(clock, recruiter_client, recruiter, decision, candidate_status):
    interview = take_interview(recruiter_client, book_session(actor=recruiter), clock)
    response = recruiter_client.post(
        f"/interviews/{interview.id}/review", data={"decision": decision, "review_notes": "Clear <b>answers</b>."}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/interviews/{interview.id}/review")
    interview = db.session.get(Interview, interview.id)
    db.session.refresh(interview)
    assert interview.decision == decision and interview.review_notes == "Clear <b>answers</b>."
    assert interview.reviewed_by_id == recruiter.id and interview.reviewed_at == clock.now()
    assert interview.candidate.status == candidate_status.value
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "interview.reviewed")) is not None
    page = recruiter_client.get(f"/interviews/{interview.id}/review").text
    assert "Clear &lt;b&gt;answers&lt;/b&gt;." in page


def test_decision_form_through_htmx_returns_the_fragment(clock, recruiter_client, recruiter):
    interview = take_interview(recruiter_client, book_session(actor=recruiter), clock)
    response = recruiter_client.post(
        f"/interviews/{interview.id}/review", data={"decision": "advance", "review_notes": ""}, headers=hx()
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="review-decision"' in response.text and "Decision saved" in response.text


@pytest.mark.parametrize("form", [{"decision": "maybe"}, {"decision": "hire", "review_notes": "x" * 10_001}])
def test_bad_decision_input_changes_nothing(clock, recruiter_client, recruiter, form):
    interview = take_interview(recruiter_client, book_session(actor=recruiter), clock)
    response = recruiter_client.post(f"/interviews/{interview.id}/review", data=form)
    assert response.status_code == 422 and 'class="error"' in response.text
    db.session.refresh(interview)
    assert interview.decision == "pending" and interview.candidate.status == CandidateStatus.INTERVIEWED
    response = recruiter_client.post(f"/interviews/{interview.id}/review", data=form, headers=hx())
    assert response.status_code == 422 and 'class="error"' in response.text


def test_review_of_an_interview_not_taken_yet(clock, recruiter_client, recruiter):
    session = book_session(actor=recruiter)
    html = recruiter_client.get(f"/interviews/{session.interview.id}/review").text
    assert "has not started this interview" in html


def test_review_needs_sign_in(clock, client, recruiter):
    session = book_session(actor=recruiter)
    assert client.get(f"/interviews/{session.interview.id}/review").status_code == 302
