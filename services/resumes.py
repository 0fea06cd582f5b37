"""Resumes: upload checks by content, text extraction (services/resume_text.py), storage under generated names.

An upload is read, checked and parsed first (`read_upload`); only a good one is written to disk
and then recorded (`store`, `written`), so a bad file or a failing disk leaves neither a row nor
a file behind, and the candidate keeps the previous resume until the new one is saved.
"""

import hashlib
import io
import logging
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from models import Resume, db
from services import audit, resume_text, storage
from services.errors import InputError
from services.resume_text import MAX_TEXT_CHARS

log = logging.getLogger(__name__)

FIELD = "file"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX_TYPE, "txt": "text/plain; charset=utf-8"}
KIND_BY_EXTENSION = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}
KIND_NAMES = {"pdf": "PDF", "docx": "Word (DOCX) document", "txt": "plain-text file"}
# Zip-bomb guard for DOCX: zipfile never inflates a member past its declared size (it stops there
# and fails the CRC check), so checking the declared sizes before parsing bounds the memory used.
MAX_ZIP_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024
NO_TEXT_WARNING = (
    "The file was saved, but no text could be read from it (a scanned PDF?). "
    "Interviews will run without resume text unless you upload a file with text."
)


class ResumeError(InputError):
    """An upload that cannot be a resume; the message is shown next to the file input."""

    def __init__(self, message, status=None):
        super().__init__({FIELD: message}, message, status)


@dataclass
class ResumeUpload:
    """A checked and parsed upload, not yet stored."""

    filename: str
    kind: str
    data: bytes
    text: str

    @property
    def content_type(self):
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self):
        return f".{self.kind}"


def read_upload(storage, max_bytes=None):
    """Check a werkzeug FileStorage by size and content, and extract its text; ResumeError if bad."""
    if storage is None or not storage.filename:
        raise ResumeError("Choose a PDF, DOCX or TXT file to upload.")
    max_bytes = max_bytes or current_app.config["RESUME_MAX_BYTES"]
    data = storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ResumeError(f"The file is larger than the {_size_text(max_bytes)} limit.", status=413)
    if not data:
        raise ResumeError("The file is empty.")
    filename = _display_name(storage.filename)
    claimed = KIND_BY_EXTENSION.get(Path(filename).suffix.lower())
    if claimed is None:
        raise ResumeError("Upload a PDF, DOCX or TXT file (the name must end in .pdf, .docx or .txt).")
    actual = sniff(data)
    if actual != claimed:
        raise ResumeError(f"This is not really a {KIND_NAMES[claimed]}: {_describe(actual)}.")
    return ResumeUpload(filename=filename, kind=claimed, data=data, text=_limit(extract_text(claimed, data)))


def sniff(data):
    """What the bytes are, by their magic numbers: pdf, docx, txt, executable or unknown."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith((b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")):
        return "executable"
    return "txt" if _decode_text(data) is not None else "unknown"


def _describe(kind):
    return {
        "executable": "its content is a program (an executable)",
        "pdf": "its content is a PDF",
        "docx": "its content is a ZIP archive (like a DOCX)",
        "txt": "its content is plain text",
    }.get(kind, "its content is not a PDF, DOCX or plain text")


def extract_text(kind, data):
    """The text of a checked upload; ResumeError when the file is damaged or locked.

    A PDF or DOCX is read in a child process (services/resume_text.py); one that takes longer than
    RESUME_EXTRACT_SECONDS, or kills its reader, is kept without text, like a scanned PDF.
    """
    if kind == "txt":
        return _decode_text(data)
    if kind == "docx":
        _check_docx_archive(data)
    try:
        return resume_text.extract(kind, data, current_app.config["RESUME_EXTRACT_SECONDS"])
    except resume_text.Unreadable as exc:
        raise ResumeError(str(exc)) from None
    except resume_text.TooSlow as exc:
        log.warning("Resume saved without text: %s", exc)
        return ""


def _check_docx_archive(data):
    """Refuse damaged archives, non-Word ZIPs and zip bombs before anything is inflated."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise ResumeError("The Word document is damaged (not a valid ZIP archive).") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ResumeError("The Word document holds too many parts to be a resume.")
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise ResumeError(
            f"The Word document would expand to more than {_size_text(MAX_UNZIPPED_BYTES)}; it looks like a zip bomb."
        )
    for member in members:
        if member.file_size > RATIO_CHECK_FROM_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ResumeError("The Word document is compressed suspiciously well; it looks like a zip bomb.")
    names = {member.filename for member in members}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise ResumeError("This ZIP archive is not a Word (DOCX) document.")


def _decode_text(data):
    """Text from UTF-8 (with or without BOM), UTF-16 with a BOM or Windows-1252; None for binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _limit(text):
    """Normalised line endings, no NUL (PostgreSQL refuses it), at most MAX_TEXT_CHARS."""
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text[:MAX_TEXT_CHARS]


def _display_name(filename):
    """The uploaded file's own name without any path, for the download; never used on disk."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[-255:] or "resume"


def _size_text(size):
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{round(size / 1024, 1):g} KB"


def upload_folder():
    """Where resumes live: outside static/, so only the download view can serve them."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "resumes"


@contextmanager
def written(upload):
    """The upload's file written to the resume folder (None for no upload) for the block to record.

    If the block raises, the session is rolled back and the file removed: no row without its file,
    no file without its row. A failing disk is a ResumeError with 507 (full) or 503.
    """
    if upload is None:
        yield None
        return
    try:
        path = storage.write_file(upload_folder(), f"{uuid.uuid4().hex}{upload.extension}", upload.data)
    except storage.StorageError as exc:
        db.session.rollback()
        raise ResumeError(exc.message, status=exc.status) from None
    try:
        yield path
    except BaseException:
        db.session.rollback()
        storage.remove_file(path)
        raise


def attach(candidate, upload, path, *, actor=None):
    """Record the written file as the candidate's resume, replacing any previous one (caller commits).

    Returns the stored name of the previous file, for the caller to remove after the commit.
    """
    previous = candidate.resume
    resume = Resume(
        original_filename=upload.filename,
        stored_name=path.name,
        content_type=upload.content_type,
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        parsed_text=upload.text,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(resume)
    candidate.resume = resume
    if previous is not None:
        db.session.delete(previous)
    db.session.flush()
    audit.record("resume.uploaded", candidate, actor=actor, resume=resume.id, filename=upload.filename, has_text=resume.has_text)
    return previous.stored_name if previous is not None else None


def store(candidate, upload, *, actor=None):
    """Save `upload` as the candidate's resume and commit; the previous file goes after that."""
    with written(upload) as path:
        previous_file = attach(candidate, upload, path, actor=actor)
        db.session.commit()
    if previous_file:
        storage.remove_file(upload_folder() / previous_file)
    return candidate.resume


def upload_and_store(candidate, storage_file, *, actor=None):
    """Check, parse and save an uploaded file as the candidate's resume; ResumeError if bad."""
    return store(candidate, read_upload(storage_file), actor=actor)
