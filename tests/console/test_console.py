"""The QA console in a real browser (issue 10) against the real service, with a call placed
through Asterisk: what a QA person, an agent and someone with a wrong token see and do."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Seeded, Shots

pytestmark = pytest.mark.asterisk

QA_TOKEN = "test-qa"


def sign_in(page: Page, seeded: Seeded, token: str, hash_: str = "") -> None:
    page.goto(f"{seeded.base}/console/{hash_}")
    page.fill("#token", token)
    page.click("#signin button[type=submit]")


def wait_until(page: Page, expression: str, timeout: float = 15) -> None:
    """Polls from the test: the console's Content-Security-Policy (no eval) rules out
    Playwright's wait_for_function, and rightly so."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {expression}")
        page.wait_for_timeout(100)


def current_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


def test_a_qa_person_listens_to_the_dead_air_and_scores_the_call(
        page: Page, seeded: Seeded, shots: Shots) -> None:
    call_id, dead_air = seeded.call["id"], seeded.dead_air
    sign_in(page, seeded, QA_TOKEN)
    expect(page.locator("#filters")).to_be_visible()
    assert QA_TOKEN not in page.url  # the token is in session storage, never the URL
    assert page.evaluate("sessionStorage.getItem('hotline.token')") == QA_TOKEN
    shots("signed-in")

    # Find the call: the calls with dead air, the caller's number.
    page.select_option("#f-dead_air", "true")
    page.fill("input[name=caller]", seeded.call["caller"])
    page.click("#filters button[type=submit]")
    row = page.locator(f"a.call-link[data-call='{call_id}']")
    expect(row).to_be_visible()
    expect(page.locator("#calls-total")).to_contain_text("1")
    shots("found")
    row.click()

    # Two waveforms drawn from the peaks, the flags listed.
    flag = page.locator("#flag-list button[data-kind=dead_air]").first
    expect(flag).to_be_visible()
    wait_until(page, "document.getElementById('player').readyState >= 1")
    shots("call")

    page.click("#play")
    wait_until(page, "document.getElementById('player').currentTime > 0.5")
    shots("playing")

    flag.click()
    assert abs(current_time(page) - dead_air["start"]) <= 0.5
    shots("dead-air")
    # Keyboard: 5 s on, 5 s back; "[" back to the flag from inside it.
    page.keyboard.press("Space")  # pause
    wait_until(page, "document.getElementById('player').paused")
    at = current_time(page)
    page.keyboard.press("ArrowRight")
    assert abs(current_time(page) - (at + 5)) <= 0.5
    page.keyboard.press("[")
    assert abs(current_time(page) - dead_air["start"]) <= 0.5

    # Scoring: r23 prefilled from the flags, the dead-air item at 0 with its evidence.
    dead_points = page.locator("input[data-item=dead_air]")
    expect(dead_points).to_have_value("0")
    expect(page.locator("#review button.seek[data-kind=dead_air]").first).to_be_visible()
    page.fill("input[data-item=closing]", "6")
    page.fill("#review-comment", "静音过长，结束语不完整")
    page.click("#save-draft")
    expect(page.locator("#message")).to_contain_text("草稿")
    shots("draft")
    page.once("dialog", lambda d: d.accept())
    page.click("#confirm-review")
    expect(page.locator("#review-status")).to_contain_text("已确认")
    expect(page.locator("#versions li")).to_have_count(1)
    expect(page.locator("#save-draft")).to_have_count(0)  # read-only now
    shots("confirmed")

    # The API shows the confirmed review, as scored in the browser.
    reviews = seeded.admin.get("/qa/reviews", params={"call_id": call_id}).json()
    assert [r["status"] for r in reviews] == ["confirmed"]
    points = {i["id"]: i["points"] for i in reviews[0]["items"]}
    assert points["dead_air"] == 0 and points["closing"] == 6
    assert reviews[0]["total"] == 100 - 15 - 4 - (15 if points["interrupting"] == 0 else 0)
    assert reviews[0]["comment"] == "静音过长，结束语不完整"

    # A correction is a new version: the chain shows both, the first still confirmed.
    page.click("#revise-review")
    expect(page.locator("#review-status")).to_contain_text("草稿")
    expect(page.locator("#versions li")).to_have_count(2)
    chain = seeded.admin.get("/qa/reviews", params={"call_id": call_id}).json()
    assert sorted((r["version"], r["status"]) for r in chain) == [(1, "confirmed"), (2, "draft")]


def test_an_agent_token_sees_only_its_own_calls(page: Page, seeded: Seeded,
                                                shots: Shots) -> None:
    call_id = seeded.call["id"]
    sign_in(page, seeded, seeded.agent_tokens["1002"])
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator(f"a.call-link[data-call='{call_id}']")).to_have_count(0)
    for agent in page.locator("table tbody tr td:nth-child(3)").all_inner_texts():
        assert agent == "1002"
    shots("other-agent")
    page.goto(f"{seeded.base}/console/#/calls/{call_id}")
    expect(page.locator("#message")).to_contain_text("call.not_found")
    shots("other-agent-call")

    page.evaluate("sessionStorage.clear()")
    sign_in(page, seeded, seeded.agent_tokens["1001"])
    expect(page.locator(f"a.call-link[data-call='{call_id}']")).to_be_visible()
    agents = page.locator("table tbody tr td:nth-child(3)").all_inner_texts()
    assert agents and set(agents) == {"1001"}
    page.click(f"a.call-link[data-call='{call_id}']")
    # Its own call: the flags, but no listening (R26: agents do not fetch recordings).
    expect(page.locator(".player .note")).to_contain_text("无权收听")
    expect(page.locator("#flag-list button[data-kind=dead_air]").first).to_be_visible()
    shots("own-call")


def test_a_wrong_token_is_told_clearly(page: Page, seeded: Seeded, shots: Shots) -> None:
    sign_in(page, seeded, "not-a-token")
    expect(page.locator("#message")).to_contain_text("令牌无效")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('hotline.token')") is None
    shots("refused")
    page.click("#lang")
    expect(page.locator("#signin h2")).to_have_text("Sign in with an API token")
    page.fill("#token", "htk_revoked-or-made-up")
    page.click("#signin button[type=submit]")
    expect(page.locator("#message")).to_contain_text("not valid")
    shots("refused-en")


def test_plan_report_and_ticket_pages(page: Page, seeded: Seeded, shots: Shots) -> None:
    call_id = seeded.call["id"]
    sign_in(page, seeded, QA_TOKEN, f"#/plan/{seeded.month}")
    item = page.locator(f"a.call-link[href='#/calls/{call_id}']")
    expect(item).to_be_visible()
    expect(page.locator("main")).to_contain_text("R18 实时")
    shots("plan")
    item.click()
    expect(page.locator("h2")).to_contain_text(f"#{call_id}")

    page.goto(f"{seeded.base}/console/#/report/2026-W01")
    page.click("#draft-report")
    frame = page.frame_locator("#report-frame")
    expect(frame.locator("body")).to_contain_text("2026-W01")
    shots("report")

    page.goto(f"{seeded.base}/console/#/tickets/{seeded.ticket_id}")
    expect(page.locator("main")).to_contain_text("等待时间过长")
    expect(page.locator(".clock").first).to_be_visible()
    linked = page.locator("ul.linked li")
    expect(linked).to_have_count(1)
    expect(linked.locator("audio")).to_have_count(1)
    shots("ticket")
