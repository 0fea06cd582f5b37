"""Voice recordings are kept AUDIO_RETENTION_DAYS: `flask audio purge` deletes older ones and stray files."""

import os
from datetime import timedelta

from models import InterviewAnswer, db
from services import retention, timeutil
from services.interviewer import audio as recordings
from tests.conftest import RECRUITER_EMAIL
from tests.portal_support import book_session, take_interview


def recorded_answer(client, clock, name, recruiter):
    """An interview taken now with a recording on its first answer; returns that answer."""
    interview = take_interview(client, book_session(name=name, actor=recruiter), clock, audio=True)
    answer = interview.session.questions[0].answer
    assert answer.audio_stored_name
    return answer


def stored_file(answer_name):
    return recordings.audio_folder() / answer_name


def test_recordings_past_the_retention_period_are_deleted_and_the_answers_kept(app, client, clock, recruiter):
    old = recorded_answer(client, clock, "Old Candidate", recruiter)
    old_file = stored_file(old.audio_stored_name)
    clock.advance(timedelta(days=20))
    recent = recorded_answer(client, clock, "Recent Candidate", recruiter)
    recent_file = stored_file(recent.audio_stored_name)
    clock.advance(timedelta(days=15))

    result = retention.purge_recordings(timeutil.now(), retention_days=30)

    assert (result.deleted, result.orphans, result.failed) == (1, 0, 0)
    db.session.expire_all()
    old, recent = db.session.get(InterviewAnswer, old.id), db.session.get(InterviewAnswer, recent.id)
    assert not old_file.exists() and old.audio_stored_name is None and old.audio_deleted_at == timeutil.now()
    assert old.text == "Answer to 0"  # the typed answer stays
    assert recent_file.exists() and recent.audio_stored_name and recent.audio_deleted_at is None
    again = retention.purge_recordings(timeutil.now(), retention_days=30)
    assert (again.deleted, again.orphans) == (0, 0)


def test_stray_files_are_removed_once_no_save_can_still_be_writing_them(app, client, clock, recruiter):
    kept = recorded_answer(client, clock, "Kept Candidate", recruiter)
    folder = recordings.audio_folder()
    stale, fresh = folder / "stale.webm", folder / "fresh.webm"
    for path in (stale, fresh):
        path.write_bytes(b"\x1aE\xdf\xa3")
    hours_ago = (timeutil.now() - timedelta(hours=2)).timestamp()
    os.utime(stale, (hours_ago, hours_ago))
    os.utime(fresh, (timeutil.now().timestamp(),) * 2)

    result = retention.purge_recordings(timeutil.now(), retention_days=30)

    assert result.orphans == 1 and not stale.exists() and fresh.exists()
    assert stored_file(kept.audio_stored_name).exists()


def test_review_says_when_the_recording_was_deleted(app, clock, recruiter_client, recruiter, auth):
    answer = recorded_answer(recruiter_client, clock, "Asha Rao", recruiter)
    interview_id = answer.question.session.interview_id
    audio_url = f"/interviews/{interview_id}/answers/{answer.id}/audio"
    assert recruiter_client.get(audio_url).status_code == 200
    clock.advance(timedelta(days=181))
    retention.purge_recordings(timeutil.now(), app.config["AUDIO_RETENTION_DAYS"])
    auth.login(RECRUITER_EMAIL)  # half a year later: a new sign-in

    html = recruiter_client.get(f"/interviews/{interview_id}/review").text
    assert "<audio" not in html
    assert "it was deleted on 15 Jul 2030 under the 180-day retention policy" in html
    assert recruiter_client.get(audio_url).status_code == 404


def test_candidates_are_told_how_long_recordings_are_kept(client, clock):
    session = book_session()
    clock.set(session.scheduled_at)
    html = client.get(f"/?session_key={session.session_key}").text
    assert "stored for the recruiter to listen to and deleted after 180 days" in html


def test_purge_command(app, runner, client, clock, recruiter):
    recording = stored_file(recorded_answer(client, clock, "Asha Rao", recruiter).audio_stored_name)
    clock.advance(timedelta(days=10))
    result = runner.invoke(args=["audio", "purge", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert result.output == "Deleted 1 recordings older than 7 days; removed 0 stray files.\n"
    assert not recording.exists()

    app.config["AUDIO_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["audio", "purge"])
    assert result.exit_code == 0 and "recordings are kept" in result.output
    assert runner.invoke(args=["audio", "purge", "--days", "0"]).exit_code == 2
