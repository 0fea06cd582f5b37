"""Words people read for the codes the data keeps: one mapping for every page and e-mail.

Templates use the `label` filter (registered in app.py) or these functions; the JSON API keeps
its codes (a contract). Zone names are canonicalised by timeutil.canonical_zone
(the zone database's own links), so "Asia/Calcutta" reads as "Asia/Kolkata".
"""

import functools

from services import timeutil

LANGUAGES = {
    "PYTHON": "Python",
    "JAVASCRIPT": "JavaScript",
    "JAVA": "Java",
    "PHP": "PHP",
    "RUBY": "Ruby",
    "CSHARP": "C#",
    "SQL": "SQL",
}
INTERVIEW_TYPES = {"technical": "Technical interview", "coding": "Coding interview"}
INTERVIEW_TYPES_SHORT = {"technical": "Technical", "coding": "Coding"}
# Interview, slot, candidate, e-mail, decision and role codes that a word with a capital does not cover.
STATES = {
    "in_progress": "In progress",
    "unconfigured": "Waiting for SMTP",
    "advance": "Advance to the next round",
    "hire": "Hire",
    "reject": "Reject",
    "pending": "Pending",
}
QUESTION_KINDS = {"technical": "Technical", "coding": "Coding", "behavioral": "Behavioural", "behavioural": "Behavioural"}


def language(code):
    """A coding language's name: "CSHARP" → "C#"."""
    return LANGUAGES.get(code, code)


def interview_type(code, short=False):
    """ "coding" → "Coding interview" (or "Coding" with short=True)."""
    names = INTERVIEW_TYPES_SHORT if short else INTERVIEW_TYPES
    return names.get(code, humanise(code))


def state(code):
    """A status code as a person says it: "in_progress" → "In progress"."""
    return STATES.get(code) or humanise(code)


def humanise(code):
    """ "machine_learning" → "Machine learning"; empty for None."""
    if not code:
        return ""
    text = str(code).replace("_", " ").strip()
    if text in (text.lower(), text.upper()):  # a code, not a name someone typed
        return text[:1].upper() + text[1:].lower()
    return text


@functools.cache
def _skill_labels():
    """Skill names → the question bank's labels (e.g. "machine_learning" → "Machine learning")."""
    from services.interviewer.question_bank import load_bank  # here, not at the top: the question bank imports this module

    labels = {}
    for bank in load_bank().values():
        for name, spec in (bank.get("skills") or {}).items():
            if isinstance(spec, dict) and spec.get("label"):
                labels[name] = spec["label"]
    return labels


def skill(name):
    """A skill or keyword name from the analysis, as the bank labels it, else humanised."""
    bank_label = _skill_labels().get(name)
    if bank_label:
        return bank_label[:1].upper() + bank_label[1:]
    return LANGUAGES.get(str(name).upper()) or humanise(name)


def zone(name):
    """The canonical name of an IANA zone: "Asia/Calcutta" → "Asia/Kolkata"."""
    return timeutil.canonical_zone(name)


def label(code, kind="state"):
    """The `label` template filter: `x|label("language")`, `|label("type")`, `|label("skill")`, `|label`."""
    if kind == "language":
        return language(code)
    if kind == "type":
        return interview_type(code)
    if kind == "type_short":
        return interview_type(code, short=True)
    if kind == "skill":
        return skill(code)
    if kind == "zone":
        return zone(code)
    if kind == "question":
        return QUESTION_KINDS.get(code) or humanise(code)
    return state(code)
