"""Reading a PDF back the way an assertion needs it."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """The text of every page with the line breaks taken out.

    Chinese wraps between any two characters, so where a line ends depends on what precedes it
    (a date one digit longer moves "行政复议" to "…申请行" / "政复议"); no assertion may see the
    breaks. pypdf reads fpdf2's embedded two-byte CMap as one byte too many, a NUL before each
    character (pdftotext reads the same files cleanly); the NULs are not in the document.
    """
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join(page.extract_text() for page in pages).replace("\x00", "").replace("\n", "")
