"""PDF downloads for staff, and the public verification page."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from onestop.cases.selectors import applications_visible_to, matters_visible_to
from onestop.core import ratelimit

from .models import DocumentKind, IssuedDocument
from .selectors import document_kinds_for, issued_document, issued_document_superseded
from .services import document_issue, document_pdf, normalize_code

VERIFY_PER_MINUTE = 30


def pdf_response(pdf: bytes, document: IssuedDocument, large: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = "-大字版" if large else ""
    name = f"{document.application.tracking_no}-{document.get_kind_display()}{suffix}.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def staff_document(request, pk: int, kind: str):
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    if kind not in document_kinds_for(request.user, application):
        raise Http404("没有这种文书，或者本岗位不能查看。")
    matter = None
    if kind == DocumentKind.RESULT:
        matter = get_object_or_404(
            matters_visible_to(request.user, application), pk=request.GET.get("matter") or 0
        )
    try:
        document = document_issue(
            actor=request.user, kind=kind, application=application, matter=matter
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workbench:application", pk=application.pk)
    large = request.GET.get("large") == "1"
    pdf = document_pdf(actor=request.user, document=document, large=large)
    return pdf_response(pdf, document, large)


def verify(request, code: str = ""):
    """Public: is this document genuine? Shows issuer, date, tracking number and digest only."""
    if not code and request.GET.get("code"):
        return redirect("verify", code=request.GET["code"].strip() or "-")
    if not code:
        return render(request, "documents/verify.html", {})
    if not ratelimit.hit("verify", ratelimit.client_ip(request), VERIFY_PER_MINUTE, 60):
        return render(request, "documents/verify.html", {"code": code, "limited": True}, status=429)
    normal = normalize_code(code)
    document = issued_document(normal) if normal else None
    newer = document is not None and issued_document_superseded(document)
    return render(
        request,
        "documents/verify.html",
        {"code": code, "document": document, "malformed": normal is None, "newer": newer},
        status=200 if document else 404,
    )
