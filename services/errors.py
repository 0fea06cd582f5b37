"""The one base of every refusal a service makes (blueprints/errors.py answers it)."""


class ServiceError(Exception):
    """Something a service will not do, and why.

    `message` is for people, `status` the HTTP status that fits it, `fields` maps input names to
    messages (for inline form errors and the API's `fields`), `code` is a stable name where a
    program may want to tell refusals apart. Subclasses set the defaults; `extra` holds more
    JSON an API client can act on (e.g. the id of the interview that stood in the way).
    """

    status = 400
    message = "That request cannot be carried out."
    code = None

    def __init__(self, message=None, status=None, fields=None, code=None):
        self.message = message or self.message
        self.status = status or self.status
        self.fields = fields or {}
        self.code = code or self.code
        self.extra = {}
        super().__init__(self.message)

    def as_json(self):
        """The API's error body: `error`, `fields`, `code` (when there is one) and `extra`."""
        body = {"error": self.message, "fields": self.fields}
        if self.code:
            body["code"] = self.code
        return body | self.extra


class RefusedAction(ServiceError):
    """An action the current state does not allow (by default a 409 conflict)."""

    status = 409
    message = "That is not possible now."


class InputError(ServiceError):
    """Input that cannot be saved; `fields` says which inputs and why."""

    message = "Please correct the highlighted fields."

    def __init__(self, fields, message=None, status=None):
        super().__init__(message, status, fields)
