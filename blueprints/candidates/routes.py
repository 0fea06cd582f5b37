"""Candidates: search, add and edit them, their resumes (upload, replace, download) and interviews."""

from flask import abort, flash, render_template, request, send_from_directory, url_for
from flask_login import current_user
from wtforms import SelectChoice

from blueprints.candidates import bp
from blueprints.candidates.forms import AdminCandidateForm, CandidateForm, ResumeForm
from blueprints.forms import apply_errors
from blueprints.web import INVALID_FORM, form_status, is_htmx, redirect_after_post, render_page_or_fragment
from models import Candidate, CandidateStatus, SchedulingInvitation, db
from services import candidates, jobs, resumes, scheduling, scheduling_invitations
from services.errors import InputError, ServiceError
from services.slots import crud as slot_crud
from services.validation import parse_uuid

PER_PAGE = 20


def _list_filters(values):
    """The list's search words, job and status from request values (unknown ones left out)."""
    status = values.get("status")
    return values.get("q", "").strip(), parse_uuid(values.get("job")), status if status in list(CandidateStatus) else None


@bp.get("/")
def index():
    """Candidates matching the search, job and status filters; htmx swaps just the list."""
    query_text, job_id, status = _list_filters(request.args)
    cursor = request.args.get("cursor") or None
    try:
        page, total = candidates.candidate_list_page(query_text, job_id=job_id, status=status, cursor=cursor, size=PER_PAGE)
    except InputError:
        abort(400, description="This link to more candidates is not valid; start again from the list.")
    return render_page_or_fragment(
        "candidates/index.html",
        "candidates/_list.html",
        results=page,
        total=total,
        cursor=cursor,
        q=query_text,
        job_filter=str(job_id) if job_id else "",
        status_filter=status or "",
        jobs=db.session.scalars(jobs.search_jobs(include_archived=True).limit(500)).all(),
        statuses=list(CandidateStatus),
        open_jobs=slot_crud.open_jobs(),
    )


def _candidate_or_404(candidate_id):
    return db.get_or_404(Candidate, candidate_id, description="Candidate not found.")


def _job_choices(form, current_job=None):
    """Open jobs, plus the candidate's own job when it has been archived since."""
    choices = slot_crud.open_jobs()
    if current_job is not None and current_job not in choices:
        choices.insert(0, current_job)
    form.job_id.choices = [SelectChoice("", "Choose a job")] + [
        SelectChoice(str(job.id), f"{job.job_title} · {job.company_name}") for job in choices
    ]


def _candidate_form(**kwargs):
    """The candidate form with its choices: recruiters pick a domain from a list, admins may type a new one."""
    form = (AdminCandidateForm if current_user.is_admin else CandidateForm)(**kwargs)
    if not current_user.is_admin:
        form.domain.choices = [SelectChoice("", "No domain")] + [SelectChoice(name) for name in jobs.domain_names()]
    return form


def _form_page(form, candidate):
    """The form, or again with its errors (422): just the form for htmx, else the page."""
    context = {"form": form, "candidate": candidate, "domains": jobs.domain_names()}
    return render_page_or_fragment("candidates/form.html", "candidates/_form.html", status=form_status(form.errors), **context)


