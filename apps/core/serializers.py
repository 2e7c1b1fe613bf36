"""Serializer fields shared by the API's input serializers.

Text is what a person typed: a JSON string, never a number or a list turned into text (`notes: 5` is refused,
not stored as "5"), without control characters (they break XML output and mean nothing in a report)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.text import clean_text


class TextField(serializers.CharField):
    """A JSON string, cleaned of control and invisible characters and surrounding space (`clean_text`);
    `max_length` counts the cleaned text, and text that cleans to nothing is blank. Anything else is the field's
    `invalid` message."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        text = clean_text(super().to_internal_value(data))
        if not text and not self.allow_blank:  # only invisible characters: not given
            self.fail("blank")
        return text
