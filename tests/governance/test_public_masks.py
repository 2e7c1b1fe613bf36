"""Properties of the mask of free text (`apps.core.classification.mask_text`, apps/core/masking.py): however a
citizen writes a mobile or landline number, an ID or bank card number, an e-mail, a QQ number or WeChat ID, a
number plate or a flat number — separators and runs of them, spaces, line breaks, country codes, full-width
digits and signs from a Chinese input method, Chinese numerals, characters that draw nothing (zero-width
spaces and joiners, word joiners, BOMs, soft hyphens, bidirectional controls, marks and variation selectors on
digits) — the full value can never be read back from what is published, and what is published draws nothing
invisible; and the numbers people write for other reasons (dates, times, amounts, house numbers, postcodes,
short codes) are published as written."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.core.classification import mask_text

# No deadline and no "too slow" health check: on a loaded CI machine generating 300 examples can take long, which says
# nothing about the masks.
settings.register_profile(
    "cityops", database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("cityops")

# Text around a number: Chinese and Latin letters, spaces and punctuation — no digits and no Chinese numerals
# (other numbers are mixed in on purpose below).
AROUND = st.text(
    alphabet="请打给我电话联系手机号码座机身份证邮箱地址在了的 abcxyzABC，。：:、（）()！？!?;；-_/.+\n", max_size=12
)
# Within a number. A list mark (, ， 、) or a line break between the parts of a number reads as a list (11，12，
# 13，14) or as lines, except in a mobile, landline or 18-digit ID number (see masking.py): other numbers are cut
# only at the others.
TIGHT = [
    " ",
    "-",
    ".",
    "  ",
    " - ",
    "/",
    "—",
    "－",
    "\u3000",
    "_",
    ":",
    "：",
    "~",
    "～",
    "*",
    "+",
    "  -  ",
    ") (",
    " . ",
]
SEPARATORS = st.sampled_from([*TIGHT, ",", "，", "、", "\r\n", "\r\n\r\n"])
FULL_WIDTH = {
    **{ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789+-()@.abcdefghijklmnopqrstuvwxyz"},
    ord(" "): "\u3000",
}
CHINESE_DIGITS = ["〇一二三四五六七八九", "零壹贰叁肆伍陆柒捌玖"]
# Characters that draw nothing, or decorate a digit without hiding it: zero-width space, non-joiner and joiner,
# word joiner, BOM, soft hyphen, left-to-right and right-to-left marks, embeddings, isolates and their ends, the
# combining grapheme joiner, an acute accent, a keycap, a variation selector, a tag space, the Hangul filler.
INVISIBLE = st.sampled_from([
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
    "\u2066", "\u2067", "\u2069", "\u034f", "\u0301", "\u20e3", "\ufe0f", "\U000e0020", "\u3164",
])  # fmt: skip


def draws_nothing(char: str) -> bool:
    return unicodedata.category(char) in ("Cf", "Cs") or char in "\u034f\u3164" or 0xFE00 <= ord(char) <= 0xFE0F


def readable(text: str) -> str:
    """What a reader makes of a text: what draws nothing left out, full-width folded to ASCII, Chinese numerals
    read as digits, every kind of dash a dash."""
    text = "".join(c for c in text if not draws_nothing(c) and unicodedata.category(c) not in ("Mn", "Me"))
    for numerals in CHINESE_DIGITS:
        text = text.translate({ord(n): str(d) for d, n in enumerate(numerals)})
    return re.sub("[\u2010-\u2015\u2212\ufe58\ufe63]", "-", unicodedata.normalize("NFKC", text))


def recoverable(secret: str, published: str) -> bool:
    """Whether the secret's characters can be read, in order, from the published text with at most six
    non-digit characters between each (separators a reader would skip)."""
    pattern = r"\D{0,6}".join(re.escape(c) for c in secret)
    return re.search(pattern, readable(published), flags=re.IGNORECASE) is not None


def assert_hidden(secret: str, published: str) -> None:
    assert not recoverable(secret, published), published
    assert not any(draws_nothing(c) for c in published), ascii(published)


@st.composite
def split(draw: st.DrawFn, number: str) -> list[str]:
    """A number cut into groups: whole, in the usual groups, or anywhere (down to a digit each)."""
    cuts = draw(st.sets(st.integers(1, len(number) - 1), max_size=len(number) - 1))
    return [number[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(number)], strict=True)]


@st.composite
def written(
    draw: st.DrawFn, groups: list[str], *, numerals: bool = True, separators: st.SearchStrategy[str] = SEPARATORS
) -> str:
    """Groups of a number joined by one kind of separator, each character perhaps in full width or (a digit)
    a Chinese numeral, characters that draw nothing perhaps sprinkled anywhere."""
    text = draw(separators).join(groups) if len(groups) > 1 else groups[0]
    out = []
    for char in text:
        style = draw(st.sampled_from(["ascii", "wide", "numeral"] if numerals else ["ascii", "wide"]))
        if style == "numeral" and char.isdigit():
            out.append(draw(st.sampled_from(CHINESE_DIGITS))[int(char)])
        else:
            out.append(char.translate(FULL_WIDTH) if style == "wide" else char)
        out += draw(st.lists(INVISIBLE, max_size=2)) if draw(st.integers(0, 4)) == 0 else []
    return "".join(out)


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(the number, how it was written)."""
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    groups = draw(st.sampled_from([[number], [number[:3], number[3:7], number[7:]], [number[:3], number[3:]]]))
    groups = draw(st.one_of(st.just(groups), split(number)))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "86 ", "(+86)", "(+86) ", "+86-"]))
    return number, draw(written([prefix + groups[0], *groups[1:]]))


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str]:
    """(the subscriber number, how it was written with its area code)."""
    area = draw(st.sampled_from(["010", "020", "021", "025", "027", "0571", "0755", "0512", "0311", "0898"]))
    number = draw(st.from_regex(r"[2-8][0-9]{7}" if len(area) == 3 else r"[2-8][0-9]{6,7}", fullmatch=True))
    style = draw(st.sampled_from(["dash", "brackets", "spaced", "international", "trunk", "joined"]))
    if style == "brackets":
        groups = [f"({area})" + number[:4], number[4:]] if draw(st.booleans()) else [f"({area}){number}"]
    elif style == "international":
        groups = ["+86", area[1:], number[:4], number[4:]]
    elif style == "trunk":
        groups = ["+86", f"(0){area[1:]}", number[:4], number[4:]]
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
    groups = draw(st.sampled_from([[number], [number[:6], number[6:14], number[14:]], [number[:6], number[6:]]]))
    return number, draw(written(draw(st.one_of(st.just(groups), split(number)))))


