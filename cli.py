"""Flask CLI commands for operators: accounts, tokens and the demo data set."""

import secrets
from datetime import UTC, datetime, time, timedelta

import click
from flask import current_app
from sqlalchemy import func, select

from models import Candidate, CodingLanguage, Domain, InterviewSlot, InterviewType, Job, Role, User, db
from services import accounts, audit, labels, timeutil, two_factor
from services.transactions import one_transaction

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_SLOT_TIMES = (time(10, 0), time(14, 0), time(16, 30))


def register_cli(app):
    app.cli.add_command(create_admin)
    app.cli.add_command(reset_password)
    app.cli.add_command(create_token)
    app.cli.add_command(init_demo)
    app.cli.add_command(create_link)
    app.cli.add_command(outbox_group)
    app.cli.add_command(mail_test)
    app.cli.add_command(audio_group)


@click.command("create-admin")
@click.argument("email")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters, not a common one."
)
def create_admin(email, password):
    """Create an admin account, or make an existing user an enabled admin with this password.

    For an existing user the new password ends their sessions and API tokens, as a reset does.
    """
    try:
        user = accounts.find_user(email)
        if user is None:
            user = accounts.create_user(email, password, Role.ADMIN)
        else:
            accounts.set_password(user, password, revoke_tokens=True)
            user.role, user.is_enabled = Role.ADMIN, True
            audit.record("user.made_admin", user, via="cli")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Admin {user.email} is ready.")


@click.command("reset-password")
@click.argument("email")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters, not a common one."
)
def reset_password(email, password):
    """Give EMAIL a new password (role unchanged): their sessions and API tokens end, two-factor sign-in is turned off."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email.strip()}.")
    try:
        accounts.set_password(user, password, revoke_tokens=True)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    had_two_factor = user.has_two_factor
    if had_two_factor:
        two_factor.turn_off(user, actor=None)
    audit.record("user.password_reset", user, via="cli")
    db.session.commit()
    click.echo(f"New password set for {user.email}; their sessions and API tokens have ended.")
    if had_two_factor:
        click.echo("Two-factor sign-in was turned off; they can set it up again on their Account page.")
    if not user.is_enabled:
        click.echo("The account is disabled: an admin must enable it before they can sign in.")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", help="A label to recognise the token by.")
def create_token(email, name):
    """Create an API token for EMAIL and print it (last line). Only its hash is stored."""
    try:
        normalised = accounts.normalise_email(email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    user = db.session.scalar(select(User).where(User.email == normalised))
    if user is None or not user.is_enabled:
        raise click.ClickException(f"No active user with the email {normalised}.")
    raw = accounts.create_token(user, name)
    db.session.commit()
    click.echo(f"API token for {user.email} (shown once; send it as 'Authorization: Token <token>'):")
    click.echo(raw)


@click.command("init-demo")
def init_demo():
    """On a database with no users: a demo admin, a job and a week of slots (otherwise: how to sign in)."""
    login_url = f"{current_app.config['BACKEND_URL']}/login"
    if db.session.scalar(select(func.count(User.id))):
        click.echo(
            f"Sign in at {login_url} with an existing account, or create one with:\n"
            "  .venv/bin/flask create-admin you@example.com --password '…'"
        )
        return
    password = secrets.token_urlsafe(12)
    admin = accounts.create_user(DEMO_ADMIN_EMAIL, password, Role.ADMIN, "Demo Admin")
    domain = Domain(name="AI/ML")
    job = Job(
        job_title="Machine Learning Engineer",
        company_name="Demo Labs",
        job_description=(
            "Build and ship machine learning features: data pipelines in Python, model training with "
            "scikit-learn and PyTorch, REST APIs with Flask, SQL for analytics, and MLOps on Docker."
        ),
        coding_language=CodingLanguage.PYTHON,
        domain=domain,
        duration_minutes=30,
        created_by_id=None,
    )
    db.session.add_all([domain, job])
    tz = timeutil.zone()
    today = timeutil.to_zone(timeutil.now(), tz).date()
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        for start in DEMO_SLOT_TIMES:
            start_at = timeutil.combine_local(day, start, tz)
            db.session.add(
                InterviewSlot(
                    job=job,
                    start_at=start_at,
                    end_at=start_at + timedelta(minutes=job.duration_minutes),
                    ai_interview_type=InterviewType.TECHNICAL,
                    max_candidates=2,
                )
            )
    db.session.commit()
    click.echo("Created a demo admin, a job and a week of slots.")
    click.echo(f"Email: {admin.email}")
    click.echo(f"Password: {password}")
    click.echo(f"(Shown once. Sign in at {login_url})")


@click.group("outbox")
def outbox_group():
    """Deliver queued e-mails (the outbox)."""


@outbox_group.command("send")
def outbox_send():
    """Deliver every due e-mail once and print what happened."""
    from services.outbox import queue, transport

    if not transport.is_configured():
        click.echo(transport.describe_mail_config(current_app)[0])
        raise click.ClickException("No SMTP server configured; nothing was sent.")
    counts = queue.drain()
    click.echo(", ".join(f"{name}: {value}" for name, value in counts.items()))


@outbox_group.command("worker")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks for due e-mails.")
def outbox_worker(poll):
    """Deliver e-mails until stopped (SIGTERM or Ctrl-C finish the current message first)."""
    import signal
    import threading

    from services.no_shows import Sweeper
    from services.outbox import queue, transport

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    worker_id = queue.default_worker_id()
    courier = transport.Courier(current_app._get_current_object())  # one SMTP connection, kept while there is work
    no_shows = Sweeper()  # missed interviews become no-shows even if nobody opens their link
    click.echo(f"{transport.describe_mail_config(current_app)[0]}; worker {worker_id} running")
    while not stopping.is_set():
        try:
            counts = queue.deliver_due(worker_id=worker_id, stop=stopping, courier=courier)
            no_shows.sweep_if_due()
        except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the worker
            db.session.rollback()
            click.echo(f"Delivery or no-show round failed: {exc}", err=True)
            counts = {}
        finally:
            db.session.remove()
        if any(counts.values()):
            click.echo(", ".join(f"{name}: {value}" for name, value in counts.items()))
        if sum(counts.values()) < queue.BATCH_SIZE:
            stopping.wait(poll)
            courier.close_if_idle()
    courier.close()
    click.echo("Worker stopped.")


@click.group("audio")
def audio_group():
    """Candidates' voice recordings."""


