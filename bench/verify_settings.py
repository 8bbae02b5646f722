"""Production settings plus a bench-only URLconf holding the constant view (bench/verify.py)."""

from xuedang.settings import *  # noqa: F403 — the production settings, unchanged

ROOT_URLCONF = "verify_urls"
