from apps.accounts.roles import Role

FIELDWORK_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FIELD_OFFICER: ["fieldwork.view_assignment", "fieldwork.add_visit", "fieldwork.view_visit"],
    Role.COMMAND_CENTER: [
        "fieldwork.view_assignment",
        "fieldwork.view_visit",
        "fieldwork.review_visit",
        "fieldwork.add_assignment",
        "fieldwork.change_assignment",
    ],  # fmt: skip
}
