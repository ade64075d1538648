"""The agent console over HTTP (in process, SQLite): login, CSRF, roles on every page and action,
escaping of citizen text, evidence downloads, the language toggle and logout."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from config.app import create_app
from config.wiring import Container
from intake_core.departments import Departments
from intake_core.staff import StaffDirectory
from tests.integration.test_agent_desk import draft, say, settle, staff_texts

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">冒充客服'


@pytest.fixture
async def console(sqlite_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(sqlite_container)
    staff: StaffDirectory = app.state.staff
    for name, roles, department in (("ann", {"agent"}, None), ("han", {"handler"}, "net"),
                                    ("cas", {"custodian"}, None), ("aud", {"auditor"}, None),
                                    ("adm", {"admin"}, None), ("sue", {"supervisor"}, None)):
        await staff.add_user(name, "password-" + name, roles, department)
    await Departments(sqlite_container.database).add("net", "网络监管处", "Network regulation")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post("/console/login", data={
        "username": username, "password": "password-" + username, "login_token": token.group(1),
        "next": "/console/"})
    assert response.status_code == 303 and "intake_console" in response.cookies


async def test_pages_need_a_login_and_a_wrong_password_is_refused(console: httpx.AsyncClient) -> None:
    response = await console.get("/console/queue")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")
    page = await console.get("/console/login")
    assert "登录" in page.text and page.headers["content-security-policy"].startswith("default-src 'self'")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    refused = await console.post("/console/login", data={"username": "ann", "password": "nope",
                                                         "login_token": token.group(1)})
    assert "msg=login_failed" in refused.headers["location"]
    cookie = (await console.get("/console/login")).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


async def test_roles_are_enforced_on_pages_and_actions(console: httpx.AsyncClient, sqlite_container: Container) -> None:
    tracking_no = (await sqlite_container.service.submit(draft(1))).tracking_no
    await login(console, "aud")
    assert (await console.get("/console/audit")).status_code == 200
    assert (await console.get("/console/admin/users")).status_code == 403
    forbidden = await console.get("/console/queue")
    assert forbidden.status_code == 403 and "无权" in forbidden.text
    page = await console.get("/console/audit")
    response = await console.post(f"/console/cases/{tracking_no}/answer", data={"csrf": csrf_of(page.text),
                                                                                 "answer": "x"})
    assert response.status_code == 403
    console.cookies.clear()
    await login(console, "han")
    assert (await console.get(f"/console/cases/{tracking_no}")).status_code == 403  # not their department


async def test_a_post_without_the_csrf_token_is_refused(console: httpx.AsyncClient,
                                                        sqlite_container: Container) -> None:
    tracking_no = (await sqlite_container.service.submit(draft(1))).tracking_no
    await login(console, "ann")
    response = await console.post(f"/console/cases/{tracking_no}/reply", data={"text": "hi", "csrf": "forged"})
    assert response.status_code == 403
    page = await console.get(f"/console/cases/{tracking_no}")
    response = await console.post(f"/console/cases/{tracking_no}/reply",
                                  data={"text": "您好", "csrf": csrf_of(page.text)})
    assert response.status_code == 303 and "msg=done_reply" in response.headers["location"]


async def test_citizen_text_is_escaped_and_identity_stays_sealed(console: httpx.AsyncClient,
                                                                sqlite_container: Container) -> None:
    tracking_no = (await sqlite_container.service.submit(draft(1, description=HOSTILE))).tracking_no
    await settle(sqlite_container)
    await login(console, "ann")
    queue = await console.get("/console/queue")
    assert tracking_no in queue.text
    page = await console.get(f"/console/cases/{tracking_no}")
    assert "<script>window.pwned" not in page.text and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page.text
    assert "已加密" in page.text and "查看身份" not in page.text  # agents get no reveal form
    english = await console.get(f"/console/cases/{tracking_no}?lang=en")
    assert "Encrypted" in english.text and "已加密" not in english.text
    assert "Reporter identity" in (await console.get(f"/console/cases/{tracking_no}")).text  # remembered


async def test_evidence_downloads_as_an_attachment_with_its_hash(console: httpx.AsyncClient,
                                                                sqlite_container: Container) -> None:
    item = await sqlite_container.evidence_store.store("<b>shot</b>.html", "text/html", b"<script>alert(1)</script>")
    tracking_no = (await sqlite_container.service.submit(draft(1, evidence=[item]))).tracking_no
    await login(console, "ann")
    page = await console.get(f"/console/cases/{tracking_no}")
    assert item.sha256 in page.text
    link = re.search(rf'href="(/console/cases/{tracking_no}/evidence/\d+)"', page.text)
    assert link
    download = await console.get(link.group(1))
    assert download.status_code == 200 and download.content == b"<script>alert(1)</script>"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["x-content-sha256"] == hashlib.sha256(download.content).hexdigest()


async def test_logout_ends_the_session(console: httpx.AsyncClient) -> None:
    await login(console, "sue")
    page = await console.get("/console/notifications")
    assert page.status_code == 200
    old = dict(console.cookies)
    await console.post("/console/logout", data={"csrf": csrf_of(page.text)})
    console.cookies.update(old)  # the old cookie is dead on the server even if a browser kept it
    assert (await console.get("/console/notifications")).status_code == 303


async def test_a_live_conversation_is_a_chat_view_with_reply_and_hand_back(
        console: httpx.AsyncClient, sqlite_container: Container) -> None:
    await say(sqlite_container, "citizen-9", "我要找人工客服")
    await settle(sqlite_container)
    await login(console, "ann")
    queue = await console.get("/console/queue?kind=live")
    claim = re.search(r'action="(/console/items/\d+/claim)"', queue.text)
    assert claim
    claimed = await console.post(claim.group(1), data={"csrf": csrf_of(queue.text)})
    live_url = claimed.headers["location"]
    assert live_url.startswith("/console/live/")
    page = await console.get(live_url)
    assert "我要找人工客服" in page.text and "交还自动助手" in page.text
    await console.post(f"{live_url}/reply", data={"csrf": csrf_of(page.text), "text": "您好，<b>我是小安</b>"})
    assert await staff_texts(sqlite_container, "citizen-9") == ["工作人员已接入，接下来由工作人员为您服务。",
                                                                 "您好，<b>我是小安</b>"]
    lines = (await console.get(f"{live_url}/lines")).json()
    assert lines[-1]["text"] == "您好，<b>我是小安</b>"
    handed = await console.post(f"{live_url}/hand-back", data={"csrf": csrf_of(page.text)})
    assert handed.headers["location"].startswith("/console/queue")


async def test_repeated_wrong_passwords_lock_the_name_with_a_clear_message(console: httpx.AsyncClient) -> None:
    async def attempt(password: str) -> httpx.Response:
        page = await console.get("/console/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token
        return await console.post("/console/login", data={"username": "ann", "password": password,
                                                           "login_token": token.group(1)})

    for _ in range(5):
        assert "msg=login_failed" in (await attempt("nope")).headers["location"]
    locked = await attempt("password-ann")  # the right password, too late
    assert "msg=login_locked" in locked.headers["location"] and "intake_console" not in locked.cookies
    assert "暂时锁定" in (await console.get(locked.headers["location"])).text
