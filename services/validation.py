"""Input checks shared by the jobs, candidates and resumes services (forms and the API alike)."""
import uuid


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
