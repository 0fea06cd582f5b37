"""Scheduling invitations beyond one candidate's page: many at once (the candidate list, the API's
bulk endpoint), and by id with filters (the API), on top of the rules in services/scheduling.py.

Every invitation is created with its job's row locked (transactions.take_open_job), and a batch
decides each of its candidates after taking that lock, so two recruiters inviting overlapping sets
at once leave each candidate exactly one live invitation. Large sets go in batches of BATCH_SIZE,
one transaction each, read page by page from the candidate list's keyset: never all rows at once.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    UNUSED_INVITATION_STATUSES,
    Candidate,
    Interview,
    InvitationStatus,
    Job,
    SchedulingInvitation,
    db,
)
from services import candidates, scheduling, timeutil
from services.errors import InputError, ServiceError
from services.paging import Keyset, capped_count, keyset_page
from services.transactions import one_transaction, take_open_job
from services.validation import parse_uuid

BATCH_SIZE = 200
# Invitations one request creates for "everyone matching" before it stops (each renders its e-mail,
# 2-4 ms): well inside a worker's 30 s timeout. Running it again continues, the invited being skipped.
MAX_CREATED_PER_RUN = 2_500
MAX_CANDIDATE_IDS = 1000
MAX_EXPIRY_DAYS = 90

# Why a candidate was not invited, in the order the summary lists them.
SKIP_REASONS = {
    "not_found": "not found",
    "other_job": "applied for another job",
    "already_scheduled": "already booked for this job",
    "already_invited": "already invited, link not used yet",
}
LIST_KEYSET = Keyset((SchedulingInvitation.created_at, SchedulingInvitation.id), descending=True)


class NotFound(ServiceError):
    status = 404
    code = "not_found"


@dataclass
class BulkResult:
    """What a bulk invitation did: how many were created, how many skipped and why."""

    created: int = 0
    skipped: Counter = field(default_factory=Counter)
    skipped_candidates: list = field(default_factory=list)  # (candidate id, reason) when ids were given
    unfinished: bool = False  # stopped at MAX_CREATED_PER_RUN with candidates left to invite

    @property
    def skipped_total(self):
        return sum(self.skipped.values())

    def reasons(self):
        """(code, words, count) for each reason that occurred, in SKIP_REASONS' order."""
        return [(code, words, self.skipped[code]) for code, words in SKIP_REASONS.items() if self.skipped[code]]


def find(model, raw_id, name, field_name):
    """The row of a public id: InputError when none is given, NotFound (404) when it is malformed or unknown."""
    if not raw_id:
        raise InputError({field_name: "Required."}, message=f"Choose a {name.lower()}.")
    row = db.session.get(model, parse_uuid(raw_id)) if parse_uuid(raw_id) else None
    if row is None:
        raise NotFound(f"{name} not found.", fields={field_name: f"No such {name.lower()}."})
    return row


def _open_job(raw_id):
    job = find(Job, raw_id, "Job", "job_id")
    if job.is_archived:
        raise scheduling.RoleClosed("This job is archived; it takes no invitations.")
    return job


def parse_expiry(value, errors):
    """An `expires_at` (ISO 8601; without an offset, in the display zone) in the next MAX_EXPIRY_DAYS, as UTC."""
    if value in (None, ""):
        return None
    try:
        instant = datetime.fromisoformat(str(value))
        instant = (instant if instant.tzinfo else timeutil.localize(instant, timeutil.zone())).astimezone(UTC)
    except (ValueError, OverflowError, timeutil.TimeInputError):
        errors["expires_at"] = "Give a date and time such as 2030-01-20T18:00:00+05:30."
        return None
    now = timeutil.now()
    if not now < instant <= now + timedelta(days=MAX_EXPIRY_DAYS):
        errors["expires_at"] = f"Choose a time after now and within {MAX_EXPIRY_DAYS} days."
        return None
    return instant


def invite_to_job(data, *, actor):
    """One invitation from `candidate_id`, `job_id` and an optional `expires_at` (the API's create).

    Returns (invitation, link); the candidate must have applied for the job, the job be open."""
    errors = {name: "Required." for name in ("candidate_id", "job_id") if not data.get(name)}
    expires_at = parse_expiry(data.get("expires_at"), errors)
    if errors:
        raise InputError(errors)
    candidate = find(Candidate, data["candidate_id"], "Candidate", "candidate_id")
    job = _open_job(data["job_id"])
    if candidate.job_id != job.id:
        raise ServiceError(
            "This candidate applied for another job.", fields={"candidate_id": "Applied for another job."}, code="other_job"
        )
    return scheduling.invite(candidate, actor=actor, job=job, expires_at=expires_at)


def _candidate_ids(raw_ids):
    """The distinct ids of a `candidate_ids` list, in order; InputError when it is not one."""
    if not isinstance(raw_ids, list) or not raw_ids:
        raise InputError({"candidate_ids": "Select at least one candidate."})
    if len(raw_ids) > MAX_CANDIDATE_IDS:
        raise InputError(
            {"candidate_ids": f"At most {MAX_CANDIDATE_IDS:,} at a time; invite everyone matching a filter instead."}
        )
    ids = [parse_uuid(raw) if isinstance(raw, str) else None for raw in raw_ids]
    if None in ids:
        raise InputError({"candidate_ids": "Every entry must be a candidate id."})
    return list(dict.fromkeys(ids))


