"""A small shared piece of every status workflow (alerts, incidents, later grievances)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from apps.core.errors import ApplicationError


@dataclass(frozen=True)
class Workflow:
    """transitions: action → (statuses it may start from, status it leads to); past: the action's
    participle for messages ("acknowledged"); refusal: a translated "… %(status)s … %(done)s" sentence."""

    transitions: Mapping[str, tuple[AbstractSet[str], str]]
    past: Mapping[str, Any]
    refusal: Any

    def target(self, *, action: str, status: str, status_label: str) -> str:
        """The status `action` leads to from `status`; ApplicationError (HTTP 400) when it may not."""
        if action not in self.transitions:
            raise ApplicationError(f"unknown action {action!r}", fields={"action": ["unknown"]})
        allowed, target = self.transitions[action]
        if status not in allowed:
            raise ApplicationError(
                str(self.refusal) % {"status": status_label, "done": self.past[action]}, fields={"status": [status]}
            )
        return target
