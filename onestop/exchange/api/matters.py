"""The unit's matters: its work list, one matter, and the actions on its current step."""

from datetime import date
from typing import Annotated, Any

from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import WithJsonSchema

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.cases.materials import MaterialIn, matter_attach
from onestop.cases.models import MaterialSource, Matter, Step
from onestop.cases.steps import Decision, step_claim, step_decide
from onestop.core.api_fields import Code
from onestop.core.replica import not_pinning, replica_reads
from onestop.regions.models import OrgUnit

from ..selectors import matter_at_unit, matters_open_page
from .keys import KeyRequest, idempotent, key_unit, run
from .schemas import Cursor, DecisionIn, DocumentOut, ErrorOut, MatterOut, PageOut
from .sharing import matter_out

router = Router()


def _matter(request: KeyRequest, matter_id: int) -> Matter:
    matter = matter_at_unit(request.auth, matter_id)
    if matter is None:
        raise HttpError(404, "未找到该事项，或它不在本单位办理。")
    return matter


def _cursor(due: date, pk: int) -> str:
    return f"{due.toordinal()}-{pk}"


@router.get(
    "/matters",
    operation_id="onestop_exchange_api_list_matters",
    response={200: PageOut, 401: ErrorOut, 422: ErrorOut},
    summary="本单位待办事项（按期限排序，游标分页）",
)
@replica_reads
def list_matters(
    request: KeyRequest, cursor: Cursor | None = None, limit: int = 50
) -> dict[str, Any]:
    """Matters with a step open at this unit for this key's role, earliest due first."""
    limit = max(1, min(limit, 200))
    matters, last = matters_open_page(request.auth, cursor, limit)
    department = key_unit(request).department
    items = [matter_out(matter, department) for matter in matters]
    return {"items": items, "next_cursor": _cursor(*last) if last else None}


@router.get(
    "/matters/{matter_id}",
    operation_id="onestop_exchange_api_read_matter",
    response={200: MatterOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="读取一个事项（按需共享的字段）",
)
def read_matter(request: KeyRequest, matter_id: int) -> dict[str, Any]:
    """The full ID number only for roles that may reveal it on staff pages, as there audited."""
    matter = _matter(request, matter_id)
    full_id = request.auth.can_reveal_id
    with not_pinning():  # the audit of a read: nothing the caller reads back
        audit_record(
            actor=request.auth,
            action=AuditAction.API_MATTER_READ,
            subject=matter.application,
            detail={"matter": matter.kind, "api_key": request.api_key.prefix, "full_id": full_id},
        )
    return matter_out(matter, key_unit(request).department, full_id=full_id)


@router.post(
    "/matters/{matter_id}/claim",
    operation_id="onestop_exchange_api_claim",
    response={
        200: MatterOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="认领当前环节",
)
@idempotent
def claim(request: KeyRequest, matter_id: int) -> Status:
    matter = _matter(request, matter_id)
    step = next((s for s in matter.steps.all() if s.status == Step.Status.ACTIVE), None)
    if step is None:
        raise HttpError(409, "该事项当前没有正在办理的环节。")
    run(lambda: step_claim(actor=request.auth, step=step))
    return Status(200, matter_out(_matter(request, matter_id), key_unit(request).department))


@router.post(
    "/matters/{matter_id}/decision",
    operation_id="onestop_exchange_api_decide",
    response={
        200: MatterOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="办理当前环节：通过、不通过、退回补正或转办",
)
@idempotent
def decide(request: KeyRequest, matter_id: int, payload: DecisionIn) -> Status:
    matter = _matter(request, matter_id)
    step = next((s for s in matter.steps.all() if s.pk == payload.step_id), None)
    if step is None:
        raise HttpError(404, "未找到该环节，或它不属于这个事项。")
    transfer = None
    if payload.transfer_to:
        transfer = OrgUnit.objects.filter(code=payload.transfer_to).first()
        if transfer is None:
            raise HttpError(404, f"未找到要转办的单位：单位代码“{payload.transfer_to}”不存在。")
    decision = Decision(
        outcome=payload.outcome,
        reason=payload.reason,
        missing_materials=tuple(payload.missing_materials),
        transfer_to=transfer,
        category=payload.category,
        level=payload.level,
        amount=payload.amount,
    )
    run(lambda: step_decide(actor=request.auth, step=step, decision=decision))
    return Status(200, matter_out(_matter(request, matter_id), key_unit(request).department))


@router.post(
    "/matters/{matter_id}/documents",
    operation_id="onestop_exchange_api_attach",
    response={
        201: DocumentOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="为事项附上文书（JPG、PNG、PDF，10 MB 以内）",
)
@idempotent
def attach(
    request: KeyRequest,
    matter_id: int,
    code: Annotated[Code, Form()],
    file: Annotated[
        UploadedFile,
        WithJsonSchema({"type": "string", "format": "binary", "minLength": 1}),
        File(),
    ],
) -> Status:
    matter = _matter(request, matter_id)
    material = MaterialIn(
        code, MaterialSource.UPLOAD, content=file.read(), filename=file.name or ""
    )
    stored = run(lambda: matter_attach(actor=request.auth, matter=matter, material=material))
    body = {
        "id": stored.pk,
        "code": stored.code,
        "content_type": stored.content_type,
        "size": stored.size,
    }
    return Status(201, body)
