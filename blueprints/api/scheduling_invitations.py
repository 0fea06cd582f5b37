"""JSON API for scheduling invitations: invite one candidate (the link is in this answer and the
e-mail only), list and read them, revoke, resend, and invite many at once.

The shapes are services/schemas/scheduling_invitations.py; refusals are ServiceErrors, answered
by blueprints/errors.py as `{"error", "fields", "code"}`; the rules live in
services/scheduling_invitations.py.
"""

from flask import g

from blueprints.api.operations import operation
from blueprints.api.pagination import paginated
from models import SchedulingInvitation as InvitationRow
from services import scheduling_invitations, schemas
from services.schemas.meta import page_of
from services.schemas.scheduling_invitations import (
    BulkSchedulingInvitationInput,
    BulkSchedulingInvitationResult,
    SchedulingInvitation,
    SchedulingInvitationInput,
    SchedulingInvitationListQuery,
)

TAG = "Scheduling invitations"
ERRORS = {
    400: "Bad input; `fields` names what is wrong (`code` other_job: the candidate applied for another job)",
    404: "Unknown or malformed id (`fields` names it)",
    409: "Not possible in the invitation's state: revoked, expired or booked (`code` booked: cancel or move the interview instead), "
    "or the candidate changed it meanwhile (`code` changed_meanwhile)",
    410: "The job is archived (`code` role_closed)",
}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


@operation(
    "GET",
    "/scheduling-invitations/",
    summary="Invitations, newest first, paginated",
    tag=TAG,
    query=SchedulingInvitationListQuery,
    response=page_of(SchedulingInvitation),
    errors=_errors(400),
)
def list_scheduling_invitations(query):
    """Invitations, newest first, paginated; filter by `job_id`, `candidate_id` and `status`."""
    rows = scheduling_invitations.invitation_list(job_id=query.job_id, candidate_id=query.candidate_id, status=query.status)
    return paginated(rows, SchedulingInvitation, count_column=InvitationRow.id, keyset=scheduling_invitations.LIST_KEYSET)


@operation(
    "POST",
    "/scheduling-invitations/",
    summary="Invite a candidate to pick a time of their job: e-mails the link and revokes their older one",
    tag=TAG,
    body=SchedulingInvitationInput,
    errors=_errors(400, 404, 410),
    responses={201: (SchedulingInvitation, "Created; `scheduling_link` is shown only here and in the e-mail")},
    status=201,
)
def create_scheduling_invitation(body):
    """Invite `candidate_id` to pick a time of `job_id` (optional `expires_at`); 201 with the link."""
    return SchedulingInvitation.of(*scheduling_invitations.invite_to_job(schemas.sent(body), actor=g.api_user))


@operation(
    "GET",
    "/scheduling-invitations/<uuid:invitation_id>/",
    summary="One invitation",
    tag=TAG,
    response=SchedulingInvitation,
    errors=_errors(404),
)
def get_scheduling_invitation(invitation_id):
    """One invitation, its state as of now."""
    return SchedulingInvitation.of(scheduling_invitations.find(InvitationRow, invitation_id, "Invitation", "invitation_id"))


@operation(
    "POST",
    "/scheduling-invitations/<uuid:invitation_id>/revoke/",
    summary="Stop the invitation's links working",
    tag=TAG,
    response=SchedulingInvitation,
    errors=_errors(404, 409),
)
def revoke_scheduling_invitation(invitation_id):
    """Stop the invitation's links working."""
    return SchedulingInvitation.of(scheduling_invitations.revoke_by_id(invitation_id, actor=g.api_user))


@operation(
    "POST",
    "/scheduling-invitations/<uuid:invitation_id>/resend/",
    summary="E-mail an unused invitation again with a new link and a fresh expiry (older links keep working)",
    tag=TAG,
    responses={200: (SchedulingInvitation, "Sent; `scheduling_link` is the new link")},
    errors=_errors(404, 409, 410),
)
def resend_scheduling_invitation(invitation_id):
    """E-mail the invitation again with a new link (in the answer)."""
    return SchedulingInvitation.of(*scheduling_invitations.resend_by_id(invitation_id, actor=g.api_user))


@operation(
    "POST",
    "/scheduling-invitations/bulk/",
    summary="Invite many candidates of a job at once",
    tag=TAG,
    body=BulkSchedulingInvitationInput,
    response=BulkSchedulingInvitationResult,
    errors=_errors(400, 404, 410),
)
def bulk_scheduling_invitations(body):
    """Invite `candidate_ids` to pick a time of `job_id`: how many were created, skipped and why."""
    return BulkSchedulingInvitationResult.of(
        scheduling_invitations.invite_many(body.job_id, actor=g.api_user, candidate_ids=body.candidate_ids)
    )