def _skip_reason(candidate, job, booked, invited):
    if candidate is None:
        return "not_found"
    if candidate.job_id != job.id:
        return "other_job"
    if candidate.id in booked:
        return "already_scheduled"
    if candidate.id in invited:
        return "already_invited"
    return None


@one_transaction
def _invite_batch(job, ids, actor, result, *, name_skipped):
    """Invite the candidates of `ids` who have none live and no booking, in one transaction under the job's lock."""
    now = timeutil.now()
    if not take_open_job(job):
        raise scheduling.RoleClosed("This job was archived meanwhile; it takes no more invitations.")
    found = {candidate.id: candidate for candidate in db.session.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
    booked = set(
        db.session.scalars(
            select(Interview.candidate_id).where(
                Interview.job_id == job.id,
                Interview.candidate_id.in_(ids),
                Interview.status.in_(ACTIVE_INTERVIEW_STATUSES),
            )
        )
    )
    invited = set(
        db.session.scalars(
            select(SchedulingInvitation.candidate_id).where(
                SchedulingInvitation.job_id == job.id,
                SchedulingInvitation.candidate_id.in_(ids),
                SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES),
                SchedulingInvitation.expires_at > now,
            )
        )
    )
    created, skipped = 0, []
    for candidate_id in ids:
        reason = _skip_reason(found.get(candidate_id), job, booked, invited)
        if reason:
            skipped.append((candidate_id, reason))
        else:
            scheduling.add_invitation(found[candidate_id], job, actor=actor, now=now)
            created += 1
    db.session.commit()
    result.created += created
    result.skipped.update(reason for _, reason in skipped)
    if name_skipped:
        result.skipped_candidates.extend(skipped)


def invite_many(job_id, *, actor, candidate_ids=None, matching=None):
    """Invite the candidates of `candidate_ids`, or everyone `matching` (a candidates select), to pick
    a time of the job; returns a BulkResult. Candidates already invited (link unused) or booked for
    the job are skipped, not re-invited: a bulk send never replaces a link someone may be about to use.
    `matching` stops once MAX_CREATED_PER_RUN are created (`unfinished`); calling again continues."""
    job = _open_job(job_id)
    result = BulkResult()
    if matching is None:
        ids = _candidate_ids(candidate_ids)
        for start in range(0, len(ids), BATCH_SIZE):
            _invite_batch(job, ids[start : start + BATCH_SIZE], actor, result, name_skipped=True)
        return result
    others = matching.with_only_columns(Candidate.id).where(Candidate.job_id != job.id).order_by(None).subquery()
    result.skipped["other_job"] = db.session.scalar(select(func.count()).select_from(others))
    ours, cursor = matching.where(Candidate.job_id == job.id), None
    while True:
        page = keyset_page(ours, candidates.LIST_KEYSET, BATCH_SIZE, cursor=cursor)
        if page.items:
            _invite_batch(job, [candidate.id for candidate in page.items], actor, result, name_skipped=False)
        if page.next_cursor is None:
            return result
        if result.created >= MAX_CREATED_PER_RUN:
            result.unfinished = True
            return result
        cursor = page.next_cursor


def preview_many(job_id, *, candidate_ids=None, matching=None):
    """(job, how many candidates) for the question before invite_many, with the same refusals."""
    job = _open_job(job_id)
    if matching is None:
        return job, len(_candidate_ids(candidate_ids))
    return job, capped_count(matching.with_only_columns(Candidate.id))


# --- the API's reads and changes by id ------------------------------------------------------------


def invitation_list(*, job_id=None, candidate_id=None, status=None):
    """A select of invitations, newest first, filtered; `status` is the state as of now (an unused
    invitation past its expiry is `expired`)."""
    query = select(SchedulingInvitation).order_by(*LIST_KEYSET.order())
    if job_id:
        query = query.where(SchedulingInvitation.job_id == job_id)
    if candidate_id:
        query = query.where(SchedulingInvitation.candidate_id == candidate_id)
    if status:
        now = timeutil.now()
        unused, lapsed = SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES), SchedulingInvitation.expires_at <= now
        if status == InvitationStatus.EXPIRED:
            query = query.where(or_(SchedulingInvitation.status == status, and_(unused, lapsed)))
        elif status in UNUSED_INVITATION_STATUSES:
            query = query.where(SchedulingInvitation.status == status, SchedulingInvitation.expires_at > now)
        else:
            query = query.where(SchedulingInvitation.status == status)
    return query


def revoke_by_id(raw_id, *, actor):
    """Stop an invitation's links working; refused once the candidate has booked from it (scheduling.revoke)."""
    return scheduling.revoke(find(SchedulingInvitation, raw_id, "Invitation", "invitation_id"), actor=actor)


def resend_by_id(raw_id, *, actor):
    """Send an unused invitation again with a new link; returns (invitation, link)."""
    return scheduling.resend(find(SchedulingInvitation, raw_id, "Invitation", "invitation_id"), actor=actor)
