"""How long candidates' voice recordings are kept: `AUDIO_RETENTION_DAYS` after the answer.

Recordings are personal data kept only for the recruiter's review. `flask audio purge` (run daily,
e.g. from cron) deletes the files past the retention period, keeps the typed answer, and notes on
the answer when the recording went, so the review page can say so.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from models import InterviewAnswer, db
from services.interviewer import audio as recordings

log = logging.getLogger(__name__)
BATCH_SIZE = 200
# A file younger than this may belong to an answer being saved right now (written before the commit).
ORPHAN_MIN_AGE = timedelta(hours=1)


@dataclass
class PurgeResult:
    deleted: int = 0
    orphans: int = 0
    failed: int = 0


def purge_recordings(now, retention_days):
    """Delete recordings of answers submitted more than `retention_days` ago, and stray files.

    Each batch is committed before its files are unlinked: a crash in between leaves a file no
    answer points to, which the orphan sweep of the next run removes.
    """
    if retention_days <= 0:
        raise ValueError("retention_days must be positive")
    result = PurgeResult()
    cutoff = now - timedelta(days=retention_days)
    folder = recordings.audio_folder()
    while True:
        answers = db.session.scalars(
            select(InterviewAnswer)
            .where(InterviewAnswer.audio_stored_name.is_not(None), InterviewAnswer.submitted_at < cutoff)
            .order_by(InterviewAnswer.submitted_at)
            .limit(BATCH_SIZE)
        ).all()
        if not answers:
            break
        names = [answer.audio_stored_name for answer in answers]
        for answer in answers:
            answer.audio_stored_name, answer.audio_deleted_at = None, now
        db.session.commit()
        for name in names:
            if _unlink(folder / name):
                result.deleted += 1
            else:
                result.failed += 1
    result.orphans = _remove_orphans(folder, now)
    return result


def _remove_orphans(folder, now):
    """Files in the audio folder that no answer refers to, older than ORPHAN_MIN_AGE."""
    if not folder.is_dir():
        return 0
    referenced = set(
        db.session.scalars(select(InterviewAnswer.audio_stored_name).where(InterviewAnswer.audio_stored_name.is_not(None)))
    )
    oldest_allowed = (now - ORPHAN_MIN_AGE).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in referenced and path.stat().st_mtime < oldest_allowed and _unlink(path):
            removed += 1
    return removed


def _unlink(path):
    try:
        path.unlink(missing_ok=True)
        return True
    except OSError as exc:
        log.error("Could not delete recording %s: %s", path, exc)
        return False
