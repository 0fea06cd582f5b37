"""Jobs: what an admin sends to create or change one (seed 001's `coding_language`), and a job as answered."""

from pydantic import create_model

from models import CodingLanguage
from services import timeutil
from services.job_rules import RULES
from services.schemas import INSTANT, NULLABLE_STRING, NULLABLE_UUID, STRING, UUID, Answer, Body
from services.schemas.meta import Paging
from services.validation import KEEP_BLANK, Choice, Described, Text, WholeNumber

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
DOMAIN_MAX = 80
MAX_DURATION_MINUTES = 480
DEFAULT_DURATION_MINUTES = 30
PYTHON = CodingLanguage.PYTHON


def _job_fields(*, new):
    """The fields of a new job (title and company required, blanks take the defaults) or of a change
    (PUT/PATCH: every field optional, blanks refused where a value is required)."""

    def blank(default):
        return default if new else KEEP_BLANK

    def default(value):
        return value if new else None

    return {
        "job_title": (Text("Job title", required=True, max_length=TITLE_MAX), ... if new else None),
        "company_name": (Text("Company name", required=True, max_length=TITLE_MAX), ... if new else None),
        "job_description": (Text("Job description", max_length=DESCRIPTION_MAX, multiline=True), default("")),
        "coding_language": (Choice("Coding language", list(CodingLanguage), upper=True, blank=blank(PYTHON)), default(PYTHON)),
        "domain": (
            Text(
                "Domain",
                max_length=DOMAIN_MAX,
                nullable=True,
                description="A domain's name: picked when it exists (any case), else created",
            ),
            None,
        ),
        "domain_id": (Described(NULLABLE_UUID, "Or pick an existing domain by id"), None),
        "duration_minutes": (
            WholeNumber(
                "Interview duration (minutes)",
                low=5,
                high=MAX_DURATION_MINUTES,
                required=True,
                default=DEFAULT_DURATION_MINUTES,
                blank=blank(DEFAULT_DURATION_MINUTES),
            ),
            default(DEFAULT_DURATION_MINUTES),
        ),
        "tech_stack_details": (
            Text("Tech stack details", max_length=DESCRIPTION_MAX, multiline=True, nullable=True, description="Legacy, optional"),
            None,
        ),
        # The self-scheduling rules (services/job_rules.py); blank on a new job: the column's default.
        **{
            rule.name: (
                WholeNumber(rule.label, low=rule.low, high=rule.high, required=True, description=rule.hint, blank=blank(None)),
                None,
            )
            for rule in RULES
        },
    }


JobInput = create_model("JobInput", __base__=Body, **_job_fields(new=True))
JobUpdate = create_model("JobUpdate", __base__=Body, __doc__="Only the fields sent change (PUT too)", **_job_fields(new=False))


class JobListQuery(Paging):
    search: Described(STRING, "Words to match") = None
    q: Described(STRING, "Same as search (older clients)") = None
    include_archived: Described({"enum": ["true", "false"]}, "Also archived jobs") = None

    def words(self):
        return self.search or self.q or ""

    def with_archived(self):
        return (self.include_archived or "").lower() in ("1", "true", "yes")


class Job(Answer):
    id: Described(UUID)
    job_title: Described(STRING)
    company_name: Described(STRING)
    job_description: Described(STRING)
    coding_language: Described({"enum": list(CodingLanguage)})
    domain: Described(NULLABLE_STRING) = None
    domain_id: Described(NULLABLE_UUID) = None
    tech_stack_details: Described(NULLABLE_STRING) = None
    duration_minutes: Described({"type": "integer", "minimum": 5, "maximum": MAX_DURATION_MINUTES})
    archived: Described({"type": "boolean"})
    archived_at: Described(INSTANT) = None
    created_at: Described(INSTANT) = None
    updated_at: Described(INSTANT) = None

    @classmethod
    def of(cls, job):
        return cls(
            id=str(job.id),
            job_title=job.job_title,
            company_name=job.company_name,
            job_description=job.job_description,
            coding_language=job.coding_language,
            domain=job.domain.name if job.domain else None,
            domain_id=str(job.domain_id) if job.domain_id else None,
            tech_stack_details=job.tech_stack_details,
            duration_minutes=job.duration_minutes,
            archived=job.is_archived,
            archived_at=timeutil.isoformat_z(job.archived_at),
            created_at=timeutil.isoformat_z(job.created_at),
            updated_at=timeutil.isoformat_z(job.updated_at),
        )
