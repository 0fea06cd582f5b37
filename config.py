"""Settings from the environment (and `.env`), with the seeds' Django e-mail names as aliases."""

import logging
import os
import secrets
from pathlib import Path

from dotenv import load_dotenv
from limits import parse as parse_limit

log = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

TRUE_WORDS = {"1", "true", "yes", "on"}

# Django-style names from the seeds, accepted as aliases of Flask-Mail's settings.
MAIL_ALIASES = {
    "MAIL_SERVER": "EMAIL_HOST",
    "MAIL_PORT": "EMAIL_PORT",
    "MAIL_USERNAME": "EMAIL_HOST_USER",
    "MAIL_PASSWORD": "EMAIL_HOST_PASSWORD",
    "MAIL_USE_TLS": "EMAIL_USE_TLS",
    "MAIL_USE_SSL": "EMAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER": "DEFAULT_FROM_EMAIL",
}


def env(name, default=None):
    """An environment setting; empty strings count as unset."""
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = env(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def env_int(name, default):
    value = env(name)
    try:
        return default if value is None else int(value)
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, value, default)
        return default


def env_seconds(name, default):
    """A whole number of seconds (at least 1); a bad value stops the app starting, naming the setting."""
    value = env(name)
    if value is None:
        return default
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ValueError(f"{name}={value!r} is not valid: give a whole number of seconds, at least 1 (default {default}).")
    return seconds


def env_rate_limit(name, default):
    """A rate limit such as `30/minute`; a bad value stops the app starting, naming the setting."""
    value = env(name, default)
    try:
        parse_limit(value)
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not valid: give a rate such as 30/minute or 100/hour (default {default})."
        ) from None
    return value


def mail_setting(name, default=None):
    """A Flask-Mail setting, falling back to its Django alias from the seeds."""
    return env(name, env(MAIL_ALIASES[name], default))


