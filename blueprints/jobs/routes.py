"""Jobs: admins create, edit and archive them; recruiters read them."""

from flask import flash, render_template, request, url_for
from flask_login import current_user

from blueprints.forms import EmptyForm, apply_errors
from blueprints.jobs import bp
from blueprints.jobs.forms import JobForm
from blueprints.web import admin_required, form_status, redirect_after_post, render_page_or_fragment
from models import Job, db
from services import job_rules, jobs
from services.errors import ServiceError

PER_PAGE = 20


@bp.get("/")
def index():
    """Jobs matching the search, open ones first; htmx swaps just the list as the user types."""
    query_text = request.args.get("q", "").strip()
    show_archived = request.args.get("archived") == "1"
    page = db.paginate(
        jobs.search_jobs(query_text, include_archived=show_archived), per_page=PER_PAGE, max_per_page=100, error_out=False
    )
    return render_page_or_fragment("jobs/index.html", "jobs/_list.html", results=page, q=query_text, show_archived=show_archived)


def _job_or_404(job_id):
    return db.get_or_404(Job, job_id, description="Job not found.")


@bp.get("/<uuid:job_id>")
def detail(job_id):
    """One job with everything an interview is built from."""
    job = _job_or_404(job_id)
    return render_template("jobs/detail.html", job=job, action_form=EmptyForm(), in_use=jobs.is_in_use(job))


def _form_page(form, job):
    """The form, or again with its errors (422): just the form for htmx, else the page."""
    context = {"form": form, "job": job, "domains": jobs.domain_names(), "rules": job_rules.RULES}
    return render_page_or_fragment("jobs/form.html", "jobs/_form.html", status=form_status(form.errors), **context)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """A new job."""
    form = JobForm()
    if form.validate_on_submit():
        try:
            job = jobs.create_job(form.data, actor=current_user)
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            flash(f"Job “{job.job_title}” created.", "success")
            return redirect_after_post(url_for("jobs.detail", job_id=job.id))
    return _form_page(form, None)


@bp.route("/<uuid:job_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(job_id):
    """Change a job; interviews already booked keep the text they were booked with."""
    job = _job_or_404(job_id)
    form = JobForm(obj=job)  # the Domain renders as its name
    if form.validate_on_submit():
        try:
            jobs.update_job(job, form.data, actor=current_user)
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            flash("Job saved. Interviews already booked keep the details they were booked with.", "success")
            return redirect_after_post(url_for("jobs.detail", job_id=job.id))
    return _form_page(form, job)


@bp.get("/<uuid:job_id>/remove")
@admin_required
def confirm_remove(job_id):
    """Without JavaScript, the second step: archive (or delete) the job?"""
    job = _job_or_404(job_id)
    return render_template(
        "confirm.html",
        question="jobs/_remove_question.html",
        job=job,
        in_use=jobs.is_in_use(job),
        back_url=url_for("jobs.detail", job_id=job.id),
    )


@bp.post("/<uuid:job_id>/remove")
@admin_required
def remove(job_id):
    """Delete an unused job; archive one with candidates, slots or interviews."""
    job = _job_or_404(job_id)
    title = job.job_title
    if jobs.remove_job(job, actor=current_user) == "archived":
        flash(f"“{title}” is archived: it has candidates, slots or interviews, so it is kept for their records.", "success")
        return redirect_after_post(url_for("jobs.detail", job_id=job_id))
    flash(f"“{title}” deleted.", "success")
    return redirect_after_post(url_for("jobs.index"))


@bp.post("/<uuid:job_id>/restore")
@admin_required
def restore(job_id):
    """Bring an archived job back."""
    job = _job_or_404(job_id)
    jobs.restore_job(job, actor=current_user)
    flash(f"“{job.job_title}” is open again.", "success")
    return redirect_after_post(url_for("jobs.detail", job_id=job.id))
