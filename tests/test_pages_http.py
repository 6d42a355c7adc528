"""Server-rendered pages over plain HTTP: they work without JavaScript and carry security headers."""

from __future__ import annotations

import pytest

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
    assert "http://" not in r.text.split("<main>")[0].replace("http://www.w3.org", "")


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
