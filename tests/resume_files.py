"""Real resume files made in the tests: PDFs with reportlab, DOCX with python-docx, and bad ones."""

import io
import zipfile
import zlib

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
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240 + b"This program cannot be run in DOS mode."
)


def upload(data, filename):
    """A (stream, filename) pair as the test client's multipart `data` expects."""
    return (io.BytesIO(data), filename)


def slow_pdf(operations=80_000):
    """A small PDF (its one content stream compressed) that takes pypdf many seconds to read."""
    stream = zlib.compress(b"BT /F1 1 Tf " + b"(a) Tj 0 0 Td " * operations + b"ET", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def many_pages_pdf(pages):
    """A PDF whose page N says "Page N"."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.drawString(72, 800, f"Page {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def big_docx(paragraphs, text="Paragraph {} of a long resume"):
    """A DOCX with `paragraphs` paragraphs, its XML written directly (python-docx would take minutes)."""
    template = io.BytesIO()
    docx.Document().save(template)
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>", 1)
                body = "".join(f"<w:p><w:r><w:t>{text.format(n)}</w:t></w:r></w:p>" for n in range(paragraphs)).encode()
                data = head + b"<w:body>" + body + tail
            target.writestr(item, data)
    return out.getvalue()
