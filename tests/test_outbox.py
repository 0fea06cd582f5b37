"""The outbox sender against a real SMTP server (aiosmtpd): delivery, retries, faults, workers."""

import smtplib
import socket
import threading
from datetime import timedelta
from email.headerregistry import Address

import pytest
from icalendar import Calendar

from models import EmailStatus, InterviewStatus, OutboxEmail, db
from services import notifications
from services.outbox import in_process, queue, transport
from tests.support import BOTH_DATABASES
from tests.test_notifications import START, make_interview

NOTHING = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}


def rows(kind=None):
    query = db.select(OutboxEmail).order_by(OutboxEmail.created_at)
    if kind:
        query = query.where(OutboxEmail.kind == kind)
    db.session.expire_all()
    return db.session.scalars(query).all()


def queue_invitation(**kwargs):
    interview = make_interview(**kwargs)
    email = notifications.queue_invitation(interview)
    db.session.commit()
    return interview, email


def claimed_ids(**kwargs):
    """The ids of the rows a claim took."""
    return [row.id for row in queue.claim_due(**kwargs)]


class SMTPConnects:
    """Records which threads open SMTP connections; clear `go` to hold them until the test sets it."""

    def __init__(self):
        self.threads = []
        self.go = threading.Event()
        self.go.set()


@pytest.fixture
def smtp_connects(monkeypatch):
    """Every SMTP connection the app opens, by thread (smtplib.SMTP connects in its constructor)."""
    connects, connect = SMTPConnects(), smtplib.SMTP.connect

    def recording_connect(self, *args, **kwargs):
        connects.threads.append(threading.current_thread().name)
        connects.go.wait(10)
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", recording_connect)
    return connects


def attachment(message, filename="invite.ics"):
    return next(part for part in message.iter_attachments() if part.get_filename() == filename)


def test_invitation_delivered_with_parts_and_ics(smtp, clock, app):
    interview, email = queue_invitation()
    assert email.status == EmailStatus.QUEUED
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    (message,) = smtp.messages
    assert message["Subject"] == "Interview Scheduled - Backend Engineer at Acme Corp"
    assert message["To"].addresses[0] == Address("Asha Rao", addr_spec="asha@example.com")
    assert message["From"].addresses[0] == Address("Interviews", addr_spec="interviews@example.com")
    with app.test_request_context():
        assert message["Message-ID"] == transport.message_id(email.idempotency_key)
    link = f"http://testserver.local/?session_key={interview.session_key}"
    assert link in message.get_body(("plain",)).get_content()
    assert link in message.get_body(("html",)).get_content()
    ics = attachment(message)
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == START
    assert smtp.envelopes[0].rcpt_tos == ["asha@example.com"]
    (row,) = rows("invitation")
    assert (row.status, row.attempts, row.sent_at, row.claimed_by, row.last_error) == ("sent", 1, clock.now(), None, None)
    assert queue.deliver_due() == NOTHING  # reminders are not due yet; nothing goes twice


def test_smtp_down_at_booking_then_delivered_when_up(app, smtp_server, clock, smtp_connects):
    from tests.conftest import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens there
    _, email = queue_invitation()
    assert smtp_connects.threads == []  # queueing never talks to SMTP
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    assert smtp_connects.threads == ["MainThread"]
    (row,) = rows("invitation")
    assert row.status == "retrying" and row.attempts == 1
    assert "Connection refused" in row.last_error or "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    app.config["MAIL_PORT"] = smtp_server.port  # the server comes up
    assert queue.deliver_due() == NOTHING  # not before the back-off
    clock.advance(timedelta(seconds=30))
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    assert [m["Subject"] for m in smtp_server.messages] == ["Interview Scheduled - Backend Engineer at Acme Corp"]
    assert rows("invitation")[0].status == "sent"


def test_unconfigured_rows_are_sent_once_smtp_is_configured(app, smtp_server, clock):
    _, email = queue_invitation()
    assert email.status == EmailStatus.UNCONFIGURED
    assert queue.deliver_due() == NOTHING
    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER="hr@example.com")
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    assert len(smtp_server.messages) == 1
    assert rows("invitation")[0].status == "sent"