def _flash_resume_state(candidate):
    if candidate.resume is not None and not candidate.resume.has_text:
        flash(resumes.NO_TEXT_WARNING, "warning")


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A new candidate for a job, optionally with a resume; nothing is saved unless all is valid."""
    form = _candidate_form()
    _job_choices(form)
    if request.method == "GET" and request.args.get("job"):
        form.job_id.data = request.args["job"]
    if form.validate_on_submit():
        try:
            candidate = candidates.create_candidate(form.data, actor=current_user, resume_file=form.file.data)
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            flash(f"{candidate.full_name} added.", "success")
            _flash_resume_state(candidate)
            return redirect_after_post(url_for("candidates.detail", candidate_id=candidate.id))
    return _form_page(form, None)


@bp.route("/<uuid:candidate_id>/edit", methods=["GET", "POST"])
def edit(candidate_id):
    """Change a candidate's details (the resume has its own form on the candidate's page)."""
    candidate = _candidate_or_404(candidate_id)
    form = _candidate_form(obj=candidate)  # the Domain renders as its name
    del form.file
    _job_choices(form, candidate.job)
    if request.method == "GET":
        form.job_id.data = str(candidate.job_id)
    if form.validate_on_submit():
        try:
            candidates.update_candidate(candidate, form.data, actor=current_user)
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            flash("Candidate saved.", "success")
            return redirect_after_post(url_for("candidates.detail", candidate_id=candidate.id))
    return _form_page(form, candidate)


def _detail_context(candidate, resume_form):
    return {
        "candidate": candidate,
        "interviews": candidates.candidate_interviews(candidate),
        "invitations": scheduling.invitations_for(candidate),
        "resume_form": resume_form,
    }


@bp.get("/<uuid:candidate_id>")
def detail(candidate_id):
    """One candidate: details, resume text, interviews and their states."""
    return render_template("candidates/detail.html", **_detail_context(_candidate_or_404(candidate_id), ResumeForm()))


@bp.post("/<uuid:candidate_id>/resume")
def upload_resume(candidate_id):
    """Upload or replace the resume; the old one stays until the new file has been read."""
    candidate = _candidate_or_404(candidate_id)
    form, notice = ResumeForm(), None
    if form.validate_on_submit():
        try:
            resumes.upload_and_store(candidate, form.file.data, actor=current_user)
        except ServiceError as refusal:
            apply_errors(form, refusal.fields)
        else:
            notice = "Resume saved; its text is below." if candidate.resume.has_text else resumes.NO_TEXT_WARNING
            if not is_htmx():
                flash(notice, "success" if candidate.resume.has_text else "warning")
                return redirect_after_post(url_for("candidates.detail", candidate_id=candidate.id))
            form = ResumeForm(formdata=None)
    # For htmx this replaces the resume section (outerHTML), saved or with its errors (422).
    return render_page_or_fragment(
        "candidates/detail.html",
        "candidates/_resume.html",
        status=form_status(form.errors),
        **_detail_context(candidate, form),
        notice=notice,
    )


@bp.get("/<uuid:candidate_id>/resume")
def download_resume(candidate_id):
    """The stored resume file, always as a download (never rendered by the browser)."""
    resume = _candidate_or_404(candidate_id).resume
    if resume is None:
        abort(404, description="This candidate has no resume.")
    response = send_from_directory(
        resumes.upload_folder(),
        resume.stored_name,
        as_attachment=True,
        download_name=resume.original_filename,
        mimetype=resume.content_type,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<uuid:candidate_id>/invite", methods=["GET", "POST"])
def invite(candidate_id):
    """E-mail the candidate a link to pick a time of their job (GET: the question, without JavaScript)."""
    candidate = _candidate_or_404(candidate_id)
    back_url = url_for("candidates.detail", candidate_id=candidate.id)
    if request.method == "GET":
        return render_template(
            "confirm.html", question="candidates/_invite_question.html", candidate=candidate, back_url=back_url
        )
    try:
        scheduling.invite(candidate, actor=current_user)
    except ServiceError as refusal:
        flash(refusal.message, "error")
    else:
        flash(f"Invitation to pick a time sent to {candidate.email}; any older link is revoked.", "success")
    return redirect_after_post(back_url)


def _invitation_or_404(candidate, invitation_id):
    invitation = db.get_or_404(SchedulingInvitation, invitation_id, description="Invitation not found.")
    if invitation.candidate_id != candidate.id:
        abort(404)
    return invitation


def _invitation_refused(candidate, refusal):
    return render_page_or_fragment(
        "candidates/detail.html",
        "candidates/_invitations.html",
        status=INVALID_FORM,
        **_detail_context(candidate, ResumeForm()),
        invitations_refusal=refusal.message,
    )


@bp.post("/<uuid:candidate_id>/invitations/<uuid:invitation_id>/resend")
def resend_invitation(candidate_id, invitation_id):
    """Send the invitation again with a new link and a fresh expiry; a refusal comes back in the
    page's self-scheduling table (422)."""
    candidate = _candidate_or_404(candidate_id)
    try:
        scheduling.resend(_invitation_or_404(candidate, invitation_id), actor=current_user)
    except ServiceError as refusal:
        return _invitation_refused(candidate, refusal)
    flash(f"Invitation sent again to {candidate.email}.", "success")
    return redirect_after_post(url_for("candidates.detail", candidate_id=candidate.id))


