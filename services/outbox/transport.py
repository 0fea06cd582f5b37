"""The SMTP side of the outbox: a row's message and its bytes, the connection, and what an SMTP error means."""

import hashlib
import smtplib
import socket
import time
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Connection, Message, sanitize_address

from extensions import mail
from services import calendar_invite, email_render, timeutil

# What one message may take on an open connection, in SMTP steps each bounded by MAIL_TIMEOUT:
# MAIL, RCPT, DATA, the message itself, and an RSET after a refusal, with one to spare; and what
# opening a connection adds (connect, EHLO, STARTTLS, EHLO again, AUTH).
SMTP_STEPS = 6
CONNECT_STEPS = 5
IDLE_CLOSE_SECONDS = 30  # a worker's SMTP connection is closed after this long without a message

# Messages are written out under compat32 (with SMTP's CRLF), which writes each header as it was
# stored. Flask-Mail's policy.SMTP parses every header again whenever the generator reads one: two
# thirds of the CPU a booking spent serialising its invitation (about 1.9 ms of 2.9).
MIME_POLICY = policy.compat32.clone(linesep="\r\n")


def header_safe(value):
    """A header value on one line: CR, LF and runs of whitespace become single spaces."""
    return " ".join(str(value or "").split())


def default_sender(app=None):
    """MAIL_DEFAULT_SENDER as (name, address), whether configured as "Name <a@b>" or a tuple."""
    value = (app or current_app).config.get("MAIL_DEFAULT_SENDER") or ""
    name, address = value if isinstance(value, (tuple, list)) else parseaddr(value)
    return header_safe(name), header_safe(address)


def is_configured(app=None):
    """True when an SMTP server is configured (MAIL_SERVER or EMAIL_HOST)."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def describe_mail_config(app):
    """One line saying where mail goes (never the password), and warnings for doubtful settings."""
    config = app.config
    if not config.get("MAIL_SERVER"):
        return (
            "Mail: no SMTP server configured (set MAIL_SERVER or EMAIL_HOST); "
            "e-mails wait in the outbox as 'unconfigured' and are sent once it is set",
            [],
        )
    security = "SSL" if config.get("MAIL_USE_SSL") else "STARTTLS" if config.get("MAIL_USE_TLS") else "plain SMTP"
    login = f"as {config['MAIL_USERNAME']}" if config.get("MAIL_USERNAME") else "without login"
    warnings = []
    if config.get("MAIL_USERNAME") and not config.get("MAIL_PASSWORD"):
        warnings.append("Mail: MAIL_USERNAME is set but MAIL_PASSWORD is empty; the server will likely refuse to log in")
    if config.get("MAIL_PASSWORD") and not (config.get("MAIL_USE_TLS") or config.get("MAIL_USE_SSL")):
        warnings.append("Mail: a password is configured without STARTTLS or SSL; it would travel in clear text")
    _name, sender = default_sender(app)
    if "@" not in sender:
        warnings.append(f"Mail: MAIL_DEFAULT_SENDER {config.get('MAIL_DEFAULT_SENDER')!r} is not an e-mail address")
    line = (
        f"Mail: SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']} ({security}) {login}, "
        f"from {formataddr(default_sender(app))}, timeout {config.get('MAIL_TIMEOUT')} s"
    )
    return line, warnings


class TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a socket timeout (MAIL_TIMEOUT), which Flask-Mail lacks."""

    def __init__(self, state, timeout):
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self):
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def open_connection(app=None, timeout=None):
    """An SMTP connection built from the app's current settings (read now, so config changes apply);
    `timeout` (seconds per SMTP step) defaults to MAIL_TIMEOUT."""
    app = app or current_app
    # Flask-Mail's own state suppresses sending when TESTING; the outbox sends whenever SMTP is configured.
    state = mail.init_mail(app.config, debug=False, testing=False)
    return TimedConnection(state, timeout=timeout or app.config.get("MAIL_TIMEOUT") or 10)


def mail_address(name, address):
    """An email.headerregistry.Address: the display name stays one quoted name, never more recipients;
    an international domain is written in IDNA, as SMTP needs."""
    local, _at, domain = header_safe(address).rpartition("@")
    return Address(display_name=header_safe(name), username=local, domain=domain.encode("idna").decode("ascii"))


class AddressedMessage(Message):
    """Flask-Mail's Message written out under MIME_POLICY, with From and To written from Address
    objects: a display name is quoted (or RFC 2047-encoded) as one name, so `"Sharma, Priya" <p@…>`
    stays one address on the To: line, and a non-ASCII subject is folded once, as encoded words.
    """

    def __init__(self, *, to, sender, **kwargs):
        super().__init__(recipients=[to.addr_spec], sender=sender.addr_spec, **kwargs)
        self.addresses = {"From": sender, "To": to}

    def _message(self):
        message = super()._message()
        message.policy = MIME_POLICY
        if self.subject and not self.subject.isascii():  # folded as RFC 2047 words, not re-folded
            message.replace_header("Subject", Header(self.subject, "utf-8"))
        for header, address in self.addresses.items():
            del message[header]
            message[header] = formataddr((address.display_name, address.addr_spec), charset="utf-8")
        return message


