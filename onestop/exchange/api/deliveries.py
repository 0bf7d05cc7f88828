"""Results sent by post: the logistics link reports what became of them."""

from ninja import Router, Status
from ninja.errors import HttpError

from onestop.delivery.selectors import handover_at_window
from onestop.delivery.services import handover_track

from .keys import KeyRequest, idempotent, key_unit, run
from .schemas import ErrorOut, HandoverOut, PostalStatusIn

router = Router()


@router.post(
    "/deliveries/{handover_id}/status",
    operation_id="onestop_exchange_api_postal_status",
    response={200: HandoverOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="邮寄状态回传（已签收、退回）",
)
@idempotent
def postal_status(request: KeyRequest, handover_id: int, payload: PostalStatusIn) -> Status:
    """For the window's logistics link: the unit of the key must be the application's window."""
    handover = handover_at_window(key_unit(request), handover_id)
    if handover is None:
        raise HttpError(404, "未找到该送达记录，或不由本单位送达。")
    run(
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
