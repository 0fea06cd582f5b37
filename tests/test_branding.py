"""Branding: the organisation's name, logo and accent colour (services/branding.py), the admin page
(/settings/branding), the public logo and stylesheet, and where candidates see them."""

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from sqlalchemy import select

from models import AuditEvent, OrgSettings, db
from services import branding, notifications
from services.errors import InputError
from tests.support import BOTH_DATABASES
from tests.test_notifications import make_interview

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def png(width=40, height=20, colour=(36, 87, 197)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def refusal(**fields):
    with pytest.raises(InputError) as raised:
        branding.save(**{"organisation_name": "", "accent_color": "", **fields})
    return raised.value.fields


# --- the accent colour ------------------------------------------------------------------------


def test_wcag_contrast_ratios():
    assert round(branding.contrast("#000000", "#ffffff"), 2) == 21
    assert round(branding.contrast("#2457c5", "#ffffff"), 2) == 6.47
    assert branding.contrast("#777777", "#ffffff") < 4.5 < branding.contrast("#767676", "#ffffff")  # the classic AA grey


@pytest.mark.parametrize(
    ("entered", "stored"), [("#1B449C", "#1b449c"), ("1b449c", "#1b449c"), ("#036", "#003366"), ("", None), ("#2457c5", None)]
)
def test_a_dark_enough_colour_is_stored_as_hex(app, entered, stored):
    branding.save(organisation_name="Acme Talent", accent_color=entered)
    assert db.session.get(OrgSettings, 1).accent_color == stored
    assert branding.current().accent == (stored or branding.DEFAULT_ACCENT)


def test_a_light_colour_is_refused_with_its_ratio_and_a_darker_shade(app):
    message = refusal(accent_color="#ffcc00")["accent_color"]
    assert message.startswith("#ffcc00 has a contrast of 1.39:1")
    assert ":1 against the page background; buttons and links need at least 4.5:1. Try a darker shade, such as #" in message
    suggestion = message.rsplit("such as ", 1)[1].rstrip(".")
    branding.save(organisation_name="", accent_color=suggestion)  # the suggestion itself passes
    assert db.session.get(OrgSettings, 1).accent_color == suggestion


def test_a_ratio_just_under_the_line_is_never_rounded_up(app):
    assert "has a contrast of 4.49:1 against the page background" in refusal(accent_color="#2a7e70")["accent_color"]  # 4.4988


@pytest.mark.parametrize("entered", ["blue", "#12345", "#gggggg", "rgb(0,0,0)"])
def test_a_colour_that_is_not_hex_is_refused(app, entered):
    assert refusal(accent_color=entered) == {"accent_color": "Enter the colour as a hex code of 6 digits, such as #2457c5."}


def test_a_refusal_writes_nothing(app, tmp_path):
    refusal(organisation_name="Acme", accent_color="#ffcc00", logo_data=png())
    assert db.session.get(OrgSettings, 1) is None
    assert not branding.logo_folder().exists() or list(branding.logo_folder().iterdir()) == []


# --- the logo ---------------------------------------------------------------------------------


def test_a_png_logo_is_stored_under_its_content_hash(app):
    data = png()
    logo = branding.save(organisation_name="Acme Talent", accent_color="", logo_data=data)
    assert logo.file_name.startswith("logo-") and logo.file_name.endswith(".png")
    assert (branding.logo_folder() / logo.file_name).read_bytes() == data
    brand = branding.current()
    assert brand.logo_file == logo.file_name
    assert brand.email_logo_url == f"http://testserver.local/brand/logo/{logo.file_name}"
    assert db.session.scalars(select(AuditEvent.action)).all() == ["org.branding_changed"]
    branding.save(organisation_name="Acme Talent", accent_color="")  # no new file: the logo stays
    assert branding.current().logo_file == logo.file_name
    branding.save(organisation_name="Acme Talent", accent_color="", remove_logo=True)
    assert branding.current().logo_file is None


def test_a_png_that_is_also_a_zip_is_refused(app):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.txt", "hello")
    assert refusal(logo_data=png() + archive.getvalue()) == {
        "logo": "This PNG also holds a ZIP archive; export the image again and upload that."
    }


def test_data_after_the_end_of_a_png_is_refused(app):
    assert "data after the end of the image" in refusal(logo_data=png() + b"<script>alert(1)</script>")["logo"]


def test_a_damaged_png_is_refused(app):
    data = bytearray(png())
    data[40] ^= 0xFF  # inside the image data: its checksum no longer matches
    assert refusal(logo_data=bytes(data)) == {"logo": "This PNG is damaged and cannot be shown."}


def test_a_png_too_large_in_pixels_or_bytes_is_refused(app):
    assert refusal(logo_data=png(2049, 10))["logo"] == "The logo is 2049×10 pixels; it can be at most 2048×2048."
    assert refusal(logo_data=png() + b"\0" * branding.MAX_LOGO_BYTES)["logo"].startswith("The logo is larger than 512 KB")


@pytest.mark.parametrize("data", [b"GIF89a\x01\x00\x01\x00", b"%PDF-1.7 ...", b"just text", b"\xff\xd8\xff\xe0 a JPEG"])
def test_anything_else_is_refused_whatever_its_name(app, data):
    assert refusal(logo_data=data) == {
        "logo": "The logo must be a PNG or SVG image; this file is neither, whatever its name says."
    }


def test_an_svg_is_rebuilt_without_scripts_handlers_or_outside_references(app):
    svg = f"""<?xml version="1.0"?>
<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 40" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#2457c5"/></linearGradient></defs>
  <rect width="100" height="40" fill="url(#g)" onclick="alert(3)"/>
  <path d="M0 0L10 10" style="fill: url(https://evil.example/track.svg#a)"/>
  <use xlink:href="https://evil.example/sprite.svg#logo"/>
  <use href="#g"/>
  <image href="https://evil.example/pixel.png"/>
  <a href="javascript:alert(4)"><text x="5" y="30">Acme</text></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <text x="5" y="20">Acme <tspan>Talent</tspan></text>
</svg>""".encode()
    logo = branding.save(organisation_name="", accent_color="", logo_data=svg)
    stored = (branding.logo_folder() / logo.file_name).read_text()
    for gone in ("script", "alert", "onload", "onclick", "evil.example", "foreignObject", "<style", "<image", "javascript"):
        assert gone not in stored
    assert 'fill="url(#g)"' in stored and 'href="#g"' in stored and "Acme <tspan>Talent</tspan>" in stored
    assert logo.removed == [
        "a element",
        "foreignObject element",
        "href attribute",
        "image element",
        "onclick attribute",
        "onload attribute",
        "script element",
        "style attribute",
        "style element",
    ]
    assert branding.current().email_logo_url is None  # Gmail and Outlook show no SVG: the e-mails show the name


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>",
    ],
)
def test_an_svg_with_a_dtd_or_entities_or_broken_is_refused(app, svg):
    assert refusal(logo_data=svg)["logo"].startswith("This SVG cannot be read")


