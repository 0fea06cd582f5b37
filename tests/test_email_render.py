"""Every kind of e-mail, delivered by the real outbox sender to aiosmtpd: a multipart/alternative
message whose HTML has its styles inlined and a bulletproof button for its link, and whose plain
text twin says the same, link included."""

from datetime import timedelta

import pytest

from models import InterviewStatus, db
from services import notifications, password_reset
from services.outbox import queue, transport
from tests.email_support import EmailHTML
from tests.test_notifications import START, make_interview

APP = "http://testserver.local"


def delivered(smtp, count):
    before = len(smtp.messages)
    assert queue.deliver_due()["sent"] == count
    return smtp.messages[before:]


def parts(message):
    """(plain text, HTML) of a message that offers both as alternatives."""
    body = message.get_body(("related", "html", "plain"))
    container = next(part for part in message.walk() if part.get_content_type() == "multipart/alternative")
    assert [part.get_content_type() for part in container.iter_parts()] == ["text/plain", "text/html"]
    assert body is not None
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def check_twins(message, link=None):
    """Both parts, styles inlined, the link as a button in the HTML and as text in the plain part."""
    text, html = parts(message)
    page = EmailHTML(html)
    assert page.styles_needing_a_head() == []
    assert page.elements_without_inline_style == []  # every class in email.css reached its element
    if link:
        assert page.buttons() == [link]
        (cell,) = page.button_cells
        assert cell["bgcolor"] == "#2457c5"  # the default accent
        assert link in text
    else:
        assert page.buttons() == []
    return text, html


def candidate_messages(smtp, clock, interview):
    notifications.queue_invitation(interview)
    db.session.commit()
    (invitation,) = delivered(smtp, 1)
    clock.set(START - timedelta(hours=1))
    reminders = delivered(smtp, 2)  # 24 h and 1 h before
    return invitation, reminders


def test_candidate_messages_have_both_parts_and_the_button(smtp, clock, app):
    interview = make_interview(timezone="America/New_York")
    link = f"{APP}/?session_key={interview.session_key}"
    invitation, reminders = candidate_messages(smtp, clock, interview)
    for message in (invitation, *reminders):
        text, html = check_twins(message, link)
        for body in (text, html):
            assert "Thursday 17 January 2030, 10:00 AM IST" in body
            assert "Wednesday 16 January 2030, 11:30 PM EST" in body  # the candidate's own zone
            assert "Voice answers are optional" in body  # the portal's wording
    old_start = interview.started_at
    interview.started_at = START + timedelta(days=1)
    interview.sequence += 1
    notifications.queue_reschedule(interview, old_start)
    db.session.commit()
    (moved,) = delivered(smtp, 1)
    text, html = check_twins(moved, link)
    assert "Previous time: Thursday 17 January 2030, 10:00 AM IST" in text
    assert 'class="old-time"' in html and "Friday 18 January 2030, 10:00 AM IST" in html
    interview.status = InterviewStatus.CANCELLED
    notifications.queue_cancellation(interview)
    db.session.commit()
    (cancelled,) = delivered(smtp, 1)
    text, html = check_twins(cancelled)  # nothing to join any more: no button
    assert "has been cancelled" in text and "has been cancelled" in html


def test_recruiter_messages_link_to_the_app(smtp, clock, app, recruiter):
    recruiter.notify_on_booking = True
    interview = make_interview(created_by=recruiter)
    notifications.queue_recruiter_copy(interview, recruiter)
    notifications.queue_completion_notice(interview)
    db.session.commit()
    by_subject = {message["Subject"]: message for message in delivered(smtp, 2)}
    text, _html = check_twins(by_subject["Booked: Asha Rao - Backend Engineer at Acme Corp"], f"{APP}/interviews/{interview.id}")
    assert f"{APP}/?session_key={interview.session_key}" in text
    check_twins(by_subject["Interview completed - Asha Rao"], f"{APP}/interviews/{interview.id}/review")


def test_account_messages(smtp, clock, app, recruiter):
    password_reset.send_reset_link(recruiter)
    notifications.queue_account_email(recruiter, "password_changed", "Your password was changed")
    db.session.commit()
    by_subject = {message["Subject"]: message for message in delivered(smtp, 2)}
    reset = by_subject["Interview scheduler: reset your password"]
    text, _html = parts(reset)
    (link,) = [line for line in text.splitlines() if line.startswith(f"{APP}/password/reset/")]
    check_twins(reset, link)
    check_twins(by_subject["Interview scheduler: Your password was changed"], f"{APP}/login")


def test_mail_test_message_has_both_parts(smtp, app):
    transport.send_test_message("ops@example.com")
    (message,) = smtp.messages
    text, html = check_twins(message)
    assert "outgoing e-mail works" in text and "outgoing e-mail works" in html


@pytest.mark.parametrize(
    ("name", "escaped"),
    [("<script>alert(1)</script>", "Dear &lt;script&gt;alert(1)&lt;/script&gt;"), ('Tom & "Jerry"', "Dear Tom &amp; ")],
)
def test_names_are_escaped_in_the_html(app, clock, name, escaped):
    email = notifications.queue_invitation(make_interview(name=name))
    assert f"Dear {name}" in email.body_text
    assert escaped in email.body_html and "<script>" not in email.body_html


def test_every_html_template_has_a_plain_twin():
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "templates" / "email"
    html = {path.stem for path in folder.glob("[!_]*.html")}
    text = {path.stem for path in folder.glob("[!_]*.txt")} - {"invite_description"}  # the .ics description
    assert html == text


def test_stored_html_is_the_inlined_one(app, clock):
    """The outbox keeps the rendered, inlined HTML: a retry days later sends the same bytes."""
    email = notifications.queue_invitation(make_interview())
    page = EmailHTML(email.body_html)
    assert page.styles_needing_a_head() == [] and page.elements_without_inline_style == []
    assert len(page.buttons()) == 1
