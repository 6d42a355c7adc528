"""Server-rendered pages over plain HTTP: they work without JavaScript and carry security headers."""

from __future__ import annotations

import re

import pytest

from api.accept_language import language_from_header

HTML = {"Accept": "text/html"}


@pytest.mark.parametrize("path,needle", [
    ("/", "matrix"), ("/localities", "Qingtongxia"), ("/localities/zhushan", "四办一中心"),
    ("/mechanisms", "red property management"), ("/mechanisms/big-working-committee", "大工委"),
    ("/compare?localities=jinchang&localities=lanzhou", "Jaccard"), ("/documents/central-opinion-urban-party-building", "《"),
    ("/sources", "002_1f5f9208bb5fe543.txt"), ("/sources/003_da93d6bd2f2dd18f", 'class="hl'),
    ("/localities/zhushan?lang=zh", "珠山区"),
])
def test_page_renders(http, path, needle):
    r = http.get(path, headers=HTML)
    assert r.status_code == 200 and needle in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert "http://" not in r.text.split("<main")[0].replace("http://www.w3.org", "")


def test_source_reader_marks_every_evidence_span(http):
    data = http.get("/api/sources/000_b51d81ad140c2e75").json()
    page = http.get("/sources/000_b51d81ad140c2e75", headers=HTML).text
    for span in data["spans"]:
        assert f'id="{span["evidence"]["id"]}"' in page
        assert f'id="facts-{span["evidence"]["id"]}"' in page


def test_unknown_pages_are_404_html(http):
    r = http.get("/localities/atlantis", headers=HTML)
    assert r.status_code == 404 and "atlantis" in r.text and r.headers["content-type"].startswith("text/html")
    assert http.get("/compare?localities=jinchang&localities=atlantis", headers=HTML).status_code == 422


def test_vendored_assets_are_served_locally(http):
    for path in ["/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css", "/static/sparql.js",
                 "/static/reader.js", "/static/zhili.css"]:
        assert http.get(path).status_code == 200, path


@pytest.mark.parametrize("header,lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-TW", "zh"), ("zh-Hans-CN", "zh"), ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("en;q=0.5, zh;q=0.6", "zh"), ("zh;q=0", "en"), ("fr, zh;q=0.5", "zh"), ("fr", "en"), ("*", "en"), ("", "en"),
    ("zh;q=0.5, en;q=0.5", "zh"), ("en, zh", "en"), ("zh;q=2", "en"), ("zh;;;q=x, en", "en"),
])
def test_accept_language_q_values(header, lang):
    assert language_from_header(header) == lang


def test_accept_language_picks_the_page_language(http):
    r = http.get("/localities", headers={**HTML, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-CN">' in r.text and "<h1>地方</h1>" in r.text
    assert {v.strip().lower() for v in r.headers["vary"].split(",")} >= {"accept", "accept-language"}
    # links keep the language chosen by the header; an explicit ?lang= wins over the header and is kept too
    assert 'href="/localities/jiuquan?lang=zh"' in r.text
    en = http.get("/localities?lang=en", headers={**HTML, "Accept-Language": "zh-CN"})
    assert '<html lang="en">' in en.text and 'href="/localities/jiuquan?lang=en"' in en.text
    assert '<html lang="en">' in http.get("/localities", headers={**HTML, "Accept-Language": "en-GB,zh;q=0.3"}).text
    assert "accept-language" not in http.get("/api/localities").headers.get("vary", "").lower()


def test_pages_name_sources_by_headline_and_say_what_counts_mean(http):
    page = http.get("/localities/qingtongxia?lang=zh", headers=HTML).text
    # evidence links name the article and the character range, never the file
    links = re.findall(r'class="ev-link"[^>]*>(.*?)</a>', page)
    assert links and all("《" in l and "第" in l and "003" not in l for l in links)
    assert "ontology#" not in page and "Exactly" not in page and "确数" in page
    assert '<thead><tr><th scope="col">统计项</th>' in page  # figure tables have a header row
    assert re.search(r"机制采用（\d+ 项，涉及 \d+ 个机制概念）", page)
    assert "Photo caption" not in page and "图片说明" in page  # layout notes in Chinese
    home = http.get("/?lang=zh", headers=HTML).text
    assert re.search(r"\d+ 个地方 · \d+ 个机制概念 · \d+ 项采用 · .* · \d+ 个三元组", home)
    assert "adoptions" not in home and "triples" not in home


def test_each_evidence_line_once_and_no_empty_sections(http):
    for lid in ("jinchang", "lanzhou", "tonghua-county"):
        page = http.get(f"/localities/{lid}", headers=HTML).text
        for block in re.findall(r'<ul class="evidence">(.*?)</ul>', page, re.S):
            hrefs = re.findall(r'href="([^"]+)"', block)
            assert len(hrefs) == len(set(hrefs)), f"{lid}: an evidence line listed twice"
        api = http.get(f"/api/localities/{lid}").json()
        assert ('id="documents"' in page) == bool(api["documents"])
        assert ('id="tiers"' in page) == bool(api["tier_chains"])


def test_compare_names_localities_and_explains_similarity(http):
    page = http.get("/compare?localities=qingtongxia&localities=tonghua-county", headers=HTML).text
    assert re.search(r"<th scope=\"row\">Qingtongxia — Tonghua County</th><td>\d+% \(\d+ shared of \d+\)</td>", page)
    assert "qingtongxia ~" not in page
    zh = http.get("/compare?localities=atlantis&lang=zh", headers=HTML)
    assert zh.status_code == 422 and "没有名为“atlantis”的地方" in zh.text


def test_source_reader_title_is_the_headline(http):
    page = http.get("/sources/003_da93d6bd2f2dd18f", headers=HTML).text
    assert re.search(r"<title>《青铜峡市：[^<]*》 — Zhili</title>", page)
    assert re.search(r'<h1><span lang="zh">《青铜峡市：', page)
    assert 'data-start="' in page and 'id="panel-list"' in page


def test_not_found_page_in_chinese(http):
    r = http.get("/localities/atlantis?lang=zh", headers=HTML)
    assert r.status_code == 404 and "<h1>未找到</h1>" in r.text and '<span lang="en">' in r.text
