"""Files in the upload folder, written so that a failing disk leaves nothing half-done.

A file is written under a temporary name, fsynced and renamed into place; on any OSError the
temporary file is removed and StorageError carries what a person should be told: 507 when the
disk is full, 503 when it cannot be written at all (read-only, no permission, not a folder).
Callers write the file first and commit after, deleting the file again if the commit fails.
"""

import errno
import logging
import os
import secrets
from pathlib import Path

from services.errors import ServiceError

log = logging.getLogger(__name__)

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
FULL_MESSAGE = "Storage is full; try again later."
UNAVAILABLE_MESSAGE = "Storage is unavailable; try again later."


class StorageError(ServiceError):
    """The upload folder refused a file: 507 when the disk is full, else 503."""

    code = "storage"

    def __init__(self, error):
        full = error.errno in FULL_ERRNOS
        super().__init__(FULL_MESSAGE if full else UNAVAILABLE_MESSAGE, 507 if full else 503)


def write_file(folder, name, data):
    """`data` as folder/name, complete or not at all; StorageError when the disk fails."""
    folder = Path(folder)
    temporary = folder / f".{name}.{secrets.token_hex(4)}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    except OSError as exc:
        log.error("Could not store %s in %s: %s", name, folder, exc)
        remove_file(temporary)
        raise StorageError(exc) from exc
    return folder / name


def remove_file(path):
    """Delete `path` if it exists; a failure is logged, not raised (callers are cleaning up)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:
        log.warning("Could not remove %s", path, exc_info=True)
