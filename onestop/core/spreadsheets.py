"""Excel downloads: one sheet per table, named as a sheet name may be."""

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters a sheet's name may not hold, and their full-width stand-ins.
SHEET_NAME = str.maketrans("[]:*?/\\", "（）：＊？／＼")
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, columns, rows


def attachment(name: str) -> str:
    """A Content-Disposition that keeps a Chinese file name."""
    return f"attachment; filename*=UTF-8''{quote(name)}"


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> HttpResponse:
    book = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(
            title=title[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼"))
        )
        sheet.append(list(columns))
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = attachment(filename)
    return response
