"""Text extraction from PDF and DOCX resumes, run in a child process with a time limit.

pypdf and python-docx can spend minutes on a small hostile file (a 19 KB PDF took 114 s), so a
web worker never parses one itself: `extract` runs `python -m services.resume_text KIND` with the
file on stdin and waits at most RESUME_EXTRACT_SECONDS. The child reads at most MAX_PDF_PAGES
pages, MAX_PARAGRAPHS paragraphs (and table rows) and MAX_TEXT_CHARS characters. This module
imports neither Flask nor the app, so the child starts quickly.
"""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

from services.errors import ServiceError

MAX_PDF_PAGES = 50
MAX_PARAGRAPHS = 5_000
MAX_TEXT_CHARS = 200_000
PROJECT_ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)


class Unreadable(ServiceError):
    """The file is damaged or locked; the message says so to the person who uploaded it."""


class TooSlow(Exception):
    """Extraction ran past its time limit or its process died; the file holds no usable text."""


def extract(kind, data, seconds):
    """The text of a PDF or DOCX, read in a child process; Unreadable or TooSlow when it can't be."""
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "services.resume_text", kind],
            input=data,
            capture_output=True,
            timeout=seconds,
            cwd=PROJECT_ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child already
        raise TooSlow(f"reading the {kind} took longer than {seconds} s") from None
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        raise TooSlow(f"the {kind} reader exited with {finished.returncode}: {finished.stderr[-500:]!r}") from None
    if "error" in answer:
        raise Unreadable(answer["error"])
    return answer["text"]


def read_text(kind, data):
    """The capped text of a PDF or DOCX, in this process (the child's work); Unreadable if damaged."""
    return _pdf_text(data) if kind == "pdf" else _docx_text(data)


class _Capped:
    """Collects lines until MAX_TEXT_CHARS characters are reached."""

    def __init__(self):
        self.lines, self.size = [], 0

    def add(self, line):
        """Keep `line`; False once the text is long enough (callers stop reading then)."""
        self.lines.append(line)
        self.size += len(line) + 1
        return self.size < MAX_TEXT_CHARS

    def text(self):
        return "\n".join(self.lines)[:MAX_TEXT_CHARS]


def _pdf_text(data):
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("The PDF is password-protected; upload a copy without a password.")
        collected = _Capped()
        for index, page in enumerate(reader.pages):
            if index >= MAX_PDF_PAGES or not collected.add(page.extract_text() or ""):
                break
        return collected.text()
    except Unreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        log.info("Unreadable PDF upload: %s", exc)
        raise Unreadable("The PDF could not be read; it may be damaged.") from None


def _docx_text(data):
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, XML errors, ...
        log.info("Unreadable DOCX upload: %s", exc)
        raise Unreadable("The Word document could not be read; it may be damaged.") from None
    collected, budget = _Capped(), MAX_PARAGRAPHS
    for paragraph in document.paragraphs:
        budget -= 1
        if budget < 0 or not collected.add(paragraph.text):
            return collected.text()
    for table in document.tables:
        for row in table.rows:
            budget -= 1
            if budget < 0 or not collected.add("\t".join(cell.text for cell in row.cells)):
                return collected.text()
    return collected.text()


def main():
    """The child: the file on stdin, `{"text"}` or `{"error"}` as JSON on stdout."""
    try:
        answer = {"text": read_text(sys.argv[1], sys.stdin.buffer.read())}
    except Unreadable as exc:
        answer = {"error": str(exc)}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