def test_4xx_then_250_is_retried_with_backoff(smtp, clock, app):
    smtp.replies = ["451 4.3.0 try later", "451 4.3.0 try later"]
    queue_invitation()
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    row = rows("invitation")[0]
    assert (row.status, row.attempts, row.last_error) == ("retrying", 1, "451 4.3.0 try later")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert queue.deliver_due() == NOTHING
    clock.advance(timedelta(seconds=1))
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    row = rows("invitation")[0]
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled
    clock.advance(timedelta(seconds=60))
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    row = rows("invitation")[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(smtp.messages) == 1


def test_a_retry_sends_the_bytes_stored_at_queueing(smtp, clock, app):
    smtp.replies = ["451 4.3.0 try later"]
    _, email = queue_invitation()
    stored = email.mime_message
    assert stored and b"Subject: Interview Scheduled - Backend Engineer at Acme Corp" in stored
    assert (email.envelope_from, email.envelope_to) == ("interviews@example.com", "asha@example.com")
    app.config["MAIL_DEFAULT_SENDER"] = "Someone Else <other@example.com>"  # changed settings do not alter queued mail
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    clock.advance(timedelta(seconds=30))
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    (refused, _), (delivered, _) = [(content, session) for session, content in smtp.attempts]
    assert refused == delivered == stored.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert smtp.envelopes[0].mail_from == "interviews@example.com"
    assert smtp.envelopes[0].rcpt_tos == ["asha@example.com"]


def test_a_reminder_is_serialised_at_its_first_send_and_retried_with_those_bytes(smtp, clock, app):
    queue_invitation()
    reminder = rows("reminder")[0]
    assert reminder.mime_message is None  # the booking serialised its invitation only
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    clock.set(START - timedelta(hours=24))
    smtp.replies = ["451 4.3.0 try later"]
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    db.session.expire_all()
    stored = rows("reminder")[0].mime_message
    assert stored and b"Subject: Reminder: interview in 24 hours" in stored
    clock.advance(timedelta(seconds=30))
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    (_, refused), (_, delivered) = [(session, content) for session, content in smtp.attempts[1:]]
    assert refused == delivered == stored.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_rows_queued_without_smtp_are_rendered_when_sent(smtp_server, clock, app):
    _, email = queue_invitation()
    assert (email.status, email.mime_message, email.envelope_from) == ("unconfigured", None, None)
    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER="HR <hr@example.com>")
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    (message,) = smtp_server.messages
    assert message["From"].addresses[0] == Address("HR", addr_spec="hr@example.com")
    assert smtp_server.envelopes[0].mail_from == "hr@example.com"
    with app.test_request_context():
        assert message["Message-ID"] == transport.message_id(email.idempotency_key)


def test_a_batch_is_one_claim_and_two_marks_over_one_connection(smtp, clock, app, recorded_sql):
    smtp.replies = ["550 5.1.1 mailbox unavailable"]  # the first message is refused; the rest go out
    for n in range(6):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    with recorded_sql() as statements:
        assert queue.deliver_due() == {**NOTHING, "sent": 5, "failed": 1}
    assert [executed.sql.split()[0] for executed in statements] == [
        "UPDATE",
        "UPDATE",
        "UPDATE",
    ]  # claim, mark the sent, mark the failed
    assert len(smtp.attempts) == 6
    assert len({session for session, _ in smtp.attempts}) == 1  # one SMTP connection, the refusal did not end it
    assert (
        sorted((r.status, r.last_error) for r in rows("invitation"))
        == [("failed", "550 5.1.1 mailbox unavailable")] + [("sent", None)] * 5
    )


def test_a_workers_connection_stays_open_across_batches_and_closes_when_idle(smtp, clock, app):
    for n in range(5):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    courier = transport.Courier(app)
    assert queue.deliver_due(limit=2, courier=courier)["sent"] == 2
    assert queue.deliver_due(limit=2, courier=courier)["sent"] == 2
    courier.close_if_idle(seconds=60)
    assert courier.host is not None  # just used: kept
    assert queue.deliver_due(limit=2, courier=courier)["sent"] == 1
    assert len({session for session, _ in smtp.attempts}) == 1
    courier.close_if_idle(seconds=0)
    assert courier.host is None


def test_a_connection_the_server_dropped_while_idle_is_reopened(smtp, clock, app):
    for n in range(2):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    courier = transport.Courier(app)
    assert queue.deliver_due(limit=1, courier=courier)["sent"] == 1
    courier.host.sock.shutdown(socket.SHUT_RDWR)  # what a server's idle timeout leaves behind
    assert queue.deliver_due(limit=1, courier=courier)["sent"] == 1
    assert len({session for session, _ in smtp.attempts}) == 2
    assert {r.status for r in rows("invitation")} == {"sent"}
    courier.close()