@audio_group.command("purge")
@click.option("--days", type=click.IntRange(min=1), help="Keep recordings this many days (default: AUDIO_RETENTION_DAYS).")
def audio_purge(days):
    """Delete voice recordings older than the retention period (run it daily, e.g. from cron)."""
    from services import retention

    days = days or current_app.config["AUDIO_RETENTION_DAYS"]
    if days <= 0:
        click.echo("AUDIO_RETENTION_DAYS is 0: recordings are kept; nothing was deleted.")
        return
    result = retention.purge_recordings(timeutil.now(), days)
    click.echo(f"Deleted {result.deleted} recordings older than {days} days; removed {result.orphans} stray files.")
    if result.failed:
        raise click.ClickException(f"{result.failed} files could not be deleted (see the log); the next run retries them.")


@click.command("mail-test")
@click.argument("email")
def mail_test(email):
    """Send a test e-mail to EMAIL directly (not through the outbox) and print what happened."""
    from services.outbox import transport

    line, warnings = transport.describe_mail_config(current_app)
    click.echo(line)
    for warning in warnings:
        click.echo(f"Warning: {warning}")
    if not transport.is_configured():
        raise click.ClickException("No SMTP server configured (set MAIL_SERVER or EMAIL_HOST).")
    try:
        message_id = transport.send_test_message(email)
    except Exception as exc:  # noqa: BLE001 - report any SMTP or network failure to the operator
        raise click.ClickException(f"Sending failed: {transport.describe_error(exc)}") from None
    click.echo(f"Test message sent to {email} (Message-ID {message_id}).")