def test_xml_that_is_not_svg_is_refused(app):
    assert (
        refusal(logo_data=b"<html><body>hi</body></html>")["logo"]
        == "The logo must be a PNG or SVG image; this XML file is not an SVG."
    )


@BOTH_DATABASES
def test_two_admins_saving_at_once_both_succeed_and_one_brand_stands(app, backend):
    """The settings row is created by INSERT … ON CONFLICT DO NOTHING and written by one UPDATE:
    neither save fails on a duplicate key, and the row holds one save's values, whole."""
    start = threading.Barrier(2, timeout=30)
    entries = [("First Org", "#1b449c"), ("Second Org", "#7a1f5c")]

    def save(entry):
        with app.app_context():
            start.wait()
            try:
                branding.save(organisation_name=entry[0], accent_color=entry[1])
                return "saved"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(save, entries)) == ["saved", "saved"]
    rows = db.session.scalars(select(OrgSettings)).all()
    assert len(rows) == 1 and (rows[0].organisation_name, rows[0].accent_color) in entries


# --- the page and the public files --------------------------------------------------------------


def test_only_admins_reach_the_page(client, recruiter_client):
    assert recruiter_client.get("/settings/branding").status_code == 403


def test_the_admin_menu_links_to_the_page(admin_client):
    assert 'href="/settings/branding"' in admin_client.get("/settings/branding").get_data(as_text=True)


