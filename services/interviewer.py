"""The interviewer: a question plan from the session snapshot, then one answer at a time.

The offline provider extracts skills and keywords from the job description and resume and picks
questions from the curated bank in data/questions/*.json, seeded by the session key so a reload
never reshuffles. An OpenAI-compatible chat endpoint (LLM_API_BASE, LLM_API_KEY, LLM_MODEL) may
write the plan instead; any failure or timeout falls back to the bank.

Every function that changes state commits, so each answer is durable before the next question
appears; the server's clock (timeutil.now) enforces each question's time limit across reloads.
"""
import hashlib
import json
import logging
import math
import random
import re
import secrets
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import bindparam, inspect as sa_inspect, select
from sqlalchemy.orm import joinedload, undefer_group

from database import LoneSelect
from models import (
    CandidateStatus,
    InterviewAnswer,
    InterviewQuestion,
    InterviewSession,
    InterviewStatus,
    InterviewType,
    SessionStatus,
    db,
)
from services import audit, labels, notifications, portal, storage
from services.errors import RefusedAction
from services.transactions import lock_session, one_transaction

log = logging.getLogger(__name__)

BANK_DIR = Path(__file__).resolve().parent.parent / "data" / "questions"
QUESTION_KINDS = ("intro", "technical", "behavioural", "coding", "closing")
ANSWER_MAX_CHARS = 10_000
CODE_MAX_CHARS = 50_000
# Seconds after a question's limit in which an answer still counts (the browser submits at zero).
SUBMIT_GRACE_SECONDS = 10
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
AUDIO_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/wav": "wav"}
# Browsers label one container in more than one way (Chromium records audio/webm, Firefox
# audio/ogg, Safari audio/mp4); the stored type is always the one the bytes show.
AUDIO_TYPE_ALIASES = {"video/webm": "audio/webm", "audio/x-m4a": "audio/mp4", "audio/mp3": "audio/mpeg",
                      "audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav"}

