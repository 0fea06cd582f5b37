"""JSON API for scheduling invitations: invite one candidate (the link is in this answer and the
e-mail only), list and read them, revoke, resend, and invite many at once.

The resource's request and response shapes are declared once, below, and joined to the OpenAPI
description (blueprints/api/openapi.py). Refusals are ServiceErrors, answered by blueprints/errors.py
as `{"error", "fields", "code"}`; the rules live in services/scheduling_invitations.py.
"""
from flask import g, jsonify, request

from blueprints.api import bp
from blueprints.api.openapi import (
    CURSOR,
    INSTANT,
    PAGING,
    PATHS,
    SCHEMAS,
    UUID,
    json_body,
    operation,
    page_of,
    path_id,
    query,
    ref,
)
from blueprints.api.pagination import paginated_response
from blueprints.api.responses import json_body as request_json
from models import InvitationStatus, SchedulingInvitation
from services import scheduling, scheduling_invitations, timeutil
from services.errors import InputError
from services.validation import parse_uuid

TAG = "Scheduling invitations"
INVITATION_ID = path_id("invitation_id")

# --- shapes ----------------------------------------------------------------------------------

SCHEMAS["SchedulingInvitationInput"] = {
    "type": "object",
    "required": ["candidate_id", "job_id"],
    "properties": {
        "candidate_id": UUID,
        "job_id": {**UUID, "description": "The job the candidate applied for"},
        "expires_at": {
            "type": "string", "format": "date-time",
            "description": f"When the link stops working (ISO 8601; without an offset, IST); within {scheduling_invitations.MAX_EXPIRY_DAYS} "
                           "days. Default: the job's expiry (7 days)",
        },
    },
}
SCHEMAS["SchedulingInvitation"] = {
    "type": "object",
    "required": ["id", "candidate_id", "job_id", "status", "status_changed_at", "expires_at", "created_at"],
    "properties": {
        "id": UUID,
        "candidate_id": UUID,
        "job_id": UUID,
        "status": {"enum": InvitationStatus.values(), "description": "As of now: an unused link past its expiry is expired"},
        "status_changed_at": INSTANT,
        "expires_at": INSTANT,
        "created_at": INSTANT,
        "is_retake": {"type": "boolean", "description": "Started by the candidate after a missed interview"},
        "reschedules_used": {"type": "integer", "minimum": 0},
        "scheduling_link": {
            "type": "string",
            "description": "Create and resend only: `{BACKEND_URL}/schedule/<token>`, the link the e-mail carries; never shown again",
        },
    },
}
SCHEMAS["BulkSchedulingInvitationInput"] = {
    "type": "object",
    "required": ["job_id", "candidate_ids"],
    "properties": {
        "job_id": UUID,
        "candidate_ids": {"type": "array", "items": UUID, "minItems": 1, "maxItems": scheduling_invitations.MAX_CANDIDATE_IDS},
    },
}
SKIP_REASON = {"enum": list(scheduling_invitations.SKIP_REASONS)}
SCHEMAS["BulkSchedulingInvitationResult"] = {
    "type": "object",
    "required": ["created", "skipped", "skipped_reasons", "skipped_candidates"],
    "properties": {
        "created": {"type": "integer", "minimum": 0, "description": "Invitations created and e-mailed"},
        "skipped": {"type": "integer", "minimum": 0},
        "skipped_reasons": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "description": "How many were skipped for each reason: " + "; ".join(f"{code}: {words}" for code, words in scheduling_invitations.SKIP_REASONS.items()),
        },
        "skipped_candidates": {
            "type": "array",
            "items": {"type": "object", "required": ["candidate_id", "reason"], "properties": {"candidate_id": UUID, "reason": SKIP_REASON}},
        },
    },
    "description": "Candidates already invited (link unused) or booked for the job are skipped, not re-invited",
}

ERRORS = {
    400: "Bad input; `fields` names what is wrong (`code` other_job: the candidate applied for another job)",
    404: "Unknown or malformed id (`fields` names it)",
    409: "Not possible in the invitation's state: revoked, expired or booked (`code` booked: cancel or move the interview instead), "
         "or the candidate changed it meanwhile (`code` changed_meanwhile)",
    410: "The job is archived (`code` role_closed)",
}


def _operation(summary, responses, codes, **kwargs):
    """An operation of this resource, with its own wording of each error it documents."""
    op = operation(summary, responses, tag=TAG, **kwargs)
    op["responses"].update({str(code): json_body(ref("Error"), ERRORS[code]) for code in codes})
    return op


