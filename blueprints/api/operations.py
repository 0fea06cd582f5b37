"""`@operation`: one API endpoint's route, input, answer and description, declared once.

It routes the view on the API blueprint (or another: the portal's /ai/ calls; Flask's own routing
and error handlers stay), parses the
JSON body and the query string into their models (services/schemas/) and hands them to the view
as `body` and `query`, serialises the model the view returns, and records the operation in
OPERATIONS, from which blueprints/api/openapi.py writes the description.

Own code rather than spectree, flask-openapi3 or flask-smorest: those bring their own blueprint
class or routing (or marshmallow), and their own error bodies; ours keep Flask's routes and the
API's `{"error", "fields"}` answers with the project's messages. See README "Architecture".
"""

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import jsonify, request
from pydantic import BaseModel, ValidationError

from blueprints.api import bp
from blueprints.api.auth import require_admin
from blueprints.api.responses import get_or_404, json_body
from services import schemas
from services.errors import InputError

ERROR_TEXT = {
    400: "Bad input; `fields` names what is wrong with each field",
    401: "No or bad token",
    403: "Not allowed for this user's role",
    404: "Unknown or malformed id",
    409: "Conflict: the slot is full, cancelled or past, the booking overlaps another, or a booked slot is moved without "
    "confirm; the candidate already has an interview for this job (`code` already_scheduled, its `interview_id`); "
    "or another request changed the interview first (`code` changed_meanwhile; nothing was changed)",
    413: "The upload is too large",
    429: "Too many requests",
    503: "Storage is unavailable (the upload folder cannot be written); nothing was saved, try again later",
    507: "Storage is full; nothing was saved, try again later",
}


@dataclass
class Operation:
    """What the description says of one method of one route."""

    method: str
    path: str  # OpenAPI's form: /api/jobs/{job_id}/
    summary: str
    tag: str
    responses: dict  # status → (model, or a tuple of models one of which answers; description)
    errors: dict  # status → description
    body: type | None = None
    query: type | None = None
    multipart: dict | None = None  # a multipart body's JSON schema (file uploads)
    public: bool = False
    body_optional: bool = False
    path_params: list = field(default_factory=list)


OPERATIONS = []


def operation(
    methods,
    rule,
    *,
    summary,
    tag,
    response=None,
    status=200,
    responses=None,
    body=None,
    query=None,
    errors=(),
    public=False,
    multipart=None,
    invalid=InputError.message,
    also=None,
    body_optional=False,
    admin=False,
    rows=None,
    load=None,
    blueprint=bp,
):
    """Route `methods` ("POST", or ("PUT", "PATCH")) of `rule` (under `blueprint`'s prefix) to the view and describe it.

    `response` answers with `status` (or `responses`: {status: (model, description)}); `errors`
    are the documented error codes (their ERROR_TEXT) or {code: description}; 401 is added unless
    `public`. A body or query that `body`/`query` refuses is a 400 `{"error": invalid, "fields"}`.
    `also` summarises the other methods (default "Same as PUT"); with `body_optional` no body is {}.

    Before the body is read, `admin` operations refuse other users (403) and `rows` ({"job_id":
    (Job, "Job")}) turn path ids into rows, passed as `job` (unknown ids are a 404); `load`
    ({"session": function}) passes each function's result (it may refuse) under its name.
    """
    rows, load = rows or {}, load or {}
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    error_text = (
        errors if isinstance(errors, dict) else {code: ERROR_TEXT[code] for code in (*errors, *((403,) if admin else ()))}
    )
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", (blueprint.url_prefix or "") + rule)
    answers = responses or {status: (response, "Created" if status == 201 else "OK")}
    for index, method in enumerate(methods):
        OPERATIONS.append(
            Operation(
                method.lower(),
                path,
                summary if index == 0 else (also or f"Same as {methods[0]}"),
                tag,
                answers,
                error_text,
                body=body,
                query=query,
                multipart=multipart,
                public=public,
                body_optional=body_optional,
                path_params=re.findall(r"{([^}]+)}", path),
            )
        )

    def decorate(view):
        @wraps(view)
        def parsed(**path_args):
            if admin:
                require_admin()
            for name, (model, label) in rows.items():
                path_args[name.removesuffix("_id")] = get_or_404(model, path_args.pop(name), label)
            for name, loader in load.items():
                path_args[name] = loader()
            if body is not None:
                path_args["body"] = _parse(body, json_body(optional=body_optional), invalid)
            if query is not None:
                path_args["query"] = _parse(query, request.args.to_dict(), "Invalid filter.")
            return _answer(view(**path_args), status)

        blueprint.route(rule, methods=list(methods))(parsed)
        return parsed

    return decorate


def _parse(model, data, message):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(schemas.field_errors(model, error), message=message) from None


def _answer(result, status):
    """A view's model (or (model, status)) as JSON; a Flask response passes as it is."""
    if isinstance(result, tuple) and isinstance(result[0], BaseModel):
        model, status = result
        return jsonify(model.as_json()), status
    if isinstance(result, BaseModel):
        return jsonify(result.as_json()), status
    return result
