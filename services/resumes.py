"""Resumes: upload checks by content, text extraction (pypdf / python-docx), storage under generated names.

An upload is read, checked and parsed entirely in memory first (`read_upload`); only a good one is
written to disk and recorded (`store`), so a bad file leaves neither a row nor a file behind, and
the candidate keeps the previous resume until the new one has been parsed.
"""
import hashlib
import io
import logging
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from models import Resume, db
from services import audit
from services.validation import InputError

log = logging.getLogger(__name__)

FIELD = "file"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX_TYPE, "txt": "text/plain; charset=utf-8"}
KIND_BY_EXTENSION = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}
KIND_NAMES = {"pdf": "PDF", "docx": "Word (DOCX) document", "txt": "plain-text file"}
MAX_TEXT_CHARS = 200_000
MAX_PDF_PAGES = 100
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

    def __init__(self, message, status_code=400):
        super().__init__({FIELD: message}, message=message, status_code=status_code)


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
        raise ResumeError(f"The file is larger than the {_size_text(max_bytes)} limit.", status_code=413)
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
    """The text of a checked upload; ResumeError when the file is damaged or locked."""
    if kind == "pdf":
        return _pdf_text(data)
    if kind == "docx":
        return _docx_text(data)
    return _decode_text(data)


def _pdf_text(data):
    from pypdf import PdfReader  # imported on the first upload: a fifth of the app's start-up otherwise

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ResumeError("The PDF is password-protected; upload a copy without a password.")
        return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES])
    except ResumeError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        log.info("Unreadable PDF upload: %s", exc)
        raise ResumeError("The PDF could not be read; it may be damaged.") from None


def _docx_text(data):
    import docx  # imported on the first upload, like pypdf

    _check_docx_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, XML errors, ...
        log.info("Unreadable DOCX upload: %s", exc)
        raise ResumeError("The Word document could not be read; it may be damaged.") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _check_docx_archive(data):
    """Refuse damaged archives, non-Word ZIPs and zip bombs before anything is inflated."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise ResumeError("The Word document is damaged (not a valid ZIP archive).") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ResumeError("The Word document holds too many parts to be a resume.")
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise ResumeError(f"The Word document would expand to more than {_size_text(MAX_UNZIPPED_BYTES)}; it looks like a zip bomb.")
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
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "resumes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(candidate, upload, *, actor=None):
    """Save `upload` as the candidate's resume and commit; the previous resume goes after that.

    On any failure the transaction is rolled back and the new file removed, so nothing is left over.
    """
    previous = candidate.resume
    previous_file = previous.stored_name if previous is not None else None
    path = upload_folder() / f"{uuid.uuid4().hex}{upload.extension}"
    try:
        with open(path, "xb") as handle:
            handle.write(upload.data)
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
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    if previous_file:
        _remove_file(previous_file)
    return resume


def _remove_file(stored_name):
    try:
        (upload_folder() / stored_name).unlink(missing_ok=True)
    except OSError:
        log.warning("Could not remove the replaced resume file %s", stored_name, exc_info=True)


def upload_and_store(candidate, storage, *, actor=None):
    """Check, parse and save an uploaded file as the candidate's resume; ResumeError if bad."""
    return store(candidate, read_upload(storage), actor=actor)