def test_the_lease_is_derived_from_mail_timeout(app):
    app.config["MAIL_TIMEOUT"] = 30
    assert queue.lease_seconds() == 2 * transport.SMTP_STEPS * 30
    app.config["MAIL_TIMEOUT"] = 2
    assert queue.lease_seconds() == queue.MIN_LEASE_SECONDS


def test_a_slow_batch_keeps_its_lease_so_no_other_worker_sends_its_rows(smtp, clock, app):
    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    lease = queue.lease_seconds()
    taken_by_other = []

    class SlowCourier(transport.Courier):
        def send(self, *message):
            clock.advance(timedelta(seconds=lease / 3))  # each message takes a third of the lease
            taken_by_other.extend(claimed_ids(worker_id="other"))  # another worker looks, mid-message
            super().send(*message)

    assert queue.deliver_due(worker_id="slow", courier=SlowCourier(app)) == {**NOTHING, "sent": 3}
    assert taken_by_other == []
    assert len(smtp.messages) == 3
    assert {(r.status, r.claimed_by, r.attempts) for r in rows("invitation")} == {("sent", None, 1)}


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgres_claim_reads_the_due_index_without_sorting(smtp, backend, app, clock, recorded_sql):
    from sqlalchemy import text

    # 20,000 sent rows and 5,000 due ones, made by the server (a client-side insert took seconds).
    db.session.execute(
        text(
            "INSERT INTO outbox_emails (id, idempotency_key, kind, to_email, to_name, subject, body_text,"
            " body_html, status, attempts, next_attempt_at, created_at)"
            " SELECT gen_random_uuid(), 'bulk:' || n, 'invitation', 'c' || n || '@example.com', '', 's', 'b', '',"
            " CASE WHEN n < 20000 THEN 'sent' ELSE 'queued' END, 0, :due, :due FROM generate_series(0, 24999) AS n"
        ),
        {"due": clock.now() - timedelta(minutes=5)},
    )
    db.session.commit()
    db.session.execute(text("ANALYZE outbox_emails"))
    db.session.commit()
    with recorded_sql() as statements:
        assert len(queue.claim_due()) == queue.BATCH_SIZE
    statement, parameters = next(executed for executed in statements if executed.sql.startswith("UPDATE outbox_emails"))
    with db.engine.connect() as conn:
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "ix_outbox_emails_due" in plan, plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


