import pytest


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Attempt counters live in the cache, keyed by account; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
