"""Classification of the working calendar and the deadlines (see apps/core/classification.py). The calendar is
the State Council's public arrangement; policies and clocks are how the city runs its work: internal."""

from apps.core.classification import INTERNAL, PUBLIC, classify

CLASSIFICATION = (
    classify("deadlines.CalendarYear", {"id created_at updated_at year source notice": PUBLIC}),
    classify("deadlines.CalendarDay", {"id year date kind name_zh name_en": PUBLIC}),
    classify(
        "deadlines.DeadlinePolicy",
        {
            "id created_at updated_at name_zh name_en subject category alert_kind severity assignment_kind "
            "response_amount response_unit completion_amount completion_unit pauses_for_citizen": INTERNAL
        },
    ),
    classify(
        "deadlines.EscalationStep",
        {"id policy clock percent remind_assignee notify_head raise_alert notify_command": INTERNAL},
    ),
    classify(
        "deadlines.Deadline",
        {
            "id created_at updated_at subject object_id policy region unit budget_s response_budget_s started_at "
            "running_since consumed_s paused_at response_due_at due_at provisional responded_at stopped_at": INTERNAL
        },
    ),
    classify("deadlines.DeadlineStep", {"id deadline clock percent actions fire_at ran_at outcome": INTERNAL}),
)
