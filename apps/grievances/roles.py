from apps.accounts.roles import Role

GRIEVANCE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    # department staff handle their department's reports; they may read a reporter's contact, for a stated
    # purpose, each reading logged
    Role.DEPARTMENT_STAFF: [
        "grievances.view_grievance",
        "grievances.handle_grievance",
        "grievances.view_category",
        "grievances.view_reporter_contact",
    ],
    Role.COMMAND_CENTER: ["grievances.view_category"],  # counts on the wall and region pages, no reports
    Role.DATA_STEWARD: ["grievances.view_category", "grievances.change_category", "grievances.view_open311key"],
}
