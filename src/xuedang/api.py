"""The JSON API (django-ninja); its OpenAPI document is served at /api/v1/openapi.json."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django_ratelimit.exceptions import Ratelimited
from ninja import NinjaAPI
from ninja.errors import ValidationError

from xuedang.imports.api import router as school_router
from xuedang.institutions.api import router as institutions_router
from xuedang.registry.api import router as registry_router
from xuedang.reports.api import router as verify_router

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "中文说明 / English explanation"},
        "fields": {
            "type": "array",
            "description": "422 only: each field that is wrong, and what is wrong with it",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail"],
}
# What each error answer means, per the door that gives it (decision 0028).
ERRORS = {
    400: "请求内容不被接受（说明见 detail）/ the request was understood but refused; detail says why",
    401: "缺少或无效的凭据 / missing or invalid credentials (API key or session)",
    403: "工作人员会话尚未完成两步验证 / the staff session has not passed two-step sign-in",
    404: "记录不存在或不在您的范围内（两者同样回答）/ no such record, or not in your scope (the same answer)",
    409: "与当前状态冲突 / conflicts with the record's current state",
    413: "请求体超过此接口的上限 / the request body is larger than this operation accepts",
    422: "参数或字段无效，fields 列出每一项 / invalid parameters or fields, each listed in `fields`",
    429: "调用过于频繁，见 Retry-After / too many requests; see Retry-After",
}
KEYS = ("SystemKey", "OrganisationKey")  # API keys, each with its own rate limit (429)
SESSION = "SessionAuth"  # staff sessions: two-step sign-in first (accounts.middleware, 403)


def operation_errors(path: str, method: str, operation: dict) -> list[int]:
    """The error statuses one operation can answer, from its doors: credentials (401), the staff
    two-step rule (403), a record named in the path (404), parameters or a body (422), a body
    size limit (413), and the per-key rate limit (429). Nothing answers 409 yet."""
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    codes = set()
    if schemes:
        codes.add(401)
    if SESSION in schemes:
        codes.add(403)
    if "{" in path:
        codes.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    if operation.get("requestBody"):
        codes.add(413)
    if schemes & set(KEYS):
        codes.add(429)
    return sorted(codes)


def _files_not_empty(operation: dict) -> None:
    """An uploaded file has at least one byte: Django's parser drops an empty file part, so the
    request arrives without the file (422 "this field is required")."""
    body = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
    for field in body.get("schema", {}).get("properties", {}).values():
        if field.get("format") == "binary":
            field["minLength"] = 1


class DocumentedAPI(NinjaAPI):
    """The OpenAPI document lists, for every operation, the errors it can answer with one shared
    `Error` schema (issue 19 item 7; schemathesis checks it in tests/test_api_docs.py)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                for code in operation_errors(path, method, operation):
                    if code not in responses:
                        responses[code] = {"description": ERRORS[code], "content": error}
                    responses[code]["description"] = ERRORS[code]
                _files_not_empty(operation)
                if 400 in responses:
                    responses[400]["description"] = ERRORS[400]
                if 429 in responses:
                    responses[429]["headers"] = {
                        "Retry-After": {"description": "秒 / seconds", "schema": {"type": "integer"}}
                    }
        return schema


api = DocumentedAPI(
    title="学档 xuedang API",
    version="1",
    description="全国高等教育学籍学历注册 / national registry of student status and credentials. "
    "每个操作列出其错误回答；错误体为 `Error`。/ Every operation lists its error answers; each has the `Error` body.",
    urls_namespace="api",
)
api.add_router("/institutions", institutions_router)
api.add_router("/enrollments", registry_router)
api.add_router("/school", school_router)
api.add_router("/verify", verify_router)


MESSAGES = {
    "missing": "缺少此项 / this field is required",
    "int_parsing": "应为整数 / must be a whole number",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD",
    "string_too_long": "内容过长 / the value is too long",
    "too_long": "条目过多 / too many items",
    "too_short": "至少需要一项 / at least one item is required",
}


@api.exception_handler(Ratelimited)
def too_many_requests(request: HttpRequest, exc: Ratelimited) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "请求过于频繁，请稍后再试 / too many requests; try again later"}, status=429
    )
    response["Retry-After"] = "60"
    return response


@api.exception_handler(ValidationError)
def bilingual_validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Every field error names the field and says what is wrong, in Chinese with English."""
    fields = []
    for error in exc.errors:
        parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form", "file")]
        location = ".".join(parts) or str(error.get("loc", ("",))[-1])
        message = MESSAGES.get(error.get("type", ""), f"格式不正确 / invalid value ({error.get('msg', '')})")
        fields.append({"field": location, "message": message})
    return api.create_response(request, {"detail": "请求有误 / invalid request", "fields": fields}, status=422)
