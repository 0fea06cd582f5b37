"""Jobs: the records interviews are built from. Admins keep them; sessions snapshot them at booking."""

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from models import Candidate, Domain, Interview, InterviewSlot, Job, db
from services import audit, schemas, timeutil
from services.errors import InputError
from services.job_rules import RULE_NAMES
from services.schemas.jobs import DOMAIN_MAX, JobInput, JobUpdate
from services.validation import clean_text, like_pattern, parse_uuid

DOMAINS_LISTED = 20  # in the message for an unknown domain


def build_job_description(job):
    """The text an interview session snapshots: title, company, description, domain (seed 003's fix).

    Never the legacy tech_stack_details alone; it is appended only as extra context.
    """
    lines = [f"Job Title: {job.job_title}", f"Company: {job.company_name}"]
    if job.domain is not None:
        lines.append(f"Domain: {job.domain.name}")
    if job.job_description and job.job_description.strip():
        lines += ["", job.job_description.strip()]
    if job.tech_stack_details and job.tech_stack_details.strip():
        lines += ["", f"Tech stack: {job.tech_stack_details.strip()}"]
    return "\n".join(lines)


def domain_names():
    """Every domain's name, for the domain inputs."""
    return list(db.session.scalars(select(Domain.name).order_by(Domain.name)))


def find_domain(name):
    """The domain called `name` (case-insensitive), or None."""
    return db.session.scalar(select(Domain).where(func.lower(Domain.name) == name.lower())) if name else None


def find_or_create_domain(name):
    """The domain called `name` (case-insensitive), created when new; None for a blank name."""
    domain = find_domain(name)
    if domain is not None or not name:
        return domain
    try:
        # A savepoint, so losing a race to create the same name keeps the caller's transaction.
        with db.session.begin_nested():
            domain = Domain(name=name)
            db.session.add(domain)
    except IntegrityError:
        domain = find_domain(name)
    return domain


def read_domain(data, errors, *, may_create):
    """The domain picked by `domain_id` or named by `domain`; blank means none.

    Only admins (`may_create`) name new domains; anyone else naming an unknown one gets a message
    listing the existing ones. Call it after the other fields are checked: a new domain is created
    only if `errors` is empty, so refused input leaves no new domain behind.
    """
    if data.get("domain_id"):
        domain = db.session.get(Domain, parse_uuid(data["domain_id"])) if parse_uuid(data["domain_id"]) else None
        if domain is None:
            errors["domain_id"] = "No such domain."
        return domain
    name = clean_text(data.get("domain"), "domain", errors, label="Domain", max_length=DOMAIN_MAX)
    if not name:
        return None
    if may_create:
        return find_or_create_domain(name) if not errors else None
    domain = find_domain(name)
    if domain is None:
        errors["domain"] = _unknown_domain(name)
    return domain


def _unknown_domain(name):
    names = domain_names()
    if not names:
        return f"Unknown domain “{name}”; there are no domains yet (admins add them)."
    shown = ", ".join(names[:DOMAINS_LISTED]) + (", …" if len(names) > DOMAINS_LISTED else "")
    return f"Unknown domain “{name}”; pick one of {shown} (admins add new ones)."


def _apply(job, data, *, partial):
    """Set the fields of form or JSON `data` (a dict, or a parsed JobInput/JobUpdate); with `partial`, only those sent."""
    values, errors = schemas.read(JobUpdate if partial else JobInput, data, partial=partial)
    sent = schemas.sent(data)
    domain_given = not partial or "domain" in sent or "domain_id" in sent
    domain = read_domain(sent, errors, may_create=True) if domain_given else None  # jobs are admins' work
    if errors:
        raise InputError(errors)
    for name, value in values.items():
        if name in ("domain", "domain_id") or (name in RULE_NAMES and value is None):
            continue  # the domain is read above; a rule left blank keeps the column's default
        setattr(job, name, value)
    if domain_given:
        job.domain = domain


def create_job(data, *, actor=None):
    """A new job from form or JSON `data`; InputError with per-field messages when invalid."""
    job = Job(created_by_id=getattr(actor, "id", None))
    try:
        _apply(job, data, partial=False)
        db.session.add(job)
        db.session.flush()
        audit.record("job.created", job, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return job


def update_job(job, data, *, actor=None, partial=False):
    """Change a job; booked sessions keep their own snapshot, so they never change with it."""
    try:
        _apply(job, data, partial=partial)
        audit.record(
            "job.updated", job, actor=actor, fields=",".join(sorted(schemas.sent(data).keys() & JobUpdate.model_fields.keys()))
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return job


def search_jobs(query_text="", *, include_archived=False):
    """A select of jobs matching words of title, company or domain, open ones first, by title."""
    query = select(Job).outerjoin(Job.domain).order_by(Job.archived_at.is_not(None), func.lower(Job.job_title), Job.created_at)
    for word in (query_text or "").split()[:5]:
        pattern = like_pattern(word)
        query = query.where(
            or_(
                func.lower(Job.job_title).like(pattern, escape="\\"),
                func.lower(Job.company_name).like(pattern, escape="\\"),
                func.lower(Domain.name).like(pattern, escape="\\"),
            )
        )
    if not include_archived:
        query = query.where(Job.archived_at.is_(None))
    return query


def is_in_use(job):
    """True when candidates, slots or interviews point at the job (so it is archived, not deleted)."""
    return db.session.scalar(
        select(
            exists().where(Interview.job_id == job.id)
            | exists().where(Candidate.job_id == job.id)
            | exists().where(InterviewSlot.job_id == job.id)
        )
    )


def remove_job(job, *, actor=None):
    """Delete an unused job; archive one that has candidates, slots or interviews. Returns which."""
    if is_in_use(job):
        if job.archived_at is None:
            job.archived_at = timeutil.now()
            audit.record("job.archived", job, actor=actor)
        db.session.commit()
        return "archived"
    audit.record("job.deleted", job, actor=actor, title=job.job_title)
    db.session.delete(job)
    db.session.commit()
    return "deleted"


def restore_job(job, *, actor=None):
    """Bring an archived job back into the pickers."""
    if job.archived_at is not None:
        job.archived_at = None
        audit.record("job.restored", job, actor=actor)
        db.session.commit()
    return job