@bp.post("/<uuid:candidate_id>/invitations/<uuid:invitation_id>/revoke")
def revoke_invitation(candidate_id, invitation_id):
    """Stop the invitation's links working (unless the candidate booked or changed it meanwhile);
    a refusal comes back in the page's self-scheduling table (422)."""
    candidate = _candidate_or_404(candidate_id)
    try:
        scheduling.revoke(
            _invitation_or_404(candidate, invitation_id), actor=current_user, seen_status=request.form.get("seen_status")
        )
    except ServiceError as refusal:
        return _invitation_refused(candidate, refusal)
    flash("Invitation revoked: its links no longer work.", "success")
    return redirect_after_post(url_for("candidates.detail", candidate_id=candidate.id))


def _bulk_selection(values, filters):
    """invite_many's choice of candidates: the ticked ones, or everyone matching the list's filters."""
    if values.get("scope") == "matching":
        query_text, job_id, status = filters
        return {"matching": candidates.search_candidates(query_text, job_id=job_id, status=status)}
    return {"candidate_ids": values.getlist("candidate")}


def _invite_many_question(status=200, **context):
    """The question before a bulk invitation (422 when it cannot be asked): a dialog's content for htmx, else a page."""
    if is_htmx():  # in a dialog, the safe choice closes it instead of leaving the page
        return render_template("candidates/_invite_many_dialog.html", **(context | {"back_url": None})), status
    return render_template("confirm.html", question="candidates/_invite_many_question.html", **context), status


@bp.route("/invite", methods=["GET", "POST"])
def invite_many():
    """Invite the ticked candidates, or everyone matching the filters, to pick a time of a job:
    GET asks how many will be e-mailed, POST sends the invitations and says who was skipped."""
    filters = _list_filters(request.values)
    query_text, job_id, status = filters
    back_url = url_for("candidates.index", q=query_text or None, job=job_id, status=status)
    selection = _bulk_selection(request.values, filters)
    if request.method == "GET":
        return _invite_many_preview(selection, back_url)
    try:
        result = scheduling_invitations.invite_many(request.form.get("job_id"), actor=current_user, **selection)
    except ServiceError as refusal:
        flash(refusal.message, "error")
    else:
        _flash_bulk_result(result)
    return redirect_after_post(back_url)


def _invite_many_preview(selection, back_url):
    """How many the invitation would e-mail, or why it cannot be sent (422)."""
    try:
        job, count = scheduling_invitations.preview_many(request.args.get("job_id"), **selection)
    except ServiceError as refusal:
        return _invite_many_question(INVALID_FORM, errors=list(refusal.fields.values()) or [refusal.message], back_url=back_url)
    return _invite_many_question(job=job, count=count, values=request.args, back_url=back_url)


def _flash_bulk_result(result):
    flash(
        f"Invited {result.created} candidate{'s' if result.created != 1 else ''} to pick a time.",
        "success" if result.created else "warning",
    )
    if result.skipped_total:
        reasons = "; ".join(f"{count} {words}" for _, words, count in result.reasons())
        flash(f"Skipped {result.skipped_total}: {reasons}.", "warning")
    if result.unfinished:
        flash(
            f"This run stopped after {scheduling_invitations.MAX_CREATED_PER_RUN:,} invitations: "
            "invite everyone matching again to continue (those invited are skipped).",
            "warning",
        )
