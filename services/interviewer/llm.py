"""The optional LLM provider (an OpenAI-compatible chat endpoint) and the choice between its plan and the bank's.

Any failure or timeout of the provider falls back to the bank.
"""

import json
import logging
import re
import urllib.error
import urllib.request

from flask import current_app

from models import InterviewType
from services import labels
from services.interviewer.keywords import analyse_keywords
from services.interviewer.question_bank import QUESTION_KINDS, offline_plan

log = logging.getLogger(__name__)


def _llm_prompt(session, analysis):
    kind = "coding-focused" if session.interview_type == InterviewType.CODING else "technical"
    return (
        f'Write a {kind} interview plan of 6 to 10 questions as JSON: {{"questions": [{{"kind": one of '
        f'{list(QUESTION_KINDS)}, "text": str, "expected_points": [str], "time_limit_seconds": int, '
        f'"starter_code": str}}]}}. Start with an intro and end with a closing question. Include at least one '
        f"coding task in {labels.LANGUAGES.get(session.coding_language)} with starter code.\n\n"
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
        plan.append(
            {
                "kind": item["kind"],
                "text": str(item["text"]).strip()[:2000],
                "expected_points": [str(p)[:200] for p in points][:10] if isinstance(points, list) else [],
                "time_limit_seconds": min(max(int(item.get("time_limit_seconds") or 180), 60), 1800),
                "starter_code": str(item.get("starter_code") or "")[:5000],
                "source": "llm",
            }
        )
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
    body = json.dumps(
        {
            "model": config["LLM_MODEL"],
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": "You are a careful technical interviewer. Reply with JSON only."},
                {"role": "user", "content": _llm_prompt(session, analysis)},
            ],
        }
    ).encode()
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
    analysis = {
        **(session.keyword_analysis or {}),
        **analyse_keywords(session.job_description, session.resume_text, session.coding_language),
    }
    plan = llm_plan(session, analysis)
    analysis["provider"] = "llm" if plan else "offline"
    return analysis, plan or offline_plan(session, analysis)
