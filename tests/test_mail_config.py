"""Mail settings: the seeds' EMAIL_* aliases, the port/TLS auto-fix, and the start-up log line."""

import logging

import pytest

import config
from app import create_app
from services.outbox import in_process, transport

MAIL_NAMES = list(config.MAIL_ALIASES) + list(config.MAIL_ALIASES.values()) + ["MAIL_TIMEOUT"]


@pytest.fixture
def mail_env(monkeypatch):
    """A clean slate of mail variables; returns a setter."""
    for name in MAIL_NAMES:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))

    return set_env


def test_defaults_without_any_mail_setting(mail_env):
    settings = config.mail_settings()
    assert settings["MAIL_SERVER"] is None
    assert (settings["MAIL_PORT"], settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (25, False, False)
    assert settings["MAIL_DEFAULT_SENDER"] == "interviews@localhost"
    assert settings["MAIL_TIMEOUT"] == 10


def test_django_aliases_from_the_seeds(mail_env):
    mail_env(
        EMAIL_HOST="smtp.gmail.com",
        EMAIL_PORT=587,
        EMAIL_HOST_USER="hr@example.com",
        EMAIL_HOST_PASSWORD="app-pass",
        EMAIL_USE_TLS="True",
        DEFAULT_FROM_EMAIL="Hiring <hr@example.com>",
    )
    settings = config.mail_settings()
    assert settings["MAIL_SERVER"] == "smtp.gmail.com"
    assert settings["MAIL_PORT"] == 587
    assert settings["MAIL_USERNAME"] == "hr@example.com"
    assert settings["MAIL_PASSWORD"] == "app-pass"
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (True, False)
    assert settings["MAIL_DEFAULT_SENDER"] == "Hiring <hr@example.com>"


def test_flask_mail_names_win_over_aliases(mail_env):
    mail_env(MAIL_SERVER="mail.example.com", EMAIL_HOST="smtp.gmail.com", MAIL_PORT=2525, EMAIL_PORT=587)
    settings = config.mail_settings()
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("mail.example.com", 2525)


def test_sender_defaults_to_the_username(mail_env):
    mail_env(EMAIL_HOST="smtp.example.com", EMAIL_HOST_USER="bot@example.com")
    assert config.mail_settings()["MAIL_DEFAULT_SENDER"] == "bot@example.com"


def test_port_587_with_ssl_is_fixed_to_starttls(mail_env, caplog):
    mail_env(EMAIL_HOST="smtp.gmail.com", EMAIL_PORT=587, EMAIL_USE_SSL="true", EMAIL_USE_TLS="false")
    with caplog.at_level(logging.WARNING, logger="config"):
        settings = config.mail_settings()
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (True, False)
    assert "Mail port 587 means STARTTLS: disabling SSL and enabling TLS" in caplog.text


def test_port_465_with_tls_is_fixed_to_ssl(mail_env, caplog):
    mail_env(MAIL_SERVER="smtp.example.com", MAIL_PORT=465, MAIL_USE_TLS="yes")
    with caplog.at_level(logging.WARNING, logger="config"):
        settings = config.mail_settings()
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (False, True)
    assert "Mail port 465 means implicit SSL" in caplog.text


def test_both_flags_on_another_port_keep_starttls(mail_env, caplog):
    mail_env(MAIL_SERVER="smtp.example.com", MAIL_PORT=2525, MAIL_USE_TLS="1", MAIL_USE_SSL="1")
    with caplog.at_level(logging.WARNING, logger="config"):
        settings = config.mail_settings()
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (True, False)
    assert "Both MAIL_USE_TLS and MAIL_USE_SSL set; keeping STARTTLS only" in caplog.text


def test_consistent_settings_log_no_warning(mail_env, caplog):
    mail_env(MAIL_SERVER="smtp.example.com", MAIL_PORT=465, MAIL_USE_SSL="true")
    with caplog.at_level(logging.WARNING, logger="config"):
        settings = config.mail_settings()
    assert (settings["MAIL_USE_TLS"], settings["MAIL_USE_SSL"]) == (False, True)
    assert caplog.text == ""


@pytest.mark.parametrize("port", ["abc", "5 87"])
def test_bad_port_falls_back_to_25_with_warning(mail_env, caplog, port):
    mail_env(MAIL_SERVER="smtp.example.com", MAIL_PORT=port)
    with caplog.at_level(logging.WARNING, logger="config"):
        assert config.mail_settings()["MAIL_PORT"] == 25
    assert "is not a number; using 25" in caplog.text


def test_empty_values_count_as_unset(mail_env):
    mail_env(MAIL_SERVER="", EMAIL_HOST="smtp.example.com", MAIL_TIMEOUT="")
    settings = config.mail_settings()
    assert settings["MAIL_SERVER"] == "smtp.example.com"
    assert settings["MAIL_TIMEOUT"] == 10


def test_describe_mail_config_lines_and_warnings(app):
    line, warnings = transport.describe_mail_config(app)
    assert line.startswith("Mail: no SMTP server configured (set MAIL_SERVER or EMAIL_HOST)")
    assert warnings == []
    app.config.update(
        MAIL_SERVER="smtp.gmail.com",
        MAIL_PORT=587,
        MAIL_USE_TLS=True,
        MAIL_USE_SSL=False,
        MAIL_USERNAME="hr@example.com",
        MAIL_PASSWORD="secret-pass",
        MAIL_DEFAULT_SENDER="Hiring <hr@example.com>",
        MAIL_TIMEOUT=10,
    )
    line, warnings = transport.describe_mail_config(app)
    assert line == "Mail: SMTP smtp.gmail.com:587 (STARTTLS) as hr@example.com, from Hiring <hr@example.com>, timeout 10 s"
    assert "secret-pass" not in line
    assert warnings == []
    app.config.update(MAIL_USE_TLS=False, MAIL_PASSWORD=None, MAIL_DEFAULT_SENDER="nobody")
    _line, warnings = transport.describe_mail_config(app)
    assert warnings == [
        "Mail: MAIL_USERNAME is set but MAIL_PASSWORD is empty; the server will likely refuse to log in",
        "Mail: MAIL_DEFAULT_SENDER 'nobody' is not an e-mail address",
    ]
    app.config.update(MAIL_PASSWORD="secret-pass", MAIL_DEFAULT_SENDER="hr@example.com")
    _line, warnings = transport.describe_mail_config(app)
    assert warnings == ["Mail: a password is configured without STARTTLS or SSL; it would travel in clear text"]


def test_start_up_logs_the_mail_setup_once(app_config, caplog):
    app_config.update(
        MAIL_SERVER="smtp.unique-for-this-test.example", MAIL_PORT=465, MAIL_USE_SSL=True, MAIL_DEFAULT_SENDER="hr@example.com"
    )
    with caplog.at_level(logging.INFO, logger="services.outbox"):
        create_app(app_config)
        create_app(app_config)
    lines = [r.getMessage() for r in caplog.records if r.name == "services.outbox.in_process"]
    assert lines == ["Mail: SMTP smtp.unique-for-this-test.example:465 (SSL) without login, from hr@example.com, timeout 10 s"]


@pytest.mark.parametrize(
    "reload, run_main, role",
    [(False, None, "serving"), (True, None, "watching"), (True, "true", "serving"), (None, None, "serving")],
)
def test_flask_run_logs_the_mail_setup_in_the_serving_process_only(app_config, caplog, monkeypatch, reload, run_main, role):
    import click
    from flask.cli import run_command

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    if run_main:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    app_config.update(MAIL_SERVER=f"smtp.{role}-{reload}-{run_main}.example", MAIL_DEFAULT_SENDER="hr@example.com")
    with caplog.at_level(logging.INFO, logger="services.outbox"), click.Context(run_command, info_name="run") as context:
        context.params = {"reload": reload}
        assert in_process.flask_run_role() == role
        create_app(app_config)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Mail: ")]
    assert len(lines) == (1 if role == "serving" else 0)


def test_other_commands_have_no_flask_run_role():
    import click

    from cli import create_link

    assert in_process.flask_run_role() is None
    with click.Context(create_link, info_name="create-link"):
        assert in_process.flask_run_role() is None
