"""The base of the services' refusals: a message for people and the HTTP status that fits it."""


class RefusedAction(Exception):
    """Something a service will not do; subclasses set the default `message` and `status_code`."""

    status_code = 409
    message = "That is not possible now."

    def __init__(self, message=None):
        self.message = message or self.message
        super().__init__(self.message)
