"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json and rendered at /api/docs.

Written from the operations blueprints/api/operations.py records (their routes, bodies, queries
and answers) and the pydantic models of services/schemas/. The candidate portal's /ai/ calls are
described by hand below (services/interviewer/session_flow.py reads their bodies). A test fails when a route
under /api/ (or /ai/) is missing here, and schemathesis checks every response against it.
"""

from flask import jsonify, render_template
from flask_login import login_required

# The modules whose operations it describes, imported first so that SPEC holds them all.
from blueprints.api import auth, bp, candidates, interviews, jobs, routes, scheduling_invitations  # noqa: F401
from blueprints.api.operations import OPERATIONS, operation
from models import CodingLanguage
from services.schemas import UUID
from services.schemas.meta import Error

REF = "#/components/schemas/{model}"
SCHEMAS = {}


def ref(name):
    return {"$ref": REF.format(model=name)}


def json_body(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@operation(
    "GET", "/openapi.json", summary="This description (no token needed)", tag="Meta", public=True, response={"type": "object"}
)
def openapi_json():
    """The machine-readable description."""
    return jsonify(SPEC)


@bp.get("/docs")
@login_required
def docs():
    """The description as a page, for people signed in to the app."""
    return render_template("api/docs.html", spec=SPEC, methods=("get", "post", "put", "patch", "delete"))


def _tidy(schema):
    """pydantic's JSON schema without what the description never said: titles and null defaults."""
    if isinstance(schema, dict):
        return {
            key: _tidy(value)
            for key, value in schema.items()
            if not (key == "title" and isinstance(value, str)) and not (key == "default" and value is None)
        }
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    return schema


def schema_of(model):
    """A $ref to `model`'s component (added to SCHEMAS with the models it uses); a dict is a schema already."""
    if isinstance(model, dict):
        return model
    if isinstance(model, tuple):
        return {"anyOf": [schema_of(one) for one in model]}
    if model.__name__ not in SCHEMAS:
        schema = _tidy(model.model_json_schema(ref_template=REF))
        SCHEMAS.update(schema.pop("$defs", {}))
        SCHEMAS[model.__name__] = schema
    return ref(model.__name__)


def _parameters(op):
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": "A UUID"}
        for name in op.path_params
    ]
    if op.query is not None:
        for name, schema in _tidy(op.query.model_json_schema())["properties"].items():
            description = schema.pop("description", "")
            params.append({"name": name, "in": "query", "required": False, "schema": schema, "description": description})
    return params


