"""The one input layer every request passes before its view runs.

- A JSON body is parsed here, once (views read Flask's cached result): invalid JSON, nesting deeper
  than MAX_JSON_DEPTH and, on POST/PUT/PATCH, anything but an object are a 400.
- Every user string (query arguments, form fields, JSON keys and values at any depth) goes through
  services.validation.text_problem: a NUL or a lone surrogate is a 400 naming the field, so no
  database ever sees one.

Refusals are JSON `{"error", "fields"}` for /api/ and /ai/ (and clients asking for JSON), the error
page otherwise.
"""

from flask import jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from blueprints.errors import error_response, wants_json
from services.validation import text_problem

MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose parser reports nesting too deep for the recursive decoder as bad JSON."""

    def loads(self, s, **kwargs):
        """Parse `s`; a RecursionError becomes the ValueError Flask turns into a 400."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None


class InvalidJSON(BadRequest):
    """A body that is not JSON; the description gives the parser's own words."""

    def __init__(self, reason):
        super().__init__(f"The body is not valid JSON: {reason}.")


def init_app(app):
    """Install the bounded JSON parser and the check before every view."""
    app.json = BoundedJSONProvider(app)

    class GuardedRequest(app.request_class):
        def on_json_loading_failed(self, e):
            """Say why the JSON is bad (Flask's own answer hides it outside debug mode)."""
            raise InvalidJSON(e if e is not None else "the content type is not application/json")

    app.request_class = GuardedRequest
    app.before_request(refuse_bad_input)


def refuse_bad_input():
    """Before every view: a 400 for a bad JSON body or a user string holding NUL or a lone surrogate."""
    refusal = _json_body_problem() or _text_problem(request.args.items(multi=True)) or _form_problem()
    if refusal is None:
        return None
    message, fields = refusal
    if wants_json():
        return jsonify(error=message, fields=fields), 400
    return error_response(400, message)


def _form_problem():
    """(message, fields) for a refused form field, else None; a request without a body has no form
    (and its most frequent kind, a portal heartbeat, is spared parsing one)."""
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return None
    return _text_problem(request.form.items(multi=True))


def _json_body_problem():
    """(message, fields) when the JSON body cannot be used, else None."""
    if not request.is_json or not request.get_data(cache=True):
        return None
    try:
        body = request.get_json()
    except InvalidJSON as exc:
        return exc.description, {}
    if request.method in BODY_METHODS and not isinstance(body, dict):
        return "Send a JSON object ({…}) as the body.", {}
    return _text_problem(_json_strings(body))


_TOO_DEEP = object()  # yielded by _json_strings in place of a string once the body nests too deep


def _json_strings(body):
    """(field path, string) for every key and string value in `body`, walked without recursion.

    Past MAX_JSON_DEPTH levels it yields _TOO_DEEP and stops (the decoder itself allows about a thousand).
    """
    pending = [("", body, 1)]
    while pending:
        path, value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            yield "", _TOO_DEEP
            return
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                yield child, key
                pending.append((child, item, depth + 1))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item, depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            yield path, value


def _text_problem(named_strings):
    """(message, fields) for the first string `text_problem` refuses, else None."""
    for name, text in named_strings:
        if text is _TOO_DEEP:
            return f"The body is not valid JSON: nested more than {MAX_JSON_DEPTH} levels deep.", {}
        problem = text_problem(text) or text_problem(name)
        if problem:
            shown = ascii(name)[1:-1] if text_problem(name) else name  # a bad name is shown escaped
            return f"The field “{shown}” {problem}", {shown: f"This field {problem}"}
    return None
