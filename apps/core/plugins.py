"""The plugin contract: each app declares everything it contributes in one manifest, and the core registers it.

An app (a domain such as traffic, or a platform app such as field work) has a module `<app>/manifest.py` with one
`manifest = Manifest(...)`: its indicators, feeds, streams, simulators, demo seeders, pages, role permissions,
field classification, retention rules, open datasets, discrepancy rules, trust sources, ground-truth
extensions, alert listeners, error formats and periodic tasks. When Django starts, the core's `ready()` imports
the manifest of every installed app, in INSTALLED_APPS order, and puts each contribution in its registry
(apps/core/registry.py): a name taken twice stops the start with both places named. Nothing else registers.

So a new domain is one app listed in INSTALLED_APPS: its URLs are mounted (cityops/urls.py), its periodic tasks
join the beat schedule (`beat_schedule()`, read by Celery beat and the embedded scheduler), its role permissions
are granted after every migrate (apps/accounts/roles.py), its fields are labelled, and its indicators reach the
wall. tests/water/ is such an app, enabled by the tests' settings only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured

from apps.core.registry import Registry

if TYPE_CHECKING:
    from apps.core.classification import Classification
    from apps.core.demo import DemoSeeder
    from apps.core.errors import ErrorFormat
    from apps.core.retention import Retention
    from apps.core.simulation import Simulator
    from apps.core.surfaces import Surface
    from apps.indicators.alerting import AlertListener
    from apps.indicators.discrepancies import DiscrepancyRule
    from apps.indicators.registry import Indicator
    from apps.indicators.trust import SourceTrustProvider
    from apps.ingest.feeds import Feed
    from apps.opendata.datasets import Dataset
    from cityops.realtime import Stream


@dataclass(frozen=True)
class PeriodicTask:
    """A beat entry: `task` (its dotted name) every `every`; `expires` seconds after it was due, a run that has
    not started is dropped (the next one covers it). `why` is the comment a reader of the schedule needs."""

    name: str
    task: str
    every: timedelta
    why: str
    expires: float | None = None

    def beat_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"task": self.task, "schedule": self.every}
        if self.expires is not None:
            entry["options"] = {"expires": self.expires}
        return entry


@dataclass(frozen=True)
class Manifest:
    """Everything one app contributes. Each field goes to one registry (REGISTRIES below)."""

    indicators: Sequence[Indicator] = ()
    feeds: Sequence[Feed] = ()
    streams: Sequence[Stream] = ()
    simulators: Sequence[Simulator] = ()
    seeders: Sequence[DemoSeeder] = ()
    pages: Sequence[Surface] = ()
    # {role: ["app_label.codename", …]}: granted to the role's group after every migrate.
    roles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    classification: Sequence[Classification] = ()
    retention: Sequence[Retention] = ()
    datasets: Sequence[Dataset] = ()
    discrepancy_rules: Sequence[DiscrepancyRule] = ()
    trust_sources: Sequence[SourceTrustProvider] = ()
    # `extension(region, since) -> mapping`, merged into every ground-truth summary (apps/dashboards/selectors.py).
    ground_truth: Sequence[Callable[..., Mapping[str, Any]]] = ()
    alert_listeners: Sequence[AlertListener] = ()
    error_formats: Sequence[ErrorFormat] = ()
    periodic_tasks: Sequence[PeriodicTask] = ()


@dataclass(frozen=True)
class RolePermission:
    role: str
    permission: str  # "app_label.codename"


periodic_task_registry: Registry[PeriodicTask] = Registry("periodic task", key=lambda t: t.name)
role_permission_registry: Registry[RolePermission] = Registry(
    "role permission", key=lambda g: f"{g.role}: {g.permission}"
)

# Manifest field → the registry that holds its items ("module:attribute", imported when the manifests are read,
# so the core imports no app at import time).
REGISTRIES: dict[str, str] = {
    "indicators": "apps.indicators.registry:indicator_registry",
    "feeds": "apps.ingest.feeds:feed_registry",
    "streams": "cityops.realtime:stream_registry",
    "simulators": "apps.core.simulation:simulator_registry",
    "seeders": "apps.core.demo:seeder_registry",
    "pages": "apps.core.surfaces:surface_registry",
    "roles": "apps.core.plugins:role_permission_registry",
    "classification": "apps.core.classification:label_registry",
    "retention": "apps.core.retention:retention_registry",
    "datasets": "apps.opendata.datasets:dataset_registry",
    "discrepancy_rules": "apps.indicators.discrepancies:rule_registry",
    "trust_sources": "apps.indicators.trust:trust_registry",
    "ground_truth": "apps.dashboards.selectors:ground_truth_registry",
    "alert_listeners": "apps.indicators.alerting:listener_registry",
    "error_formats": "apps.core.errors:error_format_registry",
    "periodic_tasks": "apps.core.plugins:periodic_task_registry",
}


def registry_for(field_name: str) -> Registry[Any]:
    module, attribute = REGISTRIES[field_name].split(":")
    registry: Registry[Any] = getattr(import_module(module), attribute)
    return registry


def manifest_of(config: AppConfig) -> Manifest | None:
    """The app's manifest (`<app>/manifest.py`'s `manifest`), or None for an app without one (Django's own)."""
    if find_spec(f"{config.name}.manifest") is None:
        return None
    found = getattr(import_module(f"{config.name}.manifest"), "manifest", None)
    if not isinstance(found, Manifest):
        raise TypeError(f"{config.name}.manifest must define `manifest = Manifest(...)`")
    return found


def plugin_apps() -> list[AppConfig]:
    """The installed apps that have a manifest, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if manifest_of(config) is not None]


def _items(manifest: Manifest, field_name: str) -> list[Any]:
    value = getattr(manifest, field_name)
    if field_name == "roles":
        return _role_permissions(value)
    if field_name == "classification":
        return [label for classification in value for label in classification.labels()]
    return list(value)


def _role_permissions(roles: Mapping[str, Sequence[str]]) -> list[RolePermission]:
    """The grants of a manifest's `roles`; a role that is not one of accounts' `Role`s (a typo would make a
    group nobody is in) or a list given as one string is an error at start-up."""
    from apps.accounts.roles import Role

    grants = []
    for role, names in roles.items():
        if role not in Role.values:
            raise ImproperlyConfigured(f"roles: {role!r} is not a role (one of {', '.join(Role.values)})")
        if isinstance(names, str):
            raise ImproperlyConfigured(f"roles: {role!r} takes a list of 'app_label.codename', not one string")
        grants += [RolePermission(str(role), name) for name in names]
    return grants


_loaded = False


def manifests_load() -> None:
    """Register every installed app's contributions (once; the core's AppConfig.ready calls it)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for config in apps.get_app_configs():
        manifest = manifest_of(config)
        if manifest is None:
            continue
        module = import_module(f"{config.name}.manifest")
        origin = os.path.relpath(module.__file__ or config.name)
        for spec in fields(manifest):
            value = getattr(manifest, spec.name)
            if spec.name != "roles" and not isinstance(value, list | tuple):
                raise ImproperlyConfigured(f"{origin}: {spec.name} takes a list, not {type(value).__name__}")
            for item in _items(manifest, spec.name):
                registry_for(spec.name).register(item, origin=origin)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The periodic tasks of every installed app as a Celery beat schedule."""
    return {task.name: task.beat_entry() for task in periodic_task_registry}


def role_permissions() -> dict[str, list[str]]:
    """{role: ["app_label.codename", …]} from every installed app's manifest."""
    granted: dict[str, list[str]] = {}
    for grant in role_permission_registry:
        granted.setdefault(grant.role, []).append(grant.permission)
    return granted
