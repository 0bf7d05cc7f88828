"""The payment rolls for department systems: read the released rolls and their lines, and post
the paying agent's results (a returned payment goes to the returns worklist and is paid again
once the account is corrected)."""

from typing import Any

from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from onestop.benefits.models import PaymentLine, PaymentRun
from onestop.benefits.selectors import run_lines_after, run_visible_to, runs_after
from onestop.benefits.services import FAILURE, SUCCESS, returns_apply
from onestop.core.api_fields import Text
from onestop.core.replica import replica_reads
from onestop.people.identifiers import mask_id_number

from .keys import KeyRequest, idempotent
from .schemas import ErrorOut

router = Router()


class RunOut(Schema):
    id: int
    county: str
    county_name: str
    kind: str
    month: str = Field(description="YYYY-MM")
    batch: int = Field(description="批次：0 为当期名册；保费代缴年度名单之后的补充名单为 1、2……")
    status: str
    line_count: int
    total: str = Field(description="元，两位小数")
    sm3: str = Field(description="代发文件的 SM3 摘要（发放后）")


class RunPageOut(Schema):
    items: list[RunOut]
    next_after: int | None


class LineOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="掩码（前 6 位和后 4 位）")
    month: str
    type: str
    amount: str
    status: str
    return_reason: str


class LinePageOut(Schema):
    items: list[LineOut]
    next_after: int | None


class ResultIn(Schema):
    line: int = Field(ge=1, le=2**62, description="明细的流水号")
    paid: bool = Field(description="true：已到账；false：退回")
    reason: Text = Field(default="", max_length=200, description="退回原因，如“账户已销户”")


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=5000)


class ResultsOut(Schema):
    paid: int
    returned: int
    unchanged: int


def _id(value: int) -> int:
    """An id or cursor within the database's integers (any other cannot name a row)."""
    return max(0, min(value, 2**62))


def _run_out(run: PaymentRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "county": run.county_id,
        "county_name": run.county.name,
        "kind": run.kind,
        "month": f"{run.month:%Y-%m}",
        "batch": run.batch,
        "status": run.status,
        "line_count": run.line_count,
        "total": f"{run.total:.2f}",
        "sm3": run.digest,
    }


def _line_out(line: PaymentLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "name": line.person.name,
        "id_number": mask_id_number(line.person.id_number),
        "month": f"{line.month:%Y-%m}",
        "type": line.type,
        "amount": f"{line.amount:.2f}",
        "status": line.status,
        "return_reason": line.return_reason,
    }


@router.get(
    "/payments/runs",
    operation_id="onestop_exchange_api_list_payment_runs",
    response={200: RunPageOut, 401: ErrorOut, 422: ErrorOut},
    summary="本单位可见的发放名册（按编号分页）",
)
@replica_reads
def list_runs(request: KeyRequest, after: int = 0, limit: int = 50) -> dict[str, Any]:
    runs = runs_after(request.auth, _id(after), max(1, min(limit, 200)))
    return {"items": [_run_out(r) for r in runs], "next_after": runs[-1].pk if runs else None}


@router.get(
    "/payments/runs/{run_id}/lines",
    operation_id="onestop_exchange_api_list_payment_lines",
    response={200: LinePageOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="发放名册的明细（按流水号分页）",
)
@replica_reads
def list_lines(
    request: KeyRequest, run_id: int, after: int = 0, limit: int = 200
) -> dict[str, Any]:
    run = run_visible_to(request.auth, _id(run_id))
    if run is None or run.status != PaymentRun.Status.RELEASED:
        raise HttpError(404, "未找到该发放名册，或不在本单位可见范围内。")
    lines = run_lines_after(run, _id(after), max(1, min(limit, 1000)))
    return {"items": [_line_out(x) for x in lines], "next_after": lines[-1].pk if lines else None}


@router.post(
    "/payments/results",
    operation_id="onestop_exchange_api_post_payment_results",
    response={200: ResultsOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="代发结果回传（到账或退回）",
)
@idempotent
def post_results(request: KeyRequest, payload: ResultsIn) -> Status:
    """All or nothing: one unknown line refuses the whole batch; a result posted again
    changes nothing."""
    rows = [(r.line, SUCCESS if r.paid else FAILURE, r.reason) for r in payload.results]
    report = returns_apply(actor=request.auth, rows=rows)
    if report.errors:
        raise HttpError(404, report.errors[0])
    return Status(
        200, {"paid": report.paid, "returned": report.returned, "unchanged": report.unchanged}
    )