def test_5xx_is_permanent_failure_and_visible(smtp, clock, recruiter_client, app):
    smtp.replies = ["550 5.1.1 mailbox unavailable"]
    interview, _ = queue_invitation()
    assert queue.deliver_due() == {**NOTHING, "failed": 1}
    row = rows("invitation")[0]
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 5.1.1 mailbox unavailable")
    html = recruiter_client.post(f"/interviews/{interview.id}/resend", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<span class="badge badge-failed">Failed</span>' in html  # visible next to the resent one
    assert "550 5.1.1 mailbox unavailable" in html
    assert [r.status for r in rows("invitation")] == ["failed", "queued"]
    clock.advance(timedelta(hours=2))
    assert queue.deliver_due()["sent"] == 1  # the resent invitation; the failed row is not retried
    assert [r.status for r in rows("invitation")] == ["failed", "sent"]


def test_gives_up_after_max_attempts(smtp, clock, app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    smtp.replies = ["421 4.7.0 busy", "421 4.7.0 busy"]
    queue_invitation()
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    clock.advance(timedelta(minutes=1))
    assert queue.deliver_due() == {**NOTHING, "failed": 1}
    row = rows("invitation")[0]
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "421 4.7.0 busy")


def test_backoff_doubles_and_is_capped():
    assert [queue.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert queue.backoff(20).total_seconds() == 3600


def test_stalling_smtp_times_out_and_retries(smtp, clock, app):
    app.config["MAIL_TIMEOUT"] = 0.3  # the test waits this long once
    smtp.delay = 2
    queue_invitation()
    assert queue.deliver_due() == {**NOTHING, "retrying": 1}
    assert rows("invitation")[0].last_error == "SMTP server timed out"


def test_worker_killed_mid_batch_rows_are_reclaimed(smtp, clock, app):
    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    claimed = claimed_ids(worker_id="worker-that-dies")  # claimed, then the process is killed
    assert len(claimed) == 3
    assert {r.status for r in rows("invitation")} == {"sending"}
    assert queue.deliver_due(worker_id="survivor") == NOTHING  # the claim is still leased
    clock.advance(timedelta(seconds=queue.lease_seconds() + 1))
    assert queue.deliver_due(worker_id="survivor") == {**NOTHING, "sent": 3}
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == ["c0@example.com", "c1@example.com", "c2@example.com"]
    assert {(r.status, r.claimed_by, r.attempts) for r in rows("invitation")} == {("sent", None, 2)}


def test_a_killed_workers_batch_is_sent_by_another_within_the_short_lease(smtp, clock, app):
    total = queue.BATCH_SIZE + 5
    for n in range(total):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    claimed = claimed_ids(worker_id="killed")  # `kill -9` right after the claim
    assert len(claimed) == queue.BATCH_SIZE  # a batch: the rest stays free for others at once
    assert queue.drain(worker_id="survivor")["sent"] == 5
    assert queue.lease_seconds() == 60  # MAIL_TIMEOUT 5 s: 2 x 6 SMTP steps
    clock.advance(timedelta(seconds=61))
    assert queue.drain(worker_id="survivor")["sent"] == len(claimed)
    delivered = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages)
    assert delivered == sorted(f"c{n}@example.com" for n in range(total))  # none lost, none twice
    assert {(r.status, r.claimed_by) for r in rows("invitation")} == {("sent", None)}


def test_a_live_worker_renews_the_lease_of_its_batch(smtp, clock, app):
    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    claimed = claimed_ids(worker_id="busy")
    lease = queue.lease_seconds()
    clock.advance(timedelta(seconds=lease - 10))
    assert queue._renew_claims(claimed, "busy") == set(claimed)  # as when its lease runs short mid-batch
    clock.advance(timedelta(seconds=lease - 10))  # past the first claim's lease, not the renewal's
    assert queue.claim_due(worker_id="other") == []
    clock.advance(timedelta(seconds=11))
    assert sorted(claimed_ids(worker_id="other")) == sorted(claimed)


def test_a_slow_worker_does_not_send_rows_another_worker_took_over(smtp, clock, app):
    queue_invitation()
    (email_id,) = claimed_ids(worker_id="slow")
    clock.advance(timedelta(seconds=queue.lease_seconds() + 1))
    (taken,) = claimed_ids(worker_id="fast")
    assert taken == email_id
    assert queue._renew_claims([email_id], "slow") == set()  # the slow worker skips it
    assert queue._renew_claims([email_id], "fast") == {email_id}


def test_stop_mid_batch_releases_unsent_rows(smtp, clock, app):
    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    stop = threading.Event()
    stop.set()
    assert queue.deliver_due(stop=stop) == NOTHING
    assert {(r.status, r.claimed_by, r.attempts) for r in rows("invitation")} == {("queued", None, 0)}
    assert queue.deliver_due() == {**NOTHING, "sent": 3}


@BOTH_DATABASES
def test_two_workers_at_once_send_each_message_exactly_once(smtp, backend, app):
    app.config["MAIL_TIMEOUT"] = 10
    smtp.delay = 0.02  # long enough for the two workers' batches to overlap
    for n in range(24):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    expected = {r.idempotency_key for r in rows("invitation")}
    results, errors = [], []

    def worker(name):
        try:
            with app.app_context():
                totals = NOTHING.copy()
                for _ in range(30):
                    counts = queue.deliver_due(limit=4, worker_id=name)
                    if not any(counts.values()):
                        break
                    totals = {k: totals[k] + counts[k] for k in totals}
                results.append(totals)
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r["sent"] for r in results) == 24
    assert all(r["sent"] > 0 for r in results)  # both really worked at the same time
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 24 and len(set(ids)) == 24
    with app.test_request_context():
        assert set(ids) == {transport.message_id(key) for key in expected}
    assert {r.status for r in rows("invitation")} == {"sent"}


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgres_claim_skips_rows_locked_by_another_worker(smtp, backend, app):
    from sqlalchemy import select, text

    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    ids = [r.id for r in rows("invitation")]
    db.session.execute(text("SET lock_timeout = '2s'"))  # waiting instead of skipping would fail fast
    with db.engine.connect() as other_worker, other_worker.begin():
        other_worker.execute(select(OutboxEmail.id).where(OutboxEmail.id == ids[0]).with_for_update())
        claimed = claimed_ids(worker_id="w2")
    assert set(claimed) == set(ids[1:])


