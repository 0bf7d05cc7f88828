"""The JSON API (OpenAPI 3.1 at /api/v1/openapi.json, browsable at /api/v1/docs)."""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from onestop.core.api_errors import translate_validation_errors

api = NinjaAPI(
    title="扶残助困「一件事一次办」平台接口",
    version="1",
    description=(
        "供部门业务系统、窗口和网上申办页面调用。错误一律返回中文说明；"
        "请求体校验失败时返回 422，`detail` 中逐项列出字段（`field`）和原因（`message`）。"
    ),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": translate_validation_errors(exc.errors)}, status=422
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        errors = translate_validation_errors([{"type": "json_invalid", "loc": ()}])
        return api.create_response(request, {"detail": errors}, status=422)
    detail = getattr(exc, "detail", None) or str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def on_broken_multipart(request, exc):
    errors = translate_validation_errors([{"type": "multipart_invalid", "loc": ()}])
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(SuspiciousOperation)
def on_suspicious_body(request, exc):
    # Django's own limits on a body: too big, too many fields or files, a malformed part.
    if isinstance(exc, RequestDataTooBig):
        return api.create_response(request, {"detail": "请求内容过大。"}, status=413)
    return api.create_response(
        request, {"detail": "请求内容无法处理，请检查后重新提交。"}, status=400
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, {"detail": "请先登录或提供有效的接口密钥。"}, status=401)


api.add_router("/", "onestop.policy.api.router")
api.add_router("/", "onestop.exchange.api.router")
