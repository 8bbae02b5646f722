"""`make run-prod`: the production profile of docs/deploy.md on this machine.

deploy/xuedang.env with local overrides (PostgreSQL and Redis on 127.0.0.1, plain HTTP on a local
port, the file SMS and e-mail backends), secrets generated once into var/prod/secrets (PII keys, a
SECRET_KEY, a registry signing certificate that is not the development CA), then `migrate`,
`collectstatic`, a Celery worker and gunicorn with deploy/gunicorn.conf.py. It waits until
/readyz answers 200, prints the address, and stops both processes on Ctrl-C or SIGTERM.
core/tests/test_run_prod.py starts it and fetches a page, a static file and /readyz.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _registry_certificate(key_path: Path, cert_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "学档 run-prod 登记机构 (local)")])
    now = datetime.now(tz=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def local_secrets(directory: Path) -> dict[str, str]:
    """The *_FILE variables of the env file, pointing at files made here once and kept."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = {
        "SECRET_KEY_FILE": lambda: secrets.token_urlsafe(50),
        "PII_KEYS_FILE": lambda: "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "PII_HMAC_KEY_FILE": lambda: base64.b64encode(os.urandom(32)).decode(),
    }
    files = {}
    for name, make in made.items():
        path = directory / name.lower()
        if not path.exists():
            path.write_text(make(), encoding="utf-8")
            path.chmod(0o600)
        files[name] = str(path)
    key, cert = directory / "signing-key.pem", directory / "signing-cert.pem"
    if not cert.exists():
        _registry_certificate(key, cert)
    files.update(SIGNING_KEY_FILE=str(key), SIGNING_CERT_FILE=str(cert), SIGNING_CHAIN_FILE="")
    return files


def profile_env(args: argparse.Namespace) -> dict[str, str]:
    data = Path(args.data_dir).resolve()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO", "SECURE_"))}
    env.update(read_env_file(ROOT / "deploy" / "xuedang.env"))
    env = {name: value for name, value in env.items() if not (name.endswith("_FILE") and name not in os.environ)}
    env.update(local_secrets(data / "secrets"))
    env.update(
        DEBUG="false",
        XUEDANG_DATA_DIR=str(data),
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        SITE_URL=f"http://127.0.0.1:{args.port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{args.port}",
        TRUSTED_PROXIES="",
        # plain HTTP on this machine: no nginx in front, so no TLS to insist on
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="false",
        SMS_BACKEND="xuedang.accounts.sms.FileSmsBackend",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        GUNICORN_WORKERS=str(args.workers),
        PROMETHEUS_MULTIPROC_DIR=str(data / "metrics"),
    )
    return env


def wait_ready(url: str, processes: list[subprocess.Popen[bytes]], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/h_prod")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "prod"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="demo students to seed into an empty database")
    args = parser.parse_args()
    env = profile_env(args)
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    for stale in Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()  # a new run: samples of the last run's processes are gone with them
    xuedang = str(BIN / "xuedang")
    subprocess.run([xuedang, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([xuedang, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    if args.seed:
        subprocess.run([xuedang, "seed", "--students", str(args.seed), "--if-empty"], env=env, check=True)
    processes = [
        subprocess.Popen(
            [
                *(str(BIN / "celery"), "-A", "xuedang", "worker", "--loglevel=WARNING", "--concurrency=1"),
                *("--prefetch-multiplier=1", "--without-gossip", "--without-mingle"),
            ],
            env=env,
        ),
        subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "xuedang.wsgi:application"],
            env=env,
        ),
    ]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    wait_ready(f"http://127.0.0.1:{args.port}/readyz", processes)
    print(f"xuedang (production profile) on http://127.0.0.1:{args.port}/ — Ctrl-C stops it", flush=True)
    while all(process.poll() is None for process in processes):
        time.sleep(1)
    stop()


if __name__ == "__main__":
    main()
