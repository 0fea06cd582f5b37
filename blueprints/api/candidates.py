"""JSON API for candidates and their resumes (multipart upload in the field `file`)."""

from flask import g, request

from blueprints.api.operations import operation
from blueprints.api.pagination import paginated
from models import Candidate as CandidateRow
from services import candidates, resumes
from services.schemas.candidates import Candidate, CandidateInput, CandidateListQuery, CandidateUpdate
from services.schemas.meta import page_of

TAG = "Candidates"
CANDIDATE = {"candidate_id": (CandidateRow, "Candidate")}
RESUME_UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}


def _with_resume_warning(candidate):
    """The candidate, with a warning when the resume just uploaded has no text."""
    warning = resumes.NO_TEXT_WARNING if candidate.resume is not None and not candidate.resume.has_text else None
    return Candidate.of(candidate, warning=warning)


@operation(
    "GET",
    "/candidates/",
    summary="Candidates, newest first (without resume text)",
    tag=TAG,
    query=CandidateListQuery,
    response=page_of(Candidate),
    errors=(400,),
)
def list_candidates(query):
    """Candidates, newest first, paginated; filter with `search`, `job_id` and `status` (resume text left out)."""
    rows = candidates.search_candidates(query.words(), job_id=query.job_id, status=query.status, with_resume_summary=True)
    return paginated(
        rows,
        Candidate,
        serialize=lambda candidate: Candidate.of(candidate, with_resume_text=False),
        count_column=CandidateRow.id,
        keyset=candidates.LIST_KEYSET,
        count_cap=candidates.count_cap(query.words()),
    )


@operation(
    "POST",
    "/candidates/",
    summary="Create a candidate (multipart form fields with the resume in `file` also work)",
    tag=TAG,
    body=CandidateInput,
    response=Candidate,
    status=201,
    errors=(400, 503, 507),
)
def create_candidate(body):
    """A candidate from `full_name, email, phone, work_experience, domain, status, job_id` (and `file`, multipart)."""
    candidate = candidates.create_candidate(body, actor=g.api_user, resume_file=request.files.get(resumes.FIELD))
    return _with_resume_warning(candidate)


@operation(
    "GET",
    "/candidates/<candidate_id>/",
    summary="One candidate with the resume's text",
    tag=TAG,
    rows=CANDIDATE,
    response=Candidate,
    errors=(404,),
)
def get_candidate(candidate):
    """One candidate with the resume's extracted text."""
    return Candidate.of(candidate)


@operation(
    "PATCH",
    "/candidates/<candidate_id>/",
    summary="Change the fields sent",
    tag=TAG,
    rows=CANDIDATE,
    body=CandidateUpdate,
    response=Candidate,
    errors=(400, 404),
)
def update_candidate(candidate, body):
    """Change the fields sent."""
    return Candidate.of(candidates.update_candidate(candidate, body, actor=g.api_user, partial=True))


@operation(
    "POST",
    "/candidates/<candidate_id>/resume/",
    summary="Upload or replace the resume: PDF, DOCX or TXT, checked by content",
    tag=TAG,
    rows=CANDIDATE,
    multipart=RESUME_UPLOAD,
    responses={201: (Candidate, "Stored; `warning` when no text could be extracted")},
    errors=(400, 404, 413, 503, 507),
)
def upload_resume(candidate):
    """Upload or replace the resume (multipart, field `file`); the old one stays until the new one is read."""
    resumes.upload_and_store(candidate, request.files.get(resumes.FIELD), actor=g.api_user)
    return _with_resume_warning(candidate), 201
