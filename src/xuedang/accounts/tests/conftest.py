import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Limits live in the cache; each test starts with none spent."""
    cache.clear()
