"""Which address the throttles key on: the peer, or X-Forwarded-For from a trusted proxy."""

import ipaddress

import pytest

from api.http.limits import client_ip, parse_ip
from infra.config import Network

LB = (ipaddress.ip_network("10.9.0.0/16"), ipaddress.ip_network("fd00::/8"))


def pick(peer: str, *forwarded_for: str, trusted: tuple[Network, ...] = LB) -> str:
    return client_ip(peer, forwarded_for, trusted)


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert pick("203.0.113.9", "198.51.100.1", trusted=()) == "203.0.113.9"


def test_an_untrusted_peer_cannot_choose_its_address_by_sending_the_header() -> None:
    assert pick("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_a_trusted_peer_forwards_the_client_it_saw() -> None:
    assert pick("10.9.0.5", "198.51.100.1") == "198.51.100.1"


def test_entries_the_client_wrote_itself_are_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the balancer appended the real peer.
    assert pick("10.9.0.5", "1.1.1.1, 2.2.2.2, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    assert pick("10.9.0.5", "1.1.1.1, 198.51.100.1, 10.9.3.3, fd00::7") == "198.51.100.1"


def test_repeated_headers_read_as_one_list() -> None:
    assert pick("10.9.0.5", "1.1.1.1", "198.51.100.1, 10.9.3.3") == "198.51.100.1"


def test_when_every_hop_is_trusted_the_furthest_one_is_the_client() -> None:
    assert pick("10.9.0.5", "10.9.1.1, 10.9.2.2") == "10.9.1.1"


@pytest.mark.parametrize("header", [(), ("",), (" , ",)])
def test_a_trusted_peer_without_a_forwarded_address_is_the_client(header: tuple[str]) -> None:
    assert pick("10.9.0.5", *header) == "10.9.0.5"


def test_an_unreadable_entry_stops_at_the_proxy_that_passed_it_on() -> None:
    # Whatever "unknown" hides, the walk cannot go past it: key on the last address vouched for.
    assert pick("10.9.0.5", "1.1.1.1, unknown, 10.9.3.3") == "10.9.3.3"
    assert pick("10.9.0.5", "not-an-ip") == "10.9.0.5"


def test_ports_brackets_and_mapped_ipv4_are_understood() -> None:
    assert pick("::ffff:10.9.0.5", "198.51.100.1:4711") == "198.51.100.1"
    assert pick("10.9.0.5", "[2001:db8::1]:443") == "2001:db8::1"
    assert pick("10.9.0.5", "2001:db8::1") == "2001:db8::1"


def test_the_forwarded_address_is_normalised_so_one_client_has_one_key() -> None:
    assert pick("10.9.0.5", "2001:DB8:0::1") == pick("10.9.0.5", "2001:db8::1")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:80", "192.0.2.1"),
        ("[::1]:80", "::1"),
        ("::1", "::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("unknown", None),
        ("", None),
        ("_hidden", None),
    ],
)
def test_parse_ip(text: str, parsed: str | None) -> None:
    found = parse_ip(text)
    assert (None if found is None else str(found)) == parsed
