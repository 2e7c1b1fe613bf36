"""What of a person's free text may be shown to those who may not know them: the text a reader sees, with phone,
ID and card numbers, e-mails, chat IDs, number plates and flat numbers masked, however they are written.

`mask_text` is the one mask of free text (the public surfaces through `classification.public_value`, the
workbench, the audit trail, retention). Its steps, and the choices the rules leave open:

1. **Only what a reader sees** (`visible_text`). Characters that draw nothing can split a number so no pattern
   sees it while every reader still does (a zero-width space or joiner, a word joiner, a BOM, a soft hyphen
   between digit groups or between every digit), or reorder what is drawn (a right-to-left override shows
   "87654321931" as 13912345678); marks and variation selectors on a digit decorate it without hiding it. So
   format characters (Unicode Cf: the zero-width ones, bidirectional controls, BOM, soft hyphen, tags),
   variation selectors, control characters but tab and line breaks, the Hangul fillers (letters that draw
   nothing) and combining marks on anything but a letter are dropped, from what is matched and from what is
   published. Marks on letters stay (é typed as e + ◌́, Tibetan and Uyghur vowel signs), and so does every
   visible character as written: a citizen's full-width punctuation is theirs.
2. **Matching reads a folded copy**, each character mapped to what it stands for and remembering where it came
   from: NFKC (full-width digits, letters and signs, circled and superscript digits, ＠ ﹫), any script's
   decimal digits and the Chinese numerals (〇 零 一 壹 幺 二 贰 … 九 玖) to 0–9, every dash to "-", marks on
   letters left out; the Chinese comma "，" stays itself (it separates items, never thousands).
3. **Masked, in this order** (a later step never looks inside what an earlier one masked):
   - e-mails: any letters before the @ (张三@…), ＠ ﹫ (at) [at], "." "。" (dot) between labels, spaces around
     them, labels in any script (例子.中国) → z***@*** (after Chinese words run into the address, only its
     ASCII part: 邮箱zhang@… → 邮箱z***@***);
   - a QQ number or a WeChat ID after its keyword (QQ, 扣扣, 微信, wechat, weixin, vx, wx) → 1****;
   - Chinese number plates (苏A12345, 京A·D12345) → 苏A*****;
   - numbers (4.);
   - flat and building numbers: a number before 栋 幢 号楼 单元 (in digits: "一栋楼" is one building), one of
     3–5 digits before 室 房 号房 房间 or after 单元 栋 幢 号楼, "5-2-1203", and after Room, Rm, Flat, Apt,
     Unit, Suite, Bldg, Building, Block → **. A house number on a street (18号, 18 Happy Road) stays: it names
     a building many people pass, and the address field itself is published down to the street.
4. **Numbers.** Digits are read as chains of groups joined by separators: up to three punctuation marks or
   symbols (- . , : ; ~ * + / ( ) 、 。 … and their full-width forms) with up to six spaces or line breaks
   around them. In each chain, runs of whole groups are masked, longest first:
   - first, runs that spell an 18-digit ID number (the last may be X) with a birth date → 110105********0026,
     a mobile number with or without +86 / 0086 / 86 / 0 → 139****5678, a landline with its area code (010,
     0571, +86 571, +86 (0)571) → 0571-****4321, a 15-digit ID number with a birth date → 110105******002.
     These are looked for before anything is set aside, so a date or time written inside one cannot hide
     part of it (139 12/12 5678), but a run takes a date, time or amount only whole and between digits of its
     own ("06/12/2026 10:30" is no landline, nor "验证码 0130，2000-01-01" a mobile), and across a list mark only
     a mobile does (139，12/12，5678; "邮编 100000，2000-01-01，2000年" is no ID number);
   - then what people write in digits that names nobody is set aside, left as written: dates (2026-12-06,
     2026/12/06, 06.12.2026, 12/06 — not 5-2-1901, a flat), times and their ranges (10:30, 10:30:15,
     10:30-11:30), amounts with a currency or a unit (¥1280, 1,280.50元, 5000平方米), numbers with thousands
     separators (1,280,000), decimals with one or two places, and coordinates (118.796877, published rounded
     to 0.001°, about 100 m, like every public position). Only with at most ten digits, and a date, time or
     bare number only when no other digit is joined to it ("8765 12/12" is one number); an amount with its
     currency or unit says what it is;
   - then runs of 16–19 digits (a bank card) → 6222****0123;
   - then any other run of at least 7 digits (a landline without its area code, a passport number E12345678,
     an account) → ****4321: the last four digits shown when at least four stay hidden, else the last two.
   A list mark (, ， 、 ; 。 ! ?) or a line break separates items: a card's run crosses one only in fours
   (6222，0212，3456，7890), a 15-digit ID number's only as 6-6-3, and the other runs never (11，12，13，14 is a
   list; the price is that a landline without its area code written 8765，4321 is read as two numbers). Fewer
   than 7 digits stay: house numbers, amounts, short codes, and 6-digit postcodes (a postcode covers thousands
   of households and singles out nobody).

Known limits, kept so that ordinary text stays readable: letters standing for digits (l39 O123 4567), numbers
spelled in words (one three nine), the numerals 十 百 千 and 两 (they name amounts, never digits of a phone), and
a building or unit number in Chinese numerals (五栋) are not read as numbers.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# (start, end, replacement) in the folded text.
Span = tuple[int, int, str]
# Digit groups, each (start, end), in the order written.
Run = list[tuple[int, int]]

# --- 1. What a reader sees --------------------------------------------------------------------------------------

_KEPT_CONTROLS = "\t\n\r"
_ASCII_CONTROLS = dict.fromkeys(c for c in [*range(32), 127] if chr(c) not in _KEPT_CONTROLS)
_HANGUL_FILLERS = (0x115F, 0x1160, 0x3164, 0xFFA0)


def _draws_nothing(code: int) -> bool:
    """Format and control characters (but tab and line breaks), surrogates, variation selectors (also
    Mongolian), the combining grapheme joiner and the Hangul fillers."""
    category = unicodedata.category(chr(code))
    if category in ("Cf", "Cs") or (category == "Cc" and chr(code) not in _KEPT_CONTROLS):
        return True
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x180B <= code <= 0x180D
        or code in (0x180F, 0x034F, *_HANGUL_FILLERS)
    )


def _char_class(codes: Iterable[int]) -> str:
    """A regex character class of code points, as ranges."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return f"[{body}]"


