"""E-mail bodies: each message is a plain-text and an HTML twin of one template pair,
templates/email/<name>.txt and .html, rendered once when it is queued (or sent, for the mail test).

The HTML's styles come from one stylesheet, templates/email/email.css, inlined into the elements
by css-inline as the message is rendered, because many clients drop <style> and <link>. Only its
@media rules (narrow screens, the dark scheme) stay in the head, where they can only improve a
message that reads well without them.
"""

import functools
from pathlib import Path

from flask import render_template

from services import branding

STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "email" / "email.css"
DEFAULT_SENDER_NAME = "Interview scheduler"


@functools.cache
def _inliner():
    # Built once per process, on the first message: it parses the stylesheet. Nothing remote is ever fetched.
    import css_inline

    return css_inline.CSSInliner(
        extra_css=STYLESHEET.read_text(encoding="utf-8"), keep_at_rules=True, load_remote_stylesheets=False
    )


def render(template, /, **context):
    """(plain text, HTML with inlined styles) of templates/email/<name>.txt and .html."""
    brand = branding.current()
    context = {"brand": brand, "sender_name": brand.name or context.get("company_name") or DEFAULT_SENDER_NAME, **context}
    text = render_template(f"email/{template}.txt", **context)
    html = _inliner().inline(render_template(f"email/{template}.html", **context))
    return text, html
