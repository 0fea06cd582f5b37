"""The candidate portal behind `/?session_key=…` (and `/interview/?session_key=…`).

Every view here looks a session key up; key_guard's per-IP limit, which only unknown keys use up,
makes guessing keys slow while a candidate's own page never runs into it.
"""

import json

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from blueprints.api.operations import operation
from blueprints.portal import bp, key_guard
from blueprints.web import form_status, is_htmx, render_page_or_fragment
from extensions import csrf
from services import labels, portal, scheduling, timeutil
from services.errors import InputError, ServiceError
from services.interviewer import errors as interview_errors
from services.interviewer import session_flow
from services.schemas.portal import (
    ANSWER_ERRORS,
    INVALID,
    START_ERRORS,
    AiAnswer,
    AiAnswerResult,
    AiQuestion,
    AiStart,
    AiVoiceAnswer,
)
from services.validation import parse_uuid

# The stage shows templates/portal/_<view>.html, except that the two views before the interview
# (counting down, then the start form) share one.
STAGE_PARTIALS = {"countdown": "before_start", "precheck": "before_start"}
TAG = "Interviews"  # the API description's group for the /ai/ calls

bp.before_request(key_guard.refuse_guessers)
bp.after_request(key_guard.count_failed_lookup)


def _session_key():
    """The key from the query, the form, or a JSON body."""
    key = request.values.get("session_key")
    if key is None:
        key = _json_body().get("session_key")
    return key if isinstance(key, str) else None


def _json_body():
    """The request's JSON object ({} when there is none)."""
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else {}


def _keyed_session():
    """The session an /ai/ call names, looked up before its body is read: no key is a 400, an unknown one a 404."""
    key = _session_key()
    if not key:
        raise InputError({"session_key": "This field is required."}, message="session_key is required")
    return _session_or_404(key)


KEYED_SESSION = {"session": _keyed_session}


def _api_refusal(exc, session, now):
    return jsonify(error=exc.message, code=exc.code, state=portal.state_at(session, now)), exc.status


def _session_or_404(key):
    """The session for `key`; unknown and malformed keys get the same 404."""
    session = portal.find_session(key)
    if session is None:
        abort(404)
    return session


def _viewed_session_or_404(key, now):
    """For a plain page view: the session, or its read-only summary when viewing changes nothing."""
    session = portal.session_for_view(key, now)
    if session is None:
        abort(404)
    return session


def _stage_context(session, now, notice=None, view=None):
    """What the portal's stage shows for `session` (or its summary) at `now` (records an expiry it notices)."""
    state = portal.portal_state(session, now)
    if session_flow.close_timed_out_question(session, now):
        state = portal.portal_state(session, now)
    if view is None:
        if state == portal.INTERVIEW:
            view = "question" if session.status == "in_progress" else "precheck"
        else:
            view = state
    config = current_app.config
    opens_at, _ = portal.window(session)
    return {
        "state": state,
        "view": view,
        "partial": f"portal/_{STAGE_PARTIALS.get(view, view)}.html",
        "session": session,
        "session_key": session.session_key,
        "notice": notice,
        "question": session_flow.question_view(session, now) if view == "question" else None,
        "seconds_until_open": portal.seconds_until(opens_at, now),
        "early_join_seconds": config["EARLY_JOIN_SECONDS"],
        "grace_minutes": config["GRACE_MINUTES"],
        "resync_seconds": config["PORTAL_RESYNC_SECONDS"],
        "heartbeat_seconds": config["PORTAL_HEARTBEAT_SECONDS"],
        "prism_language": session_flow.PRISM_LANGUAGES.get(session.coding_language, "none"),
        "audio_consent": view == "question" and session_flow.audio_consented(session),
        "language_name": labels.LANGUAGES.get(session.coding_language, session.coding_language),
        "display_zone": config["DISPLAY_TIMEZONE"],
        "audio_max_mb": config["AUDIO_MAX_BYTES"] // (1024 * 1024),
        # A missed interview offers "pick a new time" when its job allows a retake (one query, expired pages only).
        "retakes_left": scheduling.retakes_left(session.session_key, now) if state == portal.EXPIRED else 0,
    }


def _render_stage(context, headers=None):
    """The portal page, or for htmx just the #portal-stage fragment it swaps; 422 when a posted
    action was refused (its notice says why)."""
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return render_page_or_fragment(
        "portal/portal.html", "portal/_stage.html", status=form_status(context["notice"]), headers=headers, **context
    )


@bp.get("/")
@bp.get("/interview/")
def index():
    """A session key opens the portal; otherwise staff go to the dashboard, others to sign-in."""
    key = request.args.get("session_key")
    if key is None:
        if current_user.is_authenticated:
            return redirect(url_for("interviews.dashboard"))
        return redirect(url_for("auth.login"))
    now = timeutil.now()
    return _render_stage(_stage_context(_viewed_session_or_404(key, now), now))


@bp.get("/interview/stage")
def stage():
    """The stage fragment: the countdown's resync, and the question page's heartbeat.

    A heartbeat (with question_id) answers 204 while its tab still holds the same question; that
    is decided from one row, and only a heartbeat with something to change loads the session.
    """
    now = timeutil.now()
    shown_question = request.args.get("question_id")
    if shown_question is None:  # the countdown's resync
        return _render_stage(_stage_context(_viewed_session_or_404(_session_key(), now), now))
    key, client_id = request.args.get("session_key"), session_flow.valid_client_id(request.args.get("client_id"))
    if session_flow.heartbeat_changes_nothing(key, shown_question, client_id, now):
        return "", 204
    session = _session_or_404(key)
    if session.active_client_id and client_id != session.active_client_id:
        return _render_stage(_stage_context(session, now, view="taken_over"))
    session_flow.close_timed_out_question(session, now)
    current = session_flow.current_question(session)
    if session.status == "in_progress" and current is not None and str(current.id) == shown_question:
        return "", 204
    return _render_stage(_stage_context(session, now))