def describe(op):
    """The description of one recorded operation."""
    spec = {"summary": op.summary, "tags": [op.tag], "responses": {}}
    for status, (model, description) in op.responses.items():
        spec["responses"][str(status)] = json_body(schema_of(model), description)
    error = schema_of(Error)
    for code, text in (op.errors | ({} if op.public else {401: "No or bad token"})).items():
        spec["responses"][str(code)] = json_body(error, text)
    if op.body is not None:
        spec["requestBody"] = {"required": not op.body_optional, "content": {"application/json": {"schema": schema_of(op.body)}}}
    if op.multipart is not None:
        spec["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.multipart}}}
    if params := _parameters(op):
        spec["parameters"] = params
    if op.public:
        spec["security"] = []
    return spec


def _paths():
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = describe(op)
    return paths


TAG_INTERVIEWS = "Interviews"


def ai_operation(summary, response, errors, body=None):
    """A /ai/ call of the candidate portal: no token (the session key is the credential)."""
    op = {"summary": summary, "tags": [TAG_INTERVIEWS], "responses": {"200": json_body(ref(response))}, "security": []}
    op["responses"].update({str(code): json_body(schema_of(Error), text) for code, text in errors.items()})
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


# The candidate portal's JSON start (services/interviewer/session_flow.py); no token: the session key is the credential.
AI_START_ERRORS = {
    400: "Bad input; `fields` names what is wrong with each field",
    403: "The countdown is still running: the interview cannot start early",
    404: "Unknown or malformed session key",
    409: "The interview is already completed",
    410: "The window has passed (expired) or the interview was cancelled",
    429: "Too many unknown keys from this address",
}
AI_ANSWER_ERRORS = {
    400: "Bad input; `fields` names what is wrong with each field",
    403: "The countdown is still running, or the interview was not started (call /ai/start first)",
    404: "Unknown or malformed session key",
    409: "Not the current question, an answer already stored, time up (the next question is now current), "
    "the interview completed, or another tab holds it: `code` says which",
    410: "The window has passed (expired) or the interview was cancelled",
    413: "The answer, the code or the recording is too large",
    429: "Too many unknown keys from this address",
    503: "The recording could not be stored (storage unavailable); the answer was not saved",
    507: "The recording could not be stored (storage full); the answer was not saved",
}
AI_ANSWER_FIELDS = {
    "session_key": {"type": "string"},
    "question_id": {**UUID, "description": "The current question's `question_id`"},
    "text": {"type": "string", "maxLength": 10000},
    "code": {"type": "string", "description": "For coding questions; never executed"},
    "client_id": {"type": "string", "description": "The caller's id, when a portal tab may hold the interview too"},
}
AI_PATHS = {
    "/ai/start": {
        "post": ai_operation(
            "Start (or resume) the interview and get the current question (idempotent)",
            "AiQuestion",
            AI_START_ERRORS,
            body={
                "type": "object",
                "required": ["session_key"],
                "properties": {
                    "session_key": {"type": "string"},
                    "client_id": {"type": "string"},
                    "audio_consent": {"type": "boolean", "description": "The candidate agreed to voice answers being recorded"},
                },
            },
        ),
    },
    "/ai/answer": {
        "post": ai_operation(
            "Answer the current question; returns the next one, or `status: completed` after the last",
            "AiAnswerResult",
            AI_ANSWER_ERRORS,
        )
        | {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "required": ["session_key", "question_id"], "properties": AI_ANSWER_FIELDS}
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["session_key", "question_id"],
                            "properties": {
                                **AI_ANSWER_FIELDS,
                                "audio": {
                                    "type": "string",
                                    "format": "binary",
                                    "description": "A voice answer (WebM, Ogg, MP4, WAV or MP3); needs the candidate's consent",
                                },
                            },
                        }
                    },
                },
            }
        },
    },
}
AI_QUESTION = {
    "type": "object",
    "required": ["question", "index", "total", "time_limit", "type"],
    "properties": {
        "question": {"type": "string"},
        "question_id": UUID,
        "index": {"type": "integer", "minimum": 0, "description": "0-based"},
        "number": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 6, "maximum": 10},
        "time_limit": {"type": "integer", "description": "Seconds for this question"},
        "seconds_left": {"type": "integer", "description": "By the server's clock; keeps running across reloads"},
        "type": {"enum": ["intro", "technical", "behavioural", "coding", "closing"]},
        "starter_code": {"type": "string"},
        "coding_language": {"enum": list(CodingLanguage)},
        "status": {"type": "string"},
    },
}
SCHEMAS["AiQuestion"] = AI_QUESTION
SCHEMAS["AiAnswerResult"] = {
    "type": "object",
    "required": ["saved", "status"],
    "properties": {
        "saved": {"type": "boolean", "description": "False when this repeated an answer already stored"},
        **AI_QUESTION["properties"],
        "status": {"enum": ["in_progress", "completed"]},
    },
    "description": "The next question's fields (as /ai/start returns them) while the interview goes on",
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Interview scheduler API",
        "version": "1.0.0",
        "description": "Send `Authorization: Token <token>` (make one with `flask create-token EMAIL` or on the "
        "Account page). Times are entered in IST (`Asia/Kolkata`) unless a `timezone` is given and returned both "
        'as local fields and as UTC instants. Errors are `{"error": "…"}`, with `fields` for bad input.',
    },
    "servers": [{"url": "/"}],
    "security": [{"tokenAuth": []}],
    "components": {
        "securitySchemes": {
            "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <token>`"}
        },
        "schemas": SCHEMAS,
    },
    "paths": _paths() | AI_PATHS,
}
