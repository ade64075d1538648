"""A whole email through a dialogue that asks one question per turn.

The form's own order decides what is asked; for each question this feeds the part of the email that
answers it (channels.mail.extract), as the citizen would have typed it in a chat, until the form is
done or asks for something the email does not say. Each fed turn is one core message with its own
idempotency key (the message's key plus the step number), so a redelivered email, or one that failed
half way and is retried, replays the steps already done and never acts twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from channels.mail import extract
from channels.mail.threads import ThreadResolver
from intake_core.conversation_service import ConversationService, Reception
from intake_core.messages import InboundMessage, Reply

MAX_STEPS = 14  # more than the form has questions: a loop that does not advance stops anyway


@dataclass(slots=True)
class EmailTurns:
    replies: list[Reply] = field(default_factory=list)
    new_steps: int = 0  # 0: everything was a redelivery, nothing to answer
    tracking_no: str | None = None
    held_by_agent: bool = False
    waiting_for: str | None = None  # the form question the reply asks, if any
    missing: tuple[str, ...] = ()  # everything the form still lacks, the question's field first


class EmailDialogue:
    def __init__(self, conversations: ConversationService, resolver: ThreadResolver) -> None:
        self.conversations = conversations
        self.resolver = resolver

    async def converse(self, message: InboundMessage, continues: bool) -> EmailTurns:
        """`message.text` is the whole (quote-stripped) email; its attachments go with the first step."""
        key = message.conversation_key
        locale = message.locale or "zh"
        form, asked = await self.resolver.form_state(key)
        earlier = await self._earlier_text(key) if continues and form else ""
        turns = EmailTurns()
        if form is not None:
            first = message.text  # the citizen answers the question we asked
        elif continues:
            first = message.text  # no form running: a follow-up (status, addition) in plain words
        else:
            kind = extract.kind_of(message.text) or ("report" if extract.find_url(message.text) else "complaint")
            first = extract.KIND_PAYLOADS[kind]
        reception = await self._step(message, 0, first, turns)
        pending: list[str] = []  # further candidates for the slot just tried
        for step in range(1, MAX_STEPS):
            if reception.held_by_agent or reception.tracking_no:
                break
            answered = asked
            form, asked = await self.resolver.form_state(key)
            if form is None or asked is None:
                break  # finished, cancelled or handed over
            if asked != answered:
                pending = self._candidates(asked, message.text, earlier, locale)
            if not pending:
                break  # the email does not say (or its answer was not accepted): ask the citizen
            reception = await self._step(message, step, pending.pop(0), turns)
        turns.waiting_for = None if turns.tracking_no else (await self.resolver.form_state(key))[1]
        if turns.waiting_for and len(turns.missing) > 1:
            # One email should say everything that is missing, not one question per round trip.
            texts = self.conversations.texts
            separator = "、" if locale == "zh" else "; "
            fields = separator.join(texts.get(locale, f"field_{name}") for name in turns.missing)
            turns.replies.insert(0, Reply(texts.get(locale, "missing_fields", fields=fields)))
        return turns

    @staticmethod
    def _candidates(slot: str, text: str, earlier: str, locale: str) -> list[str]:
        if slot == "description" and earlier:
            return [earlier]  # the first email told the story; this answer only filled an earlier gap
        found = extract.candidates_for(slot, text, locale)
        if earlier:
            # The first email may already say it; the form just had not come to ask yet.
            found += [c for c in extract.candidates_for(slot, earlier, locale) if c not in found]
        return found

    async def _step(self, message: InboundMessage, step: int, text: str, turns: EmailTurns) -> Reception:
        fed = replace(message, text=text, idempotency_key=f"{message.idempotency_key}:{step}",
                      attachments=message.attachments if step == 0 else ())
        reception = await self.conversations.receive(fed)
        if reception.replayed:
            return reception
        turns.new_steps += 1
        turns.replies = list(reception.replies)  # earlier steps only asked what the email already answered
        turns.held_by_agent = reception.held_by_agent
        turns.tracking_no = reception.tracking_no or turns.tracking_no
        turns.missing = reception.missing
        return reception

    async def _earlier_text(self, key: str) -> str:
        """The longest thing the citizen wrote in this conversation: the first email, as a rule."""
        async with self.conversations.database.unit_of_work() as repo:
            lines = await repo.conversations.lines(key)
        texts = [line.text for line in lines if line.direction == "in" and not line.text.startswith("/")]
        return max(texts, key=len, default="")
