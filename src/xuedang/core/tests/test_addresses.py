"""One IPv4 address or one IPv6 /64: the unit every per-address limit counts."""

from __future__ import annotations

from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from xuedang.core.addresses import address_group, ratelimit_ip


def test_an_ipv4_address_is_its_own_group() -> None:
    assert address_group("198.51.100.7") == "198.51.100.7"
    assert address_group("198.51.100.8") != address_group("198.51.100.7")


def test_every_address_of_one_ipv6_64_is_one_group() -> None:
    assert address_group("2001:db8:1:2::1") == address_group("2001:db8:1:2:ffff:ffff:ffff:fffe") == "2001:db8:1:2::/64"
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")


def test_an_ipv4_mapped_address_counts_as_the_ipv4_address() -> None:
    assert address_group("::ffff:198.51.100.7") == "198.51.100.7"


def test_an_unreadable_address_shares_one_group_instead_of_escaping() -> None:
    assert address_group("") == address_group("not an address") == "-"


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_any_interface_id_stays_in_its_64(interface: int) -> None:
    import ipaddress

    address = ipaddress.IPv6Address((0x20010DB8_00010002 << 64) | interface)
    assert address_group(str(address)) == "2001:db8:1:2::/64"


def test_django_ratelimit_counts_the_same_group() -> None:
    from django_ratelimit.core import _get_ip

    factory = RequestFactory()
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::9")
    assert ratelimit_ip(one) == "2001:db8:1:2::"
    assert _get_ip(one) == _get_ip(other)
    assert _get_ip(factory.get("/", REMOTE_ADDR="::ffff:198.51.100.7")) == "198.51.100.7"
