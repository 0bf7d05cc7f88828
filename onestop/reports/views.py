"""Report pages for supervisors: figures, accessible SVG charts beside their tables, CSV and Excel
exports of every table, and the one-page monthly summary of a 旗县 as PDF."""

import csv
import io
from datetime import date
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext

from onestop.accounts.roles import REPORT_READERS
from onestop.core import clock
from onestop.core.replica import replica_reads
from onestop.core.spreadsheets import attachment, xlsx_response
from onestop.core.words import HAN
from onestop.documents.sheet import Sheet
from onestop.policy.calendar import month_end

from .selectors import Report, ReportFilter, Table, build, counties_for

SHEET_NAME_SAFE = str.maketrans("[]:*?/\\", "（）：＊？／＼")  # characters Excel refuses in names
BAR_X, BAR_AREA = 200, 360  # the bars start after the labels; the longest is this wide


def _reader(user) -> None:
    if user.role not in REPORT_READERS:
        raise PermissionDenied(gettext("统计报表仅供政务服务监督员、部门负责人和系统管理员查看。"))


def _cell(value) -> str:
    return "—" if value is None else escape(value)


def _opening(tag: str, value: object, marked: bool) -> str:
    return f'<{tag} lang="zh-Hans">' if marked and HAN.search(str(value)) else f"<{tag}>"


def rows_html(table: Table) -> str:
    """The table's body, rendered here once (every cell escaped): a year's report has thousands
    of cells, and the template language, or format_html per cell, costs several microseconds
    each. On a page in another language, a cell of Chinese (a unit's recorded name) says so."""
    marked = translation.get_language() != settings.LANGUAGE_CODE
    head = 'th scope="row"'
    return mark_safe(  # noqa: S308 - every value is escaped by _cell
        "".join(
            f"<tr>{_opening(head, row[0], marked)}{_cell(row[0])}</th>"
            + "".join([f"{_opening('td', c, marked)}{_cell(c)}</td>" for c in row[1:]])
            + "</tr>"
            for row in table.rows
        )
    )


def chart(table: Table) -> dict | None:
    """An SVG bar chart of one column, with the figures as its text description; rendered
    here, like the table's body, with every text escaped."""
    if table.chart_value is None or not table.rows:
        return None
    top = max(r[table.chart_value] for r in table.rows) or 1
    colon, semicolon, unit = (escape(gettext(t)) for t in ("：", "；", table.chart_unit))
    desc, bars = [], []
    for i, r in enumerate(table.rows):
        label, value, y = escape(r[table.chart_label]), escape(r[table.chart_value]), i * 28
        width = round(BAR_AREA * r[table.chart_value] / top, 1)
        short = escape(Truncator(r[table.chart_label]).chars(14))
        desc.append(f"{label}{colon}{value}{unit}{semicolon}")
        bars.append(
            f'<text x="0" y="{y + 18}" font-size="14">{short}</text>'
            f'<rect x="{BAR_X}" y="{y + 4}" width="{width}" height="20" class="bar"></rect>'
            f'<text x="{BAR_X + width + 6}" y="{y + 18}" font-size="13">{value}</text>'
        )
    return {
        "height": len(bars) * 28 + 4,
        "desc": mark_safe("".join(desc)),  # noqa: S308 - escaped above
        "bars": mark_safe("\n".join(bars)),  # noqa: S308 - escaped above
    }


@login_required
@replica_reads
def report_page(request):
    _reader(request.user)
    form = ReportFilter(request.GET or None, counties=counties_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        with translation.override(settings.LANGUAGE_CODE):  # files are records: in Chinese
            report = build(request.user, data)
            if export == "csv":
                return _csv(report, request.GET.get("table", ""))
            return _xlsx(report)
    report = build(request.user, data)
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("table", None)
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "report": report,
            "charts": [(t, chart(t), rows_html(t)) for t in report.tables],
            "query": query.urlencode(),
            "month": f"{report.date_to:%Y-%m}",
        },
    )


def _filename(report: Report, suffix: str) -> str:
    return attachment(f"统计报表_{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}{suffix}")


def _csv(report: Report, key: str) -> HttpResponse:
    table = next((t for t in report.tables if t.key == key), None)
    if table is None:
        raise Http404("没有这张表。")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(["" if c is None else c for c in row] for row in table.rows)
    # With a byte-order mark, Excel opens the Chinese text correctly.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(report, f"_{table.key}.csv")
    return response


def _xlsx(report: Report) -> HttpResponse:
    return xlsx_response(
        [(table.title, table.columns, table.rows) for table in report.tables],
        f"统计报表_{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx",
    )


@login_required
@replica_reads
def monthly_pdf(request):
    """One page per 旗县 and month, to print and file (a record: in Chinese)."""
    _reader(request.user)
    with translation.override(settings.LANGUAGE_CODE):
        return _monthly_pdf(request)


def _monthly_pdf(request):
    counties = {c.code: c for c in counties_for(request.user)}
    county = counties.get(request.GET.get("county", ""))
    if county is None:
        raise Http404("请选择本辖区内的一个旗县（市、区）。")
    try:
        first = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        raise Http404("月份格式应为 2026-11。") from None
    period = {"county": county.code, "date_from": first, "date_to": month_end(first)}
    report = build(request.user, period)
    sheet = Sheet(
        title=f"{county.name}{first:%Y年%-m月}工作月报",
        footnote=f"扶残助困「一件事一次办」服务平台 {localtime(clock.now()):%Y-%m-%d %H:%M} 生成，"
        f"数据更新于 {report.counted_label}",
        issued=clock.now(),
        text="",
    )
    sheet.set_auto_page_break(False)
    sheet.add_page()
    size = 10
    sheet.heading(f"{county.name}扶残助困「一件事一次办」{first:%Y年%-m月}工作月报", 16)
    sheet.pairs([(label, f"{value}　{note}") for label, value, note in report.tiles], size)
    for table in report.tables:
        if table.key in ("months", "counties"):
            continue  # one month, one 旗县: the tiles say it
        rows = table.rows[:8]
        sheet.section(table.title + ("（前 8 行）" if len(table.rows) > 8 else ""), size)
        if not rows:
            sheet.para("无", size * 0.9)
            continue
        sheet.table(
            table.columns, [[str(c if c is not None else "—") for c in r] for r in rows], 8, None
        )
    response = HttpResponse(bytes(sheet.output()), content_type="application/pdf")
    name = f"{county.name}_{first:%Y-%m}_月报.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response
