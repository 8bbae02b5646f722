"""deploy/: the nginx site, gunicorn's access log and the development server's log keep codes,
names and numbers out of access logs; nginx's body caps match Django's (issue 20 items 4 and 9)."""

from __future__ import annotations

import io
import logging
import logging.config
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings

from xuedang.imports.parsing import MAX_BYTES
from xuedang.registry.services.photo_archives import ZIP_MAX_BYTES

DEPLOY = Path(__file__).resolve().parents[4] / "deploy"
NGINX = (DEPLOY / "nginx-xuedang.conf").read_text(encoding="utf-8")
CODE = "ABCD2345EFGH6789"
ID_NUMBER = "110101199003077777"


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def _body_caps() -> dict[str, int]:
    """location (or "server") → client_max_body_size in bytes."""
    caps, where = {}, "server"
    for line in NGINX.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("location"):
            where = line.removesuffix("{").split()[-1]
        elif line == "}":
            where = "server"
        found = re.match(r"client_max_body_size\s+(\w+);", line)
        if found:
            caps[where] = _size(found.group(1))
    return caps


def test_nginx_body_caps_match_the_django_limits() -> None:
    caps = _body_caps()
    # everywhere: the form limit Django itself answers with a bilingual 413 (RequestBodyLimitMiddleware)
    assert caps["server"] == settings.MAX_FORM_BODY_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_FORM_BODY_BYTES
    # the large routes (imports, the photo ZIP): the same cap as Django's, which holds the largest file
    assert settings.MAX_REQUEST_BODY_BYTES >= MAX_BYTES + 1024**2
    assert settings.MAX_REQUEST_BODY_BYTES >= ZIP_MAX_BYTES + 1024**2
    for route in settings.LARGE_BODY_PATHS:
        assert caps.get(route) == settings.MAX_REQUEST_BODY_BYTES, route


def test_nginx_rate_limits_the_public_verification_routes() -> None:
    for route in ("/verify/", "/verify/lookup/", "/api/v1/verify/reports"):
        block = NGINX.split(f"location {route} {{", 1)[-1] if f"location {route} " in NGINX else ""
        block = block or NGINX.split(f"location = {route} {{", 1)[-1]
        assert "limit_req zone=" in block.split("}", 1)[0], route


def test_nginx_access_log_has_no_query_referrer_or_code() -> None:
    log_format = NGINX.split("log_format xuedang", 1)[1].split(";", 1)[0]
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer", "$uri"):
        assert variable not in log_format + " ", variable
    assert "$xuedang_logged_uri" in log_format
    pattern = re.search(r'"~(\^/verify/[^"]+)"\s+"(/verify/\[code\])"', NGINX)
    assert pattern is not None
    regex = re.compile(pattern.group(1))  # nginx's PCRE and Python agree on this one
    assert regex.sub(pattern.group(2), f"/verify/{CODE}") == "/verify/[code]"
    assert regex.sub(pattern.group(2), f"/verify/{CODE}/photo") == "/verify/[code]/photo"
    assert not regex.search("/verify/lookup/")


def test_nginx_forwards_as_decision_0010_expects() -> None:
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX


class _Request:
    method = "GET"
    path = f"/verify/{CODE}"
    query = f"name=张三&id={ID_NUMBER}"
    uri = f"{path}?{query}"
    version = (1, 1)
    headers = [("REFERER", f"https://example.com/?code={CODE}"), ("USER-AGENT", "curl/8")]


class _Response:
    status = "200 OK"
    status_code = 200
    sent = 10
    headers: list[tuple[str, str]] = []


def test_gunicorn_access_log_keeps_no_code_name_or_query(tmp_path, monkeypatch) -> None:
    from datetime import timedelta

    from gunicorn.config import Config

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", conf["access_log_format"] + ' "%(f)s" "%({referer}i)s" %(q)s')
    logger = conf["logger_class"](config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": _Request.uri, "PATH_INFO": _Request.path}
    environ |= {"QUERY_STRING": _Request.query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    logger.access(_Response(), _Request(), environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text(encoding="utf-8")
    assert '"GET /verify/[code] HTTP/1.1" 200' in line
    for secret in (CODE, "张三", ID_NUMBER, "name=", "example.com"):
        assert secret not in line, secret


def test_the_development_servers_access_log_is_redacted() -> None:
    stream = io.StringIO()
    config = {**settings.LOGGING, "handlers": {k: dict(v) for k, v in settings.LOGGING["handlers"].items()}}
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /verify/{CODE}?name=张三&id={ID_NUMBER} HTTP/1.1", "200", "1424"
        )
    finally:
        logging.config.dictConfig(settings.LOGGING)
    line = stream.getvalue()
    assert '"GET /verify/[code] HTTP/1.1" 200' in line
    for secret in (CODE, "张三", ID_NUMBER):
        assert secret not in line


@pytest.mark.parametrize("unit", ["xuedang-web.service", "xuedang-worker.service", "xuedang-beat.service"])
def test_systemd_units_read_the_documented_environment_file(unit: str) -> None:
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/xuedang/xuedang.env" in text
    assert "User=xuedang" in text
