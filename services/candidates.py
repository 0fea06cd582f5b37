"""Candidates: the people recruiters interview, each applying for one job (e-mail unique per job)."""

from sqlalchemy import column, exists, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from models import ACTIVE_INTERVIEW_STATUSES, Candidate, CandidateStatus, Interview, InterviewStatus, Job, Resume, db
from services import audit, resumes, schemas
from services.errors import InputError
from services.jobs import read_domain
from services.paging import Keyset, capped_count, keyset_page
from services.review import CANDIDATE_STATUS_FOR
from services.schemas.candidates import CandidateInput, CandidateUpdate
from services.validation import like_pattern, parse_uuid

DUPLICATE_EMAIL = "A candidate with this e-mail has already applied for this job."


def _job(value, errors, current=None):
    """The job applied for: an open one, or the candidate's current job even when archived."""
    job = db.session.get(Job, parse_uuid(value)) if parse_uuid(value) else None
    if job is None:
        errors["job_id"] = "Choose a job." if not value else "No such job."
    elif job.is_archived and job is not current:
        errors["job_id"] = "This job is archived; it takes no new candidates."
        return None
    return job


def _candidate_values(data, *, partial, current_job=None, actor=None):
    """Validated values from form or JSON `data` (a dict, or a parsed CandidateInput/CandidateUpdate);
    with `partial`, only the fields sent. The job must take candidates; the domain is picked from
    the existing ones, and only an admin may name a new one."""
    values, errors = schemas.read(CandidateUpdate if partial else CandidateInput, data, partial=partial)
    sent = schemas.sent(data)
    for name in ("domain", "domain_id", "job_id"):
        values.pop(name, None)
    if not partial or "job_id" in sent:
        values["job"] = _job(sent.get("job_id"), errors, current_job)
    if not partial or "domain" in sent or "domain_id" in sent:
        values["domain"] = read_domain(sent, errors, may_create=getattr(actor, "is_admin", False))
    return values, errors


def _check_unique_email(candidate, errors):
    if "email" in errors or "job_id" in errors or candidate.job is None or not candidate.email:
        return
    query = select(Candidate.id).where(Candidate.job_id == candidate.job.id, Candidate.email == candidate.email)
    if candidate.id is not None:
        query = query.where(Candidate.id != candidate.id)
    if db.session.scalar(query.limit(1)) is not None:
        errors["email"] = DUPLICATE_EMAIL


