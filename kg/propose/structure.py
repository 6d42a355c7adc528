"""Documents (《…》) and sub-places; tier chains (chains.py) and layout hints (layout.py) are
re-exported here for the proposer."""

from __future__ import annotations

import re
from functools import lru_cache

from .chains import find_chains
from .layout import find_layout
from .text import Found

__all__ = ["Found", "find_chains", "find_documents", "find_layout", "find_subplaces", "locality_names"]

TITLE = re.compile(r"《([^《》\n]{1,120})》")
# the word a named place ends with (a suffix may be printed as two or three jieba tokens: 名郡, 商务楼宇)
PLACE_SUFFIX = re.compile(r"(街道|社区|小区|村|镇|乡|产业园|园区|商圈|集团|开发区|技术开发区|楼宇|商务楼宇|"
                          r"名郡|国际|公馆|华府|新村)")  # the last: names of housing estates
SUFFIX_TOKENS = 3


# a set of documents named only by a quoted formula: “1+12”配套政策文件
QUOTED_DOCUMENTS = re.compile(r"“([^“”\n]{1,30})”(?:配套)?(?:政策)?(?:文件|制度文件)")


def find_documents(text: str, start: int, end: int) -> list[Found]:
    """《titles》, and sets of documents printed as “formula” + 文件."""
    found = [Found("document", m.start(), m.end(), m.group(1)) for m in TITLE.finditer(text, start, end)]
    found += [Found("document", m.start(), m.end(), m.group(1)) for m in QUOTED_DOCUMENTS.finditer(text, start, end)]
    return sorted(found, key=lambda f: f.start)


@lru_cache(maxsize=1)
def _cpca():
    import cpca

    return cpca


GENERIC = ("城市", "老旧", "深化", "全面", "智慧", "专职", "部分", "住宅", "指导", "面向", "核算", "充分", "推行", "推广", "核定",
           "广泛", "常态")


@lru_cache(maxsize=2048)
def admin_code(name: str) -> str:
    """The GB/T 2260 adcode cpca resolves name to ('' when it is not an administrative unit)."""
    frame = _cpca().transform([name])
    code = frame.iloc[0].get("adcode")
    area = frame.iloc[0].get("区")
    return str(code) if code and area else ""


def _locality_row(text: str, start: int, end: int) -> dict[str, str]:
    head = " ".join(text[start:end].strip().split("\n")[:3])
    row = _cpca().transform([head]).iloc[0]
    return {k: (row[k] if isinstance(row[k], str) else "") for k in ("省", "市", "区")}


def locality_names(text: str, start: int, end: int) -> tuple[str, ...]:
    """Names of the article's own locality and its parents, read by cpca from its first lines."""
    names = [n for n in _locality_row(text, start, end).values() if n]
    short = [n[:-1] for n in names if len(n) > 2 and n[-1] in "省市区县"]
    return tuple(names + short + [n.replace("自治区", "").replace("回族", "") for n in names])


@lru_cache(maxsize=2048)
def district_of(city: str, word: str) -> str:
    """The adcode of word as a district or county of city (瓜州 -> 瓜州县 620922), else ""."""
    frame = _cpca().transform([city + word + suffix for suffix in ("", "县", "区", "市")])  # one call: cpca is slow per call
    for _, row in frame.iterrows():
        if isinstance(row["区"], str) and row["市"] == city and row["区"].startswith(word):
            return str(row["adcode"])
    return ""


DISTRICT_FLAGS = {"ns", "nr", "nz", "j"}  # jieba tags some county names as person names (金塔/nr)
NAME_FLAGS = {"ns", "nr", "nz", "nrt", "nrfg", "j", "n", "b", "zg", "nt", "q"}
PROPER_FLAGS = {"ns", "nr", "nz", "nrt", "nrfg", "j", "zg", "nt"}
GENERIC_WORDS = set("城市 基层 全市 全县 全区 辖区 各 每个 服务 管理 党建 智慧 示范 和谐 美丽 文明 老旧 住宅 农村 专职 "
                    "部分 相关 所在 居民 街道 社区 小区 村 镇 新型 重点 试点 中心 党员 群众 工作 建设 治理 网格 党组织 "
                    "功能 职能 两新 非公 企业 单位 机关 驻区 共建 联建 区域 城乡 全国 全省 经济 平台 品牌 资源 乡镇 商务 红色 "
                    "开放性 综合性 常态化 面向".split()) - {"经济"}


def find_subplaces(text: str, start: int, end: int, own: tuple[str, ...] = ()) -> list[Found]:
    """Named places inside the locality: place names jieba tags (ns) that cpca resolves to a
    district or county of the locality's city (with its GB/T 2260 adcode), and named streets,
    communities, parks, groups (proper words followed by 街道 / 社区 / 产业园 …)."""
    from .text import segmenter

    segmenter()
    import jieba.posseg as pseg

    own = own or locality_names(text, start, end)
    city = _locality_row(text, start, end)["市"]
    found: dict[str, Found] = {}
    words = list(pseg.cut(text[start:end]))
    offsets, at = [], start
    for word in words:
        offsets.append(at)
        at += len(word.word)
    for i, word in enumerate(words):
        w, flag = word.word, word.flag
        name, pos, kind, detail = "", offsets[i], "", ""
        if flag in DISTRICT_FLAGS and len(w) >= 2 and w not in own and city:
            detail = district_of(city, w)
            if detail:
                name, kind = w, "DistrictPlace"
        suffix = "" if name else _suffix_at(words, i)
        if suffix:
            j, prefix = i, []
            while j > 0 and _name_part(words[j - 1]) and sum(len(x.word) for x in prefix) + len(words[j - 1].word) <= 8:
                j -= 1
                prefix.insert(0, words[j])
            while prefix and prefix[0].word in own and (prefix[0].word[-1] in "省市区县" or len(prefix) == 1):
                j += 1
                prefix.pop(0)
            if prefix and (any(x.flag in PROPER_FLAGS for x in prefix) or sum(len(x.word) for x in prefix) >= 2):
                name, pos, kind = "".join(x.word for x in prefix) + suffix, offsets[j], _kind(suffix)
        elif not name and len(w) >= 4 and flag in ("ns", "nt", "nz") and PLACE_SUFFIX.search(w[-4:]):
            name, kind = w, _kind(w)
        if not name or name in found or name in own or name.startswith(GENERIC):
            continue
        found[name] = Found("subplace", pos, pos + len(name), name, kind + (f" {detail}" if detail else ""))
    return sorted(found.values(), key=lambda f: f.start)


def _suffix_at(words: list, i: int) -> str:
    """The place word that starts at token i, if one, two or three tokens spell it (名+郡 -> 名郡)."""
    joined = ""
    for k in range(i, min(i + SUFFIX_TOKENS, len(words))):
        joined += words[k].word
        if PLACE_SUFFIX.fullmatch(joined):
            return joined
    return ""


def _name_part(word) -> bool:
    """May this token be part of a place's name? Name-like words, and single-character
    adjectives of a coined name (新/a 茂/a 商圈), but no generic word."""
    if word.word in GENERIC_WORDS:
        return False
    return word.flag in NAME_FLAGS or (word.flag == "a" and len(word.word) == 1)


def _kind(word: str) -> str:
    for suffix, kind in (("街道", "StreetPlace"), ("社区", "CommunityPlace"), ("小区", "CompoundPlace"),
                         ("村", "VillagePlace"), ("镇", "TownPlace"), ("乡", "TownPlace"), ("集团", "EnterprisePlace"),
                         ("楼宇", "BuildingPlace")):
        if word.endswith(suffix):
            return kind
    return "ZonePlace"
