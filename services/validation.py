"""Input checks shared by the jobs, candidates and resumes services (forms and the API alike), and
the same checks as pydantic field types for the API's schemas (services/schemas/)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic_core import PydanticCustomError, core_schema


def text_problem(text):
    """Why a user's `text` cannot be stored (a NUL, or a lone surrogate from a JSON escape), or None.

    Neither is text a person types, PostgreSQL refuses NUL and no database stores a lone
    surrogate, so both are refused (never silently dropped) wherever user text comes in.
    """
    if "\x00" in text:
        return "must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogates (\\ud800-\\udfff); send valid Unicode text."
    return None


def clean_text(value, name, errors, *, label, required=False, max_length=200, multiline=False):
    """Stripped text, or a message in `errors[name]` (see text_problem for what is refused)."""
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        errors[name] = f"{label} must be text."
        return None
    text = str(value)
    problem = text_problem(text)
    if problem:
        errors[name] = f"{label} {problem}"
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip() if multiline else " ".join(text.split())
    if required and not text:
        errors[name] = f"Enter the {label.lower()}."
        return None
    if len(text) > max_length:
        errors[name] = f"{label} can be at most {max_length} characters (this is {len(text)})."
        return None
    return text


def parse_int(value, name, errors, *, label, low, high, required=False):
    """A whole number in [low, high], None when blank and optional, or a message in `errors[name]`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = f"Enter the {label.lower()}."
        return None
    if isinstance(value, bool):
        errors[name] = f"{label} must be a whole number."
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[name] = f"{label} must be a whole number."
        return None
    if not low <= number <= high:
        errors[name] = f"{label} must be between {low} and {high}."
        return None
    return number


def parse_choice(value, name, errors, *, label, choices, upper=False):
    """One of `choices` (case-insensitive when `upper`), or a message in `errors[name]`."""
    text = str(value or "").strip()
    if upper:
        text = text.upper()
    if text not in choices:
        shown = f"“{str(value)[:40]}”" if value not in (None, "") else "Nothing"
        errors[name] = f"{shown} is not a valid {label.lower()}; choose one of {', '.join(choices)}."
        return None
    return text


def like_pattern(word):
    """A LIKE pattern (escape character `\\`) matching `word` anywhere, lower-cased."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def parse_uuid(value):
    """A UUID from text, or None when it is not one."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# --- the same checks as pydantic field types (services/schemas/ declares the API's bodies with them) ---


@dataclass(frozen=True)
class Checked:
    """A pydantic field checked by `parse(value, errors)` (one of the parsers above), so a schema's
    field refuses with the project's message; `schema` is its JSON schema, written once here.

    `parse` writes its message into `errors["value"]`; a field that was not sent at all gets the
    message `parse` gives for None (e.g. "Enter the job title.").
    """

    parse: Callable
    schema: dict
    missing: str | None = None  # the message for a field not sent, when not the parser's for None

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(self, core, handler):
        return dict(self.schema)

    def check(self, value):
        errors = {}
        result = self.parse(value, errors)
        if errors:
            raise PydanticCustomError("invalid", "{message}", {"message": errors["value"]})
        return result

    def missing_message(self):
        if self.missing:
            return self.missing
        errors = {}
        self.parse(None, errors)
        return errors.get("value", "Required.")


KEEP_BLANK = object()  # no `blank`: blank input goes to the parser (and is refused when required)


def _blank_is(default, parse):
    """`parse`, with None and "" standing for `default` (a new record's column default)."""
    return lambda value, errors: default if value in (None, "") else parse(value, errors)


def Text(label, *, required=False, max_length=200, multiline=False, nullable=False, description=None):
    """Text (stripped; see clean_text), "" when blank; None when blank and `nullable`."""

    def parse(value, errors):
        text = clean_text(value, "value", errors, label=label, required=required, max_length=max_length, multiline=multiline)
        return (text or None) if nullable else text

    schema = {"type": ["string", "null"] if nullable else "string"}
    if required:
        schema["minLength"] = 1
    schema["maxLength"] = max_length
    return Annotated[str | None if nullable else str, Checked(parse, _described(schema, description))]


def WholeNumber(label, *, low, high, required=False, default=None, blank=KEEP_BLANK, description=None):
    """A whole number in [low, high] (see parse_int); with `blank`, blank input means that value."""

    def parse(value, errors):
        return parse_int(value, "value", errors, label=label, low=low, high=high, required=required)

    schema = {"type": "integer" if required else ["integer", "null"], "minimum": low, "maximum": high}
    if default is not None:
        schema["default"] = default
    return Annotated[
        int | None, Checked(parse if blank is KEEP_BLANK else _blank_is(blank, parse), _described(schema, description))
    ]


def Choice(label, choices, *, upper=False, blank=KEEP_BLANK, description=None):
    """One of `choices` (see parse_choice); with `blank`, blank input means that choice."""

    def parse(value, errors):
        return parse_choice(value, "value", errors, label=label, choices=choices, upper=upper)

    if blank is KEEP_BLANK:
        return Annotated[str, Checked(parse, _described({"enum": list(choices)}, description))]
    return Annotated[str, Checked(_blank_is(blank, parse), _described({"enum": list(choices), "default": blank}, description))]


def Flag(name, *, description=None):
    """true or false, nothing else ("confirm is true or false.")."""

    def parse(value, errors):
        if not isinstance(value, bool):
            errors["value"] = f"{name} is true or false."
            return None
        return value

    return Annotated[bool, Checked(parse, _described({"type": "boolean", "default": False}, description))]


def RequiredId(name, *, description=None):
    """A non-blank id; whether it is a UUID of an existing row is the lookup's to say (a 404)."""

    def parse(value, errors):
        if not value:
            errors["value"] = f"{name} is required"
            return None
        return str(value)

    return Annotated[str, Checked(parse, _described({"type": "string", "format": "uuid"}, description))]


def Described(schema, description=None, *, missing=None):
    """Any JSON value, documented as `schema`: the service that reads it gives the messages
    (and, for a required field not sent, `missing` or "Required.")."""
    return Annotated[Any, Checked(lambda value, errors: value, _described(schema, description), missing)]


def _described(schema, description):
    return schema | ({"description": description} if description else {})


def IdFilter(message, description):
    """A query argument naming a row by UUID: None when blank, `message` when not a UUID."""

    def parse(value, errors):
        if not value:
            return None
        if parse_uuid(value) is None:
            errors["value"] = message
        return parse_uuid(value)

    return Annotated[uuid.UUID | None, Checked(parse, {"type": "string", "format": "uuid", "description": description})]


def ChoiceFilter(choices, description):
    """A query argument picking one of `choices`: None when blank."""

    def parse(value, errors):
        if not value:
            return None
        if value not in choices:
            errors["value"] = f"One of {', '.join(choices)}."
        return value

    return Annotated[str | None, Checked(parse, {"enum": list(choices), "description": description})]
