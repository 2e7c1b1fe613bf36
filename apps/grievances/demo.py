"""Demo grievance categories: what citizens of a Chinese city report most, each routed to its department with
the deadline a 12345 hotline would give it."""

from __future__ import annotations

from apps.accounts.models import Department
from apps.core.demo import DemoContext
from apps.grievances.models import Category, CategoryAttribute
from apps.grievances.simulator import FORMALISTIC, FORMALISTIC_NETWORK

D = CategoryAttribute.Datatype
CATEGORIES = [
    # code, zh, en, department, deadline h, group zh, group en, description zh, description en, keywords
    ("noise", "噪声扰民", "Noise nuisance", "ecology-environment", 72, "环境", "Environment",
     "施工、商铺、娱乐场所等噪声影响休息", "Construction, shops or venues too loud", "noise,施工,噪声"),
    ("smoke-odour", "油烟异味", "Smoke or odour", "ecology-environment", 48, "环境", "Environment",
     "餐饮油烟、焚烧、刺激性气味", "Cooking fumes, burning, pungent smells", "smoke,odour,油烟,异味"),
    ("road-damage", "道路破损", "Road damage", "urban-management", 72, "市政", "Streets",
     "坑洼、井盖缺失、路面塌陷", "Potholes, missing manhole covers, sinking road", "pothole,road,坑洼,井盖"),
    ("street-lights", "路灯不亮", "Street light out", "urban-management", 48, "市政", "Streets",
     "路灯不亮或常亮", "A street light out or on all day", "light,路灯"),
    ("garbage", "垃圾清运", "Garbage not collected", "urban-management", 24, "市容", "Cleanliness",
     "垃圾堆积、清运不及时", "Garbage piling up, not collected", "garbage,垃圾"),
    ("illegal-parking", "违章停车", "Illegal parking", "transport", 4, "交通", "Traffic",
     "占用消防通道、人行道停车", "Blocking fire lanes or pavements", "parking,停车"),
    ("water-supply", "供水问题", "Water supply", "water", 24, "供水", "Water",
     "停水、水压低、水质异常", "No water, low pressure, discoloured water", "water,停水,水质"),
]  # fmt: skip
# (code, question in Chinese, in English, datatype, required, its choices as (key, Chinese, English))
Question = tuple[str, str, str, str, bool, list[tuple[str, str, str]]]
ATTRIBUTES: dict[str, list[Question]] = {
    "noise": [
        ("source", "噪声来源", "Where is the noise from", D.SINGLE, True,
         [("construction", "施工", "construction"), ("shop", "商铺", "a shop"), ("venue", "娱乐场所", "a venue"),
          ("traffic", "交通", "traffic"), ("other", "其他", "other")]),
        ("at_night", "是否在夜间（22时至次日6时）", "Is it at night (22:00–06:00)", D.SINGLE, False,
         [("yes", "是", "yes"), ("no", "否", "no")]),
    ],
    "road-damage": [
        ("size", "破损大小", "How big", D.SINGLE, False,
         [("small", "小于一米", "under a metre"), ("large", "一米以上", "a metre or more")]),
    ],
    "water-supply": [("households", "受影响户数（估计）", "Households affected (estimate)", D.NUMBER, False, [])],
    "street-lights": [("pole", "灯杆编号（如有）", "Pole number, if there is one", D.STRING, False, [])],
}  # fmt: skip


# The answers a number question takes.
ANSWER_RANGES = {"households": {"minimum": 0, "maximum": 1_000_000, "whole_number": True}}


def seed_demo_grievances(context: DemoContext) -> None:
    departments = {d.code: d for d in Department.objects.all()}
    made = 0
    for order, (code, zh, en, dept, hours, gzh, gen, dzh, den, keywords) in enumerate(CATEGORIES, start=1):
        department = departments.get(dept)
        if department is None:
            continue
        category, _created = Category.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "department": department, "deadline_hours": hours,
                      "group_zh": gzh, "group_en": gen, "description_zh": dzh, "description_en": den,
                      "keywords": keywords, "order": order},
        )  # fmt: skip
        for index, (attr, qzh, qen, datatype, required, values) in enumerate(ATTRIBUTES.get(code, []), start=1):
            CategoryAttribute.objects.update_or_create(
                category=category,
                code=attr,
                defaults={"description_zh": qzh, "description_en": qen, "datatype": datatype, "required": required,
                          "order": index, "values": [{"key": k, "name_zh": z, "name_en": e} for k, z, e in values],
                          **ANSWER_RANGES.get(attr, {})},
            )  # fmt: skip
        made += 1
    # The demo's formalistic department (apps/grievances/simulator.py): its offices' network, so ratings made
    # from it are left out of its satisfaction rate.
    Department.objects.filter(code=FORMALISTIC, networks="").update(networks=FORMALISTIC_NETWORK)
    context.out.write(f"Demo grievances: {made} categories.\n")
