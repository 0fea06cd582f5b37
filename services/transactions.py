"""Taking an interview's state under lock: where every state change of an interview begins.

`UPDATE interviews SET status = status WHERE id = :id AND <what the caller saw>` takes the row
lock on PostgreSQL (a concurrent change is waited for, then the condition is checked against the
row it committed) and, as the transaction's first write, SQLite's one write lock (every read after
it sees all committed changes). Its row count decides; the entities are then re-read, so the
caller decides on the state as it is, and frees a seat only when it changed that state itself.

Lock order, kept by every caller so two changes never wait on each other: the interview, then
its session, then slots, then the candidate. Invitations begin by locking their job (take_open_job).
"""

from functools import wraps

from sqlalchemy import update

from models import Interview, InterviewSession, Job, OrgSettings, db


def one_transaction(service):
    """Roll everything back (locks released, seats included) when a service fails for any reason."""

    @wraps(service)
    def run(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return run


def _touch(model, row_id, *conditions):
    """Lock one row by writing its status unchanged; True if it exists and meets `conditions`."""
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, *conditions)
        .values(status=model.status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def take_interview(interview, statuses, **unchanged):
    """Lock `interview`'s row and re-read it: True iff its status is still one of `statuses` and
    every column named in `unchanged` (e.g. sequence=3) still has that value."""
    conditions = [Interview.status.in_(statuses)] + [getattr(Interview, name) == value for name, value in unchanged.items()]
    taken = _touch(Interview, interview.id, *conditions)
    db.session.refresh(interview)
    return taken


def lock_session(session):
    """Lock a candidate session's interview, then the session, and re-read everything loaded."""
    if session.interview_id is not None:
        _touch(Interview, session.interview_id)
    _touch(InterviewSession, session.id)
    # Questions and answers loaded before the lock may be stale: reload them on next use.
    db.session.expire_all()


def take_open_job(job):
    """Lock `job`'s row to create its scheduling invitations (one transaction at a time per job, so
    a candidate never gets two live ones at once); True iff the job is still open (not archived)."""
    result = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.archived_at.is_(None))
        # Named explicitly so the ORM's onupdate does not move updated_at for a lock.
        .values(archived_at=Job.archived_at, updated_at=Job.updated_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def ensure_org_settings_row():
    """The organisation's settings row (id 1) exists afterwards, whoever inserted it: two first
    writes at once never meet a duplicate key (the later waits for the earlier, then does nothing)."""
    # Imported here: the engine has loaded its own dialect, and PostgreSQL's is slow to load on SQLite.
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(OrgSettings).values(id=1, require_two_factor=False).on_conflict_do_nothing(index_elements=["id"]))
