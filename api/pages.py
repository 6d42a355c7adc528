"""Server-rendered pages: Jinja2 with autoescaping, bilingual through ?lang=zh|en."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg.examples import load_examples
from kg.namespaces import PREFIXES

from .catalog import local_id
from .negotiate import prefers_html

TEMPLATES = Path(__file__).parent / "templates"


def linked_path(iri: str) -> str:
    """Where a minted IRI resolves on this server (/id/...); other IRIs unchanged."""
    from kg.namespaces import ID

    return "/id/" + iri[len(ID):] if iri.startswith(ID) else iri


def self_path(request: Request) -> str:
    """The request's path as a link back to this server: re-quoted, and with leading slashes (or backslashes)
    collapsed to one, so `//evil.example/x` never becomes a protocol-relative, off-site link."""
    path = request.url.path.lstrip("/\\")
    return "/" + quote(path, safe="/:@!$&'()*+,;=-._~")


TEXT = {
    "title": {"zh": "治理：城市基层治理知识图谱", "en": "Zhili: urban grassroots governance knowledge graph"},
    "home": {"zh": "首页", "en": "Home"}, "localities": {"zh": "地方", "en": "Localities"},
    "mechanisms": {"zh": "机制", "en": "Mechanisms"}, "compare": {"zh": "比较", "en": "Compare"},
    "sources": {"zh": "来源", "en": "Sources"}, "sparql": {"zh": "SPARQL 查询", "en": "SPARQL"},
    "graph": {"zh": "图谱", "en": "Graph"}, "api": {"zh": "API 文档", "en": "API docs"},
    "evidence": {"zh": "证据", "en": "Evidence"}, "figures": {"zh": "数据", "en": "Figures"},
    "tiers": {"zh": "层级体系", "en": "Tier chains"}, "documents": {"zh": "政策文件", "en": "Policy documents"},
    "notes": {"zh": "版面说明", "en": "Layout notes"}, "category": {"zh": "类别", "en": "Category"},
    "local_name": {"zh": "地方名称", "en": "Local name"}, "adopted_by": {"zh": "采用地方", "en": "Adopted by"},
    "shared": {"zh": "所有所选地方都有的机制", "en": "Same concept in all"}, "unique": {"zh": "独有机制", "en": "Only in"},
    "partial": {"zh": "部分地方共有", "en": "Shared by some"}, "similarity": {"zh": "相似度", "en": "Similarity"},
    "variants": {"zh": "同一上位做法、不同具体项目", "en": "Same broader practice, different programmes"},
    "practice": {"zh": "上位做法", "en": "Practice"}, "concept_level": {"zh": "具体概念层", "en": "concept level"},
    "practice_level": {"zh": "做法层", "en": "practice level"},
    "include_restated": {"zh": "把转述的上级提法也计入比较", "en": "Count restated higher-level formulas"},
    "restated_left_out": {"zh": "未计入：仅转述上级提法", "en": "Left out: restated higher-level formulas"},
    "formulas": {"zh": "总体工作格局提法（不参与比较，其组成部分已分别比较）",
                 "en": "Named overall formulas (not compared; their parts are compared one by one)"},
    "practice_shared": {"zh": "同一上位做法也见于", "en": "same practice also in"},
    "choose": {"zh": "选择两个或更多地方", "en": "Pick two or more localities"},
    "submit": {"zh": "比较", "en": "Compare"}, "supports": {"zh": "支持的事实", "en": "Facts this span supports"},
    "matrix_intro": {"zh": "每个地方在各机制类别中采用的不同机制数（按概念计，不含转述的上级提法；点击查看证据）",
                     "en": "Distinct mechanisms per locality and category (concepts present, restated formulas left out; "
                           "each cell links to the evidence)"},
    "issued_by": {"zh": "发布", "en": "Issued by"}, "cited_by": {"zh": "引用", "en": "Cited by"},
    "establishes": {"zh": "确立机制", "en": "Establishes"}, "level": {"zh": "级别", "en": "Level"},
    "province": {"zh": "省份", "en": "Province"}, "parent": {"zh": "上级市", "en": "Parent city"},
    "examples": {"zh": "示例查询", "en": "Example queries"}, "not_found": {"zh": "未找到", "en": "Not found"},
    "properties": {"zh": "属性", "en": "Properties"}, "comparable": {"zh": "可比数据", "en": "Comparable figures"},
}


class Pages:
    """Holds the Jinja environment and renders pages for the routers."""

    def __init__(self, service):
        self.service = service
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(local_id=local_id, ld=linked_path)
        self.examples = load_examples()

    @staticmethod
    def lang(request: Request) -> str:
        value = request.query_params.get("lang", "en")
        return value if value in ("zh", "en") else "en"

    @staticmethod
    def wants_html(request: Request) -> bool:
        return prefers_html(request.headers.get("accept"))

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = self.lang(request)
        cat = self.service.catalog

        def t(key: str) -> str:
            return TEXT[key][lang]

        def L(label) -> str:  # noqa: N802 - the label in the page language, falling back to the other
            if label is None:
                return ""
            zh, en = getattr(label, "zh", "") or "", getattr(label, "en", "") or ""
            return (zh or en) if lang == "zh" else (en or zh)

        def url(path: str, **params) -> str:
            params = {k: v for k, v in params.items() if v is not None}
            if lang != "en":
                params["lang"] = lang
            return path + ("?" + urlencode(params, doseq=True) if params else "")

        def switch(to: str) -> str:
            params = dict(request.query_params)
            params["lang"] = to
            return self_path(request) + "?" + urlencode(params)

        html = self.env.get_template(template).render(request=request, lang=lang, t=t, L=L, url=url, switch=switch,
                                                      cat=cat, **context)
        return HTMLResponse(html, status_code=status)

    def not_found(self, request: Request, message: str) -> HTMLResponse:
        return self.render(request, "not_found.html", status=404, message=message)

    def sparql_page(self, request: Request, query: str | None) -> HTMLResponse:
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                           if p in ("rdfs", "skos", "dcterms", "foaf", "oa", "schema", "zl", "loc", "mech", "ad", "fig", "tier", "doc", "seed", "place", "art"))
        examples = [{"slug": e.slug, "question": e.question, "query": prologue + "\n" + e.query} for e in self.examples]
        config = {"endpoint": self.service.settings.public_url + "/sparql", "query": query or examples[0]["query"],
                  "examples": examples, "prefixes": PREFIXES}
        return self.render(request, "sparql.html", config=json.dumps(config, ensure_ascii=False), examples=examples)
