"""Fixtures of the QA console's browser tests (issue 10): the real service as the telephony
suite starts it (`hotline up` on free ports, tests/telephony/conftest.py), one real call with a
long silence placed through Asterisk with SIPp, the rest of the data seeded through the API,
and Debian's chromium driven by Playwright's sync API (no browser download).

Playwright's sync API refuses to run inside a running asyncio loop; these tests and fixtures
are plain functions, so pytest-asyncio (asyncio_mode = "auto") starts no loop around them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.console.seed import CALL
from tests.telephony.conftest import Hotline, running_hotline
from tests.telephony.dead_air import place_dead_air_call

ARTIFACTS = Path(__file__).with_name("artifacts")
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Seeded:
    base: str  # the API's base URL; the console is at base + "/console/"
    call: dict[str, Any]  # the placed call's record
    dead_air: dict[str, float]  # its dead-air flag
    agent_tokens: dict[str, str]  # agent number -> a stored agent:<工号> token
    ticket_id: int
    month: str
    admin: httpx.Client


@pytest.fixture(scope="module")
def hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    """The console's own service and Asterisk instance, stopped after these tests (the
    telephony suite's session service is another instance)."""
    yield from running_hotline(tmp_path_factory, "test-console")


@pytest.fixture(scope="module")
def seeded(hotline: Hotline, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Seeded]:
    record = place_dead_air_call(hotline, tmp_path_factory.mktemp("console-call"), CALL)
    spans = (record["qa_flags"] or {}).get("dead_air") or []
    assert spans, record["qa_flags"]
    base = f"http://{hotline.settings.api.bind}"
    admin = httpx.Client(base_url=base, timeout=10,
                         headers={"Authorization": "Bearer test-admin"})
    tokens = {}
    for agent in ("1001", "1002"):
        r = admin.post("/admin/tokens", json={"role": f"agent:{agent}", "name": f"坐席{agent}"})
        assert r.status_code == 201, r.text
        tokens[agent] = r.json()["token"]
    r = admin.post("/tickets", json={
        "category": "complaint", "subject": "等待时间过长", "description": "客户投诉无人应答",
        "customer": {"number": record["caller"], "name": "测试客户"},
        "call_ids": [record["id"]]})
    assert r.status_code == 201, r.text
    ticket_id = int(r.json()["id"])
    month = record["started_at"][:7]
    assert admin.post("/qa/plans", json={"month": month}).status_code == 200
    r = admin.post(f"/qa/plans/{month}/live", json={"call_id": record["id"]})
    assert r.status_code == 200, r.text
    try:
        yield Seeded(base, record, spans[0], tokens, ticket_id, month, admin)
    finally:
        admin.close()


# Module scope, not session: while Playwright's sync API runs, its event loop counts as the
# thread's running loop, and every asyncio test collected after this folder would fail with
# "Runner.run() cannot be called from a running event loop".
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Debian's chromium is missing: run scripts/setup")
    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own session storage) at a 1366x768 laptop's size; page
    errors fail the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == [], errors


class Shots:
    """Screenshots of each step, kept as test artifacts (git-ignored)."""

    def __init__(self, page: Page, test: str) -> None:
        self.page, self.test, self.n = page, test, 0
        ARTIFACTS.mkdir(exist_ok=True)

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = ARTIFACTS / f"{self.test}-{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name.removeprefix("test_"))