def test_unicode_names_in_addresses(smtp, clock, app):
    app.config["MAIL_DEFAULT_SENDER"] = ("Équipe Recrutement", "hr@example.com")
    queue_invitation(name="José Müller 山田太郎", email="jose@example.com")
    assert queue.deliver_due()["sent"] == 1
    (message,) = smtp.messages
    assert message["To"].addresses[0] == Address("José Müller 山田太郎", addr_spec="jose@example.com")
    assert message["From"].addresses[0] == Address("Équipe Recrutement", addr_spec="hr@example.com")
    assert smtp.envelopes[0].rcpt_tos == ["jose@example.com"]
    assert "Dear José Müller 山田太郎" in message.get_body(("plain",)).get_content()
    event = Calendar.from_ical(attachment(message).get_content()).walk("VEVENT")[0]
    assert event["ATTENDEE"].params["CN"] == "José Müller 山田太郎"


@pytest.mark.parametrize(
    "name, address",
    [
        ('"Evil" <attacker@evil.example>, Jane', "jane@example.com"),
        ("Sharma, Priya", "priya.sharma.the.longest.address.of.all@recruiting-department.example.com"),
        ("Müller, José", "jose@example.com"),
    ],
)
def test_a_display_name_never_becomes_another_recipient(smtp, clock, app, name, address):
    app.config["MAIL_DEFAULT_SENDER"] = ("Hiring, Acme <hr@evil.example>", "hr@example.com")
    queue_invitation(name=name, email=address)
    assert queue.deliver_due()["sent"] == 1
    (message,) = smtp.messages
    assert message["To"].addresses == (Address(name, addr_spec=address),)
    assert message["From"].addresses == (Address("Hiring, Acme <hr@evil.example>", addr_spec="hr@example.com"),)
    assert smtp.envelopes[0].rcpt_tos == [address]


def test_header_injection_is_neutralised(smtp, clock, app):
    interview = make_interview(name="Eve\r\nBcc: victim@example.com")
    db.session.add(
        OutboxEmail(
            idempotency_key="manual:1",
            kind="invitation",
            interview_id=interview.id,
            to_email="eve@example.com",
            to_name="Eve\r\nBcc: victim@example.com",
            subject="Hello\r\nBcc: victim@example.com\r\nX-Evil: 1",
            body_text="body",
            status="queued",
            next_attempt_at=clock.now(),
        )
    )
    db.session.commit()
    assert queue.deliver_due()["sent"] == 1
    (message,) = smtp.messages
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Hello Bcc: victim@example.com X-Evil: 1"
    assert message["To"].addresses[0].addr_spec == "eve@example.com"
    assert smtp.envelopes[0].rcpt_tos == ["eve@example.com"]


@pytest.mark.parametrize(
    "subject",
    [
        "Interview Scheduled - Développeur logiciel senior at Société Générale d'Ingénierie et de Conseil",
        "面试安排 - 高级后端工程师 at 阿里巴巴集团控股有限公司 and a tail long enough to fold over lines",
        "Interview Scheduled - " + "x" * 200,
    ],
)
def test_a_long_subject_folds_and_reads_back_unchanged(smtp, clock, app, subject):
    interview = make_interview()
    db.session.add(
        OutboxEmail(
            idempotency_key="manual:subject",
            kind="invitation",
            interview_id=interview.id,
            to_email="c@example.com",
            to_name="C",
            subject=subject,
            body_text="body",
            status="queued",
            next_attempt_at=clock.now(),
        )
    )
    db.session.commit()
    assert queue.deliver_due()["sent"] == 1
    (message,) = smtp.messages
    assert message["Subject"] == subject
    assert max(len(line) for line in message.as_bytes().splitlines()) <= 998


def test_due_reminder_is_sent(smtp, clock, app):
    booked_at = clock.now()
    queue_invitation()
    queue.deliver_due()
    clock.set(START - timedelta(hours=24))
    assert queue.deliver_due() == {**NOTHING, "sent": 1}
    assert smtp.messages[-1]["Subject"] == "Reminder: interview in 24 hours - Backend Engineer at Acme Corp"
    assert smtp.messages[-1]["Date"].datetime == START - timedelta(hours=24)  # dated when due, not when booked
    assert smtp.messages[0]["Date"].datetime == booked_at  # the invitation went out at once
    assert [r.status for r in rows("reminder")] == ["sent", "queued"]