def _save(candidate, action, actor, **details):
    """Flush, audit and commit; a lost race on the (job, email) constraint becomes a field error."""
    try:
        db.session.flush()
        audit.record(action, candidate, actor=actor, **details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InputError({"email": DUPLICATE_EMAIL}) from None


def create_candidate(data, *, actor=None, resume_file=None):
    """A new candidate, with an optional resume upload; all saved or nothing (InputError)."""
    values, errors = _candidate_values(data, partial=False, actor=actor)
    candidate = Candidate(created_by_id=getattr(actor, "id", None))
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(candidate, name, value)
        _check_unique_email(candidate, errors)
    upload, status = None, 400
    if resume_file is not None and resume_file.filename:
        try:
            upload = resumes.read_upload(resume_file)
        except resumes.ResumeError as error:
            errors.update(error.fields)
            status = error.status
    if errors:
        db.session.rollback()
        raise InputError(errors, status=status if set(errors) == {resumes.FIELD} else 400)
    db.session.add(candidate)
    # The resume's file is written first and the candidate committed with it: a failing disk or
    # a failed commit leaves no candidate, no resume row and no file, so a retry can succeed.
    with resumes.written(upload) as path:
        if path is not None:
            resumes.attach(candidate, upload, path, actor=actor)
        _save(candidate, "candidate.created", actor)
    return candidate


def update_candidate(candidate, data, *, actor=None, partial=False):
    """Change a candidate; moving one with interviews to another job is refused."""
    with db.session.no_autoflush:
        values, errors = _candidate_values(data, partial=partial, current_job=candidate.job, actor=actor)
        new_job = values.get("job")
        if new_job is not None and new_job.id != candidate.job_id and has_interviews(candidate):
            errors["job_id"] = "This candidate has interviews for their current job; add them again for the other job instead."
        if errors:
            db.session.rollback()
            raise InputError(errors)
        for name, value in values.items():
            setattr(candidate, name, value)
        _check_unique_email(candidate, errors)
    if errors:
        db.session.rollback()
        raise InputError(errors)
    _save(
        candidate,
        "candidate.updated",
        actor,
        fields=",".join(sorted(schemas.sent(data).keys() & CandidateUpdate.model_fields.keys())),
    )
    return candidate


def has_interviews(candidate):
    return db.session.scalar(select(exists().where(Interview.candidate_id == candidate.id)))


LIST_KEYSET = Keyset((Candidate.created_at, Candidate.id), descending=True)
# A search's matches are re-checked row by row (trigrams only narrow them down), so its count stops sooner.
SEARCH_COUNT_CAP = 1_000


def _matching(word):
    """Candidates whose name, e-mail or phone contains `word` (any case), found by the search index."""
    pattern = like_pattern(word)
    # FTS5 uses its index only for a LIKE without ESCAPE; words without wildcards need none.
    escape = "\\" if set(word) & set("%_\\") else None
    if db.session.get_bind().dialect.name == "sqlite":
        fts = table("candidates_search", column("search_text"), column("candidate_id"))
        return Candidate.id.in_(select(fts.c.candidate_id).where(fts.c.search_text.like(pattern, escape=escape)))
    return Candidate.search_text.like(pattern, escape=escape)


def search_candidates(query_text="", *, job_id=None, status=None, with_resume_summary=False):
    """A select of candidates, newest first, matching words of name, e-mail or phone, filtered by job and status.

    `with_resume_summary` loads each resume's details without its text, and the domain, in the same statement.
    """
    query = select(Candidate).order_by(*LIST_KEYSET.order())
    for word in (query_text or "").split()[:5]:
        query = query.where(_matching(word))
    if job_id:
        query = query.where(Candidate.job_id == job_id)
    if status:
        query = query.where(Candidate.status == status)
    if with_resume_summary:
        query = query.options(
            joinedload(Candidate.domain),
            joinedload(Candidate.resume)
            .load_only(
                Resume.id, Resume.original_filename, Resume.content_type, Resume.size_bytes, Resume.sha256, Resume.created_at
            )
            .with_expression(Resume.text_present, Resume.parsed_text != ""),
        )
    return query


def candidate_list_page(query_text="", *, job_id=None, status=None, cursor=None, size=20):
    """One page of the recruiters' candidate list after `cursor`, with the (capped) number of matches."""
    query = search_candidates(query_text, job_id=job_id, status=status)
    page = keyset_page(query, LIST_KEYSET, size, cursor=cursor)
    return page, capped_count(query.with_only_columns(Candidate.id), count_cap(query_text))


def count_cap(query_text):
    """How far a list's count goes: SEARCH_COUNT_CAP for a search, the usual cap otherwise."""
    return SEARCH_COUNT_CAP if (query_text or "").split() else None


def candidate_interviews(candidate):
    """The candidate's interviews, newest first, with sessions and schedules loaded for the page."""
    return list(
        db.session.scalars(
            select(Interview)
            .where(Interview.candidate_id == candidate.id)
            .options(selectinload(Interview.session), selectinload(Interview.schedule))
            .order_by(Interview.created_at.desc())
        )
    )


def restore_status(candidate):
    """A candidate left with no booked interview (cancelled, or a no-show) gets back the status the
    booking replaced: their last review's outcome, else `new`. A later status (interviewed, rejected,
    hired) stays. Runs inside the caller's transaction, after the interview's own change."""
    if candidate.status != CandidateStatus.SCHEDULED:
        return
    db.session.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())
    if db.session.scalar(
        select(Interview.id)
        .where(Interview.candidate_id == candidate.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
        .limit(1)
    ):
        return
    last_decision = db.session.scalar(
        select(Interview.decision)
        .where(Interview.candidate_id == candidate.id, Interview.status == InterviewStatus.COMPLETED)
        .order_by(Interview.started_at.desc())
        .limit(1)
    )
    candidate.status = CANDIDATE_STATUS_FOR.get(last_decision, CandidateStatus.NEW)
