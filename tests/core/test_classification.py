"""Every field that holds data carries a classification label; personal fields are encrypted or say why not;
the masks."""

import pytest
from django.apps import apps

from apps.core.classification import (
    Label,
    Mask,
    Personal,
    label_for,
    labelled_fields,
    mask,
    mask_name,
    mask_phone,
    registry,
)
from apps.core.fields import EncryptedTextField


def project_models():
    ours = ("apps.", "tests.")  # tests.: the water-supply app that proves the plugin contract (tests/water/)
    return [m for m in apps.get_models() if m.__module__.startswith(ours) or m._meta.label == "auth.User"]


def test_every_field_has_a_label():
    missing = [f"{m._meta.label}.{name}" for m in project_models() for name in labelled_fields(m)
               if label_for(m, name) is None]  # fmt: skip

    assert missing == [], f"fields without a classification label (add them to the app's classification.py): {missing}"


def test_personal_fields_are_encrypted_or_say_why_not():
    unexplained = [
        f"{m._meta.label}.{name}"
        for m in project_models()
        for name in labelled_fields(m)
        if (label := label_for(m, name)) is not None
        and label.is_personal
        and not isinstance(m._meta.get_field(name), EncryptedTextField)
        and not label.plain_because
        and label.mask != Mask.SECRET
    ]
    encrypted_unlabelled = [
        f"{m._meta.label}.{f.name}" for m in project_models() for f in m._meta.concrete_fields
        if isinstance(f, EncryptedTextField) and not (label_for(m, f.name) or Label("")).is_personal
    ]  # fmt: skip

    assert unexplained == []
    assert encrypted_unlabelled == []


def test_contact_details_are_personal_and_masked():
    from apps.grievances.models import Grievance

    for name, kind in [("reporter_name", Mask.NAME), ("reporter_phone", Mask.PHONE), ("reporter_email", Mask.EMAIL)]:
        label = label_for(Grievance, name)
        assert label.personal == Personal.PERSONAL
        assert label.mask == kind


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("13812341234", Mask.PHONE, "138****1234"),
        ("+86 138 1234 1234", Mask.PHONE, "861****1234"),
        ("张三", Mask.NAME, "张*"),
        ("欧阳娜娜", Mask.NAME, "欧***"),
        ("Jane Doe", Mask.NAME, "J*** D**"),
        ("zhang.san@example.com", Mask.EMAIL, "z***@example.com"),
        ("电话13812341234，身份证320102199001011234", Mask.TEXT, "电话138****1234，身份证320102********1234"),
        (32.061234, Mask.POINT, 32.06),
        ("anything", Mask.SECRET, "••••"),
        ("", Mask.PHONE, ""),
    ],
)
def test_masks(value, kind, shown):
    assert mask(Label("general-3", Personal.PERSONAL, kind), value) == shown


def test_masked_values_keep_nothing_of_the_middle():
    assert "2341" not in mask_phone("13823411234")[3:-4]
    assert mask_name("李") == "李"


def test_the_registry_lists_every_label_for_stewards():
    rows = registry()
    by_field = {(r["model"], r["field"]): r for r in rows}

    assert by_field[("grievances.Grievance", "reporter_phone")]["encrypted"] is True
    assert by_field[("grievances.Grievance", "reporter_phone")]["personal"] == "personal"
    assert by_field[("fieldwork.Visit", "checkin_lat")]["personal"] == "sensitive"
    assert by_field[("healthcare.CapacitySnapshot", "beds_occupied")]["grade"] == "important"
    assert len(rows) == sum(len(labelled_fields(m)) for m in project_models())
