"""What the bot does with each kind of update: private messages go to the intake core, everything
else gets at most a pointer to the private chat. Replies go out through `TelegramOutbound`."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Update

from channels.telegram.addressing import CHANNEL, conversation_key, locale_of
from channels.telegram.commands import COMMANDS, command_text
from channels.telegram.keyboards import pressed_text
from channels.telegram.media import EvidenceFetcher, FileTooLarge, FileUnreadable, media_of
from channels.telegram.notices import GROUP_NOTICE, notice, size_label
from channels.telegram.outbound import TelegramOutbound
from intake_core.conversation_service import ConversationService
from intake_core.messages import InboundMessage, Reply
from intake_core.model import EvidenceItem
from intake_core.ports import DeliveryDeferred, Undeliverable

log = logging.getLogger(__name__)

_PRIVATE = F.chat.type == ChatType.PRIVATE
_GROUPS = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})
_UNSUPPORTED = ("sticker", "poll", "dice", "game", "story", "paid_media")


class TelegramHandlers:
    MAX_GROUPS_REMEMBERED = 10_000

    def __init__(self, bot: Bot, conversations: ConversationService, outbound: TelegramOutbound,
                 fetcher: EvidenceFetcher) -> None:
        self.bot = bot
        self.conversations = conversations
        self.outbound = outbound
        self.fetcher = fetcher
        self._groups_told: OrderedDict[str, None] = OrderedDict()

    # -- private chats --------------------------------------------------------------------------
    async def on_command(self, message: Message, command: CommandObject, event_update: Update) -> None:
        locale = locale_of(message.from_user.language_code if message.from_user else None)
        text = command_text(command.command, command.args, locale) or message.text or ""
        await self._converse(message.chat.id, text, (), event_update, locale, {"kind": "command"})

    async def on_private_message(self, message: Message, event_update: Update) -> None:
        chat_id = message.chat.id
        locale = locale_of(message.from_user.language_code if message.from_user else None)
        text = message.text or message.caption or ""
        attachments: tuple[EvidenceItem, ...] = ()
        metadata: dict[str, Any] = {"kind": "text"}
        media = media_of(message)
        if media is not None:
            metadata["kind"] = media.kind
            try:
                attachments = (await self.fetcher.fetch(media),)
            except FileTooLarge as error:
                await self._say(chat_id, notice(locale, "file_too_large", limit=size_label(error.limit)))
                return
            except FileUnreadable:
                await self._say(chat_id, notice(locale, "file_unreadable"))
                return
        elif message.contact is not None:
            own = message.from_user is not None and message.contact.user_id == message.from_user.id
            phone = message.contact.phone_number
            # Only the citizen's own contact answers "your phone?"; someone else's is marked as such.
            text = phone if own else f"联系人电话: {phone}"
            metadata = {"kind": "contact", "own_contact": own}
        elif message.location is not None:
            text = f"位置: {message.location.latitude},{message.location.longitude}"
            metadata["kind"] = "location"
        elif message.text is None:
            if any(getattr(message, kind, None) for kind in _UNSUPPORTED):
                await self._say(chat_id, notice(locale, "unsupported"))
            return  # service messages (pins, joins) need no answer
        if event_update.edited_message is not None:
            metadata["edited"] = True
        await self._converse(chat_id, text, attachments, event_update, locale, metadata)

    async def on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        message = query.message
        chat = message.chat if message is not None else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            await self._answer_query(query.id)
            return
        locale = locale_of(query.from_user.language_code)
        keyboard = message.reply_markup if isinstance(message, Message) else None
        text = pressed_text(query.data, keyboard)
        if text is None:
            await self._answer_query(query.id, notice(locale, "button_expired"))
            return
        await self._answer_query(query.id)  # stops the spinner on the citizen's button at once
        chat_id = chat.id if chat is not None else query.from_user.id
        if isinstance(message, Message) and keyboard is not None:
            try:  # a menu is answered once; a second press would repeat the answer
                await self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message.message_id,
                                                         reply_markup=None)
            except TelegramAPIError:
                pass  # already removed, or the message is too old to edit
        await self._converse(chat_id, text, (), event_update, locale, {"kind": "button"})

    # -- groups and channels --------------------------------------------------------------------
    async def on_group_message(self, message: Message) -> None:
        """Nothing from a group is stored: reports are personal. Each group is told once (per process)."""
        digest = self.conversations.sender_digest(CHANNEL, f"group:{message.chat.id}")
        if digest in self._groups_told:
            return
        self._groups_told[digest] = None
        while len(self._groups_told) > self.MAX_GROUPS_REMEMBERED:
            self._groups_told.popitem(last=False)
        await self._say(message.chat.id, GROUP_NOTICE)

    # -- shared ---------------------------------------------------------------------------------
    async def _converse(self, chat_id: int, text: str, attachments: tuple[EvidenceItem, ...], update: Update,
                        locale: str | None, metadata: dict[str, Any]) -> None:
        reception = await self.conversations.receive(InboundMessage(
            channel=CHANNEL, conversation_key=conversation_key(self.conversations, chat_id),
            sender_handle=str(chat_id), text=text, idempotency_key=f"{CHANNEL}:{update.update_id}",
            received_at=self.conversations.clock.now(), attachments=attachments, locale=locale,
            metadata={**metadata, "update_id": update.update_id}))
        if reception.replayed:
            return  # a redelivered update: the first delivery was already answered
        try:
            await self.outbound.deliver(chat_id, reception.replies)
        except DeliveryDeferred:
            # Telegram is busy or down: the reply sender retries from the outbound table.
            await self.conversations.desk.deliver_later(conversation_key(self.conversations, chat_id),
                                                        [reply.text for reply in reception.replies])
        except Undeliverable as error:
            log.warning("telegram reply not delivered", extra={"reason": str(error)})

    async def _say(self, chat_id: int, text: str) -> None:
        await self._deliver(chat_id, [Reply(text)])

    async def _deliver(self, chat_id: int, replies: Sequence[Reply]) -> None:
        """Notices that store nothing (groups, refused files): a failed one is logged, not retried."""
        try:
            await self.outbound.deliver(chat_id, replies)
        except (DeliveryDeferred, Undeliverable) as error:
            log.warning("telegram reply not delivered", extra={"reason": str(error)})

    async def _answer_query(self, query_id: str, text: str | None = None) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramAPIError:
            pass  # too old or already answered: nothing the citizen would notice


def build_router(handlers: TelegramHandlers) -> Router:
    router = Router(name="telegram-intake")
    for observer in (router.message, router.edited_message):
        observer.register(handlers.on_command, _PRIVATE, F.text, Command(*COMMANDS, ignore_case=True))
        observer.register(handlers.on_private_message, _PRIVATE)
    router.message.register(handlers.on_group_message, _GROUPS)
    router.channel_post.register(handlers.on_group_message)
    router.callback_query.register(handlers.on_callback)
    return router


def build_dispatcher(handlers: TelegramHandlers) -> Dispatcher:
    # No aiogram FSM: the conversation state lives in the intake core, shared by every channel.
    dispatcher = Dispatcher(name="telegram-intake", disable_fsm=True)
    dispatcher.include_router(build_router(handlers))
    return dispatcher
