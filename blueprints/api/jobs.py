"""JSON API for jobs (seed 001: `POST /api/jobs/` with `coding_language`). Admins write, any token reads."""

from flask import g

from blueprints.api.operations import operation
from blueprints.api.pagination import paginated
from models import Job as JobRow
from services import jobs
from services.schemas.jobs import Job, JobInput, JobListQuery, JobUpdate
from services.schemas.meta import page_of

TAG = "Jobs"
JOB = {"job_id": (JobRow, "Job")}


@operation(
    "GET",
    "/jobs/",
    summary="Jobs by title (open ones unless include_archived)",
    tag=TAG,
    query=JobListQuery,
    response=page_of(Job),
    errors=(400,),
)
def list_jobs(query):
    """Jobs by title, paginated; `search` matches title, company or domain; `include_archived=true`."""
    return paginated(jobs.search_jobs(query.words(), include_archived=query.with_archived()), Job, count_column=JobRow.id)


@operation(
    "POST", "/jobs/", summary="Create a job (admins)", tag=TAG, admin=True, body=JobInput, response=Job, status=201, errors=(400,)
)
def create_job(body):
    """A job from `job_title, company_name, job_description, coding_language, domain, duration_minutes`."""
    return Job.of(jobs.create_job(body, actor=g.api_user))


@operation("GET", "/jobs/<job_id>/", summary="One job", tag=TAG, rows=JOB, response=Job, errors=(404,))
def get_job(job):
    """One job."""
    return Job.of(job)


@operation(
    ("PUT", "PATCH"),
    "/jobs/<job_id>/",
    summary="Change the fields sent (admins; the older system's frontend sends one field with PUT)",
    tag=TAG,
    admin=True,
    rows=JOB,
    body=JobUpdate,
    response=Job,
    errors=(400, 404),
)
def update_job(job, body):
    """Change the fields sent; PUT is partial too, as the seed's frontend sends `{"coding_language": …}` alone."""
    return Job.of(jobs.update_job(job, body, actor=g.api_user, partial=True))
