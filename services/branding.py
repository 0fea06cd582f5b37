"""The organisation's brand as candidates and e-mails see it: name, logo and accent colour.

An admin sets it on /settings/branding. A logo is judged by what its bytes are, never by its file
name or the browser's Content-Type: a PNG is decoded (Pillow) with its size and dimensions capped,
and refused when anything follows its last chunk or it also reads as a ZIP archive; an SVG is
parsed without DTDs or entities (defusedxml) and rebuilt from an allow-list of drawing elements
and attributes, so no script, event handler, foreignObject, <style> or reference outside the file
survives. The file is stored under a name made from its content (UPLOAD_FOLDER/branding/
logo-<hash>.png|svg): its URL can be cached for good, and e-mails already sent keep their logo.

The accent colour fills buttons with white labels and colours links on the page background, so it
must reach WCAG's 4.5:1 against both; a refusal says the ratio and suggests a darker shade.

Each process keeps the brand for CACHE_SECONDS (the portal's page views, which run one SELECT,
read no more rows for it); other workers show a change within that time, the one that saved it
at once.
"""

import hashlib
import io
import logging
import math
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from models import OrgSettings, db
from services import audit, storage
from services.errors import InputError
from services.transactions import one_transaction
from services.validation import clean_text

log = logging.getLogger(__name__)

DEFAULT_ACCENT = "#2457c5"  # --color-accent of static/tokens.css
WHITE = "#ffffff"
PAGE_BACKGROUND = "#f5f6f8"  # --color-bg of static/tokens.css (light scheme)
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text
MAX_NAME_LENGTH = 120
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 2048  # pixels, either way
CACHE_SECONDS = 30
CACHE_KEY = "branding"
LOGO_PATH = "/brand/logo/"  # blueprints/settings serves the files here
LOGO_NAME = re.compile(r"logo-[0-9a-f]{20}\.(png|svg)")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)
SVG_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "defs",
        "linearGradient",
        "radialGradient",
        "stop",
        "title",
        "desc",
        "clipPath",
        "symbol",
        "use",
    }
)
SVG_ATTRIBUTES = frozenset(
    {
        "id",
        "class",
        "viewBox",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "d",
        "points",
        "transform",
        "version",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-opacity",
        "opacity",
        "clip-path",
        "clip-rule",
        "clipPathUnits",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "preserveAspectRatio",
        "display",
        "visibility",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "text-anchor",
        "dominant-baseline",
        "letter-spacing",
        "style",
    }
)
LINKING_ELEMENTS = frozenset({"use", "linearGradient", "radialGradient"})  # may point inside the file (href="#id")
# A value that reaches outside the file or runs something; url(#id) (a gradient, a clip path) stays.
UNSAFE_VALUE = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import|expression\s*\(|javascript:|\\", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Brand:
    """What the candidate pages and the e-mails show; defaults until an admin sets them."""

    name: str | None = None
    accent: str = DEFAULT_ACCENT
    logo_file: str | None = None
    email_logo_url: str | None = None  # absolute; PNG only (Gmail and Outlook show no SVG)

    @property
    def custom_accent(self):
        return self.accent != DEFAULT_ACCENT

    @property
    def stylesheet_version(self):
        """Part of the generated stylesheet's URL: a new colour is a new URL, cached for good."""
        return hashlib.sha256(self.accent.encode()).hexdigest()[:12]


@dataclass
class Logo:
    """A checked logo, ready to store: its bytes (an SVG rebuilt) and what was taken out of an SVG."""

    data: bytes
    extension: str
    removed: list[str] = field(default_factory=list)

    @property
    def file_name(self):
        return f"logo-{hashlib.sha256(self.data).hexdigest()[:20]}.{self.extension}"


BRAND_ROW = select(OrgSettings.organisation_name, OrgSettings.accent_color, OrgSettings.logo_file).where(OrgSettings.id == 1)


def current():
    """The brand in force (kept per process for CACHE_SECONDS); the defaults if the row cannot be read."""
    cached = current_app.extensions.get(CACHE_KEY)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        # On the caller's connection: an e-mail rendered inside a booking's transaction must not wait
        # for a second connection while it holds SQLite's write lock.
        row = db.session.execute(BRAND_ROW).first()
    except DBAPIError:
        # An error page must not fail for its colours: show the defaults, try again next time.
        log.warning("Could not read the brand; showing the defaults", exc_info=True)
        return Brand()
    brand = brand_of(*(row or (None, None, None)))
    current_app.extensions[CACHE_KEY] = (time.monotonic() + CACHE_SECONDS, brand)
    return brand


def brand_of(name, accent, logo_file):
    """A Brand from stored values (None for each default)."""
    email_logo = (
        f"{current_app.config['BACKEND_URL']}{LOGO_PATH}{logo_file}" if logo_file and logo_file.endswith(".png") else None
    )
    return Brand(name=name or None, accent=accent or DEFAULT_ACCENT, logo_file=logo_file, email_logo_url=email_logo)


def forget():
    """Drop this process's copy, so the next page shows what was just saved."""
    current_app.extensions.pop(CACHE_KEY, None)


def logo_folder():
    return Path(current_app.config["UPLOAD_FOLDER"]) / "branding"


@one_transaction
def save(*, organisation_name, accent_color, logo_data=None, remove_logo=False, actor=None):
    """Check and store the brand; returns the Logo stored (None when the logo did not change).

    Every field is checked before anything is written; the logo file is written before the
    commit and removed again if the commit fails (unless the same file was already there).
    """
    errors = {}
    name = clean_text(organisation_name, "organisation_name", errors, label="Organisation name", max_length=MAX_NAME_LENGTH)
    accent = parse_accent(accent_color, errors)
    logo = None
    if logo_data:
        try:
            logo = check_logo(logo_data)
        except InputError as error:
            errors.update(error.fields)
    if errors:
        raise InputError(errors)
    values = {"organisation_name": name or None, "accent_color": accent}
    written = None
    if logo is not None:
        path = logo_folder() / logo.file_name
        if not path.exists():
            written = storage.write_file(logo_folder(), logo.file_name, logo.data)
        values["logo_file"] = logo.file_name
    elif remove_logo:
        values["logo_file"] = None
    try:
        _ensure_settings_row()
        # One UPDATE: of two admins saving at once, the later one's values stand, whole.
        db.session.execute(update(OrgSettings).where(OrgSettings.id == 1).values(**values))
        audit.record(
            "org.branding_changed", db.session.get(OrgSettings, 1), actor=actor, **{k: v for k, v in values.items() if v}
        )
        db.session.commit()
    except BaseException:
        if written is not None:
            storage.remove_file(written)
        raise
    forget()
    return logo


def _ensure_settings_row():
    """The settings row (id 1) exists afterwards, whoever inserted it; never a duplicate-key error."""
    # Imported here: the engine has loaded its own dialect, and PostgreSQL's is slow to load on SQLite.
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(OrgSettings).values(id=1, require_two_factor=False).on_conflict_do_nothing(index_elements=["id"]))