@bp.post("/interview/retake")
def retake():
    """From a missed interview's expired page: a new scheduling link, when the job allows a retake."""
    key = _session_key()
    try:
        token = scheduling.start_retake(key)
    except ServiceError as refusal:
        if refusal.code == scheduling.DeadLink.code:
            abort(404)
        # No retake left (or the role closed meanwhile): the expired page says whom to ask.
        return redirect(url_for("portal.index", session_key=key), 303)
    return redirect(url_for("schedule.show", token=token), 303)


@bp.post("/interview/start")
def start():
    """Start (or resume, taking over from another tab) and show the current question."""
    session = _session_or_404(_session_key())
    now = timeutil.now()
    notice = None
    try:
        # Recording needs the page's JavaScript, so only an htmx start records consent to it.
        session_flow.start_interview(
            session,
            now,
            session_flow.valid_client_id(request.form.get("client_id")),
            audio_consent=is_htmx() and request.form.get("audio_consent") == "yes",
        )
    except ServiceError as refusal:
        notice = refusal.message
    if not is_htmx():  # the portal page shows where the interview stands
        return redirect(url_for("portal.index", session_key=session.session_key), 303)
    # Replaces #portal-stage with the first (or current) question.
    return _render_stage(_stage_context(session, now, notice=notice))


@bp.post("/interview/answer")
def answer():
    """Store the answer to the current question; htmx gets the next question (or the end)."""
    session = _session_or_404(_session_key())
    now = timeutil.now()
    question_id = parse_uuid(request.form.get("question_id"))
    notice, view, headers = None, None, {}
    try:
        session_flow.submit_answer(
            session,
            question_id=question_id,
            text=request.form.get("text", ""),
            code=request.form.get("code", ""),
            audio=request.files.get("audio") or None,
            client_id=session_flow.valid_client_id(request.form.get("client_id")),
            now=now,
        )
        headers["HX-Trigger"] = json.dumps({"answer-saved": {"question_id": str(question_id)}})
    except ServiceError as refusal:
        if refusal.code == interview_errors.TakenOver.code:
            view = "taken_over"
        else:
            notice = refusal.message
        if refusal.code == interview_errors.TimeUp.code:
            headers["HX-Trigger"] = json.dumps({"answer-saved": {"question_id": str(question_id)}})
    if not is_htmx():
        return redirect(url_for("portal.index", session_key=session.session_key), 303)
    # Replaces #portal-stage: the next question, the same one with a notice, or the end.
    return _render_stage(_stage_context(session, now, notice=notice, view=view), headers)


@csrf.exempt
@operation(
    "POST",
    "/ai/start",
    blueprint=bp,
    summary="Start (or resume) the interview and get the current question (idempotent)",
    tag=TAG,
    public=True,
    load=KEYED_SESSION,
    body=AiStart,
    body_optional=True,
    invalid=INVALID,
    response=AiQuestion,
    errors=START_ERRORS,
)
def ai_start(session, body):
    """JSON: open the interview and return the current question (idempotent)."""
    now = timeutil.now()
    try:
        session_flow.start_interview(session, now, body.client_id, audio_consent=body.audio_consent)
    except interview_errors.InterviewError as exc:
        return _api_refusal(exc, session, now)
    view = session_flow.question_view(session, now)
    if view is None:
        return jsonify(
            error=interview_errors.AlreadyFinished.message, code=interview_errors.AlreadyFinished.code, state=portal.COMPLETED
        ), 409
    return AiQuestion(status=session.status, **view)


@csrf.exempt
@operation(
    "POST",
    "/ai/answer",
    blueprint=bp,
    summary="Answer the current question; returns the next one, or `status: completed` after the last",
    tag=TAG,
    public=True,
    load=KEYED_SESSION,
    body=AiAnswer,
    body_optional=True,
    multipart=AiVoiceAnswer,
    invalid=INVALID,
    response=AiAnswerResult,
    errors=ANSWER_ERRORS,
)
def ai_answer(session, body):
    """JSON: store the answer to the current question; returns the next question, or the end.

    A repeat of a stored answer is a no-op (`saved: false`) that still returns where the interview is.
    """
    now = timeutil.now()
    try:
        saved = session_flow.submit_answer(
            session,
            question_id=body.question_id,
            text=body.text,
            code=body.code,
            audio=request.files.get("audio") or None,
            client_id=body.client_id,
            now=now,
        )
    except interview_errors.InterviewError as exc:
        return _api_refusal(exc, session, now)
    return AiAnswerResult(saved=saved, status=session.status, **(session_flow.question_view(session, now) or {}))


@bp.app_template_filter("mmss")
def minutes_seconds(seconds):
    """`seconds` as M:SS (or H:MM:SS past an hour) for timers."""
    seconds = max(int(seconds or 0), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("time_until")
def time_until(seconds):
    """How long until something, as a person says it: "5 days, 1 h", "3 h 12 min", then M:SS.

    static/portal.js's formatUntil words it the same way as it counts down.
    """
    seconds = max(int(seconds or 0), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f", {hours} h" if hours else "")
    if hours:
        return f"{hours} h {rest // 60} min"
    return minutes_seconds(seconds)
