"""Model fields of our own: encrypted text for personal data (names, phones, ID numbers, addresses), and the
perceptual hash of a photo.

Encrypted values are Fernet tokens at rest (AES-128-CBC + HMAC-SHA256, random IV), so equal plaintexts give
different ciphertexts and the column cannot be searched: only `isnull` lookups are allowed. Keys come
from settings.CITYOPS_FIELD_KEYS, newest first; `manage.py rotate_field_keys` re-encrypts every value
with the newest key so older keys can be retired.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models

from apps.core.photos import phash_from_int, phash_to_int

_ALLOWED_LOOKUPS = {"isnull"}
_HEX16 = re.compile(r"[0-9a-f]{16}")


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def keyring() -> MultiFernet:
    return _keyring(tuple(settings.CITYOPS_FIELD_KEYS))


def encrypt_text(value: str) -> str:
    return keyring().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "an encrypted field cannot be decrypted with CITYOPS_FIELD_KEYS: a key is missing"
        ) from None


def rotate_token(token: str) -> str:
    """Re-encrypt a token with the newest key (raises InvalidToken if no key opens it)."""
    return keyring().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted. Empty string and NULL are stored as they are."""

    description = "Text encrypted at rest (Fernet)"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts are randomised: equality or text search would silently match nothing.
        if lookup_name not in _ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)


class PerceptualHashField(models.BigIntegerField):
    """A 64-bit perceptual hash (apps/core/photos.py): 16 hex digits in Python, as `photo_read` makes it and the
    pages show it, a signed bigint in the database, where band columns can be computed and indexed from it."""

    description = "64-bit perceptual hash (hex in Python, bigint in the database)"
    # what django-stubs takes the model attribute to be: hex text, not the int of the bigint it subclasses
    _pyi_private_set_type: str | int | None  # type: ignore[assignment]
    _pyi_private_get_type: str | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self) -> list[Any]:
        return []  # the bigint range checks would compare hex text with numbers; to_python checks the text

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, int):
            return value
        return phash_to_int(self.to_python(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else phash_from_int(value)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, int):
            return phash_from_int(value)
        text = str(value).lower()
        if not _HEX16.fullmatch(text):
            raise ValidationError("a perceptual hash is 16 hexadecimal digits", code="invalid")
        return text

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model (for key rotation and audits)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
