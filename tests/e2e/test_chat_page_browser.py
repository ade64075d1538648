"""The chat page in a real browser (Debian's Chromium, headless), in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import async_playwright, expect

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
