"""Properties of the public mask (`apps.core.classification.mask_text`): however a citizen writes a mobile or
landline number, an ID number or an e-mail — separators, spaces, country codes, full-width digits and signs
from a Chinese input method — the full value can never be read back from what is published; and the numbers
people write for other reasons (dates, times, house numbers, amounts, short codes) are published as written."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.classification import mask_text

settings.register_profile("cityops", database=None, deadline=None, max_examples=300)
settings.load_profile("cityops")

# Text around a number: Chinese and Latin letters, spaces and punctuation — no digits (other numbers are mixed
# in on purpose below).
AROUND = st.text(
    alphabet="请打给我电话联系手机号码座机身份证邮箱地址在了的 abcxyzABC，。：:、（）()！？!?;；-_/.+\n", max_size=12
)
SEPARATORS = st.sampled_from([" ", "-", ".", "  ", " - ", "/", "—", "－", "\u3000", "_"])
FULL_WIDTH = {
    **{ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789+-()@.abcdefghijklmnopqrstuvwxyz"},
    ord(" "): "\u3000",
}


def readable(text: str) -> str:
    """What a reader makes of a text: full-width folded to ASCII, every kind of dash a dash."""
    return re.sub("[\u2010-\u2015\u2212\ufe58\ufe63]", "-", unicodedata.normalize("NFKC", text))


def recoverable(secret: str, published: str) -> bool:
    """Whether the secret's characters can be read, in order, from the published text with at most three
    non-digit characters between each (separators a reader would skip)."""
    pattern = r"\D{0,3}".join(re.escape(c) for c in secret)
    return re.search(pattern, readable(published), flags=re.IGNORECASE) is not None


@st.composite
def written(draw: st.DrawFn, groups: list[str]) -> str:
    """Groups of a number joined by separators, each character perhaps typed in full width."""
    text = draw(SEPARATORS).join(groups) if len(groups) > 1 else groups[0]
    widths = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.translate(FULL_WIDTH) if wide else c for c, wide in zip(text, widths, strict=True))


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(the number, how it was written)."""
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    split = draw(st.sampled_from([[11], [3, 4, 4], [3, 8], [7, 4], [3, 4, 4]]))
    groups, at = [], 0
    for size in split:
        groups.append(number[at : at + size])
        at += size
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "86 ", "(+86)", "(+86) ", "+86-"]))
    return number, draw(written([prefix + groups[0], *groups[1:]]))


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str]:
    """(the subscriber number, how it was written with its area code)."""
    area = draw(st.sampled_from(["010", "020", "021", "025", "027", "0571", "0755", "0512", "0311", "0898"]))
    number = draw(st.from_regex(r"[2-8][0-9]{7}" if len(area) == 3 else r"[2-8][0-9]{6,7}", fullmatch=True))
    style = draw(st.sampled_from(["dash", "brackets", "spaced", "international", "joined"]))
    if style == "brackets":
        groups = [f"({area})" + number[:4], number[4:]] if draw(st.booleans()) else [f"({area}){number}"]
    elif style == "international":
        groups = ["+86", area[1:], number[:4], number[4:]]
    elif style == "spaced":
        groups = [area, number[:4], number[4:]]
    elif style == "joined":
        groups = [area + number]
    else:
        groups = [area, number]
    return number, draw(written(groups))


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    area = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31))).strftime("%Y%m%d")
    tail = draw(st.from_regex(r"[0-9]{3}[0-9Xx]", fullmatch=True))
    number = area + born + tail
    split = draw(st.sampled_from([[18], [6, 8, 4], [6, 12], [3, 3, 4, 4, 4]]))
    groups, at = [], 0
    for size in split:
        groups.append(number[at : at + size])
        at += size
    return number, draw(written(groups))


@st.composite
def emails(draw: st.DrawFn) -> tuple[str, str]:
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True))
    domain = draw(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True))
    top = draw(st.sampled_from(["com", "cn", "com.cn", "org", "net"]))
    address = f"{local}@{domain}.{top}"
    at = draw(st.sampled_from(["@", "＠", "﹫"]))
    return address, draw(written([address.replace("@", at)]))