NO_SEND_REASON = "--no-send; the server's sender delivers it"
CREATE_LINK_HELP = """Book a quick interview and print its link.

\b
LANGUAGE  PYTHON (default), JAVASCRIPT, JAVA, PHP, RUBY, CSHARP or SQL
NAME      the candidate's name (default "Test Candidate")
EMAIL     the candidate's e-mail (default test@example.com); the invitation goes there
TIME      "YYYY-MM-DD HH:MM" in IST (default: now); a past time is allowed, with a warning

\b
Examples:
  flask create-link
  flask create-link JAVASCRIPT
  flask create-link PYTHON "Jane Smith" jane@example.com "{year}-10-20 14:30"
  flask create-link --no-send SQL "Priya Sharma" priya@example.com "{year}-10-21 10:00"

The interview is booked through the same service as the web pages: a one-seat slot of the
job "AI/ML Engineer" at "Quick Interviews" for that LANGUAGE and a session with a new link.
When SMTP is configured the command sends the invitation itself (waiting a few seconds at
most) and prints "E-mail: sent to ..."; otherwise, or with --no-send, it stays in the outbox
and "E-mail: queued (why)" says so: the running server's sender (or `flask outbox worker`)
delivers it.
"""


@one_transaction
def quick_interview(language, name, email, start_at, *, actor=None):
    """The CLI's one-shot booking: a quick job for `language`, the candidate, a 1-seat slot at `start_at`.

    It goes through book_interview (allowing a start in the past), so the CLI can never drift
    from the web flow; on refusal nothing it created is kept.
    """
    from services import booking

    # The seed's script made short AI/ML interviews: one such job per coding language.
    title, company = "AI/ML Engineer", "Quick Interviews"
    job = db.session.scalar(
        select(Job)
        .where(Job.job_title == title, Job.company_name == company, Job.coding_language == language, Job.archived_at.is_(None))
        .limit(1)
    )
    if job is None:
        job = Job(
            job_title=title,
            company_name=company,
            job_description=(
                f"A short AI/ML interview in {labels.LANGUAGES[language]}: machine learning fundamentals, data handling, "
                "model evaluation, APIs and testing. Created from the command line."
            ),
            coding_language=language,
        )
        db.session.add(job)
        db.session.flush()
    candidate = db.session.scalar(select(Candidate).where(Candidate.job_id == job.id, Candidate.email == email))
    if candidate is None:
        candidate = Candidate(job=job, email=email, full_name=name)
        db.session.add(candidate)
    candidate.full_name = name
    return booking.book_ad_hoc(
        candidate, start_at, actor=actor, notes="Created with flask create-link", allow_past=True, supersede=True
    )


@click.command("create-link", help=CREATE_LINK_HELP.format(year=datetime.now(UTC).year + 1))  # examples stay in the future
@click.argument("language", required=False, default="PYTHON")
@click.argument("name", required=False, default="Test Candidate")
@click.argument("email", required=False, default="test@example.com")
@click.argument("when", metavar="[TIME]", required=False)
@click.option("--no-send", is_flag=True, help="Leave the invitation in the outbox for the server's sender.")
def create_link(language, name, email, when, no_send):
    """Book a quick interview, print its link and say what became of its invitation."""
    from services import booking, notifications
    from services.outbox import queue, transport

    language = (language or "").strip().upper()
    if language not in list(CodingLanguage):
        raise click.BadParameter(f"{language or '(empty)'} is not one of {', '.join(CodingLanguage)}.", param_hint="LANGUAGE")
    name = (name or "").strip()
    if not name:
        raise click.BadParameter("The name must not be empty.", param_hint="NAME")
    try:
        email = accounts.normalise_email(email)
    except accounts.AccountError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    if when is None:
        start_at = timeutil.now()
    else:
        try:
            start_at = timeutil.parse_local(when, timeutil.zone())
        except timeutil.TimeInputError as exc:
            raise click.BadParameter(f"{exc} Times are in IST.", param_hint="TIME") from None
        if start_at < timeutil.now():
            click.echo("Warning: that time is in the past; the link may already have expired.", err=True)
    try:
        interview = quick_interview(language, name, email, start_at)
    except booking.BookingError as exc:
        raise click.ClickException(exc.message) from None
    email_row = notifications.invitation_email(interview)
    if transport.is_configured() and not no_send:
        email_row = queue.send_now(email_row.id)
    click.echo(f"Interview booked for {name} <{email}> ({labels.language(language)})")
    click.echo(f"Scheduled: {timeutil.format_local(interview.started_at, timeutil.zone(), '%A %d %B %Y, %I:%M %p IST')}")
    click.echo(f"Interview link: {notifications.interview_link(interview.session_key)}")
    click.echo(f"Session key: {interview.session_key}")
    click.echo(f"E-mail: {queue.delivery_report(email_row, queued_reason=NO_SEND_REASON)}")