def message_id(idempotency_key):
    """A Message-ID fixed by the idempotency key, so a repeated send is recognisably the same message."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    host = urlsplit(current_app.config["BACKEND_URL"]).hostname or "localhost"
    return f"<outbox.{digest}@{host}>"


def build_message(email):
    """A Flask-Mail Message for an outbox row: text + HTML parts, `invite.ics` attached when present."""
    message = AddressedMessage(
        subject=header_safe(email.subject),
        to=mail_address(email.to_name, email.to_email),
        body=email.body_text,
        html=email.body_html or None,
        sender=mail_address(*default_sender()),
    )
    message.msgId = message_id(email.idempotency_key)
    message.extra_headers = {"X-Outbox-Key": header_safe(email.idempotency_key)}
    if email.ics:
        method = calendar_invite.method_of(email.ics)
        message.attach("invite.ics", f"text/calendar; charset=utf-8; method={method}", email.ics.encode("utf-8"))
    return message


def is_permanent(error):
    """A 5xx reply about the message or recipient; connection trouble and 4xx are worth retrying.

    Authentication failures (535) are a configuration problem, not the message's, so they retry
    (with back-off) until an operator fixes the credentials.
    """
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return not isinstance(error, (OSError, smtplib.SMTPException))


def describe_error(error):
    """A short readable error for last_error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {reply.decode(errors='replace')}" for rcpt, (code, reply) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {reply}"
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return "SMTP server timed out"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def serialise(email, date=None):
    """(envelope sender, envelope recipient, message bytes) for an outbox row, dated `date` (now by
    default)."""
    message = build_message(email)
    message.date = date.timestamp() if date else None
    return sanitize_address(message.sender), sanitize_address(message.recipients[0]), message.as_bytes()


def store_rendered(email, date=None):
    """Serialise the row's message now and keep the bytes and envelope on the row, so every attempt
    sends exactly these (when it is queued to go out now, or when it is first sent).

    It is dated when it is due: a reminder queued days ahead is sorted by mail clients as arriving
    when it does, not among the mail of the day it was booked."""
    if date is None:
        date = max(email.next_attempt_at or timeutil.now(), timeutil.now())
    email.envelope_from, email.envelope_to, email.mime_message = serialise(email, date)


class Courier:
    """One worker's SMTP connection: opened when first needed, kept across messages and batches,
    closed after a connection error (the next message opens a new one) or when idle.

    Each SMTP step waits at most `timeout` seconds, never more than MAIL_TIMEOUT, from which
    the claims' lease is derived."""

    def __init__(self, app, timeout=None):
        self.app = app
        mail_timeout = app.config.get("MAIL_TIMEOUT") or 10
        self.timeout = min(timeout or mail_timeout, mail_timeout)
        self.host = None
        self.reused = False  # whether the open connection has carried a message
        self.used_at = time.monotonic()

    def connect(self):
        """Open the connection unless it is open."""
        if self.host is None:
            self.host = open_connection(self.app, self.timeout).configure_host()
            self.reused = False
            self.used_at = time.monotonic()

    def send(self, envelope_from, envelope_to, message_bytes):
        """Send one message; a refusal (an SMTP reply) leaves the connection open for the next one.

        A connection that carried earlier messages may have been dropped by the server while idle:
        then the message is tried once more on a new connection."""
        for first_try in (True, False):
            self.connect()
            reused = self.reused
            try:
                self.host.sendmail(envelope_from, [envelope_to], message_bytes)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self.close()
                if reused and first_try:
                    continue
                raise
            except smtplib.SMTPResponseException as error:
                if error.smtp_code == 421:  # the server is closing the connection
                    self.close()
                raise
            except smtplib.SMTPRecipientsRefused:
                raise  # smtplib has reset the transaction; the connection is fine
            except Exception:
                self.close()  # a timeout or a broken connection: the next message opens a new one
                raise
            finally:
                self.used_at = time.monotonic()
            self.reused = True
            return

    def longest_send(self):
        """Seconds the next message may take at most: its SMTP steps, and opening a connection first
        if none is open."""
        return (SMTP_STEPS + (CONNECT_STEPS if self.host is None else 0)) * self.timeout

    def close_if_idle(self, seconds=IDLE_CLOSE_SECONDS):
        """Close the connection if no message went over it for `seconds`."""
        if self.host is not None and time.monotonic() - self.used_at >= seconds:
            self.close()

    def close(self):
        """Close quietly (the connection may already be broken)."""
        host, self.host = self.host, None
        if host is not None:
            try:
                host.quit()
            except (OSError, smtplib.SMTPException):
                host.close()


def send_test_message(to_email):
    """Send a test message directly (not through the outbox); raises on failure."""
    server = f"{current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
    body, html = email_render.render("mail_test", server=server, sent_at=timeutil.isoformat_z(timeutil.now()))
    message = AddressedMessage(
        subject="Interview scheduler: test message",
        to=mail_address("", to_email),
        body=body,
        html=html,
        sender=mail_address(*default_sender()),
    )
    with open_connection() as connection:
        connection.send(message)
    return message.msgId
