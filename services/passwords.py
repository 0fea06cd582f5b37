"""Password strength: zxcvbn's estimate plus the common-passwords list it ships (all offline).

zxcvbn is imported where it is used: loading its word lists would add a tenth of every process's
start, for the few requests that set a password.
"""

from functools import cache

from services.errors import ServiceError

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn's "safely unguessable" (about 10^8 guesses and up)


class WeakPassword(ServiceError):
    """A password too weak to accept; the message says why and how to fix it."""


@cache
def common_passwords():
    """The 30,000 most common leaked passwords, as zxcvbn ships them (lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_strength(password, user_inputs=()):
    """Raise WeakPassword unless `password` is long, uncommon and hard to guess.

    `user_inputs` (the e-mail, the name) count as known words: a password built from them is weak.
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters — a few unrelated words are easy to remember.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    squeezed = "".join(password.lower().split())
    if squeezed in common_passwords():
        raise WeakPassword("Too common — add another word or two.")
    from zxcvbn import zxcvbn

    inputs = [value for value in user_inputs if value]
    inputs += [part for value in inputs for part in value.replace("@", " ").replace(".", " ").split()]
    result = zxcvbn(password, user_inputs=inputs, max_length=MAX_LENGTH)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        reason = (feedback.get("warning") or "Too easy to guess.").rstrip(".")
        advice = " ".join(feedback.get("suggestions") or ["Add another word or two. Uncommon words are better."])
        raise WeakPassword(f"{reason}. {advice}")