def mail_settings():
    """MAIL_* settings with the port deciding STARTTLS vs SSL when the flags contradict it."""
    port = mail_setting("MAIL_PORT")
    try:
        port = int(port) if port is not None else 25
    except ValueError:
        log.warning("MAIL_PORT=%r is not a number; using 25", port)
        port = 25
    use_tls = str(mail_setting("MAIL_USE_TLS", "")).lower() in TRUE_WORDS
    use_ssl = str(mail_setting("MAIL_USE_SSL", "")).lower() in TRUE_WORDS
    if port == 587 and use_ssl:
        log.warning("Mail port 587 means STARTTLS: disabling SSL and enabling TLS")
        use_ssl, use_tls = False, True
    elif port == 465 and use_tls:
        log.warning("Mail port 465 means implicit SSL: disabling STARTTLS and enabling SSL")
        use_ssl, use_tls = True, False
    elif use_tls and use_ssl:
        log.warning("Both MAIL_USE_TLS and MAIL_USE_SSL set; keeping STARTTLS only")
        use_ssl = False
    username = mail_setting("MAIL_USERNAME")
    return {
        "MAIL_SERVER": mail_setting("MAIL_SERVER"),
        "MAIL_PORT": port,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USERNAME": username,
        "MAIL_PASSWORD": mail_setting("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": mail_setting("MAIL_DEFAULT_SENDER", username or "interviews@localhost"),
        "MAIL_TIMEOUT": env_int("MAIL_TIMEOUT", 10),
    }


def instance_secret_key(instance_path):
    """The SECRET_KEY kept in instance/, generated once so logins survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create exclusively so two workers starting together agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(instance_path):
    """Every setting of DESIGN.md's "Configuration", read from the environment."""
    database_url = env("DATABASE_URL", f"sqlite:///{Path(instance_path) / 'app.db'}")
    # `make run PORT=…` serves on another port; links follow it unless BACKEND_URL says otherwise.
    backend_url = env("BACKEND_URL", f"http://127.0.0.1:{env('PORT', '5000')}").rstrip("/")
    config = {
        "SECRET_KEY": env("SECRET_KEY") or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BACKEND_URL": backend_url,
        "DISPLAY_TIMEZONE": env("DISPLAY_TIMEZONE", "Asia/Kolkata"),
        "EARLY_JOIN_SECONDS": env_int("EARLY_JOIN_SECONDS", 30),
        "GRACE_MINUTES": env_int("GRACE_MINUTES", 10),
        "REDIS_URL": env("REDIS_URL"),
        "RATELIMIT_STORAGE_URI": env("REDIS_URL", "memory://"),
        # A Redis outage must not turn limited routes into 500s: each worker counts in its own memory
        # until Redis answers again, and an unreachable Redis is given up on within a second.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # A moving window counts the last minute, whenever it started: a fixed window resets on the
        # clock's minute, letting 2 × the limit through around each boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        # Off only for load tests that drive the app from one IP.
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "LOG_LEVEL": env("LOG_LEVEL", "INFO").upper(),
        "LLM_API_BASE": env("LLM_API_BASE"),
        "LLM_API_KEY": env("LLM_API_KEY"),
        "LLM_MODEL": env("LLM_MODEL"),
        "LLM_TIMEOUT_SECONDS": env_int("LLM_TIMEOUT_SECONDS", 20),
        "IDLE_TIMEOUT_MINUTES": env_int("IDLE_TIMEOUT_MINUTES", 60),
        # The candidate portal: failed session-key lookups allowed per IP, the countdown's resync
        # and the question page's heartbeat.
        "PORTAL_LOOKUP_LIMIT": env_rate_limit("PORTAL_LOOKUP_LIMIT", "30/minute"),
        "PORTAL_RESYNC_SECONDS": env_seconds("PORTAL_RESYNC_SECONDS", 30),
        "PORTAL_HEARTBEAT_SECONDS": env_seconds("PORTAL_HEARTBEAT_SECONDS", 15),
        "RESUME_MAX_BYTES": env_int("RESUME_MAX_BYTES", 5 * 1024 * 1024),
        "RESUME_EXTRACT_SECONDS": env_int("RESUME_EXTRACT_SECONDS", 10),  # a slower PDF/DOCX is kept without text
        # Werkzeug's hashing method for new passwords; tests choose a cheap one (tests/conftest.py).
        "PASSWORD_HASH_METHOD": "scrypt",
        "AUDIO_MAX_BYTES": env_int("AUDIO_MAX_BYTES", 10 * 1024 * 1024),
        "AUDIO_RETENTION_DAYS": env_int("AUDIO_RETENTION_DAYS", 180),
        "UPLOAD_FOLDER": env("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "OUTBOX_MAX_ATTEMPTS": env_int("OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_BACKOFF_SECONDS": env_int("OUTBOX_BACKOFF_SECONDS", 30),  # first retry delay; doubles each time
        "OUTBOX_IN_PROCESS": env_bool("OUTBOX_IN_PROCESS", database_url.startswith("sqlite")),
        # Waiting candidates told per free seat when seats appear (at least 1): a few, so one who
        # does not answer does not strand the seat, not the whole waitlist.
        "WAITLIST_NOTICES_PER_SEAT": max(env_int("WAITLIST_NOTICES_PER_SEAT", 3), 1),
        "REMINDER_HOURS": [int(h) for h in env("REMINDER_HOURS", "24,1").split(",") if h.strip()],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": backend_url.startswith("https://"),
        "PREFERRED_URL_SCHEME": "https" if backend_url.startswith("https://") else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        # PostgreSQL: a pooled connection unused this long is checked before use (database.ping_when_idle).
        "DATABASE_PING_IDLE_SECONDS": env_int("DATABASE_PING_IDLE_SECONDS", 10),
    }
    config.update(mail_settings())
    # Upload cap for the whole request: the largest single upload plus room for form fields.
    config["MAX_CONTENT_LENGTH"] = max(config["RESUME_MAX_BYTES"], config["AUDIO_MAX_BYTES"]) + 64 * 1024
    return config
