"""Scheduling invitations: invite one candidate (the link is in this answer and the e-mail only),
list and read them, revoke, resend, and invite many at once.

services/scheduling_invitations.py reads the ids and the expiry and words their refusals.
"""

from pydantic import ConfigDict

from models import InvitationStatus
from services import scheduling, scheduling_invitations, timeutil
from services.schemas import COUNT, INSTANT, UUID, Answer, Body
from services.schemas.meta import CursorPaging
from services.validation import ChoiceFilter, Described, IdFilter

MAX_EXPIRY_DAYS = scheduling_invitations.MAX_EXPIRY_DAYS


class SchedulingInvitationInput(Body):
    candidate_id: Described(UUID)
    job_id: Described(UUID, "The job the candidate applied for")
    expires_at: Described(
        {"type": "string", "format": "date-time"},
        f"When the link stops working (ISO 8601; without an offset, IST); within {MAX_EXPIRY_DAYS} days. Default: the job's expiry (7 days)",
    ) = None


class BulkSchedulingInvitationInput(Body):
    # candidate_ids is required, but the service checks it after the job (an unknown job is a 404 first).
    model_config = ConfigDict(json_schema_extra={"required": ["job_id", "candidate_ids"]})

    job_id: Described(UUID)
    candidate_ids: Described(
        {"type": "array", "items": UUID, "minItems": 1, "maxItems": scheduling_invitations.MAX_CANDIDATE_IDS}
    ) = None


class SchedulingInvitationListQuery(CursorPaging):
    job_id: IdFilter("Not an id.", "Only this job's") = None
    candidate_id: IdFilter("Not an id.", "Only this candidate's") = None
    status: ChoiceFilter(list(InvitationStatus), "Only those in this state as of now") = None


class SchedulingInvitation(Answer):
    id: Described(UUID)
    candidate_id: Described(UUID)
    job_id: Described(UUID)
    status: Described({"enum": list(InvitationStatus)}, "As of now: an unused link past its expiry is expired")
    status_changed_at: Described(INSTANT)
    expires_at: Described(INSTANT)
    created_at: Described(INSTANT)
    is_retake: Described({"type": "boolean"}, "Started by the candidate after a missed interview") = None
    reschedules_used: Described(COUNT) = None
    scheduling_link: Described(
        {"type": "string"},
        "Create and resend only: `{BACKEND_URL}/schedule/<token>`, the link the e-mail carries; never shown again",
    ) = None

    @classmethod
    def of(cls, invitation, link=None):
        """The invitation in its state as of now; `link` only where one was just made (create, resend)."""
        status, changed_at = scheduling.effective_state(invitation, timeutil.now())
        return cls(
            id=str(invitation.id),
            candidate_id=str(invitation.candidate_id),
            job_id=str(invitation.job_id),
            status=status,
            status_changed_at=timeutil.isoformat_z(changed_at),
            expires_at=timeutil.isoformat_z(invitation.expires_at),
            created_at=timeutil.isoformat_z(invitation.created_at),
            is_retake=invitation.is_retake,
            reschedules_used=invitation.reschedules_used,
            **({"scheduling_link": link} if link is not None else {}),
        )


class SkippedCandidate(Answer):
    candidate_id: Described(UUID)
    reason: Described({"enum": list(scheduling_invitations.SKIP_REASONS)})


class BulkSchedulingInvitationResult(Answer):
    """Candidates already invited (link unused) or booked for the job are skipped, not re-invited"""

    created: Described(COUNT, "Invitations created and e-mailed")
    skipped: Described(COUNT)
    skipped_reasons: Described(
        {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
        "How many were skipped for each reason: "
        + "; ".join(f"{code}: {words}" for code, words in scheduling_invitations.SKIP_REASONS.items()),
    )
    skipped_candidates: list[SkippedCandidate]

    @classmethod
    def of(cls, result):
        return cls(
            created=result.created,
            skipped=result.skipped_total,
            skipped_reasons={code: count for code, _, count in result.reasons()},
            skipped_candidates=[
                SkippedCandidate(candidate_id=str(candidate_id), reason=reason)
                for candidate_id, reason in result.skipped_candidates
            ],
        )
