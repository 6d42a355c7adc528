"""The API documentation works offline under the page CSP: Swagger UI at /docs and ReDoc at /redoc render
the operations from /openapi.json, with no console error and no request beyond the server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


@pytest.mark.parametrize("lang,title", [("en", "API documentation (Swagger UI)"), ("zh", "接口文档（Swagger UI）")])
def test_swagger_ui_renders_the_operations(page, live, lang, title):
    errors = _console_errors(page)
    page.goto(f"{live.url}/docs?lang={lang}")
    ops = page.locator("#swagger-ui .opblock")
    ops.first.wait_for(timeout=15000)
    paths = page.locator("#swagger-ui .opblock .opblock-summary-path").all_inner_texts()
    assert "/sparql" in paths and "/api/localities" in paths and "/id/{path}" in paths
    assert ops.count() == len(paths) >= 15
    assert page.title().startswith(title) and page.locator("h1").first.inner_text() == title
    assert page.locator("h1").count() == 1 and "Zhili API 1.0.0" in page.locator("#main").inner_text()
    page.locator("#swagger-ui .opblock-summary-path", has_text="/api/stats").first.click()  # expands, no error
    page.locator("#swagger-ui .opblock.is-open").first.wait_for()
    assert errors == []


@pytest.mark.parametrize("lang,title", [("en", "API reference (ReDoc)"), ("zh", "接口参考（ReDoc）")])
def test_redoc_renders_the_operation_list(page, live, lang, title):
    errors = _console_errors(page)
    page.goto(f"{live.url}/redoc?lang={lang}")
    root = page.locator("#redoc-container")
    root.get_by_text("/api/localities").first.wait_for(timeout=20000)
    text = root.inner_text()
    assert "Zhili API" in text and "/sparql" in text and "REST API" in text
    assert page.title().startswith(title) and page.locator("h1").first.inner_text() == title
    assert root.locator("img[src^='http']").count() == 0  # ReDoc's CDN logo is kept from loading
    assert errors == []
