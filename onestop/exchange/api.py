"""The API for department systems (医保, 人社, 民政, 残联 back-office software).

Authenticate with `Authorization: Bearer <key>`; a key acts as one role at one org unit, sees only
that unit's work, and gets only the fields its department needs (按需共享). Writes accept an
`Idempotency-Key` header: a retry with the same key gets the first answer again.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest
from django.http.request import RawPostDataException
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import PlainValidator, WithJsonSchema

from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.cases.materials import MaterialIn, matter_attach
from onestop.cases.models import REASON_ANSWERS, MaterialSource, Matter, Step
from onestop.cases.selectors import matters_at_unit, open_steps_after
from onestop.cases.steps import Decision, step_claim, step_decide
from onestop.core.actions import ActionRefused
from onestop.core.api_errors import FieldError
from onestop.core.api_fields import Code, Money, SharedValue, Text
from onestop.delivery.selectors import handover_at_window
from onestop.delivery.services import handover_track
from onestop.regions.models import OrgUnit

from .models import ApiKey
from .services import api_key_check, idempotent_answer_find, idempotent_answer_store
from .sync import import_records

T = TypeVar("T")


class KeyRequest(HttpRequest):
    """A request the department key let in (the type only: ``DepartmentKey`` sets both)."""

    auth: StaffUser  # the key's service account
    api_key: ApiKey


class DepartmentKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> StaffUser | None:
        key = api_key_check(token)
        if key is None:
            return None
        cast(KeyRequest, request).api_key = key
        return key.account


router = Router(tags=["部门接口"], auth=DepartmentKey())


def _unit(request: KeyRequest) -> OrgUnit:
    unit = request.auth.org_unit
    assert unit is not None  # a key's service account is made with the key's unit
    return unit


class ErrorOut(Schema):
    detail: list[dict[str, str]] | str


class StepOut(Schema):
    id: int
    name: str
    unit: str
    due_date: date
    assignee: str | None


class PersonOut(Schema):
    name: str
    sex: str
    birth_date: date
    id_number: str = Field(
        description="完整号码只在读取单个事项时提供给可查看完整身份证号的岗位（并记入审计）；"
        "列表和办理结果中为掩码（前 6 位和后 4 位）。"
    )
    hukou_region: str
    hukou_region_name: str
    phone: str | None = None
    address: str | None = None
    dibao_category: str | None = None


class GuardianOut(Schema):
    kind: str
    name: str
    relation: str
    phone: str
    address: str | None = None


class MatterOut(Schema):
    id: int
    tracking_no: str
    matter: str
    matter_name: str
    status: str
    status_label: str
    due_date: date | None
    current_step: StepOut | None
    applicant: PersonOut
    guardian: GuardianOut | None = None
    prescreen: dict
    answers: dict
    result: dict


class PageOut(Schema):
    items: list[MatterOut]
    next_cursor: str | None


# 按需共享: what each department sees beyond the common fields.
PERSON_EXTRA = {
    "civil": {"phone", "address", "dibao_category"},
    "cdpf": {"phone", "address"},
    "medical": {"phone"},
    "hrss": {"phone"},
}
GUARDIAN_FIELDS = {
    "civil": {"kind", "name", "relation", "phone", "address"},
    "cdpf": {"kind", "name", "relation", "phone"},
}
ANSWER_FIELDS = {
    "civil": set(REASON_ANSWERS.values()),
    "medical": {"medical_bills"},
}


def _step_out(step: Step | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "id": step.pk,
        "name": step.name,
        "unit": step.unit.name,
        "due_date": step.due_date,
        "assignee": step.assignee.display_name if step.assignee else None,
    }


def matter_out(matter: Matter, department: str, *, full_id: bool = False) -> dict[str, Any]:
    """The matter as ``department`` may see it; the ID number masked unless ``full_id``."""
    app = matter.application
    person = app.applicant
    extra = PERSON_EXTRA.get(department, set())
    applicant = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "id_number": person.id_number if full_id else person.id_number_masked,
        "hukou_region": person.hukou_region_id,
        "hukou_region_name": person.hukou_region.name,
        **{f: getattr(person, f) for f in extra},
    }
    guardian = None
    if app.representative_id and department in GUARDIAN_FIELDS:
        g = app.representative
        guardian = {f: getattr(g, f) for f in GUARDIAN_FIELDS[department]}
    active = next((s for s in matter.steps.all() if s.status == Step.Status.ACTIVE), None)
    return {
        "id": matter.pk,
        "tracking_no": app.tracking_no,
        "matter": matter.kind,
        "matter_name": matter.get_kind_display(),
        "status": matter.status,
        "status_label": matter.get_status_display(),
        "due_date": matter.due_date,
        "current_step": _step_out(active),
        "applicant": applicant,
        "guardian": guardian,
        "prescreen": matter.prescreen,
        "answers": {
            k: v for k, v in app.answers.items() if k in ANSWER_FIELDS.get(department, set())
        },
        "result": matter.result,
    }


def _matter(request: KeyRequest, matter_id: int) -> Matter:
    matter = matters_at_unit(request.auth.org_unit_id).filter(pk=matter_id).first()
    if matter is None:
        raise HttpError(404, "未找到该事项，或它不在本单位办理。")
    return matter


def _cursor(due: date, pk: int) -> str:
    return f"{due.toordinal()}-{pk}"


# Every string the pattern matches is a place in the (due date, step) order, so any cursor the
# schema allows is read as one; re.search as JSON Schema matches, for the schema and the server
# to agree to the last character.
CURSOR_PATTERN = r"^[0-9]{1,7}-[0-9]{1,18}$"


def _decode_cursor(value: object) -> tuple[date, int]:
    if not isinstance(value, str) or not re.search(CURSOR_PATTERN, value):
        raise ValueError("分页游标无效，请使用上一页返回的 next_cursor，或从第一页重新读取。")
    day, pk = value.split("-")
    return date.fromordinal(min(max(int(day), 1), date.max.toordinal())), int(pk)


Cursor = Annotated[
    tuple[date, int],
    PlainValidator(_decode_cursor),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURSOR_PATTERN,
            "description": "上一页返回的 next_cursor，原样传回",
        }
    ),
]


def _request_digest(request: HttpRequest) -> str:
    """What makes a retry the same request: method, path and body (or, for a multipart body
    already read into fields and files, those)."""
    digest = hashlib.sha256((request.method or "").encode() + b" " + request.path.encode() + b"\n")
    try:
        digest.update(request.body)
    except RawPostDataException:
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, item in sorted(request.FILES.items()):
            upload = cast(DjangoUploadedFile, item)  # the stubs allow a list; a field has one
            upload.seek(0)
            digest.update(name.encode() + b"\0" + hashlib.sha256(upload.read()).digest())
            upload.seek(0)
    return digest.hexdigest()


def idempotent(view: Callable[..., Status]) -> Callable[..., Status]:
    """Answer a repeated write (same Idempotency-Key, same body) with the first answer, for
    ``settings.IDEMPOTENCY_HOURS``; the answer is kept encrypted."""

    @wraps(view)
    def wrapped(request: KeyRequest, *args: Any, **kwargs: Any) -> Status:
        key = request.headers.get("Idempotency-Key", "").strip()[:100]
        if not key:
            return view(request, *args, **kwargs)
        digest = _request_digest(request)
        seen = idempotent_answer_find(api_key=request.api_key, key=key)
        if seen is not None:
            request_hash, status, body = seen
            if request_hash != digest:
                raise FieldError("Idempotency-Key", "这个 Idempotency-Key 已用于另一个请求。")
            return Status(status, body)
        answer = view(request, *args, **kwargs)
        idempotent_answer_store(
            api_key=request.api_key,
            key=key,
            request_hash=digest,
            status=answer.status_code,
            body=answer.value,
        )
        return answer

    return wrapped


def _run(action: Callable[[], T]) -> T:
    """A service call, its refusals said as HTTP answers."""
    try:
        return action()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "无权进行此操作。") from None
    except ActionRefused as exc:  # a conflict, or an action not possible in this state
        raise HttpError(409, str(exc)) from None
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise FieldError(field, messages[0]) from None


# --- endpoints -----------------------------------------------------------------------------------
@router.get(
    "/matters",
    response={200: PageOut, 401: ErrorOut, 422: ErrorOut},
    summary="本单位待办事项（按期限排序，游标分页）",
)
def list_matters(
    request: KeyRequest, cursor: Cursor | None = None, limit: int = 50
) -> dict[str, Any]:
    """Matters with a step open at this unit for this key's role, earliest due first."""
    limit = max(1, min(limit, 200))
    steps = open_steps_after(request.auth, cursor)
    page = list(steps.values_list("matter_id", "due_date", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    matters = matters_at_unit(request.auth.org_unit_id).filter(pk__in=[p[0] for p in page])
    by_id = {m.pk: m for m in matters}
    department = _unit(request).department
    items = [matter_out(by_id[matter_id], department) for matter_id, _, _ in page]
    return {"items": items, "next_cursor": _cursor(page[-1][1], page[-1][2]) if more else None}


@router.get(
    "/matters/{matter_id}",
    response={200: MatterOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="读取一个事项（按需共享的字段）",
)
def read_matter(request: KeyRequest, matter_id: int) -> dict[str, Any]:
    """The full ID number only for roles that may reveal it on staff pages, as there audited."""
    matter = _matter(request, matter_id)
    full_id = request.auth.can_reveal_id
    audit_record(
        actor=request.auth,
        action=AuditAction.API_MATTER_READ,
        subject=matter.application,
        detail={"matter": matter.kind, "api_key": request.api_key.prefix, "full_id": full_id},
    )
    return matter_out(matter, _unit(request).department, full_id=full_id)


@router.post(
    "/matters/{matter_id}/claim",
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
    _run(lambda: step_claim(actor=request.auth, step=step))
    return Status(200, matter_out(_matter(request, matter_id), _unit(request).department))


class DecisionIn(Schema):
    step_id: int
    outcome: Literal["approve", "reject", "return", "transfer"]
    reason: Text = ""
    missing_materials: list[Text] = []
    transfer_to: Text | None = None  # org unit code
    category: int | None = None
    level: int | None = None
    amount: Money | None = None


@router.post(
    "/matters/{matter_id}/decision",
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
    _run(lambda: step_decide(actor=request.auth, step=step, decision=decision))
    return Status(200, matter_out(_matter(request, matter_id), _unit(request).department))


class DocumentOut(Schema):
    id: int
    code: str
    content_type: str
    size: int


@router.post(
    "/matters/{matter_id}/documents",
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
    stored = _run(lambda: matter_attach(actor=request.auth, matter=matter, material=material))
    body = {
        "id": stored.pk,
        "code": stored.code,
        "content_type": stored.content_type,
        "size": stored.size,
    }
    return Status(201, body)


class SharedRecordIn(Schema):
    id_number: Text
    type: Text
    value: SharedValue
    source: Text
    version: Text


class SharedBatchIn(Schema):
    records: list[SharedRecordIn]


class RecordResultOut(Schema):
    index: int
    status: Literal["applied", "stale", "error"]
    message: str


class SharedBatchOut(Schema):
    applied: int
    stale: int
    errors: int
    results: list[RecordResultOut]


@router.post(
    "/shared/records",
    response={200: SharedBatchOut, 401: ErrorOut, 422: ErrorOut},
    summary="报送共享数据（批量，逐条生效，逐条回报）",
)
def shared_records(request: KeyRequest, payload: SharedBatchIn) -> dict[str, Any]:
    """Records of this department's kinds (残联: certificate; 民政: dibao, tekun, …; 医保:
    resident_medical; 人社: pension and 工伤). An older version than the one held is ignored."""
    if len(payload.records) > 5000:
        raise FieldError("records", "一次最多报送 5000 条。")
    results = import_records(
        actor=request.auth,
        records=[r.model_dump() for r in payload.records],
        department=_unit(request).department,
    )
    count = {s: sum(1 for r in results if r.status == s) for s in ("applied", "stale", "error")}
    return {
        "applied": count["applied"],
        "stale": count["stale"],
        "errors": count["error"],
        "results": [r.__dict__ for r in results],
    }


class PostalStatusIn(Schema):
    status: Literal["delivered", "returned"]
    tracking_no: Text = ""


class HandoverOut(Schema):
    id: int
    method: str
    status: str
    tracking_no: str


@router.post(
    "/deliveries/{handover_id}/status",
    response={200: HandoverOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="邮寄状态回传（已签收、退回）",
)
@idempotent
def postal_status(request: KeyRequest, handover_id: int, payload: PostalStatusIn) -> Status:
    """For the window's logistics link: the unit of the key must be the application's window."""
    handover = handover_at_window(_unit(request), handover_id)
    if handover is None:
        raise HttpError(404, "未找到该送达记录，或不由本单位送达。")
    _run(
        lambda: handover_track(
            actor=request.auth,
            handover=handover,
            status=payload.status,
            tracking_no=payload.tracking_no,
        )
    )
    handover.refresh_from_db()
    return Status(
        200,
        {
            "id": handover.pk,
            "method": handover.method,
            "status": handover.status,
            "tracking_no": handover.tracking_no,
        },
    )
