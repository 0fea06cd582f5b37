"""JSON API for jobs (seed 001: `POST /api/jobs/` with `coding_language`). Admins write, any token reads."""
from flask import g, jsonify, request

from blueprints.api import bp
from blueprints.api.auth import require_admin
from blueprints.api.pagination import paginated_response
from blueprints.api.responses import get_or_404, input_error, json_body
from models import Job
from services import jobs, timeutil
from services.errors import InputError

TRUE_WORDS = ("1", "true", "yes")


def job_json(job):
    return {
        "id": str(job.id),
        "job_title": job.job_title,
        "company_name": job.company_name,
        "job_description": job.job_description,
        "coding_language": job.coding_language,
        "domain": job.domain.name if job.domain else None,
        "domain_id": str(job.domain_id) if job.domain_id else None,
        "tech_stack_details": job.tech_stack_details,
        "duration_minutes": job.duration_minutes,
        "archived": job.is_archived,
        "archived_at": timeutil.isoformat_z(job.archived_at),
        "created_at": timeutil.isoformat_z(job.created_at),
        "updated_at": timeutil.isoformat_z(job.updated_at),
    }


@bp.get("/jobs/")
def list_jobs():
    """Jobs by title, paginated; `search` matches title, company or domain; `include_archived=true`."""
    query_text = request.args.get("search") or request.args.get("q") or ""
    include_archived = (request.args.get("include_archived") or "").lower() in TRUE_WORDS
    return paginated_response(jobs.search_jobs(query_text, include_archived=include_archived), job_json, count_column=Job.id)


@bp.post("/jobs/")
def create_job():
    """A job from `job_title, company_name, job_description, coding_language, domain, duration_minutes`."""
    require_admin()
    try:
        job = jobs.create_job(json_body(), actor=g.api_user)
    except InputError as error:
        return input_error(error)
    return jsonify(job_json(job)), 201


@bp.get("/jobs/<job_id>/")
def get_job(job_id):
    """One job."""
    return jsonify(job_json(get_or_404(Job, job_id, "Job")))


@bp.route("/jobs/<job_id>/", methods=["PUT", "PATCH"])
def update_job(job_id):
    """Change the fields sent; PUT is partial too, as the seed's frontend sends `{"coding_language": …}` alone."""
    require_admin()
    job = get_or_404(Job, job_id, "Job")
    try:
        jobs.update_job(job, json_body(), actor=g.api_user, partial=True)
    except InputError as error:
        return input_error(error)
    return jsonify(job_json(job))
