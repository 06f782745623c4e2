"""Issue 12: /docs (Swagger UI) and /redoc (ReDoc) work on a network without internet: the
pages name no outside host, and every asset they load is served by the service itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

# Anything that would make the browser go elsewhere: an absolute or protocol-relative URL.
OUTSIDE = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


@pytest.mark.parametrize(("page", "scripts"), [
    ("/docs", ("swagger-ui-bundle.js",)), ("/redoc", ("redoc.standalone.js",))])
def test_docs_pages_load_only_from_the_service(client: TestClient, page: str,
                                               scripts: tuple[str, ...]) -> None:
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert OUTSIDE.findall(html.text) == []
    parser = _Links()
    parser.feed(html.text)
    assert any(url.endswith(scripts) for url in parser.urls), parser.urls
    for url in parser.urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url  # the real bundle, not an empty placeholder
    # The document the page renders is there too (both pages read /openapi.json).
    assert "/openapi.json" in html.text
    assert client.get("/openapi.json").json()["info"]["title"] == "Hotline API"


def test_swagger_ui_does_not_ask_an_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text
