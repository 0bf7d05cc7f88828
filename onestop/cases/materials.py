"""Materials handed in with an application, a supplement, or added by a department."""

import hashlib
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record

from .kernel import locked
from .models import Application, Material, MaterialSource, Matter, Step
from .selectors import material_visible_to

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


@dataclass(frozen=True)
class MaterialIn:
    """A material handed in: an uploaded file, a shared e-licence, or an original checked."""

    code: str
    source: str = MaterialSource.UPLOAD
    content: bytes = b""
    filename: str = ""
    reference: str = ""


def upload_check(content: bytes, filename: str) -> str:
    """The content type of an uploaded file, judged by its content, not its name."""
    if not content:
        raise ValidationError(gettext("“{name}”是空文件。").format(name=filename))
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            gettext("“{name}”超过 10 MB，请压缩或分页拍照后上传。").format(name=filename)
        )
    for magic, content_type in UPLOAD_TYPES.items():
        if content.startswith(magic):
            return content_type
    raise ValidationError(gettext("“{name}”不是 JPG、PNG 或 PDF 文件。").format(name=filename))


def _check_upload(m: MaterialIn) -> str:
    try:
        return upload_check(m.content, m.filename or m.code)
    except ValidationError as exc:
        raise ValidationError({"materials": exc.messages}) from None


def store_materials(
    application: Application, materials: Iterable[MaterialIn], step: Step | None = None
) -> list[Material]:
    stored = []
    for m in materials:
        row = Material(application=application, code=m.code, source=m.source, supplied_for=step)
        if m.source == MaterialSource.UPLOAD:
            row.content_type = _check_upload(m)
            row.size = len(m.content)
            row.sha256 = hashlib.sha256(m.content).hexdigest()
            row.original_name = m.filename[:200]
            ext = mimetypes.guess_extension(row.content_type) or ""
            row.file.save(row.sha256[:32] + ext, ContentFile(m.content), save=False)
        elif m.source == MaterialSource.ELICENCE:
            row.reference = m.reference[:64]
        row.save()
        stored.append(row)
    return stored


def matter_attach(*, actor: Actor, matter: Matter, material: MaterialIn) -> Material:
    """A document a department adds to a matter it works on (e.g. a decision notice)."""
    step = Step.objects.filter(matter=matter, unit_id=getattr(actor, "org_unit_id", None)).first()
    if step is None:
        raise PermissionDenied(gettext("只能为本单位办理的事项附上文书。"))
    with transaction.atomic():
        app = locked(matter.application)
        active = matter.steps.filter(status=Step.Status.ACTIVE).first()
        # Tied to a step of this matter even when none is active, so it stays with the matter.
        (stored,) = store_materials(app, [material], step=active or step)
        audit_record(
            actor=actor,
            action=AuditAction.MATERIAL_ATTACH,
            subject=app,
            detail={"matter": matter.kind, "material": stored.pk, "code": stored.code},
        )
    return stored


def material_open(*, actor: StaffUser, material: Material) -> File | None:
    """An uploaded material's content as a stream (checked whole before it is handed out), only
    for those who see a matter it belongs to; every opening is audited. None: the material was
    handed in on paper and has no file."""
    if not material_visible_to(actor, material):
        raise PermissionDenied(gettext("该材料仅供办理相关事项的部门查看。"))
    if not material.file:
        return None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.MATERIAL_VIEW,
            subject=material.application,
            detail={"material": material.pk, "code": material.code},
        )
    return material.open_checked()
