"""The candidate portal's JSON calls (/ai/start, /ai/answer): what they read, what they answer.

No token: the session key is the credential, and the view's loader looks it up (a 400 without
one, a 404 for an unknown one) before the rest of the body is read, so its field here documents
it and checks nothing more. Fields these calls do not read are ignored, as they always were.
"""

import uuid
from typing import Annotated

from pydantic import ConfigDict, create_model

from models import CodingLanguage
from services.interviewer.session_flow import ANSWER_MAX_CHARS, valid_client_id
from services.schemas import BOOLEAN, STRING, UUID, Answer, Schema
from services.validation import Checked, Described, parse_uuid

INVALID = "Some fields are missing or invalid."


def _key_required(schema):
    """session_key is required, though the loader (which may also find it in the query) checks it."""
    schema["required"] = ["session_key", *schema.get("required", [])]


class PortalBody(Schema):
    """A JSON object or a form (multipart, to carry a recording)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_key_required)


def _client_id(value, errors):
    return valid_client_id(value)


def _question_id(value, errors):
    question_id = parse_uuid(value) if isinstance(value, str) else None
    if question_id is None:
        errors["value"] = "The id of the question being answered (a UUID) is required."
    return question_id


def _string(value, errors):
    if not isinstance(value, str):
        errors["value"] = "Must be a string."
    return value


SessionKey = Described(STRING, "Or in the query string (`?session_key=`), then the body may be left out")
# A malformed id counts as none: the tab then just cannot hold the interview against another.
ClientId = Annotated[
    str | None,
    Checked(_client_id, {"type": "string", "description": "The caller's id, when a portal tab may hold the interview too"}),
]
AudioConsent = Annotated[
    bool,
    Checked(
        lambda value, errors: value in (True, "yes", "true"),
        {"type": "boolean", "description": "The candidate agreed to voice answers being recorded"},
    ),
]


class AiStart(PortalBody):
    session_key: SessionKey = None
    client_id: ClientId = None
    audio_consent: AudioConsent = False


class AiAnswer(PortalBody):
    session_key: SessionKey = None
    question_id: Annotated[uuid.UUID, Checked(_question_id, {**UUID, "description": "The current question's `question_id`"})]
    # Longer text is the service's to refuse (413 too_large), not a 400.
    text: Annotated[str, Checked(_string, {"type": "string", "maxLength": ANSWER_MAX_CHARS})] = ""
    code: Annotated[str, Checked(_string, {"type": "string", "description": "For coding questions; never executed"})] = ""
    client_id: ClientId = None


class AiVoiceAnswer(AiAnswer):
    """The multipart form of /ai/answer: the same fields, and the recording (read from the upload)."""

    audio: Described(
        {
            "type": "string",
            "format": "binary",
            "description": "A voice answer (WebM, Ogg, MP4, WAV or MP3); needs the candidate's consent",
        }
    ) = None


QUESTION_FIELDS = {
    "question": STRING,
    "question_id": UUID,
    "index": {"type": "integer", "minimum": 0, "description": "0-based"},
    "number": {"type": "integer", "minimum": 1},
    "total": {"type": "integer", "minimum": 6, "maximum": 10},
    "time_limit": {"type": "integer", "description": "Seconds for this question"},
    "seconds_left": {"type": "integer", "description": "By the server's clock; keeps running across reloads"},
    "type": {"enum": ["intro", "technical", "behavioural", "coding", "closing"]},
    "starter_code": STRING,
    "coding_language": {"enum": list(CodingLanguage)},
}
QUESTION_REQUIRED = {"question", "index", "total", "time_limit", "type"}

# The current question, as session_flow.question_view gives it, and the session's status.
AiQuestion = create_model(
    "AiQuestion",
    __base__=Answer,
    **{name: (Described(schema), ... if name in QUESTION_REQUIRED else None) for name, schema in QUESTION_FIELDS.items()},
    status=(Described(STRING), None),
)
AiAnswerResult = create_model(
    "AiAnswerResult",
    __base__=Answer,
    __doc__="The next question's fields (as /ai/start returns them) while the interview goes on",
    saved=(Described(BOOLEAN, "False when this repeated an answer already stored"), ...),
    **{name: (Described(schema), None) for name, schema in QUESTION_FIELDS.items()},
    status=(Described({"enum": ["in_progress", "completed"]}), ...),
)

START_ERRORS = {
    400: "Bad input; `fields` names what is wrong with each field",
    403: "The countdown is still running: the interview cannot start early",
    404: "Unknown or malformed session key",
    409: "The interview is already completed",
    410: "The window has passed (expired) or the interview was cancelled",
    429: "Too many unknown keys from this address",
}
ANSWER_ERRORS = {
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
