"""Candidates and their resumes: what a recruiter sends to add or change one, and a candidate as answered."""

from typing import Annotated

from pydantic import create_model

from models import CandidateStatus
from services import accounts, timeutil
from services.schemas import INSTANT, NULLABLE_STRING, STRING, UUID, Answer, Body
from services.schemas.meta import CursorPaging
from services.validation import KEEP_BLANK, Checked, Choice, ChoiceFilter, Described, IdFilter, Text, WholeNumber, clean_text

NAME_MAX = 200
PHONE_MAX = 40
PHONE_CHARACTERS = set("0123456789+-() .")
MAX_EXPERIENCE_YEARS = 70
EMAIL_MAX = 254


def parse_email(value, errors):
    """An e-mail address in the one form accounts are stored in, or a message in `errors["value"]`."""
    text = clean_text(value, "value", errors, label="E-mail", required=True, max_length=EMAIL_MAX)
    if text is None:
        return None
    try:
        return accounts.normalise_email(text)
    except accounts.AccountError as exc:
        errors["value"] = f"“{text[:80]}” is not a valid e-mail address: {exc}"
        return None


def parse_phone(value, errors):
    """A phone number of digits and + - ( ) (at least 6 digits), "" when blank."""
    text = clean_text(value, "value", errors, label="Phone", max_length=PHONE_MAX)
    if text and (not set(text) <= PHONE_CHARACTERS or sum(ch.isdigit() for ch in text) < 6):
        errors["value"] = "Enter a phone number of digits, spaces and + - ( ) (at least 6 digits)."
        return None
    return text or ""


def given_job(value, errors):
    """The job id as sent; whether it is a job that takes candidates is services/candidates.py's to say."""
    if not value:
        errors["value"] = "Choose a job."
    return value


EMAIL = Checked(
    parse_email, {"type": "string", "format": "email", "maxLength": EMAIL_MAX, "description": "Stored lower-case; unique per job"}
)
JOB_ID = Checked(given_job, UUID)
PHONE = Checked(parse_phone, {"type": "string", "maxLength": PHONE_MAX})


def _candidate_fields(*, new):
    """The fields of a new candidate (name, e-mail and job required) or of a change (every field optional)."""
    return {
        "full_name": (Text("Full name", required=True, max_length=NAME_MAX), ... if new else None),
        "email": (Annotated[str, EMAIL], ... if new else None),
        "phone": (Annotated[str, PHONE], "" if new else None),
        "work_experience": (WholeNumber("Work experience (years)", low=0, high=MAX_EXPERIENCE_YEARS, description="Years"), None),
        "domain": (
            Described(
                {"type": ["string", "null"], "maxLength": 80},
                "An existing domain's name (any case); only admins may name a new one",
            ),
            None,
        ),
        "domain_id": (Described({"type": ["string", "null"], "format": "uuid"}, "Or pick an existing domain by id"), None),
        "status": (
            Choice("Status", list(CandidateStatus), blank=CandidateStatus.NEW if new else KEEP_BLANK),
            CandidateStatus.NEW if new else None,
        ),
        "job_id": (Annotated[str, JOB_ID], ... if new else None),
    }


CandidateInput = create_model("CandidateInput", __base__=Body, **_candidate_fields(new=True))
CandidateUpdate = create_model(
    "CandidateUpdate", __base__=Body, __doc__="Only the fields sent change", **_candidate_fields(new=False)
)


class CandidateListQuery(CursorPaging):
    search: Described(STRING, "Words to match") = None
    q: Described(STRING, "Same as search (older clients)") = None
    job_id: IdFilter("Not a job id.", "Only this job's candidates") = None
    status: ChoiceFilter(list(CandidateStatus), "Only candidates with this status") = None

    def words(self):
        return self.search or self.q or ""


class Resume(Answer):
    id: Described(UUID)
    original_filename: Described(STRING)
    content_type: Described(STRING)
    size_bytes: Described({"type": "integer", "minimum": 1})
    sha256: Described(STRING) = None
    has_text: Described({"type": "boolean"})
    uploaded_at: Described(INSTANT) = None
    parsed_text: Described(STRING, "Extracted on upload; left out of lists") = None

    @classmethod
    def of(cls, resume, *, with_text=True):
        fields = {"parsed_text": resume.parsed_text} if with_text else {}
        return cls(
            id=str(resume.id),
            original_filename=resume.original_filename,
            content_type=resume.content_type,
            size_bytes=resume.size_bytes,
            sha256=resume.sha256,
            # Lists load only whether there is text (text_present), not the text.
            has_text=resume.has_text if with_text else bool(resume.text_present),
            uploaded_at=timeutil.isoformat_z(resume.created_at),
            **fields,
        )


class Candidate(Answer):
    id: Described(UUID)
    full_name: Described(STRING)
    email: Described(STRING)
    phone: Described(STRING) = None
    work_experience: Described({"type": ["integer", "null"]}) = None
    domain: Described(NULLABLE_STRING) = None
    status: Described({"enum": list(CandidateStatus)})
    job_id: Described(UUID)
    job_title: Described(STRING) = None
    resume: Resume | None
    warning: Described(STRING, "Set when the uploaded resume has no extractable text") = None
    created_at: Described(INSTANT) = None
    updated_at: Described(INSTANT) = None

    @classmethod
    def of(cls, candidate, *, with_resume_text=True, warning=None):
        """The candidate; `warning` (a resume without text) only where an upload just happened."""
        extra = {"warning": warning} if warning else {}
        return cls(
            id=str(candidate.id),
            full_name=candidate.full_name,
            email=candidate.email,
            phone=candidate.phone,
            work_experience=candidate.work_experience,
            domain=candidate.domain.name if candidate.domain else None,
            status=candidate.status,
            job_id=str(candidate.job_id),
            job_title=candidate.job.job_title,
            resume=Resume.of(candidate.resume, with_text=with_resume_text) if candidate.resume else None,
            created_at=timeutil.isoformat_z(candidate.created_at),
            updated_at=timeutil.isoformat_z(candidate.updated_at),
            **extra,
        )
