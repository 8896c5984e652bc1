"""client_ip: the client's address behind 0, 1 or 2 trusted reverse proxies, never a spoofed header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from portal.core.http import client_ip


def _request(remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_header_is_ignored(settings):
    settings.LUMEN_TRUSTED_PROXIES = 0
    assert client_ip(_request("198.51.100.20", forwarded="203.0.113.66")) == "198.51.100.20"
    assert client_ip(_request("198.51.100.20")) == "198.51.100.20"


def test_behind_one_proxy_the_rightmost_address_is_the_client(settings):
    settings.LUMEN_TRUSTED_PROXIES = 1
    # The client forged "203.0.113.66"; the proxy appended the address it really saw.
    request = _request("10.0.0.5", forwarded="203.0.113.66, 198.51.100.20")
    assert client_ip(request) == "198.51.100.20"
    assert client_ip(_request("10.0.0.5", forwarded="198.51.100.20")) == "198.51.100.20"


def test_behind_two_proxies_the_second_from_the_right(settings):
    settings.LUMEN_TRUSTED_PROXIES = 2
    # client forged 203.0.113.66; outer proxy saw 198.51.100.20; inner proxy saw the outer one (10.0.0.9).
    request = _request("10.0.0.5", forwarded="203.0.113.66,198.51.100.20, 10.0.0.9")
    assert client_ip(request) == "198.51.100.20"


@pytest.mark.parametrize("forwarded", [None, "", "198.51.100.20"])
def test_a_header_shorter_than_the_proxies_falls_back_to_the_connection(settings, forwarded):
    settings.LUMEN_TRUSTED_PROXIES = 2
    assert client_ip(_request("10.0.0.5", forwarded=forwarded)) == "10.0.0.5"


def test_ports_and_brackets_are_dropped_and_junk_is_refused(settings):
    settings.LUMEN_TRUSTED_PROXIES = 1
    assert client_ip(_request(forwarded="198.51.100.20:51000")) == "198.51.100.20"
    assert client_ip(_request(forwarded="[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request(forwarded="2001:db8::7")) == "2001:db8::7"
    assert client_ip(_request("10.0.0.5", forwarded="unknown")) == "10.0.0.5"
    settings.LUMEN_TRUSTED_PROXIES = 0
    assert client_ip(_request("")) is None
