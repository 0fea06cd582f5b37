"""What the interview refuses: each a RefusedAction with its HTTP status and a code for the page."""

from services.errors import RefusedAction


class InterviewError(RefusedAction):
    """An action the interview refuses; `status` for HTTP, `message` for the candidate."""

    code = "refused"


class NotOpen(InterviewError):
    status = 403
    code = "not_open"


class AlreadyFinished(InterviewError):
    code = "completed"
    message = "This interview is already finished; no more answers are accepted."


class TakenOver(InterviewError):
    code = "taken_over"
    message = "This interview is now open in another tab or window. Continue there, or take it back here."


class NotCurrent(InterviewError):
    code = "not_current"
    message = "That is not the current question."


class TimeUp(InterviewError):
    code = "time_up"
    message = "Time ran out for that question before the answer arrived; here is the next one."


class AnswerTooLarge(InterviewError):
    status = 413
    code = "too_large"


class BadAnswer(InterviewError):
    status = 400
    code = "bad_input"


class StorageUnavailable(InterviewError):
    """The recording could not be saved (disk full or unwritable); nothing of the answer is kept."""

    code = "storage"

    def __init__(self, error):
        super().__init__(f"Your recording could not be saved: {error.message} Your answer was not submitted.")
        self.status = error.status
