"""gunicorn settings, read from the repository root: each worker starts its in-process outbox
sender as soon as it is ready (with or without --preload), not on its first request."""


def post_worker_init(worker):
    """Start this worker's outbox sender (when OUTBOX_IN_PROCESS is on)."""
    from services.outbox import in_process

    in_process.start_sender(worker.wsgi)