def parse_accent(value, errors):
    """A readable accent colour as `#rrggbb`, None for the default, or a message in errors["accent_color"]."""
    text = (value or "").strip()
    if not text:
        return None
    match = HEX_COLOUR.fullmatch(text)
    if match is None:
        errors["accent_color"] = "Enter the colour as a hex code of 6 digits, such as #2457c5."
        return None
    digits = match.group(1).lower()
    colour = "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)
    problem = contrast_problem(colour)
    if problem:
        errors["accent_color"] = problem
        return None
    return None if colour == DEFAULT_ACCENT else colour


def contrast_problem(colour):
    """Why `colour` is too light for white button text or for links on the page, or None."""
    against = {"white text": contrast(colour, WHITE), "the page background": contrast(colour, PAGE_BACKGROUND)}
    what, ratio = min(against.items(), key=lambda item: item[1])
    if ratio >= MIN_CONTRAST:
        return None
    shown = math.floor(ratio * 100) / 100  # never rounded up to a pass
    return (
        f"{colour} has a contrast of {shown:.2f}:1 against {what}; buttons and links need at least {MIN_CONTRAST}:1. "
        f"Try a darker shade, such as {readable_shade(colour)}."
    )


def readable_shade(colour):
    """The lightest darker shade of `colour` (same hue, channels scaled down) that passes."""
    red, green, blue = _channels(colour)
    for step in range(100, -1, -1):
        factor = step / 100
        shade = "#" + "".join(f"{round(c * factor):02x}" for c in (red, green, blue))
        if contrast(shade, WHITE) >= MIN_CONTRAST and contrast(shade, PAGE_BACKGROUND) >= MIN_CONTRAST:
            return shade
    return "#000000"


