"""Figures: every number with its unit, range, qualifier and the phrase that says what is counted.

Qualifiers are read by the same function `kg validate` checks them with
(kg.validate.expected_qualifiers), so a proposed qualifier cannot disagree with the validator;
values are normalised with cn2an (Chinese numerals, 万/亿) and money goes to yuan as
CURATING.md requires (1.47亿元 -> 147000000 元, printed unit 亿元).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

from ..units import MEASUREMENT_UNITS
from ..validate import CONTEXT, expected_qualifiers

ARABIC = r"[0-9]+(?:\.[0-9]+)?[万亿千]?"
CHINESE = r"[两三四五六七八九十][十百千万]?[一二三四五六七八九]?"  # 七项, 十五个, 两市: never a lone 一
NUMBER = f"(?:{ARABIC}|{CHINESE})"
# Longest first. Measurement units (kg/units.py) plus the measure words the curated data uses.
UNITS = sorted({*MEASUREMENT_UNITS, "万元", "亿元", "个方面", "大板块", "个", "名", "项", "家", "条", "支", "件", "户",
                "人", "次", "起", "份", "所", "处", "栋", "座", "场", "批", "位", "张", "套", "台", "辆", "篇",
                "期", "类", "种", "个小时", "市", "县", "区"}, key=len, reverse=True)
UNIT = "|".join(re.escape(u) for u in UNITS)
PREFIX = "不少于|不低于|至少|超过|多于|不超过|不多于|不高于|最多|大约|将近|接近|约|近|逾|超"
SUFFIX = "以上|以下|以内|之内|左右"
FIGURE = re.compile(
    rf"(?P<prefix>{PREFIX})?(?P<a>{NUMBER})(?:[—－~～至到\-](?P<b>{NUMBER}))?(?P<more>[余多])?"
    rf"(?P<unit>{UNIT})(?P<suffix>{SUFFIX})?"
)
CLAUSE_BREAK = re.compile(r"[，,。；;：:、！？\n（）()“”]")
CHINESE_ONLY_UNITS = {"项", "个", "名", "市", "县", "区", "年", "个方面", "大板块", "家", "条", "类", "种", "支"}


@dataclass(frozen=True)
class FigureCandidate:
    start: int
    end: int
    printed: str
    value: float | None
    minimum: float | None
    maximum: float | None
    unit: str            # zh unit text after normalisation (元 for 万元)
    printed_unit: str    # the printed unit when a multiplier was removed, else ""
    unit_en: str
    qualifier: str       # local name of zl:ValueQualifier
    counted: str         # the phrase that says what is counted

    @property
    def key(self) -> tuple:
        from .knowledge import figure_key
        return figure_key(self.value, self.minimum, self.maximum, self.unit, self.qualifier)


def _value(number: str) -> float:
    return float(cn2an.cn2an(number, "smart"))


def _not_a_figure(text: str, m: re.Match) -> bool:
    """Years used as dates (2019年), and numbers inside names (“1+12”, 2020版)."""
    a = m.group("a")
    if m.group("unit") == "年" and re.fullmatch(r"(19|20)[0-9]{2}", a):
        return True
    before, after = text[max(0, m.start() - 1):m.start()], text[m.end():m.end() + 1]
    return (before != "" and before in "+＋-") or (after != "" and after in "+＋版")


def _counted(text: str, start: int, end: int) -> str:
    """The words after the unit up to the next break (设立230个[党员中心户]), else the words before."""
    tail = CLAUSE_BREAK.split(text[end:end + 20], 1)[0]
    if len(tail) >= 2:
        return tail[:12]
    head = CLAUSE_BREAK.split(text[max(0, start - 20):start])[-1]
    return head[-12:] or text[start:end]


def find_figures(text: str, start: int, end: int) -> list[FigureCandidate]:
    """Every figure printed in text[start:end] (offsets are into text)."""
    found = []
    for m in FIGURE.finditer(text, start, end):
        a, b, unit = m.group("a"), m.group("b"), m.group("unit")
        if not a[0].isdigit() and unit not in CHINESE_ONLY_UNITS:
            continue
        if _not_a_figure(text, m):
            continue
        if m.start("a") > 0 and re.match(r"[0-9.]", text[m.start("a") - 1]):
            continue
        printed_unit = ""
        if unit in ("万元", "亿元"):
            printed_unit, unit = unit, "元"
            scale = 10_000 if printed_unit == "万元" else 100_000_000
        else:
            scale = 1
        if unit == "元" and not printed_unit and a[-1] in "万亿":
            printed_unit = a[-1] + "元"
        try:
            va = _value(a) * scale
            vb = _value(b) * scale if b else None
        except (ValueError, KeyError, TypeError):
            continue
        value, minimum, maximum = (None, va, vb) if vb is not None else (va, None, None)
        if unit == "个小时":
            unit = "小时"
        s, e = m.start(), m.end()
        printed = text[s:e]
        readings = expected_qualifiers(text[max(0, s - CONTEXT):s], printed, text[e:e + CONTEXT])
        qualifier = next((q for q in ("AtLeast", "MoreThan", "AtMost", "Approximately") if q in readings), "Exactly")
        unit_en = MEASUREMENT_UNITS.get(unit, "")
        found.append(FigureCandidate(s, e, printed, _num(value), _num(minimum), _num(maximum), unit, printed_unit,
                                     unit_en, qualifier, _counted(text, s, e)))
    return found


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else round(v, 4)
