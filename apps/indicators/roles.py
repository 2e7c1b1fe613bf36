"""What each role may do with indicators and alerts (granted by migration 0002, see accounts.roles)."""

from apps.accounts.roles import Role

INDICATOR_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: [
        "indicators.view_alert",
        "indicators.acknowledge_alert",
        "indicators.dispatch_alert",
        "indicators.resolve_alert",
        "indicators.view_wall",
        "indicators.view_indicatorvalue",
        "indicators.view_datasource",
    ],
    Role.FIELD_OFFICER: ["indicators.view_alert"],
    Role.DEPARTMENT_STAFF: ["indicators.view_alert"],
    Role.DATA_STEWARD: ["indicators.view_alert", "indicators.view_indicatorvalue", "indicators.view_datasource"],
}
