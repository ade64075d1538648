"""The agent console in a real browser (Debian's Chromium, headless) against `intake serve` in its own
process, with a citizen on Telegram (a fake Bot API on loopback, served by this test's event loop):
staff created with the CLI log in, claim the top case, reply, assign, answer in writing and close;
the citizen receives the reply and the answer on Telegram; a hostile description stays text; only the
custodian sees the reporter's identity, after giving a reason."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.benchmarks.http_load import intake_server
from tests.e2e.test_chat_page_browser import CHROMIUM_FLAGS, SHOTS
from tests.fake_bot_api import TOKEN, FakeBotApi, SentMessage, UpdateBuilder

SECRET = "console-e2e-secret"
CHAT = 7770001
HOSTILE = "<script>window.pwned=1</script>窗口工作人员态度恶劣，让我等了两个小时"
TRACKING = re.compile(r"TS-\d{8}-[A-Z0-9]{6}")


async def cli(var_dir: Path, *args: str, stdin: str | None = None) -> None:
    """The `intake` CLI as an operator runs it; async so the fake Bot API keeps answering meanwhile."""
    env = {**os.environ, "INTAKE_VAR_DIR": str(var_dir)}
    env.pop("INTAKE_DATABASE_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "config.cli", *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate(stdin.encode() if stdin else None)
    assert process.returncode == 0, (args, out, err)


async def until(probe: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def file_complaint_on_telegram(base: str, bot_api: FakeBotApi) -> str:
    """A citizen files an identified complaint through the webhook; its tracking number."""
    updates = UpdateBuilder()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20) as http:
        async def send(update: dict[str, Any]) -> None:
            assert (await http.post("/webhooks/telegram", json=update)).status_code == 200

        for text in ("我要投诉", "服务质量", HOSTILE, "2026年11月20日上午10点", "不匿名", "张三"):
            await send(updates.text(CHAT, text))
        await send(updates.contact(CHAT, "+8613812345678"))
        summary: SentMessage = await until(lambda: next(
            (m for m in reversed(bot_api.sent) if m.chat_id == CHAT and "核对" in m.text and m.buttons), None))
        button = next(b for b in summary.buttons if b["text"] == "确认提交")
        await send(updates.callback(CHAT, button["callback_data"], answered=summary))
    registered = await until(lambda: next((t for t in bot_api.texts_to(CHAT) if "受理编号" in t), None))
    found = TRACKING.search(registered)
    assert found, registered
    return found.group(0)


async def log_in(browser: Browser, base: str, username: str, width: int = 1280) -> Page:
    page = await browser.new_page(viewport={"width": width, "height": 900})
    await page.goto(f"{base}/console/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(f"pw-{username}-1234")
    await page.keyboard.press("Enter")  # keyboard only
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    return page


async def test_staff_handle_a_telegram_complaint_in_the_console(tmp_path: Path, chromium_path: str) -> None:
    var_dir = tmp_path / "var"
    async with FakeBotApi() as bot_api, intake_server(
            var_dir, telegram_token=TOKEN, telegram_webhook_secret=SECRET, telegram_api_base=bot_api.base_url,
            public_url="http://127.0.0.1") as base:
        await cli(var_dir, "department", "add", "net", "网络监管处", "Network regulation")
        for username, roles in (("ann", ["agent"]), ("han", ["handler"]), ("cas", ["custodian"])):
            options = [part for role in roles for part in ("--role", role)]
            department = ["--department", "net"] if username == "han" else []
            await cli(var_dir, "user", "add", username, *options, *department, "--password-stdin",
                      stdin=f"pw-{username}-1234\n")
        tracking_no = await file_complaint_on_telegram(base, bot_api)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
            ann = await log_in(browser, base, "ann")
            for _ in range(100):  # the dispatcher puts the case in the queue within moments
                if await ann.get_by_role("link", name=tracking_no).count():
                    break
                await ann.wait_for_timeout(200)
                await ann.reload()
            await expect(ann.get_by_role("link", name=tracking_no)).to_be_visible()
            await ann.screenshot(path=str(SHOTS / "console-queue-1280.png"), full_page=True)
            await ann.set_viewport_size({"width": 390, "height": 844})
            await ann.screenshot(path=str(SHOTS / "console-queue-390.png"), full_page=True)
            await ann.set_viewport_size({"width": 1280, "height": 900})

            await ann.get_by_role("button", name="认领").first.click()  # the top of the queue
            await expect(ann.locator("h1")).to_contain_text(tracking_no)
            await expect(ann.locator("#description")).to_contain_text("<script>window.pwned=1</script>窗口工作人员")
            assert await ann.evaluate("window.pwned") is None  # and never run
            await expect(ann.locator("#identity")).to_contain_text("已加密")
            await expect(ann.locator("#identity")).not_to_contain_text("张三")

            await ann.get_by_label("回复内容").fill("您好，您的投诉已由工作人员受理，我们会尽快核查。")
            await ann.get_by_role("button", name="发送").click()
            await expect(ann.get_by_role("status")).to_contain_text("回复已发送")
            await until(lambda: any("工作人员受理，我们会尽快核查" in t for t in bot_api.texts_to(CHAT)))

            await ann.get_by_label("主办部门").select_option("net")
            await ann.locator("#assign-reason").fill("窗口服务问题由网络监管处主办")
            await ann.get_by_role("button", name="分派承办部门").click()
            await expect(ann.get_by_role("status")).to_contain_text("已分派")
            await ann.screenshot(path=str(SHOTS / "console-case-1280.png"), full_page=True)
            await ann.set_viewport_size({"width": 390, "height": 844})
            await ann.screenshot(path=str(SHOTS / "console-case-390.png"), full_page=True)
            await ann.set_viewport_size({"width": 1280, "height": 900})

            han = await log_in(browser, base, "han", width=390)
            await han.get_by_role("link", name=tracking_no).click()
            await expect(han.locator("#identity")).to_contain_text("已加密")
            await expect(han.get_by_role("button", name="查看身份")).to_have_count(0)
            assert "张三" not in await han.content()

            cas = await log_in(browser, base, "cas")
            await cas.get_by_label("受理编号", exact=True).fill(tracking_no)
            await cas.keyboard.press("Enter")
            await expect(cas.locator("#identity")).to_contain_text("已加密")
            await cas.get_by_label("查看理由(将记入审计)").fill("群众要求回电，需核实联系方式")
            await cas.get_by_role("button", name="查看身份").click()
            await expect(cas.locator("#identity")).to_contain_text("张三")
            await expect(cas.locator("#identity")).to_contain_text("+8613812345678")

            answer = "经核查，窗口工作人员服务态度问题属实，已责令整改并对当事人批评教育。感谢您的监督。"
            await ann.get_by_label("书面答复(将发送给群众)").fill(answer)
            await ann.get_by_role("button", name="作出决定并答复").click()
            await expect(ann.get_by_role("status")).to_contain_text("书面答复已发送")
            await until(lambda: any(answer in t and "书面答复" in t for t in bot_api.texts_to(CHAT)))
            await ann.get_by_label("办结说明").fill("书面答复已送达，群众无异议")
            await ann.get_by_role("button", name="办结").click()
            await expect(ann.locator("h1 .status")).to_have_text("已办结")
            trail = ann.locator("#h-audit + table")
            await expect(trail).to_contain_text("identity_revealed")
            await expect(trail).to_contain_text("群众要求回电，需核实联系方式")
            await browser.close()
