"""The client's address: X-Forwarded-For only from a trusted proxy, read from the right; rate limits keyed on it."""

import pytest
from django.test import RequestFactory

from apps.core.clients import client_address, client_key, rate_limited


def request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.CITYOPS_TRUSTED_PROXIES = []

    assert client_address(request("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),  # nginx in front: its header names the client
        ("10.0.0.2", "203.0.113.9, 198.51.100.7", "198.51.100.7"),  # the client's own header is further left
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two trusted proxies in a row
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),  # not a trusted proxy: its header means nothing
        ("10.0.0.2", "not-an-address", "10.0.0.2"),  # a malformed header: the proxy is what is known
        ("10.0.0.2", None, "10.0.0.2"),
        ("::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_a_trusted_proxys_header_is_read_from_the_right(settings, remote, forwarded, client):
    settings.CITYOPS_TRUSTED_PROXIES = ["10.0.0.0/24", "::1"]

    assert client_address(request(remote, forwarded)) == client


def test_keys_hide_the_address_and_differ_by_purpose(settings):
    settings.CITYOPS_TRUSTED_PROXIES = []
    asking = request("198.51.100.7")

    assert "198.51.100.7" not in client_key(asking, purpose="a")
    assert client_key(asking, purpose="a") != client_key(asking, purpose="b")
    assert client_key(asking, purpose="a") == client_key(request("198.51.100.7"), purpose="a")


def test_a_rate_limit_counts_per_client(settings):
    settings.CITYOPS_TRUSTED_PROXIES = []
    one, other = request("198.51.100.7"), request("198.51.100.8")

    used = [rate_limited(one, action="test", limit=3, window_seconds=60) for _ in range(4)]

    assert used == [False, False, False, True]
    assert rate_limited(other, action="test", limit=3, window_seconds=60) is False