def contrast(first, second):
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def relative_luminance(colour):
    """WCAG 2 relative luminance of an sRGB `#rrggbb` colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in _channels(colour))]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _channels(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def hover_shade(colour):
    """The accent's hover colour: 15 % darker."""
    return "#" + "".join(f"{round(c * 0.85):02x}" for c in _channels(colour))


def stylesheet(brand):
    """The generated stylesheet that hands the accent colour to the design system (no inline styles
    under our CSP). The dark scheme keeps its own light accent: a dark brand colour that suits white
    text would be unreadable as link text on a dark page; the brand bar keeps the brand's colour."""
    return (
        "/* The organisation's accent colour (services/branding.py). */\n"
        f":root {{ --color-brand: {brand.accent}; }}\n"
        "@media (prefers-color-scheme: light) {\n"
        f"  :root {{ --color-accent: {brand.accent}; --color-accent-hover: {hover_shade(brand.accent)}; }}\n"
        "}\n"
    )


def check_logo(data):
    """A Logo from uploaded bytes, judged by their content; InputError (field `logo`) otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise _logo_refused(f"The logo is larger than {MAX_LOGO_BYTES // 1024} KB; make it smaller, or use an SVG.")
    if data.startswith(PNG_SIGNATURE):
        return _checked_png(data)
    if _looks_like_xml(data):
        return _sanitised_svg(data)
    raise _logo_refused("The logo must be a PNG or SVG image; this file is neither, whatever its name says.")


def _logo_refused(message):
    return InputError({"logo": message})


def _checked_png(data):
    from PIL import Image, UnidentifiedImageError  # Pillow loads slowly; only a logo upload needs it

    if zipfile.is_zipfile(io.BytesIO(data)):
        raise _logo_refused("This PNG also holds a ZIP archive; export the image again and upload that.")
    if _png_end(data) != len(data):
        raise _logo_refused("This PNG has data after the end of the image; export the image again and upload that.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise _logo_refused("The logo must be a PNG or SVG image.")
            width, height = image.size
            if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                raise _logo_refused(f"The logo is {width}×{height} pixels; it can be at most {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE}.")
            image.verify()  # every chunk's checksum and the compressed data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise _logo_refused("This PNG is damaged and cannot be shown.") from error
    return Logo(data=data, extension="png")


def _png_end(data):
    """Where the IEND chunk ends (its length, type, data and CRC), or -1 when the chunks run out first."""
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position
    return -1


def _looks_like_xml(data):
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _sanitised_svg(data):
    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise _logo_refused("This SVG cannot be read (it is not well-formed, or declares a DTD or entities).") from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _logo_refused("The logo must be a PNG or SVG image; this XML file is not an SVG.")
    removed = set()
    clean = _rebuilt(root, removed)
    return Logo(data=ElementTree.tostring(clean, encoding="utf-8"), extension="svg", removed=sorted(removed))


def _rebuilt(element, removed):
    """A copy of an allowed SVG element with its allowed attributes and allowed children only."""
    copy = ElementTree.Element(element.tag)
    local = _local_name(element.tag)
    for name, value in element.attrib.items():
        attribute = _local_name(name)
        is_link = attribute == "href" and name in ("href", f"{{{XLINK_NS}}}href")
        internal_link = is_link and local in LINKING_ELEMENTS and value.strip().startswith("#")
        if internal_link or (name in SVG_ATTRIBUTES and not UNSAFE_VALUE.search(value)):
            copy.set(name, value)
        else:
            removed.add(f"{attribute} attribute")
    copy.text = element.text if local in ("text", "tspan", "title", "desc") else None
    for child in element:
        child_name = _local_name(child.tag) if isinstance(child.tag, str) else None
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{SVG_NS}}}") and child_name in SVG_ELEMENTS:
            rebuilt = _rebuilt(child, removed)
            rebuilt.tail = child.tail if local in ("text", "tspan") else None
            copy.append(rebuilt)
        else:
            removed.add(f"{child_name or 'comment'} element")
    return copy


def _local_name(tag):
    return tag.rsplit("}", 1)[-1]
