"""One pydantic declaration per API resource: what a request may send, what an answer holds.

blueprints/api/operations.py parses bodies and queries with them and serialises answers;
blueprints/api/openapi.py turns them into the description's `components.schemas`. Field types
with the project's messages come from services/validation.py; a field a service reads and words
the refusal of itself is `Described` (documented, passed through).

Bodies forbid fields they do not declare; a field the API accepts and ignores (a seed's quirk) is
declared, and says so. PUT/PATCH are partial: `changes(fields, partial=True)` is what was sent.
"""

from pydantic import BaseModel, ConfigDict, ValidationError

from services.validation import Checked

UUID = {"type": "string", "format": "uuid"}
NULLABLE_UUID = {"type": ["string", "null"], "format": "uuid"}
NULLABLE_STRING = {"type": ["string", "null"]}
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
INSTANT = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601 with Z"}
DATE = {"type": "string", "format": "date", "examples": ["2030-01-21"]}
CLOCK = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["10:00"]}
UUID_LIST = {"type": "array", "items": UUID}


class Schema(BaseModel):
    """Every declaration's base: pydantic-core builds a model's validator and serialiser when it is
    first used (or described), not at import, where building them all was a tenth of the app's start."""

    model_config = ConfigDict(defer_build=True)


class Body(Schema):
    """A request body: only the declared fields."""

    model_config = ConfigDict(extra="forbid")


class Query(Schema):
    """Query arguments: the declared ones are read, others (a UI's own) pass unread."""

    model_config = ConfigDict(extra="ignore")


class Answer(Schema):
    """A response body; fields left unset (optional ones a row has no value for) are left out."""

    def as_json(self):
        return self.model_dump(mode="json", exclude_unset=True)


def field_errors(model, error):
    """{field: message} of a pydantic ValidationError, in the project's words."""
    fields = {}
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or "body"
        if problem["type"] == "missing":
            fields[name] = _missing_message(model, problem["loc"][0])
        elif problem["type"] == "extra_forbidden":
            fields[name] = "This field is not accepted here."
        else:
            fields[name] = problem["msg"]
    return fields


def _missing_message(model, name):
    checks = [item for item in model.model_fields[name].metadata if isinstance(item, Checked)]
    return checks[0].missing_message() if checks else f"{name} is required"


def read(model, data, *, partial):
    """What `data` (a form's fields, or a parsed `model`) sets, validated: (values, errors).

    With `partial` (PUT/PATCH) only the fields sent; otherwise every field, defaults for the rest.
    A form's own fields (csrf_token, submit) are not the model's and are left out.
    """
    try:
        fields = (
            data if isinstance(data, model) else model.model_validate({k: v for k, v in data.items() if k in model.model_fields})
        )
    except ValidationError as error:
        return {}, field_errors(model, error)
    return changes(fields, partial=partial), {}


def changes(fields, *, partial):
    """The values of a parsed body; with `partial`, only those sent (the PUT/PATCH of every resource)."""
    return fields.model_dump(exclude_unset=partial)


def sent(data):
    """The fields a request sent, as it sent them: a form's dict, or those set in a parsed body."""
    return data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else data