def test_reminder_of_an_interview_no_longer_active_is_not_sent(smtp, clock, app):
    interview, _ = queue_invitation()
    queue.deliver_due()
    interview.status = InterviewStatus.CANCELLED  # cancelled without withdrawing its reminders
    db.session.commit()
    clock.set(START - timedelta(minutes=30))
    assert queue.deliver_due() == {**NOTHING, "cancelled": 2}
    assert len(smtp.messages) == 1
    assert {(r.status, r.last_error) for r in rows("reminder")} == {("cancelled", "Interview no longer scheduled.")}


# --- the in-process sender ---------------------------------------------------------------


def test_in_process_sender_is_off_in_tests(app, client):
    client.get("/login")
    assert in_process.SENDER_EXTENSION not in app.extensions
    assert not any(t.name == "outbox-sender" for t in threading.enumerate() if t.is_alive())


def test_in_process_sender_starts_once_and_is_woken_by_commit(in_process_app, smtp, recruiter, smtp_connects):
    app = in_process_app
    sender = app.extensions[in_process.SENDER_EXTENSION]
    in_process.init_app(app)  # a second init does not add a second sender
    assert app.extensions[in_process.SENDER_EXTENSION] is sender
    assert sender.thread is None  # not a server process: nothing runs until a request comes
    with app.app_context():
        interview = make_interview()
        db.session.commit()
        interview_id = interview.id
    client = app.test_client()
    client.post("/login", data={"email": "recruiter@example.com", "password": "correct horse battery"})
    thread = sender.thread
    assert thread is not None and thread.is_alive()
    smtp_connects.go.clear()  # SMTP is held up: the request that queues must not wait for it
    response = client.post(f"/interviews/{interview_id}/resend", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert smtp.messages == []  # the response came back while delivery was still held up
    smtp_connects.go.set()
    (message,) = smtp.wait_for(1, timeout=in_process.POLL_SECONDS)  # woken by the commit, not the poll
    assert smtp_connects.threads == ["outbox-sender"]  # sent by the sender thread, not the request
    assert message["Subject"] == "Interview Scheduled - Backend Engineer at Acme Corp"
    assert sender.thread is thread
    assert [t.name for t in threading.enumerate()].count("outbox-sender") == 1


# --- CLI -------------------------------------------------------------------------------------


def test_cli_outbox_send_drains_and_prints_counts(smtp, clock, app, runner):
    queue_invitation()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent: 1, retrying: 0, failed: 0, cancelled: 0" in result.output
    assert len(smtp.messages) == 1


def test_cli_outbox_send_without_smtp_says_so(app, runner, clock):
    queue_invitation()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "No SMTP server configured; nothing was sent." in result.output
    assert rows("invitation")[0].status == "unconfigured"


def test_cli_mail_test_sends_directly(smtp, app, runner):
    result = runner.invoke(args=["mail-test", "ops@example.com"])
    assert result.exit_code == 0, result.output
    assert f"Mail: SMTP 127.0.0.1:{smtp.port} (plain SMTP) without login" in result.output
    assert "Test message sent to ops@example.com" in result.output
    (message,) = smtp.messages
    assert message["Subject"] == "Interview scheduler: test message"
    assert smtp.envelopes[0].rcpt_tos == ["ops@example.com"]
    assert rows() == []  # not through the outbox


def test_cli_mail_test_reports_failure(smtp, app, runner):
    smtp.replies = ["554 5.7.1 relay denied"]
    result = runner.invoke(args=["mail-test", "ops@example.com"])
    assert result.exit_code == 1
    assert "Sending failed: 554 5.7.1 relay denied" in result.output


def test_cli_mail_test_without_smtp(app, runner):
    result = runner.invoke(args=["mail-test", "ops@example.com"])
    assert result.exit_code == 1
    assert "Mail: no SMTP server configured" in result.output
    assert "No SMTP server configured (set MAIL_SERVER or EMAIL_HOST)." in result.output


def test_cli_outbox_worker_delivers_and_stops_on_sigterm(smtp, app, database_url):
    import os
    import signal
    import subprocess
    import sys

    for n in range(3):
        queue_invitation(email=f"c{n}@example.com", name=f"Candidate {n}")
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "OUTBOX_IN_PROCESS": "false",
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_TLS": "false",
        "MAIL_USE_SSL": "false",
        "MAIL_DEFAULT_SENDER": "interviews@example.com",
        "BACKEND_URL": "http://testserver.local",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "outbox", "worker", "--poll", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        smtp.wait_for(3, timeout=20)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, output
    assert "worker" in output and "running" in output
    assert "sent: 3" in output
    assert output.rstrip().endswith("Worker stopped.")
    assert {r.status for r in rows("invitation")} == {"sent"}
