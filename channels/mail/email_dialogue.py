"""A whole email through a dialogue that asks one question per turn.

The form's own order decides what is asked; for each question the reader below cuts out the part of
the email that answers it (channels.mail.extract), as the citizen would have typed it in a chat, until
the form is done or asks for something the email does not say. The core runs those turns under one
lock with one idempotency key, so a redelivered email replays and never acts twice, and the transcript
shows the email as it came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.mail import extract
from channels.mail.threads import ThreadResolver
from intake_core.conversation_service import ConversationService
from intake_core.messages import InboundMessage, Reply


@dataclass(slots=True)
class EmailTurns:
    replies: list[Reply] = field(default_factory=list)
    new_steps: int = 0  # 0: everything was a redelivery, nothing to answer
    tracking_no: str | None = None
    held_by_agent: bool = False
    waiting_for: str | None = None  # the form question the reply asks, if any
    missing: tuple[str, ...] = ()  # everything the form still lacks, the question's field first


class EmailReader:
    """The core's MessageReader for one email: `text` is the email, `earlier` the first email of the
    thread when this one continues it (it may already answer a question the form had not come to)."""

    def __init__(self, text: str, earlier: str, continues: bool, locale: str) -> None:
        self.text = text
        self.earlier = earlier
        self.continues = continues
        self.locale = locale
        self._slot: str | None = None
        self._pending: list[str] = []  # further candidates for the slot last tried

    def opening(self, active_form: str | None, requested_slot: str | None) -> str:
        if active_form is None:
            self.earlier = ""  # no form was waiting: nothing of the earlier email is owed to it
        if active_form is not None or self.continues:
            # The citizen answers the question we asked, or follows up (status, addition) in plain words.
            self._slot = requested_slot  # an answer the form refused is not retried with our own guesses
            return self.text
        kind = extract.kind_of(self.text) or ("report" if extract.find_url(self.text) else "complaint")
        return extract.KIND_PAYLOADS[kind]

    def answer(self, slot: str) -> str | None:
        if slot != self._slot:
            self._slot = slot
            self._pending = self._candidates(slot)
        return self._pending.pop(0) if self._pending else None

    def _candidates(self, slot: str) -> list[str]:
        if slot == "description" and self.earlier:
            return [self.earlier]  # the first email told the story; this answer only filled an earlier gap
        found = extract.candidates_for(slot, self.text, self.locale)
        if self.earlier:
            found += [c for c in extract.candidates_for(slot, self.earlier, self.locale) if c not in found]
        return found


class EmailDialogue:
    def __init__(self, conversations: ConversationService, resolver: ThreadResolver) -> None:
        self.conversations = conversations
        self.resolver = resolver

    async def converse(self, message: InboundMessage, continues: bool) -> EmailTurns:
        """`message.text` is the whole (quote-stripped) email."""
        key = message.conversation_key
        locale = message.locale or "zh"
        earlier = await self._earlier_text(key) if continues else ""
        reader = EmailReader(message.text, earlier, continues, locale)
        reception = await self.conversations.receive(message, reader)
        if reception.replayed:
            return EmailTurns()
        turns = EmailTurns(replies=list(reception.replies), new_steps=1, tracking_no=reception.tracking_no,
                           held_by_agent=reception.held_by_agent, missing=reception.missing)
        turns.waiting_for = None if turns.tracking_no else (await self.resolver.form_state(key))[1]
        if turns.waiting_for and len(turns.missing) > 1:
            # One email should say everything that is missing, not one question per round trip.
            texts = self.conversations.texts
            separator = "、" if locale == "zh" else "; "
            fields = separator.join(texts.get(locale, f"field_{name}") for name in turns.missing)
            turns.replies.insert(0, Reply(texts.get(locale, "missing_fields", fields=fields)))
        return turns

    async def _earlier_text(self, key: str) -> str:
        """The longest thing the citizen wrote in this conversation: the first email, as a rule."""
        async with self.conversations.database.unit_of_work() as repo:
            lines = await repo.conversations.lines(key)
        texts = [line.text for line in lines if line.direction == "in" and not line.text.startswith("/")]
        return max(texts, key=len, default="")