INVITATION = {"200": json_body(ref("SchedulingInvitation"))}
PATHS.update({
    "/api/scheduling-invitations/": {
        "get": _operation(
            "Invitations, newest first, paginated",
            {"200": json_body(page_of("SchedulingInvitation"))},
            (400,),
            params=(
                query("job_id", UUID, "Only this job's"),
                query("candidate_id", UUID, "Only this candidate's"),
                query("status", {"enum": InvitationStatus.values()}, "Only those in this state as of now"),
                *PAGING,
                CURSOR,
            ),
        ),
        "post": _operation(
            "Invite a candidate to pick a time of their job: e-mails the link and revokes their older one",
            {"201": json_body(ref("SchedulingInvitation"), "Created; `scheduling_link` is shown only here and in the e-mail")},
            (400, 404, 410),
            body=ref("SchedulingInvitationInput"),
        ),
    },
    "/api/scheduling-invitations/{invitation_id}/": {
        "get": _operation("One invitation", INVITATION, (404,), params=(INVITATION_ID,)),
    },
    "/api/scheduling-invitations/{invitation_id}/revoke/": {
        "post": _operation("Stop the invitation's links working", INVITATION, (404, 409), params=(INVITATION_ID,)),
    },
    "/api/scheduling-invitations/{invitation_id}/resend/": {
        "post": _operation(
            "E-mail an unused invitation again with a new link and a fresh expiry (older links keep working)",
            {"200": json_body(ref("SchedulingInvitation"), "Sent; `scheduling_link` is the new link")},
            (404, 409, 410),
            params=(INVITATION_ID,),
        ),
    },
    "/api/scheduling-invitations/bulk/": {
        "post": _operation(
            "Invite many candidates of a job at once",
            {"200": json_body(ref("BulkSchedulingInvitationResult"))},
            (400, 404, 410),
            body=ref("BulkSchedulingInvitationInput"),
        ),
    },
})


def invitation_json(invitation, link=None):
    status, changed_at = scheduling.effective_state(invitation, timeutil.now())
    body = {
        "id": str(invitation.id),
        "candidate_id": str(invitation.candidate_id),
        "job_id": str(invitation.job_id),
        "status": status,
        "status_changed_at": timeutil.isoformat_z(changed_at),
        "expires_at": timeutil.isoformat_z(invitation.expires_at),
        "created_at": timeutil.isoformat_z(invitation.created_at),
        "is_retake": invitation.is_retake,
        "reschedules_used": invitation.reschedules_used,
    }
    if link is not None:
        body["scheduling_link"] = link
    return body


def bulk_result_json(result):
    return {
        "created": result.created,
        "skipped": result.skipped_total,
        "skipped_reasons": {code: count for code, _, count in result.reasons()},
        "skipped_candidates": [{"candidate_id": str(candidate_id), "reason": reason} for candidate_id, reason in result.skipped_candidates],
    }


# --- endpoints -------------------------------------------------------------------------------


def _list_filters():
    """`job_id`, `candidate_id` and `status` of the query string; InputError naming the bad ones."""
    fields, filters = {}, {}
    for name in ("job_id", "candidate_id"):
        raw = request.args.get(name)
        if raw and parse_uuid(raw) is None:
            fields[name] = "Not an id."
        filters[name] = parse_uuid(raw)
    status = request.args.get("status") or None
    if status and status not in InvitationStatus.values():
        fields["status"] = f"One of {', '.join(InvitationStatus.values())}."
    if fields:
        raise InputError(fields, message="Invalid filter.")
    return filters | {"status": status}


@bp.get("/scheduling-invitations/")
def list_scheduling_invitations():
    """Invitations, newest first, paginated; filter by `job_id`, `candidate_id` and `status`."""
    return paginated_response(
        scheduling_invitations.invitation_list(**_list_filters()), invitation_json,
        count_column=SchedulingInvitation.id, keyset=scheduling_invitations.LIST_KEYSET,
    )


@bp.post("/scheduling-invitations/")
def create_scheduling_invitation():
    """Invite `candidate_id` to pick a time of `job_id` (optional `expires_at`); 201 with the link."""
    invitation, link = scheduling_invitations.invite_to_job(request_json(), actor=g.api_user)
    return jsonify(invitation_json(invitation, link)), 201


@bp.get("/scheduling-invitations/<uuid:invitation_id>/")
def get_scheduling_invitation(invitation_id):
    """One invitation, its state as of now."""
    return jsonify(invitation_json(scheduling_invitations.find(SchedulingInvitation, invitation_id, "Invitation", "invitation_id")))


@bp.post("/scheduling-invitations/<uuid:invitation_id>/revoke/")
def revoke_scheduling_invitation(invitation_id):
    """Stop the invitation's links working."""
    return jsonify(invitation_json(scheduling_invitations.revoke_by_id(invitation_id, actor=g.api_user)))


@bp.post("/scheduling-invitations/<uuid:invitation_id>/resend/")
def resend_scheduling_invitation(invitation_id):
    """E-mail the invitation again with a new link (in the answer)."""
    return jsonify(invitation_json(*scheduling_invitations.resend_by_id(invitation_id, actor=g.api_user)))


@bp.post("/scheduling-invitations/bulk/")
def bulk_scheduling_invitations():
    """Invite `candidate_ids` to pick a time of `job_id`: how many were created, skipped and why."""
    body = request_json()
    result = scheduling_invitations.invite_many(body.get("job_id"), actor=g.api_user, candidate_ids=body.get("candidate_ids"))
    return jsonify(bulk_result_json(result))