@given(mobiles(), AROUND, AROUND)
def test_a_mobile_number_cannot_be_read_back(mobile, before, after):
    number, typed = mobile

    published = mask_text(before + typed + after)

    assert not recoverable(number, published), published
    assert f"{number[:3]}****{number[-4:]}" in published


@given(landlines(), AROUND, AROUND)
def test_a_landline_with_its_area_code_cannot_be_read_back(landline, before, after):
    number, typed = landline

    published = mask_text(before + typed + after)

    assert not recoverable(number, published), published


@given(id_numbers(), AROUND, AROUND)
def test_an_id_number_cannot_be_read_back(id_number, before, after):
    number, typed = id_number

    published = mask_text(before + typed + after)

    assert not recoverable(number[:17], published), published


@given(emails(), AROUND, AROUND)
def test_an_email_cannot_be_read_back(email, before, after):
    address, typed = email

    published = mask_text(before + typed + " " + after)

    assert not recoverable(address, published), published
    assert not recoverable(address.split("@")[0] + "@", published) or len(address.split("@")[0]) == 1


# --- What stays as written ------------------------------------------------------------------------------------


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    """A number people write that names nobody: a date, a time, a house number, an amount, a short code."""
    day = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    amount = draw(st.integers(1, 9_999_999))
    return draw(
        st.sampled_from([
            day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%Y.%m.%d"),
            f"{day.year}年{day.month}月{day.day}日", f"{day.month}/{day.day}", f"{day.month:02d}-{day.day:02d}",
            f"{hour:02d}:{minute:02d}", f"{hour:02d}:{minute:02d}:{second:02d}",
            f"{day.isoformat()} {hour:02d}:{minute:02d}", f"{day.isoformat()} - {day.isoformat()}",
            f"{day.strftime('%m/%d/%Y')}", f"{draw(st.integers(1, 40))}栋{draw(st.integers(101, 3208))}室",
            f"{draw(st.integers(1, 999))}号", f"No. {draw(st.integers(1, 9999))}", f"{amount:,}.{amount % 100:02d}元",
            f"¥{amount}", f"验证码 {draw(st.integers(0, 9999)):04d}", f"{amount % 1000}平方米",
        ])
    )  # fmt: skip


JOINS = st.sampled_from(["，", "、", "；", " 至 ", "。", "，然后 "])


@given(st.lists(ordinary_numbers(), min_size=1, max_size=4), JOINS)
def test_dates_times_and_other_ordinary_numbers_stay_as_written(numbers, join):
    text = join.join(numbers)

    assert mask_text(text) == text


@given(ordinary_numbers(), mobiles(), ordinary_numbers())
def test_ordinary_numbers_next_to_a_phone_stay_as_written(before, mobile, after):
    number, typed = mobile

    published = mask_text(f"{before}，电话 {typed}，{after}")

    assert published.startswith(before + "，")
    assert published.endswith("，" + after)
    assert not recoverable(number, published)


# --- The reproductions of the issue, as they were posted --------------------------------------------------------


def test_the_formats_found_in_the_issue_are_masked():
    cases = {
        "139-1234-5678": "139****5678",
        "139 1234 5678": "139****5678",
        "+8613912345678": "139****5678",
        "１３９１２３４５６７８": "139****5678",
        "110105 19491231 002X": "110105********002X",
        "(0571)8765-4321": "0571-****4321",
        "someone＠example.com": "s***@***",
        "0086 139 1234 5678": "139****5678",
        "+86 571 8765 4321": "0571-****4321",
    }

    assert {typed: mask_text(f"电话{typed}。") for typed in cases} == {
        typed: f"电话{masked}。" for typed, masked in cases.items()
    }


def test_nothing_to_mask_comes_back_unchanged():
    text = "2026-12-06 10:30 在 5 栋 1203 室门口，修理费 1,280.50 元，门禁码 4821"

    assert mask_text(text) == text
    assert mask_text("") == ""
