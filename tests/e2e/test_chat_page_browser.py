"""The chat page in a real browser (Debian's Chromium, headless), in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import async_playwright, expect

from tests.e2e.test_agent_api import issue_token

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
SHOTS = Path("var/screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)


async def test_a_citizen_files_a_report_in_the_chat_page(live_server: str, chromium_path: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.goto(f"{live_server}/chat")
        log = page.locator("#log")
        await expect(log).to_contain_text("投诉举报受理平台")
        await page.get_by_role("button", name="我要举报").click()
        await expect(log).to_contain_text("请选择最符合的类别")
        for answer in ["诈骗", "https://fake.example.cn/pay", "<script>window.pwned=1</script>冒充客服骗钱",
                       "2026年11月20日", "我想匿名"]:
            await page.get_by_label("输入消息").fill(answer)
            await page.keyboard.press("Enter")
            await page.wait_for_timeout(150)
        await expect(log).to_contain_text("请核对以下信息")
        await expect(log).to_contain_text("<script>window.pwned=1</script>")  # shown as text
        assert await page.evaluate("window.pwned") is None  # and never run
        await page.get_by_role("button", name="确认提交").click()
        await expect(log).to_contain_text("受理编号")
        await expect(log).to_contain_text("匿名回执码")
        await page.screenshot(path=str(SHOTS / "chat-zh-390.png"), full_page=True)
        await browser.close()


async def test_the_chat_page_speaks_english(live_server: str, chromium_path: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{live_server}/chat?lang=en")
        await expect(page.locator("#log")).to_contain_text("complaint and report service")
        await expect(page.get_by_role("button", name="Send")).to_be_visible()
        await page.screenshot(path=str(SHOTS / "chat-en-1280.png"))
        await browser.close()


async def test_a_staff_reply_appears_in_the_open_chat_page(live_server: str, chromium_path: str,
                                                          tmp_path: Path) -> None:
    headers = issue_token(tmp_path / "var", "ann")
    async with async_playwright() as playwright, httpx.AsyncClient(base_url=live_server, headers=headers) as http:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.goto(f"{live_server}/chat")
        log = page.locator("#log")
        await expect(log).to_contain_text("投诉举报受理平台")
        await page.get_by_label("输入消息").fill("转人工")
        await page.keyboard.press("Enter")
        await expect(log).to_contain_text("已为您转接人工坐席")
        item = None
        for _ in range(100):
            live = (await http.get("/api/v1/agent/queue", params={"kind": "live"})).json()
            if live:
                item = live[0]["id"]
                break
            await page.wait_for_timeout(100)
        assert item is not None
        await http.post(f"/api/v1/agent/items/{item}/claim")
        await http.post(f"/api/v1/agent/items/{item}/reply", json={"text": "您好，我是工作人员<b>小安</b>。"})
        await expect(log.locator(".staff").last).to_have_text("您好，我是工作人员<b>小安</b>。", timeout=10_000)
        await page.screenshot(path=str(SHOTS / "chat-staff-reply-390.png"), full_page=True)
        await browser.close()
