"""Issuing documents, printing them, and checking a verification code."""

import hmac
import json
import secrets

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock, pii

from . import content, fonts
from .models import DocumentKind, IssuedDocument
from .render import chinese_part, render, strings

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONTEXT = "documents.content"


def _check(body: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), body.encode(), "sha256").digest()
    value = int.from_bytes(mac[:2], "big") >> 6  # ten bits: two characters
    return ALPHABET[value >> 5] + ALPHABET[value & 31]


LOOKALIKES = str.maketrans("OIL", "011")  # letters read for the digits they resemble


def normalize_code(raw: str) -> str | None:
    """The code as stored, or None when it is malformed or its check characters do not match
    (a mistyped or altered code is refused without looking anything up)."""
    text = (raw or "").upper().replace("-", "").replace(" ", "")
    text = text.translate(LOOKALIKES)
    if len(text) != 10 or any(c not in ALPHABET for c in text):
        return None
    return text if hmac.compare_digest(_check(text[:8]), text[8:]) else None


def _new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return body + _check(body)


def digest(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    h = hashes.Hash(hashes.SM3())
    h.update(canonical.encode())
    return h.finalize().hex()


def document_issue(*, actor: Actor, kind: str, application, matter=None) -> IssuedDocument:
    """The current version of a document, made now if the case changed since the last one.
    A 结果告知书 is made once, when the matter is decided."""
    existing = (
        IssuedDocument.objects.filter(application=application, kind=kind, matter=matter)
        .order_by("-pk")
        .first()
    )
    now = clock.now()
    if kind == DocumentKind.RESULT:
        if matter is None or matter.decided_at is None:
            raise ValidationError("事项尚未办结，还不能出具结果告知书。")
        if existing is not None:
            return existing
        snapshot = content.result(matter, clock.today())
        issuer = snapshot["issuer"]
    else:
        snapshot = content.BUILDERS[DocumentKind(kind)](application)
        issuer = snapshot["window"]
    hashed = digest(snapshot)
    if existing is not None and existing.content_hash == hashed:
        return existing
    missing = fonts.missing("".join(strings(chinese_part(snapshot))))
    with transaction.atomic():
        document = IssuedDocument.objects.create(
            code=_new_code(),
            kind=kind,
            application=application,
            matter=matter,
            issuer=issuer,
            issued_at=now,
            content_cipher=pii.encrypt(json.dumps(snapshot, ensure_ascii=False), context=CONTEXT),
            content_hash=hashed,
            missing_glyphs=[f"U+{ord(c):04X}" for c in missing],
        )
        audit_record(
            actor=actor,
            action=AuditAction.DOCUMENT_ISSUE,
            subject=application,
            detail={
                "kind": kind,
                "code": document.code,
                "matter": matter.pk if matter else None,
                "missing_glyphs": document.missing_glyphs,
            },
        )
    return document


def snapshot_of(document: IssuedDocument) -> dict:
    return json.loads(pii.decrypt(document.content_cipher, context=CONTEXT))


def _masked(snapshot: dict) -> dict:
    out = dict(snapshot)
    for key in ("applicant", "guardian"):
        block = out.get(key)
        if block:
            block = {**block, "id_number": block["id_masked"]}
            if block.get("certificate"):
                cert = block["certificate"]
                block["certificate"] = {**cert, "number": cert["number_masked"]}
            out[key] = block
    return out


def document_pdf(*, actor: Actor, document: IssuedDocument, large: bool | None = None) -> bytes:
    """The PDF of a document; full ID numbers only for roles that may see them. Audited."""
    snapshot = snapshot_of(document)
    reveal = bool(getattr(actor, "can_reveal_id", False))
    if not reveal:
        snapshot = _masked(snapshot)
    if large is None:
        large = snapshot.get("large_print", False)
    pdf = render(
        document.kind,
        snapshot,
        code=document.code,
        digest=document.content_hash,
        issued=document.issued_at,
        large=large,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_PRINT,
        subject=document.application,
        detail={"code": document.code, "kind": document.kind, "full_id": reveal, "large": large},
    )
    return pdf