@dataclass(frozen=True)
class _Invisible:
    """Built once from the Unicode database (a fraction of a second at the first use): sets to tell quickly
    whether a text needs the patterns at all."""

    chars: frozenset[str]  # that draw nothing
    pattern: re.Pattern[str]
    marks: frozenset[str]  # combining marks
    mark_run: re.Pattern[str]  # a run of marks with the character before it


@functools.cache
def _invisible() -> _Invisible:
    codes = range(sys.maxunicode + 1)
    invisible = [c for c in codes if _draws_nothing(c)]
    marks = [c for c in codes if unicodedata.category(chr(c)) in ("Mn", "Me") and not _draws_nothing(c)]
    return _Invisible(
        chars=frozenset(map(chr, invisible)),
        pattern=re.compile(f"{_char_class(invisible)}+"),
        marks=frozenset(map(chr, marks)),
        mark_run=re.compile(f"(?s)(.?)({_char_class(marks)}+)"),
    )


def _marks_on_letters_only(found: re.Match[str]) -> str:
    base, marks = found[1], found[2]
    return base + marks if base.isalpha() else base


def visible_text(text: str) -> str:
    """The text without the characters that draw nothing or decorate a non-letter (see the module, step 1)."""
    if text.isascii():
        return text.translate(_ASCII_CONTROLS)
    invisible = _invisible()
    if not invisible.chars.isdisjoint(text):
        text = invisible.pattern.sub("", text)
    if not invisible.marks.isdisjoint(text):
        text = invisible.mark_run.sub(_marks_on_letters_only, text)
    return text


# --- 2. The folded copy -----------------------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_NUMERALS = {
    char: str(digit)
    for digit, chars in enumerate(
        ["〇零", "一壹幺", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"]
    )
    for char in chars
}


def _fold_one(char: str) -> str:
    if char in _NUMERALS:
        return _NUMERALS[char]
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    if char in _DASHES:
        return "-"
    return "" if unicodedata.category(char) in ("Mn", "Me") else char


def _fold(char: str) -> str:
    """What a character stands for: none (a mark on a letter), one or several characters (⑩ → 10). The Chinese
    comma stays itself: it separates items, never thousands (1，100元 is 1 and 100 yuan)."""
    if char == "，":
        return char
    if char in _NUMERALS or char.isdecimal() or char in _DASHES:
        return _fold_one(char)
    return "".join(_fold_one(c) for c in unicodedata.normalize("NFKC", char))


