"""The API's rate throttles know a client as the rest of the app does: a header the client wrote is not a new
client, an IPv6 client is its /64."""

from django.test import RequestFactory

from apps.core.throttling import ClientAnonThrottle


def ident(**meta):
    return ClientAnonThrottle().get_ident(RequestFactory().get("/api/v1/public/status", **meta))


def test_a_forged_forwarded_for_is_not_a_new_client(settings):
    settings.CITYOPS_TRUSTED_PROXIES = []
    plain = ident(REMOTE_ADDR="203.0.113.7")
    forged = ident(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    other = ident(REMOTE_ADDR="203.0.113.8")
    assert plain == forged
    assert plain != other


def test_an_ipv6_client_is_its_64(settings):
    settings.CITYOPS_TRUSTED_PROXIES = []
    assert ident(REMOTE_ADDR="2001:db8:1:2::65") == ident(REMOTE_ADDR="2001:db8:1:2::70")
    assert ident(REMOTE_ADDR="2001:db8:1:2::65") != ident(REMOTE_ADDR="2001:db8:1:3::65")