def test_saving_on_the_page(admin_client, app):
    response = admin_client.post(
        "/settings/branding",
        data={"organisation_name": "Acme Talent", "accent_color": "#1b449c", "logo": (io.BytesIO(png()), "anything.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/settings/branding"
    page = admin_client.get("/settings/branding").get_data(as_text=True)
    assert "Branding saved." in page and 'value="Acme Talent"' in page and 'value="#1b449c"' in page
    brand = branding.current()
    assert f'src="/brand/logo/{brand.logo_file}"' in page
    assert f'href="/brand/brand.css?v={brand.stylesheet_version}"' in page


def test_a_refused_save_shows_the_message_beside_the_field(admin_client):
    response = admin_client.post("/settings/branding", data={"organisation_name": "Acme", "accent_color": "#ffcc00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'id="accent_color-error"' in page and "has a contrast of 1.39:1" in page
    assert 'value="Acme"' in page  # what was typed stays


def test_the_logo_is_public_and_cached_for_good(app, client):
    logo = branding.save(organisation_name="", accent_color="", logo_data=png())
    response = client.get(f"/brand/logo/{logo.file_name}")
    assert response.status_code == 200 and response.data == png()
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for missing in ("logo-00000000000000000000.png", "..%2Fsecret_key", "logo.svg"):
        assert client.get(f"/brand/logo/{missing}").status_code == 404


def test_an_svg_logo_is_served_sandboxed(app, client):
    logo = branding.save(organisation_name="", accent_color="", logo_data=f'<svg {SVG_NS} viewBox="0 0 1 1"/>'.encode())
    response = client.get(f"/brand/logo/{logo.file_name}")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def test_the_stylesheet_carries_the_accent(app, client):
    branding.save(organisation_name="", accent_color="#1b449c")
    version = branding.current().stylesheet_version
    response = client.get(f"/brand/brand.css?v={version}")
    css = response.get_data(as_text=True)
    assert response.mimetype == "text/css" and response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert ":root { --color-brand: #1b449c; }" in css
    assert "@media (prefers-color-scheme: light)" in css and "--color-accent: #1b449c; --color-accent-hover: #173a85;" in css
    assert client.get("/brand/brand.css?v=old").headers["Cache-Control"] == "no-cache"


# --- where candidates see it ------------------------------------------------------------------


def test_defaults_until_set(app, client):
    interview = make_interview()
    db.session.commit()
    page = client.get(f"/?session_key={interview.session_key}").get_data(as_text=True)
    assert "Acme Corp · Online interview" in page
    assert "brand-logo" not in page and "/brand/brand.css" not in page  # nothing more to load


def test_the_portal_and_its_error_page_show_the_brand(app, client):
    logo = branding.save(organisation_name="Acme Talent", accent_color="#1b449c", logo_data=png())
    interview = make_interview()
    db.session.commit()
    version = branding.current().stylesheet_version
    for response in (client.get(f"/?session_key={interview.session_key}"), client.get("/?session_key=" + "x" * 43)):
        page = response.get_data(as_text=True)
        assert f'<img class="brand-logo" src="/brand/logo/{logo.file_name}" alt=""' in page
        assert f'href="/brand/brand.css?v={version}"' in page
        assert "Acme Talent · Online interview" in page
        assert 'style="' not in page  # the colour comes from the stylesheet (CSP)
    assert response.status_code == 404


def test_the_e_mails_show_the_brand(app, clock, client):
    logo = branding.save(organisation_name="Acme Talent", accent_color="#1b449c", logo_data=png())
    email = notifications.queue_invitation(make_interview())
    logo_url = f"http://testserver.local/brand/logo/{logo.file_name}"
    assert f'src="{logo_url}"' in email.body_html and 'alt="Acme Talent"' in email.body_html
    assert 'bgcolor="#1b449c"' in email.body_html
    assert client.get(logo_url.removeprefix("http://testserver.local")).status_code == 200
