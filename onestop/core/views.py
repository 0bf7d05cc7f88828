from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from . import replica

# Staff pages live under these; every other address is the public's (portal, verification).
STAFF_PREFIXES = ("/workbench/", "/reports/", "/accounts/", "/admin/")


def safe_next(request: HttpRequest) -> str:
    """The ``next`` page a form was asked to return to, if it is on this site; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


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


def server_error(request: HttpRequest) -> HttpResponse:
    """Standalone and rendered without the request's context: the error may be that the
    database or the cache does not answer, which the usual pages ask."""
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)


def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (a load balancer's liveness probe: nothing else is asked)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this server can serve: the primary database and Redis answer (503 if not). The
    replica is reported, never a reason to be unready: reads leave it when it is down or
    behind."""
    checks: dict[str, Any] = {"database": _database_state()}
    if replica.configured():
        lag = replica.replica_lag()
        state = "down" if lag is None else "ok"
        if lag is not None and lag > settings.REPLICA_MAX_LAG_SECONDS:
            state = "behind"
        checks["replica"] = {"state": state, "lag_seconds": lag}
    if settings.REDIS_URL:
        checks["redis"] = _redis_state()
    ready = checks["database"] == "ok" and checks.get("redis", "ok") == "ok"
    return JsonResponse({"ready": ready, **checks}, status=200 if ready else 503)


def _database_state() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connections["default"].close()
        return "down"
    return "ok"


def _redis_state() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
    except redis.RedisError:
        return "down"
    return "ok"
