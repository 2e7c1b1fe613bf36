from apps.accounts.roles import Role

TRAFFIC_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: [
        "traffic.view_roadsegment",
        "traffic.view_trafficsensor",
        "traffic.view_trafficincident",
        "traffic.change_trafficincident",
    ],
    Role.FIELD_OFFICER: ["traffic.view_roadsegment", "traffic.view_trafficsensor", "traffic.view_trafficincident"],
    Role.DEPARTMENT_STAFF: ["traffic.view_roadsegment", "traffic.view_trafficsensor", "traffic.view_trafficincident"],
    Role.DATA_STEWARD: ["traffic.view_roadsegment", "traffic.view_trafficsensor"],
}
