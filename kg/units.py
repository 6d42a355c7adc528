"""Units of figures: the one English label of each measurement unit, and the multipliers that
normalisation removes (CURATING.md, "Figures").

`ontology/qc/unit-label-inconsistent-violation.rq` carries MEASUREMENT_UNITS as a VALUES table
(a QC query cannot import Python); tests/test_ontology.py keeps the two equal.
"""

from __future__ import annotations

# zh schema:unitText -> the only en schema:unitText it may have. Measure words (个 名 项 家 条 支
# 件 …) are not here: with them the English names what is counted (grids, Party members …).
MEASUREMENT_UNITS: dict[str, str] = {
    "元": "yuan",
    "平方米": "square metres",
    "平方公里": "square kilometres",
    "%": "percent",
    "小时": "hours",
    "分钟": "minutes",
    "年": "years",
    "个月": "months",
    "天": "days",
    "人次": "person-times",
}

# Printed multipliers a normalised figure has removed from its value (kept in zl:printedUnit):
# 1.47亿元 is schema:value 147000000, unit 元/yuan, zl:printedUnit "亿元".
MULTIPLIERS: dict[str, int] = {"十": 10, "百": 100, "千": 1_000, "万": 10_000, "亿": 100_000_000}


def english_unit(zh_unit: str) -> str | None:
    """The English label a measurement unit must have, or None for a measure word."""
    return MEASUREMENT_UNITS.get(zh_unit.strip())
