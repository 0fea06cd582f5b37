"""Jobs: the records interviews are built from."""


def build_job_description(job):
    """The text an interview session snapshots: title, company, description, domain (seed 003's fix).

    Never the legacy tech_stack_details alone; it is appended only as extra context.
    """
    lines = [f"Job Title: {job.job_title}", f"Company: {job.company_name}"]
    if job.domain is not None:
        lines.append(f"Domain: {job.domain.name}")
    if job.job_description and job.job_description.strip():
        lines += ["", job.job_description.strip()]
    if job.tech_stack_details and job.tech_stack_details.strip():
        lines += ["", f"Tech stack: {job.tech_stack_details.strip()}"]
    return "\n".join(lines)
