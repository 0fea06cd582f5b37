"""What every API module shares: reading the JSON body, finding rows by public id."""

import uuid

from flask import abort, request

from models import db


def json_body(optional=False):
    """The request's JSON object (or its form fields); with `optional`, {} when none was sent.

    blueprints/input_guard.py has already refused bad JSON and bodies that are not objects.
    """
    data = request.get_json(silent=True)
    if data is None and request.form:
        data = request.form.to_dict()
    if data is None and optional:
        return {}
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object.")
    return data


def get_or_404(model, raw_id, name):
    """The row with this public id; malformed or unknown ids are a 404."""
    try:
        row = db.session.get(model, uuid.UUID(str(raw_id))) if raw_id else None
    except ValueError:
        row = None
    if row is None:
        abort(404, description=f"{name} not found")
    return row
