"""The script a text is written in, for `lang` attributes where the data keeps no language tag: the
dataset's untagged text is the sources' own Chinese or it is identifiers, numbers and English."""

from __future__ import annotations

import re

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # CJK Unified Ideographs, Extension A, Compatibility Ideographs
LATIN = re.compile(r"[A-Za-z]")
