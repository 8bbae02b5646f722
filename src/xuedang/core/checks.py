"""Settings that must never serve the public: refused at start, and by `xuedang check --deploy`.

With DEBUG off, each of these is an error of Django's system checks (so `xuedang check`,
`migrate` and `runserver` stop on it) and stops every server and worker at start
(`refuse_unsafe_configuration`, called from `wsgi.py`, `asgi.py`, the Celery worker and
`runserver` before its reloader):

- the development `SECRET_KEY` (or the placeholder of `.env.example`): sessions, CSRF tokens and
  password-reset links would be forgeable by anyone who read this repository;
- `PII_KEYS` / `PII_HMAC_KEY` missing or malformed: personal numbers would be encrypted under a
  key derived from that public value, or the first request touching them would fail;
- `ALLOWED_HOSTS` empty or `*`: Host-header poisoning of the links in SMS, e-mail and reports;
- the development signing CA (checked by `reports.checks`, registered under the same tag).

`check --deploy` reports them with DEBUG on as well: a deployment is judged by what it would do
in production. Nothing here can be silenced by an environment variable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from xuedang.core import crypto

TAG = "xuedang_production"
# The placeholder `.env.example` ships: copying the example file must not make a deployment.
PLACEHOLDER_SECRET_KEYS = frozenset({"change-me-to-50-random-characters"})

Problem = checks.CheckMessage
Check = Callable[[], list[Problem]]


def _error(code: int, variable: str, message: str, hint: str) -> checks.Error:
    return checks.Error(f"{variable}: {message}", hint=hint, id=f"xuedang.E{code:03d}")


def secret_key_problems() -> list[Problem]:
    key = settings.SECRET_KEY
    if key == settings.DEV_SECRET_KEY or key in PLACEHOLDER_SECRET_KEYS or key.startswith("dev-only-insecure"):
        return [
            _error(
                1,
                "SECRET_KEY",
                "仍是开发用的默认值或示例占位值 / is the development default or the example placeholder",
                "设置 50 个以上的随机字符 / set 50+ random characters: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            )
        ]
    return []


def pii_key_problems() -> list[Problem]:
    hint_keys = (
        "逗号分隔的 key_id:base64(32 字节)，第一个用于加密 / comma-separated key_id:base64(32 bytes), the first "
        "encrypts: python -c \"import os,base64;print('k1:'+base64.b64encode(os.urandom(32)).decode())\""
    )
    hint_hmac = "base64 编码的 32 字节随机数，永不轮换 / base64 of 32 random bytes, never rotated"
    found = [
        *_key_problem(2, "PII_KEYS", settings.PII_KEYS, crypto.parse_keys, hint_keys),
        *_key_problem(4, "PII_HMAC_KEY", settings.PII_HMAC_KEY, crypto.parse_hmac_key, hint_hmac),
    ]
    return found


def _key_problem(code: int, variable: str, raw: str, parse: Callable[[str], Any], hint: str) -> list[Problem]:
    if not raw.strip():
        return [_error(code, variable, "未设置 / is not set", hint)]
    try:
        parse(raw)
    except ValueError as error:
        return [_error(code + 1, variable, f"格式错误 / is malformed: {error}", hint)]
    return []


def allowed_hosts_problems() -> list[Problem]:
    hosts = [host.strip() for host in settings.ALLOWED_HOSTS]
    hint = "列出本服务的域名 / list the service's own host names, e.g. ALLOWED_HOSTS=xuedang.example.edu.cn"
    if not any(hosts):
        return [_error(6, "ALLOWED_HOSTS", "为空 / is empty", hint)]
    if "*" in hosts:
        return [_error(7, "ALLOWED_HOSTS", "含 “*”，接受任何 Host 头 / contains '*', accepting any Host header", hint)]
    return []


# The checks every start runs; apps above core add theirs with `register_production_check`.
PRODUCTION_CHECKS: list[Check] = [secret_key_problems, pii_key_problems, allowed_hosts_problems]


def register_production_check(check: Check) -> Check:
    """Add a check of an app above core (the signing CA lives in reports) to the refusals."""
    if check not in PRODUCTION_CHECKS:
        PRODUCTION_CHECKS.append(check)
    return check


def production_problems() -> list[Problem]:
    return [problem for check in PRODUCTION_CHECKS for problem in check()]


@checks.register(checks.Tags.security, TAG)
def production_settings_check(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> list[Problem]:
    """Every command that runs the checks (runserver, migrate, check …) stops on these with DEBUG off."""
    return [] if settings.DEBUG else production_problems()


@checks.register(checks.Tags.security, TAG, deploy=True)
def deploy_settings_check(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> list[Problem]:
    """`check --deploy` with DEBUG on: the same problems (with DEBUG off the check above has them)."""
    return production_problems() if settings.DEBUG else []


def refuse_unsafe_configuration() -> None:
    """Stop a server or worker from starting with DEBUG off and any of the problems above.

    Raises ImproperlyConfigured with every problem, each naming its variable."""
    if settings.DEBUG:
        return
    errors = [problem for problem in production_problems() if problem.is_serious()]
    if errors:
        lines = "\n".join(f"  - {problem.msg}\n    {problem.hint}" for problem in errors)
        raise ImproperlyConfigured(
            f"拒绝以不安全的生产配置启动（DEBUG 关闭） / refusing to start with unsafe production settings "
            f"(DEBUG is off):\n{lines}"
        )


CSP_MIDDLEWARE = "xuedang.core.middleware.ContentSecurityPolicyMiddleware"
CSP_HINT = (
    "保留默认策略，或只放开具体来源 / keep the default policy, or allow named sources only "
    "(settings.py, docs/deploy.md); 内联脚本和样式放进静态文件 / move inline scripts and styles into static files"
)


@checks.register(checks.Tags.security, TAG, deploy=True)
def content_security_policy_check(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> list[Problem]:
    """`check --deploy`: a Content-Security-Policy is sent, and it does not let inline code run.

    Warnings (so `--fail-level WARNING`, as docs/deploy.md runs it, fails), not start refusals."""
    policy = settings.CONTENT_SECURITY_POLICY.strip()
    if not policy or CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        return [
            checks.Warning(
                "CONTENT_SECURITY_POLICY: 未发送内容安全策略 / no Content-Security-Policy is sent",
                hint=CSP_HINT,
                id="xuedang.W002",
            )
        ]
    weak = [word for word in ("'unsafe-inline'", "'unsafe-eval'", "*") if word in policy.replace(";", " ").split()]
    if weak:
        return [
            checks.Warning(
                f"CONTENT_SECURITY_POLICY: 含 {' '.join(weak)}，注入的脚本可以执行 / contains {' '.join(weak)}: "
                "injected code would run",
                hint=CSP_HINT,
                id="xuedang.W003",
            )
        ]
    return []
