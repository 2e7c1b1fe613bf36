"""Encrypted model fields for personal data (names, phones, ID numbers, addresses).

Values are Fernet tokens at rest (AES-128-CBC + HMAC-SHA256, random IV), so equal plaintexts give
different ciphertexts and the column cannot be searched: only `isnull` lookups are allowed. Keys come
from settings.CITYOPS_FIELD_KEYS, newest first; `manage.py rotate_field_keys` re-encrypts every value
with the newest key so older keys can be retired.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_ALLOWED_LOOKUPS = {"isnull"}


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


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model (for key rotation and audits)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
