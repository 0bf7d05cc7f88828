from onestop.accounts.roles import OFFICER_ROLES
from onestop.cases.selectors import matters_visible_to

from .content import SUBSIDIES
from .models import DocumentKind, IssuedDocument


def document_kinds_for(user, application) -> set[str]:
    """按需共享 for documents too: an officer prints the 附件4 form when working a subsidy, and
    the result notices of their own matters; the whole application stays with the window."""
    if user.role not in OFFICER_ROLES:
        return set(DocumentKind.values)
    kinds = {m.kind for m in matters_visible_to(user, application)}
    allowed = {DocumentKind.RESULT.value} if kinds else set()
    if kinds & set(SUBSIDIES):
        allowed.add(DocumentKind.SUBSIDY_FORM.value)
    return allowed


def issued_document(code: str) -> IssuedDocument | None:
    """The document with this verification code (public: the code is printed on it)."""
    return IssuedDocument.objects.select_related("application").filter(code=code).first()


def issued_document_superseded(document: IssuedDocument) -> bool:
    """Whether a newer document of the same kind was issued for the same application and matter."""
    return IssuedDocument.objects.filter(
        application=document.application,
        kind=document.kind,
        matter=document.matter_id,
        pk__gt=document.pk,
    ).exists()
