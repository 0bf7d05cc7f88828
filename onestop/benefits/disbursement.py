"""The file the paying agent (a bank, the 一卡通 system) pays from: one row per line in the
agent's columns, a summary (count and total) and the SM3 digest of the bytes."""

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from openpyxl import Workbook

from onestop.core import pii

from .models import ACCOUNT_CONTEXT, Kind, PaymentLine, PaymentRun


@dataclass(frozen=True)
class Row:
    line: PaymentLine
    name: str
    id_number: str
    bank: str
    account: str


def _value(field: str, seq: int, row: Row) -> str:
    line = row.line
    values = {
        "seq": str(seq),
        "line": str(line.pk),
        "name": row.name,
        "id_number": row.id_number,
        "bank": row.bank,
        "account": row.account,
        "kind": Kind(line.kind).label,
        "month": f"{line.month:%Y-%m}",
        "amount": f"{line.amount:.2f}",
        "type": PaymentLine.Type(line.type).label,
        "summary": f"{Kind(line.kind).label}{line.month:%Y年%m月}",
    }
    return values[field]


def agent_layout(agent: str) -> dict[str, Any]:
    layout: dict[str, Any] = settings.BENEFITS_AGENTS[agent]
    return layout


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def write_csv(run: PaymentRun, agent: str, rows: Iterable[Row]) -> tuple[bytes, int, Decimal]:
    """The rows, then a blank line and the summary (笔数, 合计); UTF-8 with a BOM for Excel."""
    columns = agent_layout(agent)["columns"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for title, _ in columns])
    count, total = 0, Decimal(0)
    for row in rows:
        count += 1
        total += row.line.amount
        writer.writerow([_value(field, count, row) for _, field in columns])
    writer.writerow([])
    writer.writerow(["笔数", count, "合计（元）", f"{total:.2f}", "名册", _title(run)])
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count, total


def write_xlsx(run: PaymentRun, agent: str, rows: Iterable[Row]) -> tuple[bytes, int, Decimal]:
    """A 明细 sheet in the agent's columns and a 汇总 sheet with the count and total."""
    columns = agent_layout(agent)["columns"]
    book = Workbook(write_only=True)
    detail = book.create_sheet("明细")
    detail.append([title for title, _ in columns])
    count, total = 0, Decimal(0)
    for row in rows:
        count += 1
        total += row.line.amount
        detail.append(
            [
                row.line.amount if field == "amount" else _value(field, count, row)
                for _, field in columns
            ]
        )
    summary = book.create_sheet("汇总")
    summary.append(["名册", _title(run)])
    summary.append(["代发机构", agent_layout(agent)["name"]])
    summary.append(["笔数", count])
    summary.append(["合计（元）", total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count, total


def _title(run: PaymentRun) -> str:
    return f"{run.county.name}{Kind(run.kind).label}{run.period}发放名册"


def account_number(cipher: str) -> str:
    return pii.decrypt(cipher, context=ACCOUNT_CONTEXT) if cipher else ""
