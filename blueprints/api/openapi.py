"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json and rendered at /api/docs.

Written from the operations blueprints/api/operations.py records (their routes, bodies, queries
and answers; the candidate portal's /ai/ calls too) and the pydantic models of services/schemas/.
A test fails when a route under /api/ (or /ai/) is missing here, and schemathesis checks every
response against it.
"""

from functools import cache

from flask import jsonify, render_template
from flask_login import login_required

# The modules whose operations it describes, imported first so that SPEC holds them all.
from blueprints.api import auth, bp, candidates, interviews, jobs, routes, scheduling_invitations  # noqa: F401
from blueprints.api.operations import OPERATIONS, operation
from blueprints.portal import routes as portal_routes  # noqa: F401  (the candidate portal's /ai/ calls)
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
    return jsonify(openapi_document())


@bp.get("/docs")
@login_required
def docs():
    """The description as a page, for people signed in to the app."""
    return render_template("api/docs.html", spec=openapi_document(), methods=("get", "post", "put", "patch", "delete"))


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
    content = {}
    if op.body is not None:
        content["application/json"] = {"schema": schema_of(op.body)}
    if op.multipart is not None:
        content["multipart/form-data"] = {"schema": schema_of(op.multipart)}
    if content:
        spec["requestBody"] = {"required": not op.body_optional, "content": content}
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


@cache
def openapi_document():
    """The description, written on first use: the portal's routes module (which records the /ai/
    calls) may be the one whose import brought this module in, and is complete only by then."""
    return {
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
        "paths": _paths(),
    }
