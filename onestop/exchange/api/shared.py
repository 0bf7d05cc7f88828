"""Shared data reported by department systems."""

from typing import Any

from ninja import Router

from onestop.core.api_errors import FieldError

from ..sync import import_records
from .keys import KeyRequest, key_unit
from .schemas import ErrorOut, SharedBatchIn, SharedBatchOut

router = Router()


@router.post(
    "/shared/records",
    operation_id="onestop_exchange_api_shared_records",
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
        department=key_unit(request).department,
    )
    count = {s: sum(1 for r in results if r.status == s) for s in ("applied", "stale", "error")}
    return {
        "applied": count["applied"],
        "stale": count["stale"],
        "errors": count["error"],
        "results": [r.__dict__ for r in results],
    }
