"""The curated question bank (data/questions/*.json) and the offline plan drawn from it, seeded by the session key."""

import hashlib
import json
import random
import re
from functools import lru_cache
from pathlib import Path

from models import InterviewType
from services import labels

BANK_DIR = Path(__file__).resolve().parents[2] / "data" / "questions"
QUESTION_KINDS = ("intro", "technical", "behavioural", "coding", "closing")

# The skill of the bank that matches each job language.
LANGUAGE_SKILL = {
    "PYTHON": "python",
    "JAVASCRIPT": "javascript",
    "JAVA": "java",
    "PHP": "php",
    "RUBY": "ruby",
    "CSHARP": "csharp",
    "SQL": "sql",
}


@lru_cache(maxsize=1)
def load_bank():
    """The curated question bank (data/questions/*.json), keyed by file name."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(BANK_DIR.glob("*.json"))}


def _rng(session):
    """A random generator seeded by the session key: the same plan on every call."""
    return random.Random(int.from_bytes(hashlib.sha256(session.session_key.encode()).digest()[:8], "big"))


def _context(session):
    return {
        "job_title": session.job_title or "this",
        "company_name": session.company_name or "the company",
        "language": labels.LANGUAGES.get(session.coding_language, session.coding_language),
    }


PLACEHOLDER = re.compile(r"\{(job_title|company_name|language)\}")


def _planned(kind, item, time_limit, context, prefix=""):
    return {
        "kind": kind,
        "text": prefix + PLACEHOLDER.sub(lambda m: context[m.group(1)], item["text"]),
        "expected_points": list(item.get("expected_points", [])),
        "time_limit_seconds": int(item.get("time_limit_seconds", time_limit)),
        "starter_code": item.get("starter_code", ""),
        "source": item["id"],
    }


def _closest(items, difficulty, rng, count):
    """`count` items nearest the target difficulty, ties broken by the seeded generator."""
    shuffled = items[:]
    rng.shuffle(shuffled)
    return sorted(shuffled, key=lambda q: abs(q.get("difficulty", 2) - difficulty))[:count]


def _technical_questions(analysis, language, count, rng, context):
    """Round-robin over skills: shared by job and resume first, then the job's, the language, the resume's."""
    skills = load_bank()["technical"]["skills"]
    order = []
    for name in (
        analysis["matched_skills"]
        + analysis["job_skills"]
        + [LANGUAGE_SKILL.get(language)]
        + analysis["resume_skills"]
        + ["fundamentals"]
    ):
        if name in skills and name not in order:
            order.append(name)
    pools = {
        name: _closest(skills[name]["questions"], analysis["difficulty"], rng, len(skills[name]["questions"])) for name in order
    }
    time_limit = load_bank()["technical"]["time_limit_seconds"]
    chosen = []
    while len(chosen) < count and any(pools.values()):
        for name in order:
            if pools[name] and len(chosen) < count:
                item = pools[name].pop(0)
                prefix = f"Your resume mentions {skills[name]['label']}. " if name in analysis["resume_skills"] else ""
                chosen.append(_planned("technical", item, time_limit, context, prefix))
    return chosen


def offline_plan(session, analysis):
    """6–10 questions from the bank: intro, technical, behavioural, coding in the job's language, closing."""
    bank, rng, context = load_bank(), _rng(session), _context(session)
    coding_round = session.interview_type == InterviewType.CODING
    technical_count, coding_count = (2, 3) if coding_round else (4, 1)

    def pick(name, count=1):
        section = bank[name]
        return [
            _planned(section["kind"], item, section["time_limit_seconds"], context)
            for item in rng.sample(section["questions"], count)
        ]

    tasks = bank["coding"]["languages"].get(session.coding_language) or bank["coding"]["languages"]["PYTHON"]
    coding = [
        _planned("coding", item, bank["coding"]["time_limit_seconds"], context)
        for item in sorted(_closest(tasks, analysis["difficulty"], rng, coding_count), key=lambda q: q.get("difficulty", 2))
    ]
    return (
        pick("intro")
        + _technical_questions(analysis, session.coding_language, technical_count, rng, context)
        + pick("behavioural")
        + coding
        + pick("closing")
    )
