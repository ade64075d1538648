"""A fake Telegram Bot API server on loopback, and a builder of real Update JSON shapes.

aiogram talks to it through `TelegramAPIServer.from_base(fake.base_url)`, so the whole client stack
(multipart requests, response parsing, error classes) runs for real; only the far end is fake."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAtest-token_for-the-fake-api"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Intake", "username": "intake_test_bot"}


@dataclass(frozen=True)
class SentMessage:
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    message_id: int

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


class FakeBotApi:
    """Start with `async with FakeBotApi() as api:`; point aiogram at `api.base_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.tokens = {token}
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.edited_markups: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[str, bytes]] = {}
        self.blocked: set[int] = set()
        self.missing_chats: set[int] = set()
        self.too_big: set[str] = set()
        self.unsized: set[str] = set()
        self.downloads = 0
        self._failures: deque[tuple[int, int | None]] = deque()
        self.failing_downloads = 0  # the next downloads answer 502
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._message_ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests arrange ---------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 429, retry_after: int | None = 1) -> None:
        """The next `count` sendMessage calls fail: 429 with retry_after, or a 5xx."""
        for _ in range(count):
            self._failures.append((status, retry_after if status == 429 else None))

    def fail_downloads(self, count: int) -> None:
        self.failing_downloads = count

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> None:
        self.files[file_id] = (file_path or f"documents/{file_id}.bin", content)

    def queue_update(self, update: dict[str, Any]) -> None:
        self._updates.append(update)
        self._arrived.set()

    def texts_to(self, chat_id: int) -> list[str]:
        return [message.text for message in self.sent if message.chat_id == chat_id]

    # -- the HTTP side --------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.tokens:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = await self._params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        response: web.Response = await handler(params)
        return response

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.tokens:
            return _error(401, "Unauthorized")
        if self.failing_downloads:
            self.failing_downloads -= 1
            return _error(502, "Bad Gateway")
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                self.downloads += 1
                return web.Response(body=content, content_type="application/octet-stream")
        return _error(404, "Not Found")

    async def _m_getme(self, params: dict[str, Any]) -> web.Response:
        return _ok({**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False})

    async def _m_sendmessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if self._failures:
            status, retry_after = self._failures.popleft()
            if status == 429:
                return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
            return _error(status, "Internal Server Error" if status == 500 else "Bad Gateway")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        text = str(params.get("text", ""))
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        message = SentMessage(chat_id, text, params.get("parse_mode"), markup, next(self._message_ids))
        self.sent.append(message)
        result: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                                  "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                                  "from": BOT_USER, "text": text}
        if markup:
            result["reply_markup"] = markup
        return _ok(result)

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> web.Response:
        self.callback_answers.append(params)
        return _ok(True)

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> web.Response:
        self.edited_markups.append(params)
        return _ok(True)

    async def _m_getfile(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id"))
        if file_id in self.too_big:  # what the cloud Bot API says above its 20 MB download limit
            return _error(400, "Bad Request: file is too big")
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        file: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": path}
        if file_id not in self.unsized:  # file_size is optional in the Bot API
            file["file_size"] = len(content)
        return _ok(file)

    async def _m_setwebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = params
        return _ok(True)

    async def _m_deletewebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> web.Response:
        url = (self.webhook or {}).get("url", "")
        return _ok({"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)})

    async def _m_getupdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset", 0) or 0)
        if offset:  # Telegram forgets what the bot confirmed by asking for a later offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and int(params.get("timeout", 0) or 0) > 0:
            self._arrived.clear()
            try:  # long polling, kept short so that a stopping test is not held up
                await asyncio.wait_for(self._arrived.wait(), timeout=0.5)
            except TimeoutError:
                pass
        limit = int(params.get("limit", 100) or 100)
        return _ok(self._updates[:limit])


class UpdateBuilder:
    """Real Update JSON shapes, numbered like Telegram numbers them."""

    def __init__(self, first_update_id: int = 500_000) -> None:
        self._updates = itertools.count(first_update_id)
        self._messages = itertools.count(1)

    def _user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Citizen"}
        if language_code:
            user["language_code"] = language_code
        return user

    def message(self, chat_id: int, language_code: str | None = "zh-hans", chat_type: str = "private",
                kind: str = "message", **content: Any) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Citizen"
        else:
            chat["title"] = "Some group"
        body: dict[str, Any] = {"message_id": next(self._messages), "date": int(time.time()), "chat": chat,
                                **content}
        if chat_type != "channel":
            body["from"] = self._user(chat_id if chat_type == "private" else 777, language_code)
        if kind == "edited_message":
            body["edit_date"] = body["date"] + 5
        return {"update_id": next(self._updates), kind: body}

    def text(self, chat_id: int, text: str, **options: Any) -> dict[str, Any]:
        return self.message(chat_id, text=text, **options)

    def command(self, chat_id: int, command: str, argument: str | None = None, **options: Any) -> dict[str, Any]:
        text = f"/{command}" + (f" {argument}" if argument else "")
        entity = {"type": "bot_command", "offset": 0, "length": len(command) + 1}
        return self.message(chat_id, text=text, entities=[entity], **options)

    def photo(self, chat_id: int, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [{"file_id": f"{file_id}-{w}", "file_unique_id": f"u{file_id}-{w}", "width": w, "height": w * 3 // 4,
                  "file_size": max(1, size * w // 1280)} for w in (90, 320, 800)]
        sizes.append({"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280, "height": 960,
                      "file_size": size})
        return self.message(chat_id, photo=sizes, **({"caption": caption} if caption else {}))

    def document(self, chat_id: int, file_id: str, size: int, name: str = "evidence.pdf",
                 mime_type: str = "application/pdf", caption: str | None = None) -> dict[str, Any]:
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name,
                    "mime_type": mime_type, "file_size": size}
        return self.message(chat_id, document=document, **({"caption": caption} if caption else {}))

    def voice(self, chat_id: int, file_id: str, size: int) -> dict[str, Any]:
        voice = {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 4, "mime_type": "audio/ogg",
                 "file_size": size}
        return self.message(chat_id, voice=voice)

    def video(self, chat_id: int, file_id: str, size: int) -> dict[str, Any]:
        video = {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 640, "height": 480, "duration": 9,
                 "mime_type": "video/mp4", "file_size": size}
        return self.message(chat_id, video=video)

    def contact(self, chat_id: int, phone: str, own: bool = True) -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": "Citizen", "user_id": chat_id if own else 424242}
        return self.message(chat_id, contact=contact)

    def location(self, chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        return self.message(chat_id, location={"latitude": latitude, "longitude": longitude})

    def edited(self, chat_id: int, text: str) -> dict[str, Any]:
        return self.message(chat_id, kind="edited_message", text=text)

    def group_message(self, chat_id: int, text: str, chat_type: str = "group") -> dict[str, Any]:
        return self.message(chat_id, chat_type=chat_type, text=text)

    def channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        return self.message(chat_id, chat_type="channel", kind="channel_post", text=text)

    def callback(self, chat_id: int, data: str, answered: SentMessage | None = None,
                 language_code: str | None = "zh-hans") -> dict[str, Any]:
        """A button press on `answered` (a message the bot sent), carrying its keyboard as Telegram does."""
        message: dict[str, Any] = {"message_id": answered.message_id if answered else next(self._messages),
                                   "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                                   "from": BOT_USER, "text": answered.text if answered else "..."}
        if answered and answered.reply_markup:
            message["reply_markup"] = answered.reply_markup
        query = {"id": f"cq{next(self._messages)}", "from": self._user(chat_id, language_code),
                 "chat_instance": "ci-1", "data": data, "message": message}
        return {"update_id": next(self._updates), "callback_query": query}

    def my_chat_member(self, chat_id: int) -> dict[str, Any]:
        member = {"chat": {"id": chat_id, "type": "private", "first_name": "Citizen"},
                  "from": self._user(chat_id, None), "date": int(time.time()),
                  "old_chat_member": {"status": "member", "user": BOT_USER},
                  "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0}}
        return {"update_id": next(self._updates), "my_chat_member": member}
