"""The API for department systems (医保, 人社, 民政, 残联 back-office software).

Authenticate with `Authorization: Bearer <key>`; a key acts as one role at one org unit, sees only
that unit's work, and gets only the fields its department needs (按需共享). Writes accept an
`Idempotency-Key` header: a retry with the same key gets the first answer again.
"""

from ninja import Router

from . import deliveries, matters, payments, shared
from .keys import DepartmentKey

router = Router(tags=["部门接口"], auth=DepartmentKey())
# In this order: the OpenAPI document lists the operations as they are added. Each operation
# names its id, as published before the views were split into modules.
router.add_router("", matters.router)
router.add_router("", shared.router)
router.add_router("", deliveries.router)
router.add_router("", payments.router)
