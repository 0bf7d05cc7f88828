from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Staff pages live under these; every other address is the public's (portal, verification).
STAFF_PREFIXES = ("/workbench/", "/reports/", "/accounts/", "/admin/")


def _error(request: HttpRequest, code: int, context: dict[str, Any] | None = None) -> HttpResponse:
    audience = "staff" if request.path.startswith(STAFF_PREFIXES) else "portal"
    return render(request, f"errors/{audience}/{code}.html", context, status=code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # E.g. a form whose upload arrived broken (a multipart body without its boundary).
    return _error(request, 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return _error(request, 403, {"message": message})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)
