"""The base of the services' refusals: a message for people and the HTTP status that fits it."""


class RefusedAction(Exception):
    """Something a service will not do; subclasses set the default `message` and `status_code`,
    and `code` where a program may want to tell the refusal apart."""

    status_code = 409
    message = "That is not possible now."
    code = None

    def __init__(self, message=None):
        self.message = message or self.message
        super().__init__(self.message)