_IRREGULAR: set[str] = set()  # characters that fold to none or several: positions need a map


class _FoldTable(dict[int, str]):
    """`str.translate` table filled as characters are met (up to a bound: text from anyone may hold any)."""

    def __missing__(self, code: int) -> str:
        folded = _fold(chr(code))
        if len(folded) != 1:
            _IRREGULAR.add(chr(code))
        if len(self) < 20_000:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _folded(text: str) -> tuple[str, list[int] | None]:
    """(the folded text, for each of its characters the position it came from in `text`; None when every
    character folded to one)."""
    folded = text.translate(_FOLD_TABLE)
    if _IRREGULAR.isdisjoint(text):
        return folded, None
    pieces, where = [], []
    for at, char in enumerate(text):
        piece = _FOLD_TABLE[ord(char)]
        pieces.append(piece)
        where += [at] * len(piece)
    return "".join(pieces), where


# --- 3. E-mails, chat IDs, number plates ------------------------------------------------------------------------

_HIDDEN = "\ue000"  # stands in the working copy for what was masked or set aside: never a digit or a separator
_AT = r"\s{0,2}(?:@|[(\[{<]\s?at\s?[)\]}>])\s{0,2}"
_DOT = r"\s{0,2}(?:[.。]|[(\[{<]\s?dot\s?[)\]}>])\s{0,2}"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"(?<![\w.%+-])(?P<local>[\w.%+-]+){_AT}(?:{_LABEL}{_DOT})+(?:[A-Za-z]{{2,24}}(?![A-Za-z])|[^\W\d_]{{2,6}}?)",
    re.IGNORECASE,
)
_ASCII_TAIL = re.compile(r"[A-Za-z][A-Za-z0-9._%+-]+$")
_KEYWORD_GAP = r"(?:\s|[:#]|号码|账号|号|id|是|为){0,4}"
_QQ = re.compile(
    rf"(?:(?<![A-Za-z])qq(?![A-Za-z])|扣扣|企鹅号){_KEYWORD_GAP}(?P<id>[0-9](?:[\s-]?[0-9]){{4,11}})(?![0-9])",
    re.IGNORECASE,
)
_WECHAT = re.compile(
    rf"(?:(?P<sure>微信|威信|薇信|[vw]信|(?<![A-Za-z])[vw]x)|(?<![A-Za-z])(?:wechat|weixin)(?![A-Za-z]))"
    rf"(?P<gap>{_KEYWORD_GAP})"
    r"(?P<id>[A-Za-z0-9][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])",
    re.IGNORECASE,
)
_PLATE = re.compile(
    r"(?P<head>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Za-z])[\s·•.-]?"
    r"(?P<tail>[A-Za-z0-9]{4,5}[A-Za-z0-9挂学警港澳领])(?![A-Za-z0-9])"
)


def _email_spans(work: str) -> list[Span]:
    if "@" not in work and "at" not in work.lower():
        return []
    spans = []
    for found in _EMAIL.finditer(work):
        start, local = found.start(), found["local"]
        tail = _ASCII_TAIL.search(local)
        if tail and not local.isascii():  # 邮箱zhang@…: the word before the address stays
            start += tail.start()
        spans.append((start, found.end(), f"{work[start]}***@***"))
    return spans


def _code_masked(code: str) -> str:
    return code[0] + "*" * max(4, len(code) - 1)


def _chat_spans(work: str) -> list[Span]:
    spans = [(m.start("id"), m.end("id"), _code_masked(re.sub(r"\D", "", m["id"]))) for m in _QQ.finditer(work)]
    for found in _WECHAT.finditer(work):
        # After "wechat" or "weixin", a word needs a sign it is an ID ("wechat: zhangsan", "wechat zhang_88"),
        # so that "WeChat account" stays; after 微信, vx or wx it is one.
        if found["sure"] or found["gap"].strip() or re.search(r"[-_0-9]", found["id"]):
            spans.append((found.start("id"), found.end("id"), _code_masked(found["id"])))
    return spans


def _plate_spans(work: str) -> list[Span]:
    return [
        (m.start(), m.end(), m["head"] + "*****")
        for m in _PLATE.finditer(work)
        if sum(c.isdigit() for c in m["tail"]) >= 3
    ]


# --- 4. Numbers -------------------------------------------------------------------------------------------------