@st.composite
def old_id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """15 digits: area, a birth date without its century, a sequence number."""
    area = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(1999, 12, 31))).strftime("%y%m%d")
    number = area + born + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    if draw(st.booleans()):
        return number, draw(written(draw(st.sampled_from([[number], [number[:6], number[6:12], number[12:]]]))))
    # Cut anywhere, without list marks: 15 digits cut anyhow across list marks are a list (see masking.py).
    return number, draw(written(draw(split(number)), separators=st.sampled_from(TIGHT)))


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    """A bank card number of 16 to 19 digits, in fours or not."""
    number = draw(st.from_regex(r"(62|4[0-9]|5[1-5])[0-9]{14,17}", fullmatch=True))
    fours = [number[i : i + 4] for i in range(0, len(number), 4)]
    if draw(st.booleans()):
        return number, draw(written(draw(st.sampled_from([[number], fours]))))
    # Cut anywhere, without list marks: 16 digits cut anyhow across list marks are a list (see masking.py).
    return number, draw(written(draw(split(number)), separators=st.sampled_from(TIGHT)))


@st.composite
def other_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A landline without its area code, or a passport or permit number (a letter or two and 7–8 digits)."""
    kind = draw(st.sampled_from(["local", "passport"]))
    if kind == "local":
        number = draw(st.from_regex(r"[2-8][0-9]{6,7}", fullmatch=True))
        groups = [number[:-4], number[-4:]] if draw(st.booleans()) else [number]
        return number, draw(written(groups, numerals=False, separators=st.sampled_from(TIGHT)))
    letters = draw(st.sampled_from(["E", "G", "EA", "C", "H"]))
    number = draw(st.from_regex(r"[0-9]{8}" if len(letters) == 1 else r"[0-9]{7}", fullmatch=True))
    return number, letters + draw(written([number], numerals=False))


@st.composite
def emails(draw: st.DrawFn) -> tuple[str, str]:
    local = draw(st.one_of(st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True),
                           st.text(alphabet="张王李赵欧阳娜明华", min_size=2, max_size=4)))  # fmt: skip
    domain = draw(st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True), st.just("例子")))
    top = draw(st.sampled_from(["com", "cn", "com.cn", "org", "net", "中国"]))
    at = draw(st.sampled_from(["@", "＠", "﹫", "(at)", "[at]", " @ ", " (at) "]))
    dot = draw(st.sampled_from([".", "。", "．", " . ", "(dot)"]))
    address = f"{local}@{domain}.{top}"
    return address, draw(written([f"{local}{at}{domain}{dot}{top.replace('.', dot)}"], numerals=False))


@given(mobiles(), AROUND, AROUND)
def test_a_mobile_number_cannot_be_read_back(mobile, before, after):
    number, typed = mobile

    published = mask_text(before + typed + after)

    assert_hidden(number, published)
    assert f"{number[:3]}****{number[-4:]}" in published


@given(landlines(), AROUND, AROUND)
def test_a_landline_with_its_area_code_cannot_be_read_back(landline, before, after):
    number, typed = landline

    published = mask_text(before + typed + after)

    assert_hidden(number, published)


@given(id_numbers(), AROUND, AROUND)
def test_an_id_number_cannot_be_read_back(id_number, before, after):
    number, typed = id_number

    published = mask_text(before + typed + after)

    assert_hidden(number[:17], published)
    assert f"{number[:6]}********" in published


@given(old_id_numbers(), AROUND, AROUND)
def test_a_15_digit_id_number_cannot_be_read_back(id_number, before, after):
    number, typed = id_number

    published = mask_text(before + typed + after)

    assert_hidden(number, published)


@given(cards(), AROUND, AROUND)
def test_a_bank_card_number_cannot_be_read_back(card, before, after):
    number, typed = card

    published = mask_text(before + typed + after)

    assert_hidden(number, published)


@given(other_numbers(), AROUND, AROUND)
def test_any_other_number_of_7_digits_or_more_cannot_be_read_back(other, before, after):
    number, typed = other

    published = mask_text(before + " " + typed + " " + after)

    assert_hidden(number, published)


@given(mobiles())
def test_a_number_written_backwards_under_a_right_to_left_override_cannot_be_read_either_way(mobile):
    number, _typed = mobile

    published = mask_text(f"电话\u202e{number[::-1]}\u202c谢谢")

    assert_hidden(number, published)
    assert_hidden(number[::-1], published)


@given(emails(), AROUND, AROUND)
def test_an_email_cannot_be_read_back(email, before, after):
    address, typed = email

    published = mask_text(before + " " + typed + " " + after)

    local, domain = address.split("@")
    assert_hidden(address, published)
    assert_hidden(domain, published)
    assert len(local) == 1 or not re.search(re.escape(local) + r"\s{0,2}@", readable(published), re.IGNORECASE)


@given(
    st.sampled_from(["QQ", "qq", "QQ号", "QQ：", "扣扣"]),
    st.from_regex(r"[1-9][0-9]{4,10}", fullmatch=True),
    st.sampled_from(["微信", "微信号：", "vx", "VX:", "wx ", "wechat: ", "WeChat ID "]),
    st.from_regex(r"[a-z][a-z0-9_-]{5,15}", fullmatch=True),
    AROUND,
)
def test_a_qq_number_or_a_wechat_id_after_its_keyword_cannot_be_read_back(qq, number, wechat, name, around):
    published = mask_text(f"加{qq} {number}{around}或{wechat}{name} 联系")

    assert_hidden(number, published)
    assert name not in published.lower()
    assert published.startswith(f"加{qq} ")


@given(
    st.sampled_from("京沪苏浙粤川鄂"),
    st.sampled_from("ABCDE"),
    st.from_regex(r"[0-9]{3}[0-9A-Z]{2}|[DF][0-9]{5}", fullmatch=True),
    st.sampled_from(["", "·", " "]),
)
def test_a_number_plate_cannot_be_read_back(province, city, tail, dot):
    published = mask_text(f"车牌{province}{city}{dot}{tail}的车天天占道")

    assert tail not in published
    assert published == f"车牌{province}{city}*****的车天天占道"


@given(st.integers(1, 40), st.integers(1, 9), st.integers(101, 3208), AROUND)
def test_a_flat_number_cannot_be_read_back(building, unit, room, around):
    texts = [
        f"幸福小区{building}栋{unit}单元{room}室{around}",
        f"幸福小区{building}号楼{unit}单元{room}{around}",
        f"幸福小区{building}-{unit}-{room}{around}",
        f"Room {room}, Bldg {building}, 18 Happy Road{around}",
        f"Flat {room}, Block {building}{around}",
    ]

    published = [mask_text(text) for text in texts]

    assert [str(room) in text for text in published] == [False] * len(texts)
    assert published[0] == f"幸福小区**栋**单元**室{mask_text(around)}"
    assert "18 Happy Road" in published[3]


@given(st.text(max_size=60))
def test_what_is_published_draws_nothing_invisible_and_masking_it_again_changes_nothing(text):
    published = mask_text(text)

    assert not any(draws_nothing(c) for c in published), ascii(published)
    assert mask_text(published) == published


# --- What stays as written ------------------------------------------------------------------------------------


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    """A number people write that names nobody: a date, a time, a house number, an amount, a postcode, a
    short code."""
    day = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    amount = draw(st.integers(1, 9_999_999))
    return draw(
        st.sampled_from([
            day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%Y.%m.%d"),
            f"{day.year}年{day.month}月{day.day}日", f"{day.month}/{day.day}", f"{day.month:02d}-{day.day:02d}",
            f"{hour:02d}:{minute:02d}", f"{hour:02d}:{minute:02d}:{second:02d}", f"{hour}:{minute:02d}-{hour}:59",
            f"{day.isoformat()} {hour:02d}:{minute:02d}", f"{day.isoformat()} - {day.isoformat()}",
            f"{day.strftime('%m/%d/%Y')}", f"{day.strftime('%d.%m.%Y')}",
            f"{draw(st.integers(1, 999))}号", f"No. {draw(st.integers(1, 9999))}", f"{amount:,}.{amount % 100:02d}元",
            f"¥{amount}", f"￥{amount:,}", f"{amount}元", f"验证码 {draw(st.integers(0, 9999)):04d}",
            f"{amount % 1000}平方米", f"邮编 {draw(st.integers(100000, 999999))}", f"{amount}人次",
            f"{draw(st.integers(1, 30))}楼", "一栋楼", "三室两厅", f"{amount % 100_000}.{amount % 100}",
        ])
    )  # fmt: skip


JOINS = st.sampled_from(["，", "、", "；", " 至 ", "。", "，然后 ", "\n"])


@given(st.lists(ordinary_numbers(), min_size=1, max_size=4), JOINS)
@example(["邮编 130000", "01-01", "1楼"], "，")  # found by a CI run: read as the mobile 130 0000 1011
def test_dates_times_and_other_ordinary_numbers_stay_as_written(numbers, join):
    text = join.join(numbers)

    assert mask_text(text) == text


@given(ordinary_numbers(), mobiles(), ordinary_numbers())
def test_ordinary_numbers_next_to_a_phone_stay_as_written(before, mobile, after):
    number, typed = mobile

    published = mask_text(f"{before}，电话 {typed}，{after}")

    assert published.startswith(before + "，")
    assert published.endswith("，" + after)
    assert_hidden(number, published[len(before) + 1 : -len(after) - 1])  # (the ordinary digits are not the phone's)


@given(st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "11", "12", "101"]), st.sampled_from(["、", "，", "；"]))
def test_a_list_of_short_numbers_stays_as_written(number, mark):
    text = f"第{mark.join([number] * 8)}条"

    assert mask_text(text) == text


# --- The reproductions, as they were posted ---------------------------------------------------------------------


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


def test_numbers_split_or_hidden_by_characters_that_draw_nothing_are_masked_and_those_characters_dropped():
    cases = {
        "139\u200b1234\u200b5678": "139****5678",
        "139\u200d1234\u2060 5678": "139****5678",
        "\ufeff139\ufeff1234\ufeff5678": "139****5678",
        "1\u00ad3\u00ad9\u00ad1\u00ad2\u00ad3\u00ad4\u00ad5\u00ad6\u00ad7\u00ad8": "139****5678",
        "\u202e87654321931\u202c": "876****1931",
        "1\u03013\u03029\ufe0f1\u20e32345678": "139****5678",
        "110105\u200b19491231\u200b0026": "110105********0026",
        "some\u200bone@exa\u200bmple.com": "s***@***",
    }

    assert {typed: mask_text(f"电话{typed}。") for typed in cases} == {
        typed: f"电话{masked}。" for typed, masked in cases.items()
    }


def test_the_formats_the_security_test_found_are_masked():
    cases = {
        "+86 (0)571 8765 4321": "0571-****4321",
        "139\r\n\r\n1234\r\n5678": "139****5678",
        "139  -  1234  -  5678": "139****5678",
        **{f"139{s}1234{s}5678": "139****5678" for s in [",", "，", ":", "~", "*", "+"]},
        "13 912 345 678": "139****5678",
        "139 12 34 56 78": "139****5678",
        "一三九一二三四五六七八": "139****5678",
        "壹叁玖壹贰叁肆伍陆柒捌": "139****5678",
        "110105 491231 002": "110105******002",
        "someone@example。com": "s***@***",
        "张三@example.com": "张***@***",
        "zhang@例子.中国": "z***@***",
        "someone(at)example.com": "s***@***",
        "someone @ example . com": "s***@***",
        "6222 0212 3456 7890 123": "6222****0123",
        "6222021234567890123": "6222****0123",
        "E12345678": "E****5678",
        "QQ 123456789": "QQ 1********",
        "微信 zhang_san88": "微信 z**********",
        "vx：zhangsan": "vx：z*******",
        "苏A12345": "苏A*****",
        "幸福小区5栋2单元1203室": "幸福小区**栋**单元**室",
        "Room 1203, Bldg 5, 18 Happy Road": "Room **, Bldg **, 18 Happy Road",
    }

    assert {typed: mask_text(f"联系：{typed}。") for typed in cases} == {
        typed: f"联系：{masked}。" for typed, masked in cases.items()
    }


def test_nothing_to_mask_comes_back_unchanged_and_coordinates_on_the_public_grid():
    text = "2026-12-06 10:30 在幸福路 18 号门口，修理费 1,280.50 元，门禁码 4821，邮编 210000"

    assert mask_text(text) == text
    assert mask_text("") == ""
    assert mask_text("位置 118.796877, 32.060255 附近") == "位置 118.797, 32.060 附近"


def test_a_date_or_time_inside_a_number_hides_none_of_it_and_one_between_items_stays():
    masked = {"139 12/12 5678": "139****5678", "139，12/12，5678": "139****5678", "139 12:34 5678": "139****5678",
              "8765 12/12": "****1212", "2026-12-06 13912345678": "2026-12-06 139****5678"}  # fmt: skip
    kept = ["验证码 0130，2000-01-01", "邮编 100000，2000-01-01，2000年1月1日", "06/12/2026 10:30", "共 1，100元",
            "2026-12-06 - 2026-12-07 10:30-11:30", "房号1203，10:30到"]  # fmt: skip

    assert {text: mask_text(text) for text in masked} == masked
    assert [mask_text(text) for text in kept] == kept
