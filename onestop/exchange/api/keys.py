"""The department key: who a request acts as, and what every write of it shares (idempotent
retries, refusals said as HTTP answers)."""

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest
from django.http.request import RawPostDataException
from ninja import Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from onestop.accounts.models import StaffUser
from onestop.core.actions import ActionRefused
from onestop.core.api_errors import FieldError
from onestop.regions.models import OrgUnit

from ..models import ApiKey
from ..services import api_key_check, idempotent_answer_find, idempotent_answer_store

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


def key_unit(request: KeyRequest) -> OrgUnit:
    unit = request.auth.org_unit
    assert unit is not None  # a key's service account is made with the key's unit
    return unit


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


def run(action: Callable[[], T]) -> T:
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
