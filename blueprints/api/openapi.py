"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json and rendered at /api/docs.

Kept as Python data so the repeated parts (errors, ids, pagination) are written once. A test fails
when a route under /api/ (or /ai/) is missing here, and schemathesis checks every response
against it.
"""
from copy import deepcopy

from flask import jsonify, render_template
from flask_login import login_required

from blueprints.api import bp
from models import CandidateStatus, CodingLanguage, InterviewStatus, InterviewType, SlotStatus

UUID = {"type": "string", "format": "uuid"}
NULLABLE_STRING = {"type": ["string", "null"]}
INSTANT = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601 with Z"}
EMAIL_SENT_TEXT = (
    "true when the invitation was delivered, or is queued (or retrying) for a configured SMTP server; "
    "false when no SMTP server is configured, delivery failed or there is no invitation"
)
EMAIL_STATUS_TEXT = (
    "The invitation's outbox state: sent, queued, sending, retrying (a try failed, it is tried again), "
    "unconfigured (no SMTP server; it waits), failed (given up) or cancelled"
)
DATE = {"type": "string", "format": "date", "examples": ["2030-01-21"]}
CLOCK = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["10:00"]}

ERROR_TEXT = {
    400: "Bad input; `fields` names what is wrong with each field",
    401: "No or bad token",
    403: "Not allowed for this user's role",
    404: "Unknown or malformed id",
    409: "Conflict: the slot is full, cancelled or past, the booking overlaps another, or a booked slot is moved without "
         "confirm; the candidate already has an interview for this job (`code` already_scheduled, its `interview_id`); "
         "or another request changed the interview first (`code` changed_meanwhile; nothing was changed)",
    413: "The upload is too large",
    429: "Too many requests",
    503: "Storage is unavailable (the upload folder cannot be written); nothing was saved, try again later",
    507: "Storage is full; nothing was saved, try again later",
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(summary, responses, *, errors=(), body=None, params=(), tag, public=False, multipart=None):
    """One operation: its success responses plus the documented error codes (all `Error` bodies)."""
    op = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    for code in (*errors, *(() if public else (401,))):
        op["responses"][str(code)] = json_body(ref("Error"), ERROR_TEXT[code])
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if multipart is not None:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": multipart}}}
    if params:
        op["parameters"] = list(params)
    if public:
        op["security"] = []
    return op


def path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": "A UUID"}


def query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def page_of(item):
    return {
        "type": "object",
        "required": ["results", "count", "count_capped", "page", "pages", "next"],
        "properties": {
            "results": {"type": "array", "items": ref(item)},
            "count": {"type": "integer", "minimum": 0, "maximum": 10000, "description": "Rows in the list, counted up to 10,000"},
            "count_capped": {"type": "boolean", "description": "True when there are more than `count` rows"},
            "page": {"type": ["integer", "null"], "minimum": 1, "description": "Null on a page reached by `cursor`"},
            "pages": {"type": "integer", "minimum": 1},
            "next": {**NULLABLE_STRING, "description": "The next page (with `cursor` on lists that have cursors)"},
        },
    }


PAGING = (
    query("page", {"type": "integer", "minimum": 1}, "Page number, from 1 (while page × page_size stays within 10,000 rows)"),
    query("page_size", {"type": "integer", "minimum": 1, "maximum": 100}, "Rows per page (default 20)"),
)
CURSOR = query("cursor", {"type": "string"}, "From a `next` link: the page after its row (any depth, same cost)")

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "code": {
                "type": "string",
                "description": "/ai/ refusals: not_open, completed, taken_over, not_current, time_up, too_large, bad_input; "
                               "interview changes: already_scheduled, changed_meanwhile",
            },
            "interview_id": {**UUID, "description": "already_scheduled: the candidate's open interview for the job"},
            "state": {"enum": ["countdown", "interview", "expired", "completed", "cancelled"], "description": "/ai/ refusals: the portal's state"},
            "interviews_to_move": {"type": "integer", "minimum": 1, "description": "Moving a booked slot without confirm: how many interviews would move"},
        },
    },
    "Me": {
        "type": "object",
        "required": ["user"],
        "properties": {
            "user": {
                "type": "object",
                "required": ["id", "email", "role"],
                "properties": {"id": UUID, "email": {"type": "string"}, "role": {"enum": ["admin", "recruiter"]}},
            }
        },
    },
    "SlotInput": {
        "type": "object",
        "required": ["job_id", "interview_date", "start_time", "end_time"],
        "properties": {
            "job_id": UUID,
            "interview_date": DATE,
            "start_time": CLOCK,
            "end_time": CLOCK,
            "max_candidates": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
            "ai_interview_type": {"enum": InterviewType.values(), "default": "technical"},
            "timezone": {"type": "string", "description": "IANA zone of the date and times (default Asia/Kolkata)"},
            "allow_overlap": {"type": "boolean", "description": "Create even when it overlaps another slot of the job"},
        },
    },
    "SlotUpdate": {
        "type": "object",
        "properties": {
            "max_candidates": {"type": "integer", "minimum": 1, "maximum": 100},
            "ai_interview_type": {"enum": InterviewType.values()},
            "interview_date": {**DATE, "description": "Moves the slot; omitted (or null) keeps the current date in `timezone`"},
            "start_time": {**CLOCK, "description": "Moves the slot; omitted (or null) keeps the current start"},
            "end_time": {**CLOCK, "description": "Moves the slot; omitted (or null) keeps the current end"},
            "timezone": {"type": "string", "description": "IANA zone of the date and times sent and answered (default Asia/Kolkata)"},
            "confirm": {"type": "boolean", "default": False, "description": "Move a booked slot: its interviews move too (same links) and each candidate is e-mailed"},
            "allow_overlap": {"type": "boolean", "default": False, "description": "Move even when it overlaps another slot of the job"},
        },
        "additionalProperties": True,
        "description": "Only the fields sent change (PUT too). Any other field (seed 002's frontend sent current_bookings "
        "and status; seats move only by booking) is ignored and named in ignored_fields",
    },
    "Slot": {
        "type": "object",
        "required": ["id", "job_id", "interview_date", "start_time", "end_time", "start_at", "end_at", "max_candidates", "current_bookings", "status"],
        "properties": {
            "id": UUID,
            "job_id": UUID,
            "job_title": {"type": "string"},
            "interview_date": DATE,
            "start_time": CLOCK,
            "end_time": CLOCK,
            "timezone": {"type": "string"},
            "start_at": INSTANT,
            "end_at": INSTANT,
            "ai_interview_type": {"enum": InterviewType.values()},
            "max_candidates": {"type": "integer"},
            "current_bookings": {"type": "integer", "minimum": 0},
            "seats_left": {"type": "integer", "minimum": 0},
            "status": {"enum": SlotStatus.values()},
            "state": {"enum": ["available", "full", "cancelled", "past"]},
            "ignored_fields": {"type": "array", "items": {"type": "string"}, "description": "PUT/PATCH: fields sent that were ignored"},
            "moved_interviews": {"type": "array", "items": UUID, "description": "PUT/PATCH: interviews that moved with the slot"},
        },
    },
    "Interview": {
        "type": "object",
        "required": ["id", "candidate_id", "job_id", "slot_id", "status", "session_key", "interview_link"],
        "properties": {
            "id": UUID,
            "candidate_id": UUID,
            "job_id": UUID,
            "slot_id": {"type": ["string", "null"], "format": "uuid"},
            "status": {"enum": InterviewStatus.values()},
            "started_at": INSTANT,
            "ended_at": INSTANT,
            "session_key": NULLABLE_STRING,
            "interview_link": NULLABLE_STRING,
            "booking_notes": {"type": "string"},
            "email_status": {**NULLABLE_STRING, "description": EMAIL_STATUS_TEXT},
            "email_sent": {"type": "boolean", "description": EMAIL_SENT_TEXT},
        },
    },
    "BookedInterview": {
        "allOf": [{"$ref": "#/components/schemas/Interview"}, {"$ref": "#/components/schemas/InterviewSessionLink"}],
        "description": "An interview with seed 001's session and link fields",
    },
    "InterviewSessionLink": {
        "type": "object",
        "description": "The response of create_interview_session, field for field as the older system answered",
        "required": ["success", "interview_link", "session_key", "session_id", "candidate_name", "candidate_email", "scheduled_at", "coding_language", "email_sent"],
        "properties": {
            "success": {"const": True},
            "interview_link": {"type": "string"},
            "session_key": {"type": "string"},
            "session_id": UUID,
            "candidate_name": {"type": "string"},
            "candidate_email": {"type": "string"},
            "scheduled_at": INSTANT,
            "coding_language": {"enum": CodingLanguage.values()},
            "email_sent": {"type": "boolean", "description": EMAIL_SENT_TEXT},
        },
    },
}

JOB_FIELDS = {
    "job_title": {"type": "string", "minLength": 1, "maxLength": 200},
    "company_name": {"type": "string", "minLength": 1, "maxLength": 200},
    "job_description": {"type": "string"},
    "coding_language": {"enum": CodingLanguage.values(), "default": "PYTHON"},
    "domain": {"type": ["string", "null"], "maxLength": 80, "description": "A domain's name: picked when it exists (any case), else created"},
    "domain_id": {"type": ["string", "null"], "format": "uuid", "description": "Or pick an existing domain by id"},
    "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 480, "default": 30},
    "tech_stack_details": {"type": ["string", "null"], "description": "Legacy, optional"},
}
CANDIDATE_FIELDS = {
    "full_name": {"type": "string", "minLength": 1, "maxLength": 200},
    "email": {"type": "string", "format": "email", "description": "Stored lower-case; unique per job"},
    "phone": {"type": "string", "maxLength": 40},
    "work_experience": {"type": ["integer", "null"], "minimum": 0, "maximum": 70, "description": "Years"},
    "domain": {"type": ["string", "null"], "maxLength": 80, "description": "An existing domain's name (any case); only admins may name a new one"},
    "status": {"enum": CandidateStatus.values(), "default": "new"},
    "job_id": UUID,
}
SCHEMAS.update(
    {
        "JobInput": {"type": "object", "required": ["job_title", "company_name"], "properties": JOB_FIELDS},
        "JobUpdate": {"type": "object", "properties": JOB_FIELDS, "description": "Only the fields sent change (PUT too)"},
        "Job": {
            "type": "object",
            "required": ["id", "job_title", "company_name", "job_description", "coding_language", "duration_minutes", "archived"],
            "properties": {
                "id": UUID,
                **JOB_FIELDS,
                "job_description": {"type": "string"},
                "archived": {"type": "boolean"},
                "archived_at": INSTANT,
                "created_at": INSTANT,
                "updated_at": INSTANT,
            },
        },
        "CandidateInput": {"type": "object", "required": ["full_name", "email", "job_id"], "properties": CANDIDATE_FIELDS},
        "CandidateUpdate": {"type": "object", "properties": CANDIDATE_FIELDS, "description": "Only the fields sent change"},
        "Resume": {
            "type": ["object", "null"],
            "required": ["id", "original_filename", "content_type", "size_bytes", "has_text"],
            "properties": {
                "id": UUID,
                "original_filename": {"type": "string"},
                "content_type": {"type": "string"},
                "size_bytes": {"type": "integer", "minimum": 1},
                "sha256": {"type": "string"},
                "has_text": {"type": "boolean"},
                "uploaded_at": INSTANT,
                "parsed_text": {"type": "string", "description": "Extracted on upload; left out of lists"},
            },
        },
        "Candidate": {
            "type": "object",
            "required": ["id", "full_name", "email", "status", "job_id", "resume"],
            "properties": {
                "id": UUID,
                "full_name": {"type": "string"},
                "email": {"type": "string"},
                "phone": {"type": "string"},
                "work_experience": {"type": ["integer", "null"]},
                "domain": NULLABLE_STRING,
                "status": {"enum": CandidateStatus.values()},
                "job_id": UUID,
                "job_title": {"type": "string"},
                "resume": ref("Resume"),
                "warning": {"type": "string", "description": "Set when the uploaded resume has no extractable text"},
                "created_at": INSTANT,
                "updated_at": INSTANT,
            },
        },
    }
)

TAG_SLOTS, TAG_INTERVIEWS, TAG_META = "Slots", "Interviews", "Meta"
SLOT_ID, INTERVIEW_ID = path_id("slot_id"), path_id("interview_id")
INTERVIEW_ID_BODY = {"type": "object", "required": ["interview_id"], "properties": {"interview_id": UUID}}

PATHS = {
    "/api/openapi.json": {
        "get": operation("This description (no token needed)", {"200": json_body({"type": "object"})}, tag=TAG_META, public=True),
    },
    "/api/": {
        "get": operation("Who the token belongs to", {"200": json_body(ref("Me"))}, tag=TAG_META),
    },
    "/api/interviews/slots/": {
        "get": operation(
            "Slots, soonest first, paginated; without `from` and `to`, from today on",
            {"200": json_body(page_of("Slot"))},
            errors=(400, 404),
            params=(
                query("job_id", UUID, "Only this job's slots"),
                query("status", {"enum": SlotStatus.values()}, "Only slots with this status"),
                query("from", DATE, "From this day (in the zone)"),
                query("to", DATE, "Before this day (in the zone)"),
                query("timezone", {"type": "string"}, "Zone of the dates and times in the answer"),
                *PAGING,
                CURSOR,
            ),
            tag=TAG_SLOTS,
        ),
        "post": operation(
            "Create a slot (times in IST unless `timezone`)",
            {"201": json_body(ref("Slot"), "Created")},
            errors=(400, 409),
            body=ref("SlotInput"),
            tag=TAG_SLOTS,
        ),
    },
    "/api/interviews/slots/{slot_id}/": {
        "get": operation("One slot", {"200": json_body(ref("Slot"))}, errors=(404,), params=(SLOT_ID,), tag=TAG_SLOTS),
        "put": operation(
            "Change capacity (never below the bookings), type or time (a booked slot moves with confirm: true)",
            {"200": json_body(ref("Slot"))},
            errors=(400, 404, 409),
            body=ref("SlotUpdate"),
            params=(SLOT_ID,),
            tag=TAG_SLOTS,
        ),
        "patch": operation(
            "Same as PUT", {"200": json_body(ref("Slot"))}, errors=(400, 404, 409), body=ref("SlotUpdate"), params=(SLOT_ID,), tag=TAG_SLOTS
        ),
    },
    "/api/interviews/slots/{slot_id}/cancel/": {
        "post": operation(
            "Cancel the slot and every booking in it (candidates are told)",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["slot", "cancelled_interviews"],
                        "properties": {"slot": ref("Slot"), "cancelled_interviews": {"type": "array", "items": UUID}},
                    }
                )
            },
            errors=(404, 409),
            params=(SLOT_ID,),
            tag=TAG_SLOTS,
        ),
    },
    "/api/interviews/slots/{slot_id}/book_slot/": {
        "post": operation(
            "Book an interview into this slot",
            {"201": json_body(ref("Interview"), "Booked; the invitation is queued")},
            errors=(400, 404, 409),
            body={**INTERVIEW_ID_BODY, "properties": {"interview_id": UUID, "booking_notes": {"type": "string"}}},
            params=(SLOT_ID,),
            tag=TAG_SLOTS,
        ),
    },
    "/api/interviews/": {
        "post": operation(
            "An interview for a candidate of a job: pending (book it next), or booked at once with slot_id or scheduled_at",
            {"201": json_body({"anyOf": [ref("BookedInterview"), ref("Interview")]}, "Created; booked ones carry their session and link")},
            errors=(400, 404, 409),
            body={
                "type": "object",
                "required": ["candidate_id", "job_id"],
                "properties": {
                    "candidate_id": UUID,
                    "job_id": UUID,
                    "slot_id": {**UUID, "description": "Book into this slot at once (not with scheduled_at)"},
                    "scheduled_at": {
                        "type": "string",
                        "examples": ["2030-01-16T14:30:00+05:30", "2030-01-16 14:30"],
                        "description": "Book at this time into a new 1-seat slot as long as the job's interviews: ISO 8601 "
                        "with an offset (or Z), or YYYY-MM-DD HH:MM in IST (not with slot_id)",
                    },
                    "booking_notes": {"type": "string", "description": "With slot_id or scheduled_at"},
                },
            },
            tag=TAG_INTERVIEWS,
        ),
    },
    "/api/interviews/{interview_id}/": {
        "get": operation("One interview", {"200": json_body(ref("Interview"))}, errors=(404,), params=(INTERVIEW_ID,), tag=TAG_INTERVIEWS),
    },
    "/api/interviews/schedules/book_interview/": {
        "post": operation(
            "Book an interview into a slot",
            {"201": json_body(ref("Interview"), "Booked; the invitation is queued")},
            errors=(400, 404, 409),
            body={
                "type": "object",
                "required": ["interview_id", "slot_id"],
                "properties": {"interview_id": UUID, "slot_id": UUID, "booking_notes": {"type": "string"}},
            },
            tag=TAG_INTERVIEWS,
        ),
    },
    "/api/interviews/schedules/create_interview_session/": {
        "post": operation(
            "The booked interview's session and link (idempotent)",
            {"201": json_body(ref("InterviewSessionLink"), "First call"), "200": json_body(ref("InterviewSessionLink"), "Same session again")},
            errors=(400, 404, 409),
            body=INTERVIEW_ID_BODY,
            tag=TAG_INTERVIEWS,
        ),
    },
    "/api/interviews/{interview_id}/reschedule/": {
        "post": operation(
            "Move to another slot; the link stays the same",
            {"200": json_body(ref("Interview"))},
            errors=(400, 404, 409),
            body={"type": "object", "required": ["slot_id"], "properties": {"slot_id": UUID}},
            params=(INTERVIEW_ID,),
            tag=TAG_INTERVIEWS,
        ),
    },
    "/api/interviews/{interview_id}/cancel/": {
        "post": operation(
            "Cancel and free the seat (the candidate is told)",
            {"200": json_body(ref("Interview"))},
            errors=(404, 409),
            params=(INTERVIEW_ID,),
            tag=TAG_INTERVIEWS,
        ),
    },
}

TAG_JOBS, TAG_CANDIDATES = "Jobs", "Candidates"
JOB_ID, CANDIDATE_ID = path_id("job_id"), path_id("candidate_id")
SEARCH = query("search", {"type": "string"}, "Words to match")
PATHS.update(
    {
        "/api/jobs/": {
            "get": operation(
                "Jobs by title (open ones unless include_archived)",
                {"200": json_body(page_of("Job"))},
                errors=(400,),
                params=(SEARCH, query("include_archived", {"enum": ["true", "false"]}, "Also archived jobs"), *PAGING),
                tag=TAG_JOBS,
            ),
            "post": operation("Create a job (admins)", {"201": json_body(ref("Job"), "Created")}, errors=(400, 403), body=ref("JobInput"), tag=TAG_JOBS),
        },
        "/api/jobs/{job_id}/": {
            "get": operation("One job", {"200": json_body(ref("Job"))}, errors=(404,), params=(JOB_ID,), tag=TAG_JOBS),
            "put": operation(
                "Change the fields sent (admins; the older system's frontend sends one field with PUT)",
                {"200": json_body(ref("Job"))},
                errors=(400, 403, 404),
                body=ref("JobUpdate"),
                params=(JOB_ID,),
                tag=TAG_JOBS,
            ),
            "patch": operation(
                "Same as PUT", {"200": json_body(ref("Job"))}, errors=(400, 403, 404), body=ref("JobUpdate"), params=(JOB_ID,), tag=TAG_JOBS
            ),
        },
        "/api/candidates/": {
            "get": operation(
                "Candidates, newest first (without resume text)",
                {"200": json_body(page_of("Candidate"))},
                errors=(400,),
                params=(
                    SEARCH,
                    query("job_id", UUID, "Only this job's candidates"),
                    query("status", {"enum": CandidateStatus.values()}, "Only candidates with this status"),
                    *PAGING,
                    CURSOR,
                ),
                tag=TAG_CANDIDATES,
            ),
            "post": operation(
                "Create a candidate (multipart form fields with the resume in `file` also work)",
                {"201": json_body(ref("Candidate"), "Created")},
                errors=(400, 503, 507),
                body=ref("CandidateInput"),
                tag=TAG_CANDIDATES,
            ),
        },
        "/api/candidates/{candidate_id}/": {
            "get": operation("One candidate with the resume's text", {"200": json_body(ref("Candidate"))}, errors=(404,), params=(CANDIDATE_ID,), tag=TAG_CANDIDATES),
            "patch": operation(
                "Change the fields sent",
                {"200": json_body(ref("Candidate"))},
                errors=(400, 404),
                body=ref("CandidateUpdate"),
                params=(CANDIDATE_ID,),
                tag=TAG_CANDIDATES,
            ),
        },
        "/api/candidates/{candidate_id}/resume/": {
            "post": operation(
                "Upload or replace the resume: PDF, DOCX or TXT, checked by content",
                {"201": json_body(ref("Candidate"), "Stored; `warning` when no text could be extracted")},
                errors=(400, 404, 413, 503, 507),
                multipart={"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}},
                params=(CANDIDATE_ID,),
                tag=TAG_CANDIDATES,
            ),
        },
    }
)
# The candidate portal's JSON start (services/interviewer/session_flow.py); no token: the session key is the credential.
AI_START_ERRORS = {
    403: "The countdown is still running: the interview cannot start early",
    404: "Unknown or malformed session key",
    409: "The interview is already completed",
    410: "The window has passed (expired) or the interview was cancelled",
    429: "Too many unknown keys from this address",
}
PATHS["/ai/start"] = {
    "post": {
        **operation(
            "Start (or resume) the interview and get the current question (idempotent)",
            {"200": json_body(ref("AiQuestion"))},
            errors=(400,),
            body={"type": "object", "required": ["session_key"], "properties": {
                "session_key": {"type": "string"},
                "client_id": {"type": "string"},
                "audio_consent": {"type": "boolean", "description": "The candidate agreed to voice answers being recorded"},
            }},
            tag=TAG_INTERVIEWS,
            public=True,
        ),
    }
}
PATHS["/ai/start"]["post"]["responses"].update({str(code): json_body(ref("Error"), text) for code, text in AI_START_ERRORS.items()})
AI_ANSWER_ERRORS = {
    403: "The countdown is still running, or the interview was not started (call /ai/start first)",
    404: "Unknown or malformed session key",
    409: "Not the current question, an answer already stored, time up (the next question is now current), "
         "the interview completed, or another tab holds it: `code` says which",
    410: "The window has passed (expired) or the interview was cancelled",
    413: "The answer, the code or the recording is too large",
    429: "Too many unknown keys from this address",
    503: "The recording could not be stored (storage unavailable); the answer was not saved",
    507: "The recording could not be stored (storage full); the answer was not saved",
}
AI_ANSWER_FIELDS = {
    "session_key": {"type": "string"},
    "question_id": {**UUID, "description": "The current question's `question_id`"},
    "text": {"type": "string", "maxLength": 10000},
    "code": {"type": "string", "description": "For coding questions; never executed"},
    "client_id": {"type": "string", "description": "The caller's id, when a portal tab may hold the interview too"},
}
PATHS["/ai/answer"] = {
    "post": {
        **operation(
            "Answer the current question; returns the next one, or `status: completed` after the last",
            {"200": json_body(ref("AiAnswerResult"))},
            errors=(400,),
            tag=TAG_INTERVIEWS,
            public=True,
        ),
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"type": "object", "required": ["session_key", "question_id"], "properties": AI_ANSWER_FIELDS}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["session_key", "question_id"], "properties": {
                **AI_ANSWER_FIELDS,
                "audio": {"type": "string", "format": "binary", "description": "A voice answer (WebM, Ogg, MP4, WAV or MP3); needs the candidate's consent"},
            }}},
        }},
    }
}
PATHS["/ai/answer"]["post"]["responses"].update({str(code): json_body(ref("Error"), text) for code, text in AI_ANSWER_ERRORS.items()})
SCHEMAS["AiQuestion"] = {
    "type": "object",
    "required": ["question", "index", "total", "time_limit", "type"],
    "properties": {
        "question": {"type": "string"},
        "question_id": UUID,
        "index": {"type": "integer", "minimum": 0, "description": "0-based"},
        "number": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 6, "maximum": 10},
        "time_limit": {"type": "integer", "description": "Seconds for this question"},
        "seconds_left": {"type": "integer", "description": "By the server's clock; keeps running across reloads"},
        "type": {"enum": ["intro", "technical", "behavioural", "coding", "closing"]},
        "starter_code": {"type": "string"},
        "coding_language": {"enum": CodingLanguage.values()},
        "status": {"type": "string"},
    },
}

SCHEMAS["AiAnswerResult"] = {
    "type": "object",
    "required": ["saved", "status"],
    "properties": {
        "saved": {"type": "boolean", "description": "False when this repeated an answer already stored"},
        **SCHEMAS["AiQuestion"]["properties"],
        "status": {"enum": ["in_progress", "completed"]},
    },
    "description": "The next question's fields (as /ai/start returns them) while the interview goes on",
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Interview scheduler API",
        "version": "1.0.0",
        "description": "Send `Authorization: Token <token>` (make one with `flask create-token EMAIL` or on the "
        "Account page). Times are entered in IST (`Asia/Kolkata`) unless a `timezone` is given and returned both "
        "as local fields and as UTC instants. Errors are `{\"error\": \"…\"}`, with `fields` for bad input.",
    },
    "servers": [{"url": "/"}],
    "security": [{"tokenAuth": []}],
    "components": {
        "securitySchemes": {
            "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <token>`"}
        },
        "schemas": SCHEMAS,
    },
    "paths": PATHS,
}

def description():
    """A copy of the description (callers may not change the module's)."""
    return deepcopy(SPEC)


@bp.get("/openapi.json")
def openapi_json():
    """The machine-readable description."""
    return jsonify(SPEC)


@bp.get("/docs")
@login_required
def docs():
    """The description as a page, for people signed in to the app."""
    return render_template("api/docs.html", spec=SPEC, methods=("get", "post", "put", "patch", "delete"))
