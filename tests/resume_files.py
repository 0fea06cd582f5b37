"""Real resume files made in the tests: PDFs with reportlab, DOCX with python-docx, and bad ones."""
import io
import zipfile

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(*lines):
    """A one-page PDF with `lines` of real text (nothing at all: a "scanned" page with only a box)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    if lines:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 18
    else:
        pdf.rect(72, 500, 300, 200, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(*paragraphs):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(inflated_bytes=20 * 1024 * 1024):
    """DOCX-shaped ZIP whose document.xml inflates ~1000:1 (a small zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * inflated_bytes)
    return buffer.getvalue()


# The first bytes of a Windows program: what a ".pdf" that is really an executable starts with.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240 + b"This program cannot be run in DOS mode."


def upload(data, filename):
    """A (stream, filename) pair as the test client's multipart `data` expects."""
    return (io.BytesIO(data), filename)
