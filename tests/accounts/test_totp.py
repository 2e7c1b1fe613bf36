"""TOTP against the RFC 6238 test vectors (SHA-1 secret "12345678901234567890", last six digits)."""

from __future__ import annotations

import pytest

from apps.accounts import totp

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("at", "code"), [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")]
)
def test_codes_match_the_rfc_6238_vectors(at, code):
    assert totp.totp_now(RFC_SECRET, at) == code


def test_a_code_of_the_previous_or_next_step_matches_but_not_two_steps_away():
    now = 1234567890

    assert totp.matching_step(RFC_SECRET, totp.totp_now(RFC_SECRET, now - 30), after_step=0, at=now) == 41152262
    assert totp.matching_step(RFC_SECRET, totp.totp_now(RFC_SECRET, now + 30), after_step=0, at=now) == 41152264
    assert totp.matching_step(RFC_SECRET, totp.totp_now(RFC_SECRET, now - 60), after_step=0, at=now) is None


def test_a_step_already_used_never_matches_again():
    now = 1234567890

    assert totp.matching_step(RFC_SECRET, "005924", after_step=41152263, at=now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "²²²²²²", "١٢٣٤٥٦", "٢٨٧٠٨٣"])
def test_malformed_codes_never_match(code):
    assert totp.matching_step(RFC_SECRET, code, after_step=0, at=59) is None


def test_full_width_digits_are_the_same_code():
    # "２８７０８２": typed with a Chinese input method
    assert totp.matching_step(RFC_SECRET, "２８７０８２", after_step=0, at=59) == 1


def test_the_provisioning_uri_carries_secret_issuer_and_account():
    uri = totp.provisioning_uri("ABC", account="steward", issuer="CityOps")

    assert uri == "otpauth://totp/CityOps%3Asteward?secret=ABC&issuer=CityOps&digits=6&period=30"


def test_the_qr_code_is_an_svg_without_script():
    svg = totp.qr_svg("otpauth://totp/CityOps%3Asteward?secret=ABC")

    assert svg.startswith("<svg")
    assert "<script" not in svg
