"""Helpers every blueprint's views share: htmx detection, dual-mode rendering, role checks."""

from functools import wraps

from flask import abort, make_response, redirect, render_template, request
from flask_login import current_user, login_required

# A zone field is typed with suggestions (templates/_zone_datalist.html, the device's zone from
# app.js) and checked by timeutil.parse_zone: one input for every zone a person picks.
ZONE_INPUT = {"list": "zone-names", "autocomplete": "off", "spellcheck": "false", "data-zone-input": ""}


def is_htmx():
    """True when htmx made the request (and so wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def render_page_or_fragment(page, fragment, status=200, headers=None, **context):
    """The whole page for a normal request, just `fragment` for htmx; caches keyed on HX-Request."""
    body = render_template(fragment if is_htmx() else page, **context)
    return make_response(body, status, {"Vary": "HX-Request", **(headers or {})})


# A form sent back with its errors, its own or a service's refusal, answers 422 Unprocessable
# Content, as a page and as a fragment alike; base.html's htmx config swaps 422s.
INVALID_FORM = 422


def form_status(*problems):
    """422 for a POST that comes back with any of `problems` (form errors, a refusal), else 200."""
    return INVALID_FORM if request.method == "POST" and any(problems) else 200


def admin_required(view):
    """Signed in as an admin, else 403 (anonymous users go to the login page)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True  # lets the security sweep find every admin route
    return wrapped


def staff_required(blueprint):
    """Require a signed-in user for every view of `blueprint`."""

    @blueprint.before_request
    @login_required
    def require_login():
        return None

    return blueprint


def redirect_after_post(url):
    """Post/redirect/get; htmx follows an HX-Redirect header instead of swapping the 302's page."""
    if is_htmx():
        response = make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
