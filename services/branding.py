"""The organisation's brand as candidates and e-mails see it: name, logo and accent colour."""
from dataclasses import dataclass

DEFAULT_ACCENT = "#2457c5"  # --color-accent of static/tokens.css


@dataclass(frozen=True, slots=True)
class Brand:
    """What the candidate pages and the e-mails show; defaults until an admin sets them."""

    name: str | None = None
    accent: str = DEFAULT_ACCENT
    email_logo_url: str | None = None


def current():
    """The brand in force."""
    return Brand()
