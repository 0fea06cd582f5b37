"""Human labels from one mapping (services/labels.py), and no page showing a raw code."""

import html as html_lib
import re

import pytest

from models import User, db
from services import labels, timeutil
from tools.demo_pages import PINNED_NOW, fetched_pages, seed


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [
        ("PYTHON", "language", "Python"),
        ("JAVASCRIPT", "language", "JavaScript"),
        ("CSHARP", "language", "C#"),
        ("SQL", "language", "SQL"),
        ("PHP", "language", "PHP"),
        ("RUBY", "language", "Ruby"),
        ("JAVA", "language", "Java"),
        ("technical", "type", "Technical interview"),
        ("coding", "type", "Coding interview"),
        ("coding", "type_short", "Coding"),
        ("in_progress", "state", "In progress"),
        ("scheduled", "state", "Scheduled"),
        ("unconfigured", "state", "Waiting for SMTP"),
        ("machine_learning", "skill", "Machine learning"),
        ("csharp", "skill", "C# and .NET"),
        ("made_up_skill", "skill", "Made up skill"),
        ("Asia/Calcutta", "zone", "Asia/Kolkata"),
        ("Asia/Kolkata", "zone", "Asia/Kolkata"),
        ("US/Eastern", "zone", "America/New_York"),
        ("Europe/Amsterdam", "zone", "Europe/Amsterdam"),
        ("UTC", "zone", "UTC"),
    ],
)
def test_labels(code, kind, expected):
    assert labels.label(code, kind) == expected


def test_zone_pickers_offer_one_name_per_zone():
    zones = timeutil.common_zones()
    assert "Asia/Kolkata" in zones and "Asia/Calcutta" not in zones and "US/Eastern" not in zones
    assert "Europe/Amsterdam" in zones and "America/New_York" in zones


RAW_CODES = re.compile(r"\b(?:PYTHON|JAVASCRIPT|CSHARP|JAVA|RUBY|[a-z]+_[a-z_]+)\b|Asia/Calcutta")


def visible_text(page_html):
    """The page's text as a person sees it: no tags, attributes, scripts or hidden copies."""
    page_html = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+\bhidden\b[^>]*>.*?</span>", " ", page_html, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page_html))
    return re.sub(r"https?://\S+", " ", text)  # interview links carry ?session_key=


def test_no_page_shows_a_raw_code(clock, app, client):
    demo = seed(app)
    admin = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
    admin.timezone = "Asia/Calcutta"  # an alias someone picked before pickers listed one name per zone
    db.session.commit()
    shown = {}
    for item, response in fetched_pages(client, demo):
        if item.name == "api-docs":  # the API's reference names its codes on purpose
            continue
        codes = set(RAW_CODES.findall(visible_text(response.text)))
        if codes:
            shown[item.name] = sorted(codes)
    assert shown == {}
    timeutil.set_now(PINNED_NOW)
    zone_input = re.search(r'<input[^>]*name="prefs-timezone"[^>]*>', client.get("/account/").text).group(0)
    assert 'value="Asia/Kolkata"' in zone_input


def test_invitation_email_names_the_language_and_type_in_words(clock, app):
    from models import OutboxEmail
    from tests.portal_support import book_session

    session = book_session(language="CSHARP", kind="coding")
    email = db.session.scalar(
        db.select(OutboxEmail).where(OutboxEmail.interview_id == session.interview.id, OutboxEmail.kind == "invitation")
    )
    assert "Coding language:  C#" in email.body_text and "Interview type:   Coding interview" in email.body_text
    assert "CSHARP" not in email.body_text and "CSHARP" not in email.body_html and "CSHARP" not in (email.ics or "")
