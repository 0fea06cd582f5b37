"""JSON API for candidates and their resumes (multipart upload in the field `file`)."""
from flask import g, jsonify, request

from blueprints.api import bp
from blueprints.api.pagination import paginated_response
from blueprints.api.responses import bad_input, get_or_404, input_error, json_body
from models import Candidate, CandidateStatus
from services import candidates, resumes, timeutil
from services.errors import InputError
from services.validation import parse_uuid


def resume_json(resume, with_text=True):
    if resume is None:
        return None
    body = {
        "id": str(resume.id),
        "original_filename": resume.original_filename,
        "content_type": resume.content_type,
        "size_bytes": resume.size_bytes,
        "sha256": resume.sha256,
        # Lists load only whether there is text (text_present), not the text.
        "has_text": resume.has_text if with_text else bool(resume.text_present),
        "uploaded_at": timeutil.isoformat_z(resume.created_at),
    }
    if with_text:
        body["parsed_text"] = resume.parsed_text
    return body


def candidate_json(candidate, with_resume_text=True):
    return {
        "id": str(candidate.id),
        "full_name": candidate.full_name,
        "email": candidate.email,
        "phone": candidate.phone,
        "work_experience": candidate.work_experience,
        "domain": candidate.domain.name if candidate.domain else None,
        "status": candidate.status,
        "job_id": str(candidate.job_id),
        "job_title": candidate.job.job_title,
        "resume": resume_json(candidate.resume, with_resume_text),
        "created_at": timeutil.isoformat_z(candidate.created_at),
        "updated_at": timeutil.isoformat_z(candidate.updated_at),
    }


def _with_resume_warning(candidate):
    body = candidate_json(candidate)
    if candidate.resume is not None and not candidate.resume.has_text:
        body["warning"] = resumes.NO_TEXT_WARNING
    return body


@bp.get("/candidates/")
def list_candidates():
    """Candidates, newest first, paginated; filter with `search`, `job_id` and `status` (resume text left out)."""
    fields = {}
    job_id = request.args.get("job_id")
    if job_id and parse_uuid(job_id) is None:
        fields["job_id"] = "Not a job id."
    status = request.args.get("status")
    if status and status not in CandidateStatus.values():
        fields["status"] = f"One of {', '.join(CandidateStatus.values())}."
    if fields:
        return bad_input("Invalid filter.", fields)
    search = request.args.get("search") or request.args.get("q") or ""
    query = candidates.search_candidates(search, job_id=parse_uuid(job_id), status=status, with_resume_summary=True)
    return paginated_response(
        query, lambda candidate: candidate_json(candidate, with_resume_text=False),
        count_column=Candidate.id, keyset=candidates.LIST_KEYSET, count_cap=candidates.count_cap(search),
    )


@bp.post("/candidates/")
def create_candidate():
    """A candidate from `full_name, email, phone, work_experience, domain, status, job_id` (and `file`, multipart)."""
    try:
        candidate = candidates.create_candidate(json_body(), actor=g.api_user, resume_file=request.files.get(resumes.FIELD))
    except InputError as error:
        return input_error(error)
    return jsonify(_with_resume_warning(candidate)), 201


@bp.get("/candidates/<candidate_id>/")
def get_candidate(candidate_id):
    """One candidate with the resume's extracted text."""
    return jsonify(candidate_json(get_or_404(Candidate, candidate_id, "Candidate")))


@bp.patch("/candidates/<candidate_id>/")
def update_candidate(candidate_id):
    """Change the fields sent."""
    candidate = get_or_404(Candidate, candidate_id, "Candidate")
    try:
        candidates.update_candidate(candidate, json_body(), actor=g.api_user, partial=True)
    except InputError as error:
        return input_error(error)
    return jsonify(candidate_json(candidate))


@bp.post("/candidates/<candidate_id>/resume/")
def upload_resume(candidate_id):
    """Upload or replace the resume (multipart, field `file`); the old one stays until the new one is read."""
    candidate = get_or_404(Candidate, candidate_id, "Candidate")
    try:
        resumes.upload_and_store(candidate, request.files.get(resumes.FIELD), actor=g.api_user)
    except InputError as error:
        return input_error(error)
    return jsonify(_with_resume_warning(candidate)), 201
