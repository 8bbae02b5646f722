"""Behind reverse proxies every per-address rule must see the client, not the proxy; and a client
must not be able to pick its own address by writing X-Forwarded-For (core/middleware.py)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from xuedang.core.middleware import client_address, trusted_networks
from xuedang.registry.models import AccessEvent
from xuedang.reports.tests.factories import credential_report

PROXIES = trusted_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),  # one proxy
        ("10.0.0.5", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client wrote an entry itself: ignored
        ("10.0.0.5", "203.0.113.9, 10.1.2.3", "203.0.113.9"),  # two proxies of ours in a row
        ("10.0.0.5", "", "10.0.0.5"),  # nothing forwarded: the proxy itself (a health check)
        ("10.0.0.5", "not-an-address", "10.0.0.5"),  # unreadable where our proxy wrote: stop at the proxy
        ("10.0.0.5", "junk, 203.0.113.9", "203.0.113.9"),  # junk beyond the client is never read
        ("10.0.0.5", "[2001:db8::7]:51234", "2001:db8::7"),
        ("10.0.0.5", "203.0.113.9:4711", "203.0.113.9"),
        ("2001:db8:ffff::1", "::ffff:203.0.113.9", "203.0.113.9"),  # IPv4-mapped, through an IPv6 proxy
        ("203.0.113.200", "198.51.100.1", "203.0.113.200"),  # not our proxy: the header means nothing
        ("10.0.0.5", ", ".join(["10.9.9.9"] * 40), "10.9.9.9"),  # a long chain is walked 16 hops, no further
    ],
)
def test_the_client_is_the_rightmost_address_that_is_not_our_proxy(peer, forwarded, client) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_a_bad_trusted_proxies_setting_stops_the_start_with_the_value_named() -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape("TRUSTED_PROXIES 中的“10.0.0.0/33”")):
        trusted_networks(["10.0.0.0/8", "10.0.0.0/33"])


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.REPORTS_VERIFY_RATE = "2/m"
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_verification_limit(student, behind_proxy) -> None:
    report = credential_report(student)
    client = Client()  # a new client loads the middleware with the settings above

    def status(forwarded: str, peer: str = "10.0.0.5") -> int:
        return client.get(f"/verify/{report.code}", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [status("203.0.113.9") for _ in range(3)] == [200, 200, 429]
    assert status("198.51.100.7") == 200  # another client through the same proxy is not limited
    assert status("192.0.2.1, 203.0.113.9") == 429  # a forged entry does not move the client out of its limit
    # straight to the server, not through the proxy: the header is dropped, the peer is counted
    assert [status("192.0.2.77", peer="198.51.100.50") for _ in range(3)] == [200, 200, 429]
    # the student's access page shows the client's network, never the proxy's
    assert set(AccessEvent.objects.values_list("origin", flat=True)) == {"203.0.113.0/24", "198.51.100.0/24"}


@pytest.mark.django_db
def test_without_trusted_proxies_forwarded_headers_change_nothing(student, settings) -> None:
    settings.TRUSTED_PROXIES = []
    settings.REPORTS_VERIFY_RATE = "2/m"
    cache.clear()
    report = credential_report(student)
    client = Client()
    statuses = [
        client.get(f"/verify/{report.code}", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # rotating the header does not escape the limit
    cache.clear()


@pytest.mark.django_db
def test_https_is_believed_only_from_the_proxy(behind_proxy) -> None:
    client = Client()
    seen = []

    def scheme(**meta) -> str:
        response = client.get("/healthz", **meta)
        seen.append(response.wsgi_request.is_secure())
        return response.wsgi_request.META.get("REMOTE_ADDR", "")

    assert (
        scheme(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.9")
        == "203.0.113.9"
    )
    assert scheme(REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_PROTO="https") == "198.51.100.50"
    assert seen == [True, False]