# The skill of the bank that matches each job language.
LANGUAGE_SKILL = {
    "PYTHON": "python", "JAVASCRIPT": "javascript", "JAVA": "java", "PHP": "php",
    "RUBY": "ruby", "CSHARP": "csharp", "SQL": "sql",
}
LANGUAGE_NAMES = labels.LANGUAGES
# Prism.js grammar names, for highlighting code in the editor and in the review.
PRISM_LANGUAGES = {
    "PYTHON": "python", "JAVASCRIPT": "javascript", "JAVA": "java", "PHP": "php",
    "RUBY": "ruby", "CSHARP": "csharp", "SQL": "sql",
}
STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just like me more most must my no
    nor not of off on once only or other our ours out over own same she should so some such than that
    the their them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours role job work working team teams
    company candidate candidates experience years year using use used strong good great ability new
    title description domain""".split()
)


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


NOT_OPEN_MESSAGES = {
    portal.COUNTDOWN: "The interview has not opened yet. Please wait for the countdown.",
    portal.EXPIRED: "The time to join this interview has passed.",
    portal.CANCELLED: "This interview was cancelled.",
}


# --- the bank ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_bank():
    """The curated question bank (data/questions/*.json), keyed by file name."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(BANK_DIR.glob("*.json"))}


def _words(text):
    return re.findall(r"[a-z0-9][a-z0-9+#.\-/]*[a-z0-9+#]|[a-z0-9]", (text or "").lower())


def _stem(word):
    """A crude stem so "hashing", "hashes" and "hash" meet."""
    for suffix in ("ing", "ies", "es", "ed", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:7]


def _alias_pattern(alias):
    return re.compile(r"(?<![\w#+.])" + re.escape(alias.lower()) + r"(?![\w#+])")


@lru_cache(maxsize=1)
def _skill_patterns():
    skills = load_bank()["technical"]["skills"]
    return {name: [_alias_pattern(a) for a in spec["aliases"]] for name, spec in skills.items()}


def _skills_in(text):
    """Bank skills mentioned in `text`, most mentioned first."""
    lowered = (text or "").lower()
    counts = {name: sum(len(p.findall(lowered)) for p in patterns) for name, patterns in _skill_patterns().items()}
    return [name for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n]


def _experience_years(resume_text):
    years = [int(n) for n in re.findall(r"(\d{1,2})\+?\s*(?:years|yrs)", (resume_text or "").lower())]
    return max(years) if years else None


def _difficulty(job_description, years):
    """1 junior, 2 mid, 3 senior — from the job's wording, else the resume's years."""
    text = (job_description or "").lower()
    if re.search(r"\b(senior|lead|principal|staff|architect)\b", text):
        return 3
    if re.search(r"\b(junior|intern|graduate|trainee|entry)\b", text):
        return 1
    if years is None:
        return 2
    return 1 if years < 2 else 2 if years < 5 else 3


def analyse_keywords(job_description, resume_text, coding_language):
    """Skills and keywords of the job and resume, with the coding language (seed 001's CODING_LANG)."""
    job_skills, resume_skills = _skills_in(job_description), _skills_in(resume_text)
    counts = Counter(w for w in _words(job_description) if w not in STOPWORDS and len(w) > 2 and not w.isdigit())
    years = _experience_years(resume_text)
    return {
        "CODING_LANG": coding_language,
        "coding_language": coding_language,
        "job_skills": job_skills,
        "resume_skills": resume_skills,
        "matched_skills": [s for s in job_skills if s in resume_skills],
        "keywords": [word for word, _ in counts.most_common(15)],
        "experience_years": years,
        "difficulty": _difficulty(job_description, years),
    }


def keyword_coverage(expected_points, answer_text):
    """Which expected points an answer mentions (an aid for reviewers, never a score)."""
    said = {_stem(w) for w in _words(answer_text)}
    matched, missing = [], []
    for point in expected_points or []:
        terms = [_stem(w) for w in _words(point) if w not in STOPWORDS] or [_stem(w) for w in _words(point)]
        hits = sum(term in said for term in terms)
        (matched if terms and hits >= math.ceil(len(terms) / 2) else missing).append(point)
    total = len(matched) + len(missing)
    return {"matched": matched, "missing": missing, "ratio": round(len(matched) / total, 2) if total else None}


# --- the plan ------------------------------------------------------------------------------


def _rng(session):
    """A random generator seeded by the session key: the same plan on every call."""
    return random.Random(int.from_bytes(hashlib.sha256(session.session_key.encode()).digest()[:8], "big"))


def _context(session):
    return {
        "job_title": session.job_title or "this",
        "company_name": session.company_name or "the company",
        "language": LANGUAGE_NAMES.get(session.coding_language, session.coding_language),
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
    for name in analysis["matched_skills"] + analysis["job_skills"] + [LANGUAGE_SKILL.get(language)] + analysis["resume_skills"] + ["fundamentals"]:
        if name in skills and name not in order:
            order.append(name)
    pools = {name: _closest(skills[name]["questions"], analysis["difficulty"], rng, len(skills[name]["questions"])) for name in order}
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
    coding_round = session.interview_type == InterviewType.CODING.value
    technical_count, coding_count = (2, 3) if coding_round else (4, 1)

    def pick(name, count=1):
        section = bank[name]
        return [_planned(section["kind"], item, section["time_limit_seconds"], context) for item in rng.sample(section["questions"], count)]

    tasks = bank["coding"]["languages"].get(session.coding_language) or bank["coding"]["languages"]["PYTHON"]
    coding = [_planned("coding", item, bank["coding"]["time_limit_seconds"], context)
              for item in sorted(_closest(tasks, analysis["difficulty"], rng, coding_count), key=lambda q: q.get("difficulty", 2))]
    return (
        pick("intro")
        + _technical_questions(analysis, session.coding_language, technical_count, rng, context)
        + pick("behavioural")
        + coding
        + pick("closing")
    )


def _llm_prompt(session, analysis):
    kind = "coding-focused" if session.interview_type == InterviewType.CODING.value else "technical"
    return (
        f"Write a {kind} interview plan of 6 to 10 questions as JSON: {{\"questions\": [{{\"kind\": one of "
        f"{list(QUESTION_KINDS)}, \"text\": str, \"expected_points\": [str], \"time_limit_seconds\": int, "
        f"\"starter_code\": str}}]}}. Start with an intro and end with a closing question. Include at least one "
        f"coding task in {LANGUAGE_NAMES.get(session.coding_language)} with starter code.\n\n"
        f"Job description:\n{session.job_description[:6000]}\n\nResume:\n{session.resume_text[:6000]}\n\n"
        f"Skills found: {', '.join(analysis['job_skills'] + analysis['resume_skills'])}"
    )


def _validated_llm_plan(payload):
    """The provider's questions, or ValueError when they do not make a usable plan."""
    questions = payload.get("questions") if isinstance(payload, dict) else payload
    if not isinstance(questions, list) or not 6 <= len(questions) <= 10:
        raise ValueError("the plan needs 6 to 10 questions")
    plan = []
    for item in questions:
        if not isinstance(item, dict) or item.get("kind") not in QUESTION_KINDS or not str(item.get("text") or "").strip():
            raise ValueError(f"unusable question {item!r:.200}")
        points = item.get("expected_points") or []
        plan.append({
            "kind": item["kind"],
            "text": str(item["text"]).strip()[:2000],
            "expected_points": [str(p)[:200] for p in points][:10] if isinstance(points, list) else [],
            "time_limit_seconds": min(max(int(item.get("time_limit_seconds") or 180), 60), 1800),
            "starter_code": str(item.get("starter_code") or "")[:5000],
            "source": "llm",
        })
    if not any(q["kind"] == "coding" for q in plan):
        raise ValueError("the plan has no coding task")
    return plan


def llm_configured():
    """True when an OpenAI-compatible endpoint is set up to write question plans."""
    config = current_app.config
    return bool(config.get("LLM_API_BASE") and config.get("LLM_MODEL"))


def llm_plan(session, analysis):
    """A plan from the OpenAI-compatible chat endpoint, or None (not configured, slow or unusable)."""
    if not llm_configured():
        return None
    config = current_app.config
    body = json.dumps({
        "model": config["LLM_MODEL"],
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "You are a careful technical interviewer. Reply with JSON only."},
            {"role": "user", "content": _llm_prompt(session, analysis)},
        ],
    }).encode()
    request = urllib.request.Request(
        config["LLM_API_BASE"].rstrip("/") + "/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.get('LLM_API_KEY') or ''}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=config.get("LLM_TIMEOUT_SECONDS", 20)) as response:
            reply = json.loads(response.read(1_000_000))
        content = reply["choices"][0]["message"]["content"]
        content = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
        return _validated_llm_plan(json.loads(content))
    except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("LLM question plan failed (%s); using the offline bank", exc)
        return None


def plan_questions(session):
    """(keyword_analysis, plan) for a session: the LLM's plan when it works, else the bank's."""
    analysis = {**(session.keyword_analysis or {}), **analyse_keywords(session.job_description, session.resume_text, session.coding_language)}
    plan = llm_plan(session, analysis)
    analysis["provider"] = "llm" if plan else "offline"
    return analysis, plan or offline_plan(session, analysis)


# --- taking the interview ------------------------------------------------------------------


def valid_client_id(raw):
    """A tab's id as sent by the browser, or None when missing or malformed."""
    return raw if isinstance(raw, str) and CLIENT_ID_PATTERN.fullmatch(raw) else None


def current_question(session):
    """The question the candidate should answer now, or None once all are answered."""
    index = session.current_question_index
    return session.questions[index] if 0 <= index < len(session.questions) else None


def seconds_left(session, question, now):
    """Seconds remaining on the current question by the server's clock (never negative)."""
    return _seconds_left(session.question_started_at, question.time_limit_seconds, now)


def _seconds_left(started_at, time_limit_seconds, now):
    if started_at is None:
        return time_limit_seconds
    deadline = started_at + timedelta(seconds=time_limit_seconds)
    return max(int((deadline - now).total_seconds()), 0)


# What a heartbeat decides by, in one row: the session's state, the tab holding it, and its
# current question with that question's clock.
HEARTBEAT_BY_KEY = LoneSelect(
    select(
        InterviewSession.status, InterviewSession.active_client_id, InterviewSession.question_started_at,
        InterviewQuestion.id, InterviewQuestion.time_limit_seconds,
    )
    .outerjoin(InterviewQuestion, (InterviewQuestion.session_id == InterviewSession.id)
               & (InterviewQuestion.position == InterviewSession.current_question_index))
    .where(InterviewSession.session_key == bindparam("key"))
)


def heartbeat_changes_nothing(session_key, shown_question_id, client_id, now):
    """True when a question page's heartbeat has nothing to change: its tab still holds the
    interview, on the question it shows, with time left. One SELECT, no ORM entity, no transaction.

    False means "look closer" (unknown key, takeover, time up, a newer question, the end): the
    caller then takes the full path, which decides and records under lock.
    """
    if not portal.well_formed(session_key):
        return False
    row = HEARTBEAT_BY_KEY.first(portal.read_engine(), {"key": session_key})
    if row is None:
        return False
    status, active_client_id, started_at, question_id, time_limit_seconds = row
    return (
        status == SessionStatus.IN_PROGRESS.value
        and question_id is not None and str(question_id) == shown_question_id
        and (not active_client_id or client_id == active_client_id)
        and _seconds_left(started_at, time_limit_seconds, now + timedelta(seconds=-SUBMIT_GRACE_SECONDS)) > 0
    )


def question_view(session, now):
    """The current question as the API and the portal page present it."""
    question = current_question(session)
    if question is None:
        return None
    return {
        "question_id": str(question.id),
        "question": question.text,
        "index": question.position,
        "number": question.position + 1,
        "total": len(session.questions),
        "time_limit": question.time_limit_seconds,
        "seconds_left": seconds_left(session, question, now),
        "type": question.kind,
        "starter_code": question.starter_code,
        "coding_language": session.coding_language,
    }


def _snapshot(session):
    """The session's column values, detached from the database: what a question plan reads."""
    return SimpleNamespace(**{attr.key: getattr(session, attr.key) for attr in sa_inspect(session).mapper.column_attrs})


@one_transaction
def start_interview(session, now, client_id=None, audio_consent=False):
    """Open the interview (plan built once) and hand it to `client_id`'s tab; idempotent.

    `audio_consent` records the candidate's consent to voice recordings (asked before starting).
    """
    _refuse_unless_open(session, now)
    planned = None
    to_plan = session.status == SessionStatus.SCHEDULED.value
    if to_plan and llm_configured():
        # Plan before taking the lock: the LLM may take seconds, and no transaction (or pooled
        # connection) should wait on it. A racing tab may plan too; only one plan is stored.
        # The bank's plan takes a millisecond: it is made under the lock.
        snapshot = _snapshot(session)
        db.session.rollback()
        planned = plan_questions(snapshot)
    lock_session(session)
    # What is decided and changed below, re-read in one SELECT (the planning texts only if needed).
    _reload_with_questions(session, joinedload(InterviewSession.interview), *([undefer_group("planning")] if to_plan and not planned else []))
    # Decided again under the lock: a cancellation, reschedule or expiry may have come first.
    _refuse_unless_open(session, now)
    if session.status == SessionStatus.SCHEDULED.value:
        analysis, plan = planned or plan_questions(session)
        session.keyword_analysis = analysis
        for position, item in enumerate(plan):
            session.questions.append(InterviewQuestion(position=position, answer=None, **item))  # known unanswered: no lazy load
        session.status = SessionStatus.IN_PROGRESS.value
        session.started_at = session.question_started_at = now
        session.current_question_index = 0
        if session.interview is not None:
            session.interview.status = InterviewStatus.IN_PROGRESS.value
            audit.record("interview.started", session.interview)
    if client_id:
        session.active_client_id = client_id  # the later tab takes over
    if audio_consent and session.audio_consent_at is None:
        session.audio_consent_at = now
        audit.record("session.audio_consent", session)  # history; the column decides
    _commit_keeping_loaded()
    close_timed_out_question(session, now)
    return session


def _commit_keeping_loaded():
    """Commit without expiring what is loaded: the page shown next shows what this commit wrote,
    and re-reading the session, its questions and answers for it would be a SELECT for nothing."""
    orm_session = db.session()
    expire_on_commit, orm_session.expire_on_commit = orm_session.expire_on_commit, False
    try:
        orm_session.commit()
    finally:
        orm_session.expire_on_commit = expire_on_commit


def _reload_with_questions(session, *options):
    """Re-read the session with its questions and their answers (and `options`' loads) in one
    SELECT; returns its questions."""
    session_id = sa_inspect(session).identity[0]  # not session.id: that would load the expired row by itself first
    db.session.execute(
        select(InterviewSession).where(InterviewSession.id == session_id)
        .options(joinedload(InterviewSession.questions).joinedload(InterviewQuestion.answer), *options)
        .execution_options(populate_existing=True)
    ).unique().one()
    return session.questions


def _refuse_unless_open(session, now):
    """Raise unless the session is inside its window or already in progress (the portal's state)."""
    state = portal.portal_state(session, now)
    if state == portal.INTERVIEW:
        return
    if state == portal.COMPLETED:
        raise AlreadyFinished()
    error = NotOpen(NOT_OPEN_MESSAGES[state])
    error.status = 403 if state == portal.COUNTDOWN else 410
    raise error


def audio_consented(session):
    """True once the candidate agreed to voice answers being recorded."""
    return session.audio_consent_at is not None


def check_client(session, client_id):
    """Refuse a tab that is no longer the one holding the interview."""
    if session.active_client_id and client_id != session.active_client_id:
        raise TakenOver()


def _move_on(session, now):
    session.current_question_index += 1
    session.question_started_at = now
    if current_question(session) is None:
        finish_interview(session, now)


def _question_closes(session, now):
    """True when the interview must move on by itself: all answered, or the current question's time is up."""
    if session.status != SessionStatus.IN_PROGRESS.value:
        return False
    question = current_question(session)
    return question is None or (
        question.answer is None and seconds_left(session, question, now + timedelta(seconds=-SUBMIT_GRACE_SECONDS)) <= 0
    )


def close_timed_out_question(session, now):
    """Record the current question as timed out once its limit (plus grace) has passed; commits."""
    if not _question_closes(session, now):
        return False
    lock_session(session)
    if not _question_closes(session, now):  # an answer, or another request's close, came first
        db.session.commit()
        return False
    question = current_question(session)
    if question is None:
        finish_interview(session, now)
        db.session.commit()
        return True
    db.session.add(InterviewAnswer(
        question=question, session_id=session.id, submitted_at=now, seconds_taken=question.time_limit_seconds,
        timed_out=True, keyword_coverage=keyword_coverage(question.expected_points, ""),
    ))
    _move_on(session, now)
    db.session.commit()
    return True


def _check_sizes(text, code, audio):
    if len(text) > ANSWER_MAX_CHARS:
        raise AnswerTooLarge(f"The answer is too long ({len(text):,} characters); the limit is {ANSWER_MAX_CHARS:,}.")
    if len(code) > CODE_MAX_CHARS:
        raise AnswerTooLarge(f"The code is too long ({len(code):,} characters); the limit is {CODE_MAX_CHARS:,}.")
    if audio is None:
        return None
    declared = (audio.mimetype or "").lower()
    declared = AUDIO_TYPE_ALIASES.get(declared, declared)
    if declared not in AUDIO_EXTENSIONS:
        raise BadAnswer("The recording is not an audio file this site accepts.")
    data = audio.stream.read(current_app.config["AUDIO_MAX_BYTES"] + 1)
    if len(data) > current_app.config["AUDIO_MAX_BYTES"]:
        raise AnswerTooLarge(f"The recording is too large; the limit is {current_app.config['AUDIO_MAX_BYTES'] // (1024 * 1024)} MB.")
    if not data:
        return None
    if sniff_audio(data) != declared:
        raise BadAnswer("The recording's content is not the audio it claims to be; please record it again.")
    return data, declared


def sniff_audio(data):
    """The audio container the bytes are, by their magic numbers (a content type), or None."""
    if data.startswith(b"\x1aE\xdf\xa3"):  # EBML: WebM (MediaRecorder in Chromium)
        return "audio/webm"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data[4:8] == b"ftyp":  # ISO base media: MP4/M4A (Safari)
        return "audio/mp4"
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):  # MPEG frame sync
        return "audio/mpeg"
    return None


def audio_folder():
    return Path(current_app.config["UPLOAD_FOLDER"]) / "audio"


@one_transaction
def submit_answer(session, *, question_id, text="", code="", audio=None, client_id=None, now):
    """Store the answer to the current question and move on; a repeat of a stored answer is a no-op.

    Returns True when this call stored the answer, False for an idempotent repeat.
    """
    if session.status != SessionStatus.COMPLETED.value:  # a completed one still takes repeats of its last answer
        _refuse_unless_open(session, now)
        if session.status != SessionStatus.IN_PROGRESS.value:
            raise NotOpen("The interview has not started.")
    text, code = (text or "").replace("\r\n", "\n"), (code or "").replace("\r\n", "\n")
    lock_session(session)
    question = next((q for q in _reload_with_questions(session) if q.id == question_id), None)
    if question is None:
        raise BadAnswer("That question is not part of this interview.")
    if question.answer is not None:
        if not question.answer.timed_out and question.answer.text == text.strip() and question.answer.code == code:
            db.session.commit()  # nothing to store; ends the transaction and its lock
            return False
        raise (TimeUp() if question.answer.timed_out else NotCurrent("That question was already answered."))
    if session.status != SessionStatus.IN_PROGRESS.value:  # completed (or expired) while waiting for the lock
        raise AlreadyFinished() if session.status == SessionStatus.COMPLETED.value else NotOpen("The interview has ended.")
    check_client(session, client_id)
    if question.position != session.current_question_index:
        raise NotCurrent()
    if close_timed_out_question(session, now):
        raise TimeUp()
    if audio is not None and not audio_consented(session):
        raise BadAnswer("Voice answers need your consent to recording, given before the interview starts.")
    recording = _check_sizes(text, code, audio)
    answer = InterviewAnswer(
        question=question, session_id=session.id, text=text.strip(), code=code, submitted_at=now,
        seconds_taken=question.time_limit_seconds - seconds_left(session, question, now),
        keyword_coverage=keyword_coverage(question.expected_points, f"{text}\n{code}"),
    )
    saved_audio = None
    if recording is not None:  # the file first, complete or not at all; the commit after it
        data, content_type = recording
        try:
            saved_audio = storage.write_file(audio_folder(), f"{secrets.token_hex(16)}.{AUDIO_EXTENSIONS[content_type]}", data)
        except storage.StorageError as exc:
            db.session.rollback()
            raise StorageUnavailable(exc) from None
        answer.audio_stored_name, answer.audio_content_type = saved_audio.name, content_type
    db.session.add(answer)
    _move_on(session, now)
    try:
        _commit_keeping_loaded()
    except Exception:
        db.session.rollback()
        if saved_audio is not None:
            storage.remove_file(saved_audio)
        raise
    return True


def finish_interview(session, now):
    """Session and interview completed, candidate interviewed, recruiter told (caller commits)."""
    session.status = SessionStatus.COMPLETED.value
    session.ended_at = now
    session.question_started_at = None
    interview = session.interview
    if interview is None:
        return
    interview.status = InterviewStatus.COMPLETED.value
    if interview.candidate.status == CandidateStatus.SCHEDULED.value:
        interview.candidate.status = CandidateStatus.INTERVIEWED.value
    notifications.queue_completion_notice(interview)
    audit.record("interview.completed", interview)
