"""The drafted texts read as the public's texts: Chinese dates without a leading zero (12月2日), English sentences
starting with a capital, a Chinese instruction ending with "。", the time the figure crossed its limit (not when the
alert opened), and never the command center's word for its internal alert (告警)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.utils import timezone

from apps.indicators.alerting import alert_auto_resolve
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import warning_approve, warnings_follow_all
from tests.warnings.test_cap import texts_of


def test_the_draft_reads_as_a_public_text_and_says_since_when_the_figure_is_high(episode, approvers):
    alert = episode()  # 35 minutes above 101
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)

    # the first minute of the breach that opened the alert (its 30-minute duration), recorded on the alert
    crossed = timezone.localtime(datetime.fromisoformat(alert.details["breach_since"]))
    assert timezone.localtime(alert.opened_at) - crossed >= timedelta(minutes=29)
    assert f"自{crossed.month}月{crossed.day}日 {crossed:%H:%M}起超过预警值。" in warning.description_zh
    assert f"since {crossed.day} {crossed:%b %H:%M}." in warning.description_en
    assert not re.search(r"月0\d|\b0\d日", warning.description_zh)  # no leading zero
    for sentence in re.split(r"(?<=\.) ", warning.description_en) + [warning.instruction_en]:
        assert sentence[:1].isupper(), sentence
    assert warning.instruction_zh.endswith("。")
    assert warning.instruction_en.endswith(".")


def test_no_public_text_says_the_internal_word_for_an_alert(episode, approvers):
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    alert_auto_resolve(alert=alert, reason="back to normal")
    warnings_follow_all()

    cancel = CapMessage.objects.get(msg_type="Cancel")
    for message in CapMessage.objects.all():
        assert "告警" not in message.xml
    assert "预警解除" in cancel.xml
    assert " alert " not in cancel.xml
