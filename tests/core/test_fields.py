"""EncryptedTextField, through the one encrypted column of the foundation: StaffProfile.phone."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import StaffProfile
from apps.core.services import field_keys_rotate

PHONE = "13800138000"
OTHER_PHONE = "13900139000"


def raw_phone(profile: StaffProfile) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_staffprofile WHERE id = %s", [profile.pk])
        return cursor.fetchone()[0]


def set_phone(user, phone: str) -> StaffProfile:
    profile = user.staff_profile
    profile.phone = phone
    profile.save()
    return profile


def test_phone_is_stored_as_a_fernet_token_and_read_back_in_clear(cast, settings):
    # given
    profile = set_phone(cast["officer"], PHONE)

    # when
    raw = raw_phone(profile)
    loaded = StaffProfile.objects.get(pk=profile.pk)

    # then
    assert PHONE not in raw
    assert raw.startswith("gAAAAA")  # Fernet version byte 0x80, base64
    assert Fernet(settings.CITYOPS_FIELD_KEYS[0]).decrypt(raw.encode()).decode() == PHONE
    assert loaded.phone == PHONE
    assert list(StaffProfile.objects.filter(pk=profile.pk).values_list("phone", flat=True)) == [PHONE]


def test_empty_phone_is_stored_as_it_is(cast):
    # given the cast's profiles have no phone
    profile = cast["staff"].staff_profile

    # when
    raw = raw_phone(profile)

    # then
    assert raw == ""
    assert StaffProfile.objects.get(pk=profile.pk).phone == ""


def test_equal_phones_give_different_ciphertexts(cast):
    # given
    first = set_phone(cast["officer"], PHONE)
    second = set_phone(cast["other_officer"], PHONE)

    # when
    raw_first, raw_second = raw_phone(first), raw_phone(second)

    # then
    assert raw_first != raw_second
    assert StaffProfile.objects.get(pk=first.pk).phone == StaffProfile.objects.get(pk=second.pk).phone == PHONE


@pytest.mark.parametrize("lookup", ["phone", "phone__exact", "phone__icontains", "phone__startswith", "phone__in"])
def test_searching_an_encrypted_column_is_refused(cast, lookup):
    # given
    set_phone(cast["officer"], PHONE)
    value = [PHONE] if lookup.endswith("__in") else PHONE

    # when / then
    with pytest.raises(FieldError, match="Unsupported lookup"):
        StaffProfile.objects.filter(**{lookup: value})


def test_isnull_lookup_is_allowed(cast):
    # given
    set_phone(cast["officer"], PHONE)

    # when
    not_null = StaffProfile.objects.filter(phone__isnull=False).count()
    null = StaffProfile.objects.filter(phone__isnull=True).count()

    # then the column is NOT NULL: empty phones are "" and count as not null
    assert not_null == StaffProfile.objects.count() == 6
    assert null == 0


def test_rotation_re_encrypts_every_value_with_the_newest_key(cast, settings):
    # given two phones encrypted with the old key
    old = settings.CITYOPS_FIELD_KEYS[0]
    new = Fernet.generate_key().decode()
    officer = set_phone(cast["officer"], PHONE)
    other = set_phone(cast["other_officer"], OTHER_PHONE)
    before = {officer.pk: raw_phone(officer), other.pk: raw_phone(other)}
    settings.CITYOPS_FIELD_KEYS = [new, old]

    # when
    counts = field_keys_rotate()

    # then the two phones (and no empty value) were re-encrypted; other encrypted columns hold nothing here
    assert counts == {**dict.fromkeys(counts, 0), "accounts.StaffProfile.phone": 2}
    after = {officer.pk: raw_phone(officer), other.pk: raw_phone(other)}
    assert after[officer.pk] != before[officer.pk]
    assert after[other.pk] != before[other.pk]
    assert Fernet(new).decrypt(after[officer.pk].encode()).decode() == PHONE
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(after[officer.pk].encode())
    assert raw_phone(cast["staff"].staff_profile) == ""

    # when the old key is retired
    settings.CITYOPS_FIELD_KEYS = [new]

    # then the values still read
    assert StaffProfile.objects.get(pk=officer.pk).phone == PHONE
    assert StaffProfile.objects.get(pk=other.pk).phone == OTHER_PHONE


def test_reading_with_only_a_wrong_key_raises_improperly_configured(cast, settings):
    # given
    profile = set_phone(cast["officer"], PHONE)
    settings.CITYOPS_FIELD_KEYS = [Fernet.generate_key().decode()]

    # when / then
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with CITYOPS_FIELD_KEYS"):
        StaffProfile.objects.get(pk=profile.pk)


def test_rotation_that_meets_an_unreadable_value_changes_nothing(cast, settings):
    # given one phone under key A, one under key B, and only key B configured
    key_a = settings.CITYOPS_FIELD_KEYS[0]
    key_b = Fernet.generate_key().decode()
    officer = set_phone(cast["officer"], PHONE)
    settings.CITYOPS_FIELD_KEYS = [key_b]
    other = set_phone(cast["other_officer"], OTHER_PHONE)
    before = {officer.pk: raw_phone(officer), other.pk: raw_phone(other)}
    out = StringIO()

    # when
    with pytest.raises(CommandError, match="opens with none of CITYOPS_FIELD_KEYS; nothing was changed"):
        call_command("rotate_field_keys", stdout=out)

    # then
    assert {officer.pk: raw_phone(officer), other.pk: raw_phone(other)} == before
    assert out.getvalue() == ""
    settings.CITYOPS_FIELD_KEYS = [key_b, key_a]
    assert StaffProfile.objects.get(pk=officer.pk).phone == PHONE


def test_rotate_field_keys_command_prints_the_counts(cast, settings):
    # given
    old = settings.CITYOPS_FIELD_KEYS[0]
    new = Fernet.generate_key().decode()
    profile = set_phone(cast["officer"], PHONE)
    before = raw_phone(profile)
    settings.CITYOPS_FIELD_KEYS = [new, old]
    out = StringIO()

    # when
    call_command("rotate_field_keys", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert "accounts.StaffProfile.phone: 1 re-encrypted" in lines
    assert lines[-1] == "All personal-data fields use the newest key."
    assert raw_phone(profile) != before
    assert Fernet(new).decrypt(raw_phone(profile).encode()).decode() == PHONE


def test_rotate_field_keys_new_key_prepends_a_key_in_the_data_dir(cast, settings, tmp_path):
    # given an embedded install whose data dir holds one key
    old = settings.CITYOPS_FIELD_KEYS[0]
    settings.EMBEDDED = True
    settings.DATA_DIR = tmp_path
    settings.CITYOPS_FIELD_KEYS = [old]
    (tmp_path / "field-keys").write_text(old + "\n")
    profile = set_phone(cast["officer"], PHONE)
    out = StringIO()

    # when
    call_command("rotate_field_keys", "--new-key", stdout=out)

    # then a new key is first in the file and in use, and the value reads with it alone
    new, kept = (tmp_path / "field-keys").read_text().splitlines()
    assert kept == old
    assert new != old
    assert f"New key added first in {tmp_path / 'field-keys'}." in out.getvalue()
    assert "accounts.StaffProfile.phone: 1 re-encrypted" in out.getvalue()
    assert Fernet(new).decrypt(raw_phone(profile).encode()).decode() == PHONE
    settings.CITYOPS_FIELD_KEYS = [new]
    assert StaffProfile.objects.get(pk=profile.pk).phone == PHONE


def test_rotate_field_keys_new_key_is_refused_in_production(cast, settings, tmp_path):
    # given
    settings.EMBEDDED = False
    settings.DATA_DIR = tmp_path
    keys = list(settings.CITYOPS_FIELD_KEYS)
    profile = set_phone(cast["officer"], PHONE)
    before = raw_phone(profile)

    # when
    with pytest.raises(CommandError, match="--new-key is for embedded mode"):
        call_command("rotate_field_keys", "--new-key", stdout=StringIO())

    # then
    assert not (tmp_path / "field-keys").exists()
    assert list(settings.CITYOPS_FIELD_KEYS) == keys
    assert raw_phone(profile) == before