_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)[0-9]{2}"
_TIME = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
# One group of thousands with what comes before it (1,280), repeated below; never after "139,": that is a list.
_THOUSANDS = r"(?<![0-9],)[1-9][0-9]{0,2}(?:,[0-9]{3})"
_QUANTITY = rf"(?:{_THOUSANDS}+|[0-9]+)(?:\.[0-9]+)?"
_CURRENCY = r"(?:[¥$€£]|RMB|CNY|USD|HKD|人民币)"
_UNIT = (
    "(?:元|块|圆|万|亿|角|美元|港元|港币|欧元|英镑|RMB|CNY|USD|yuan|%|‰"
    "|平方米|平米|立方米|公里|千米|米|公斤|千克|斤|吨|度|kWh|km|kg|m2|m3"
    "|人次|人|户|辆|次|个|件|天|小时|分钟|秒)"
)
_SET_ASIDE = re.compile(
    rf"""(?=[0-9¥$€£RCUH人])(?<![0-9])(?<![0-9][-/.:])(?:     # (the lookahead: a quick no elsewhere)
        {_YEAR}(?P<s1>[-/.]){_MONTH}(?P=s1){_DAY}          # 2026-12-06
      | {_DAY}(?P<s2>[/.]){_DAY}(?P=s2){_YEAR}              # 12/06/2026, 06.12.2026 (5-2-1901 is a flat)
      | {_MONTH}[-/]{_DAY}                                   # 12/06, 12-06
      | {_TIME}(?:\s?[-~]\s?{_TIME})?                         # 10:30, 10:30:15, 10:30-11:30
      | (?P<money>{_CURRENCY}\s?{_QUANTITY}|{_QUANTITY}\s?{_UNIT}  # ¥1280, RMB 1,280.50, 1280元, 5000平方米
          |(?:(?<=邮编)|(?<=邮编\s)|(?<=邮编：)|(?<=邮政编码))[0-9]{{6}})  # 邮编 130000: says what it is
      | {_THOUSANDS}{{2,}}(?:\.[0-9]+)?(?!,[0-9])           # 1,280,000 (86,571 may be a list)
      | [0-9]+\.[0-9]{{1,2}}                                 # 1280.50
      | (?P<coordinate>(?:1[0-7][0-9]|180|[0-9]{{1,2}})\.[0-9]{{4,}})     # 118.796877 (a sign stays before it)
    )(?![0-9])(?![-/.:][0-9])""",
    re.VERBOSE,
)
_MOST_SET_ASIDE_DIGITS = 10  # a mobile (11) or an ID number (15, 18) is masked whatever is around it
_SEPARATOR = r"""[-!"#$%&'()*+,./:;<=>?\[\\\]^_`{|}~·•・，、。…‧×÷【】《》「」『』〔〕〈〉]"""
_CHAIN = re.compile(rf"[0-9]+(?:(?=[^0-9])(?:\s{{0,6}}{_SEPARATOR}){{0,3}}\s{{0,6}}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_DIGIT = re.compile(r"[0-9]")
_ALNUM = re.compile(r"[0-9A-Za-z]")
_LIST_MARK = re.compile(r"[,，、;。!?\r\n]")  # separates items (step 4)
_MOBILE = re.compile(r"(?:0086|86|0)?(1[3-9][0-9]{9})")
_LANDLINE = re.compile(r"(?:0|(?:00)?860?)(10|2[0-9]|[3-9][0-9]{2})([0-9]{7,8})")
_BIRTH = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_NUMBER = re.compile(rf"[0-9]{{6}}(?:18|19|20)[0-9]{{2}}{_BIRTH}[0-9]{{3}}[0-9X]")
_OLD_ID_NUMBER = re.compile(rf"[0-9]{{8}}{_BIRTH}[0-9]{{3}}")
_CARD = re.compile(r"[0-9]{16,19}")
_FEWEST_DIGITS = 7  # a landline without its area code; fewer are house numbers, amounts, codes, postcodes
_MOST_DIGITS = 23  # "0086" and a 19-digit card: the longest run a named shape can take


_GAP = rf"(?:\s{{0,6}}{_SEPARATOR}){{0,3}}\s{{0,6}}"
_CHECK_X = re.compile(rf"{_GAP}[Xx]")  # an ID number's check character, perhaps spaced like its digits
_DIGIT_BEFORE = re.compile(rf"[0-9](?P<gap>{_GAP})$")
_DIGIT_AFTER = re.compile(rf"(?P<gap>{_GAP})[0-9]")


def _set_aside_spans(work: str) -> tuple[list[tuple[int, int]], list[Span]]:
    """(what is left as written, coordinates as published: rounded to the public grid). A date, a time or a bare
    number joined to other digits by a separator is part of a longer number: "8765 12/12" is one number,
    "2026-12-06 10:30" two; an amount with its currency or unit says what it is."""
    from apps.core.classification import POSITION_DECIMALS

    found = _set_aside_candidates(work)
    covered = _covered(work, found)
    kept, rounded = [], []
    for match in found:
        if not match["money"] and _joined_to_other_digits(work, match.start(), match.end(), covered):
            continue
        kept.append((match.start(), match.end()))
        if match["coordinate"] and len(match["coordinate"].split(".")[1]) > POSITION_DECIMALS:
            text = f"{round(float(match['coordinate']), POSITION_DECIMALS):.{POSITION_DECIMALS}f}"
            rounded.append((match.start(), match.end(), text))
    return kept, rounded


def _set_aside_candidates(work: str) -> list[re.Match[str]]:
    return [m for m in _SET_ASIDE.finditer(work) if sum(c.isdigit() for c in m[0]) <= _MOST_SET_ASIDE_DIGITS]


def _covered(work: str, matches: list[re.Match[str]]) -> bytearray:
    covered = bytearray(len(work) + 1)
    for match in matches:
        covered[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return covered


def _joined_to_other_digits(work: str, start: int, end: int, covered: bytearray) -> bool:
    """Whether a digit outside every set-aside span is next to [start, end), across separators but no list mark."""
    before = _DIGIT_BEFORE.search(work, max(0, start - 32), start)
    if before and not covered[before.start()] and not _LIST_MARK.search(before["gap"]):
        return True
    after = _DIGIT_AFTER.match(work, end)
    return bool(after and not covered[after.end() - 1] and not _LIST_MARK.search(after["gap"]))


def _tail_shown(digits: str) -> str:
    """The last four digits when at least four stay hidden, else the last two."""
    shown = 4 if len(digits) >= 8 else 2
    return "*" * max(4, len(digits) - shown) + digits[-shown:]


# (digits, group sizes, whether the run crosses a list mark) → the masked form, or None when it is not the shape.
Shape = Callable[[str, list[int], bool], "str | None"]


def _id_number(digits: str, sizes: list[int], listed: bool) -> str | None:
    return f"{digits[:6]}********{digits[-4:]}" if _ID_NUMBER.fullmatch(digits) else None


def _mobile(digits: str, sizes: list[int], listed: bool) -> str | None:
    found = _MOBILE.fullmatch(digits)
    return f"{found[1][:3]}****{found[1][-4:]}" if found else None


def _landline(digits: str, sizes: list[int], listed: bool) -> str | None:
    found = _LANDLINE.fullmatch(digits)
    return f"0{found[1]}-{_tail_shown(found[2])}" if found else None


def _old_id_number(digits: str, sizes: list[int], listed: bool) -> str | None:
    """15 digits with a birth date; across a list mark only as 6-6-3 (a list of 15 digits is no ID number)."""
    if listed and sizes != [6, 6, 3]:
        return None
    return f"{digits[:6]}******{digits[-3:]}" if _OLD_ID_NUMBER.fullmatch(digits) else None


def _card_number(digits: str, sizes: list[int], listed: bool) -> str | None:
    """16–19 digits; across a list mark only in fours (6222，0212，3456，7890): 11、12、13、14、… is a list."""
    if listed and not (all(size == 4 for size in sizes[:-1]) and sizes[-1] <= 4):
        return None
    return f"{digits[:4]}****{digits[-4:]}" if _CARD.fullmatch(digits) else None


def _run_span(work: str, run: Run, shape: Shape) -> Span | None:
    """(start, end, masked form) when a run of groups spells the shape: the span takes in an ID number's
    check character X after it, and a "+" or "(" written before it."""
    start, end = run[0][0], run[-1][1]
    digits = "".join(work[a:b] for a, b in run)
    if len(digits) == 17 and (check := _CHECK_X.match(work, end)):
        digits, end = digits + "X", check.end()
    listed = any(_LIST_MARK.search(work, a, b) for (_x, a), (b, _y) in itertools.pairwise(run))
    masked = shape(digits, [b - a for a, b in run], listed)
    if masked is None:
        return None
    while start > 0 and work[start - 1] in "+(":
        start -= 1
    return start, end, masked


def _named_runs(work: str, groups: Run, taken: list[bool], shape: Shape, fits: Callable[[Run], bool]) -> list[Span]:
    """Left to right, the longest run of free groups that fits and spells the shape."""
    found, i = [], 0
    while i < len(groups):
        end, digits = i, 0
        while end < len(groups) and not taken[end] and digits + groups[end][1] - groups[end][0] <= _MOST_DIGITS:
            digits += groups[end][1] - groups[end][0]
            end += 1
        for j in range(end - 1, i - 1, -1):
            if fits(groups[i : j + 1]) and (span := _run_span(work, groups[i : j + 1], shape)):
                found.append(span)
                taken[i : j + 1] = [True] * (j + 1 - i)
                i = j
                break
        i += 1
    return found


def _free_runs(work: str, groups: Run, taken: list[bool]) -> list[Run]:
    """The groups no named shape took, in runs split at the named ones and at list marks."""
    runs: list[Run] = [[]]
    for group, is_taken in zip(groups, taken, strict=True):
        if is_taken or (runs[-1] and _LIST_MARK.search(work[runs[-1][-1][1] : group[0]])):
            runs.append([])
        if not is_taken:
            runs[-1].append(group)
    return [run for run in runs if run]


def _other_masked(digits: str) -> str:
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 11 else _tail_shown(digits)


def _other_runs(work: str, groups: Run, taken: list[bool]) -> list[Span]:
    """Each free run of at least 7 digits, masked whole."""
    found = []
    for run in _free_runs(work, groups, taken):
        digits = "".join(work[a:b] for a, b in run)
        if len(digits) >= _FEWEST_DIGITS:
            found.append((run[0][0], run[-1][1], _other_masked(digits)))
    return found


def _any_run(run: Run) -> bool:
    return True


def _number_spans(work: str, shapes: list[tuple[Shape, Callable[[Run], bool]]], *, others: bool) -> list[Span]:
    """In every chain of digit groups, the runs that spell each shape in turn and fit it (shape, fits), then
    (with `others`) the other runs of at least 7 digits."""
    found = []
    for chain in _CHAIN.finditer(work):
        if sum(c.isdigit() for c in chain[0]) < _FEWEST_DIGITS:
            continue
        groups = [(g.start() + chain.start(), g.end() + chain.start()) for g in _GROUP.finditer(chain[0])]
        taken = [False] * len(groups)
        for shape, fits in shapes:
            found += _named_runs(work, groups, taken, shape, fits)
        if others:
            found += _other_runs(work, groups, taken)
    return found


# --- Flats and buildings ----------------------------------------------------------------------------------------

_BUILDING = re.compile(r"(?<![0-9A-Za-z])(?P<n>[0-9]{1,3}[A-Za-z]?)\s?(?=栋|幢|号楼|#楼|单元)")
_ROOM = re.compile(r"(?<![0-9A-Za-z])(?P<n>[0-9]{3,5}[A-Za-z]?)\s?(?=室|号房|房间|房(?![东子租价屋产主]))")
_ROOM_AFTER = re.compile(r"(?:单元|栋|幢|号楼)\s?(?P<n>[0-9]{3,5}[A-Za-z]?)(?![0-9])")
_ROOM_DASHED = re.compile(r"(?<![0-9])(?P<b>[0-9]{1,3})-(?P<u>[0-9]{1,2})-(?P<n>[0-9]{3,4})(?![0-9])")
_ROOM_EN = re.compile(
    r"(?<![A-Za-z])(?:room|rm|flat|apt|apartment|unit|suite|ste|bldg|building|block|blk)\.?\s?(?:no\.?\s?)?#?\s?"
    r"(?P<n>[0-9]{1,5}[A-Za-z]?|[A-Za-z][0-9]{1,5})(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def _flat_spans(work: str, source: Callable[[int, int], str]) -> list[Span]:
    """Flat, unit and building numbers; a building or unit number only when written in digits."""
    spans = [
        (m.start("n"), m.end("n"), "**")
        for m in _BUILDING.finditer(work)
        if any(c.isdecimal() for c in source(m.start("n"), m.end("n")))
    ]
    for pattern in (_ROOM, _ROOM_AFTER, _ROOM_EN):
        spans += [(m.start("n"), m.end("n"), "**") for m in pattern.finditer(work)]
    for found in _ROOM_DASHED.finditer(work):
        spans += [(found.start(g), found.end(g), "**") for g in ("b", "u", "n")]
    return spans


# --- Putting it together ----------------------------------------------------------------------------------------


def _hidden(work: str, spans: Iterable[tuple[int, int] | Span]) -> str:
    """The working copy with the spans blanked out, so that no later step reads them."""
    chars = list(work)
    for start, end, *_rest in spans:
        chars[start:end] = _HIDDEN * (end - start)
    return "".join(chars)


def _in_source(spans: list[Span], where: list[int] | None, size: int) -> list[Span]:
    """Spans of the folded text as spans of the text it came from (a character folded to several is
    replaced whole; marks on letters folded to none go with the character before them)."""
    if where is None:
        return spans
    out = []
    for start, end, text in spans:
        last = where[end - 1]
        stop = where[end] if end < len(where) and where[end] > last else last + 1
        out.append((where[start], stop if end < len(where) else size, text))
    return out


def _replaced(text: str, spans: list[Span]) -> str:
    out, last = [], 0
    for start, end, replacement in sorted(spans):
        if start < last:  # two spans in one character folded to several: the first one has it
            continue
        out += [text[last:start], replacement]
        last = end
    return "".join(out) + text[last:]


def mask_text(text: str) -> str:
    """The text as a reader sees it, with phone, ID and card numbers, e-mails, chat IDs, number plates and flat
    numbers masked, however they are written (see the module)."""
    if not text:
        return text
    visible = visible_text(text)
    folded, where = _folded(visible)
    spans: list[Span] = []
    work = folded
    # Chat IDs and plates hold ASCII letters or digits, and numbers digits: most Chinese text holds neither.
    steps = [_email_spans] + ([_chat_spans, _plate_spans, _personal_spans] if _ALNUM.search(work) else [])
    for step in steps:
        if found := step(work):
            spans += found
            work = _hidden(work, found)
    if _DIGIT.search(work):
        spans += _numbers_and_flats(work, lambda start, end: _source(visible, where, start, end))
    return _replaced(visible, _in_source(spans, where, len(visible)))


def _source(visible: str, where: list[int] | None, start: int, end: int) -> str:
    """The characters of the visible text that folded to [start, end)."""
    return visible[start:end] if where is None else visible[where[start] : where[end - 1] + 1]


def _numbers_and_flats(work: str, source: Callable[[int, int], str]) -> list[Span]:
    """Dates, times and amounts set aside (coordinates rounded), then cards and other long numbers, then flat
    and building numbers."""
    spans: list[Span] = []
    kept, rounded = _set_aside_spans(work)
    spans += rounded
    work = _hidden(work, kept)
    numbers = _number_spans(work, [(_card_number, _any_run)], others=True)
    return spans + numbers + _flat_spans(_hidden(work, numbers), source)


def _personal_spans(work: str) -> list[Span]:
    """Mobiles, landlines with area codes and ID numbers: looked for before dates and amounts are set aside, so
    that none can hide part of one ("139 12/12 5678"). A run takes a date, time or amount whole or not at all,
    and only between digits of its own ("06/12/2026 10:30" is no landline, nor 验证码 0130，2000-01-01); across a
    list mark only a mobile does (139，12/12，5678 — but 邮编 100000，2000-01-01，2000年 is no ID number)."""
    matches = _set_aside_candidates(work)
    candidates, covered = [(m.start(), m.end()) for m in matches], _covered(work, matches)

    def fits(run: Run, *, listed: bool) -> bool:
        start, end = run[0][0], run[-1][1]
        inside = [(a, b) for a, b in candidates if a < end and b > start]
        if not inside:
            return True
        whole = all(a >= start and b <= end for a, b in inside) and not covered[start] and not covered[run[-1][0]]
        return whole and (listed or not _LIST_MARK.search(work, start, end))

    def loose(run: Run) -> bool:
        return fits(run, listed=True)

    def strict(run: Run) -> bool:
        return fits(run, listed=False)

    # In this order: a mobile carved out of an ID number spaced digit by digit would leave its ends.
    shapes: list[tuple[Shape, Callable[[Run], bool]]] = [
        (_id_number, strict),
        (_mobile, loose),
        (_landline, strict),
        (_old_id_number, strict),
    ]
    return _number_spans(work, shapes, others=False)
