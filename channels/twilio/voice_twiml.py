"""The TwiML of a call: prompts with <Gather>, read-backs, recordings, goodbyes.

Where the call is in the dialogue travels in the action URLs we give Twilio (Twilio signs the URL it
calls back, so the state cannot be forged): the turn counter, what a keypad digit means next, the
locale, and a low-confidence result waiting for confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.twilio.notices import notice, speech_language
from channels.twilio.voice_speech import say_replies
from intake_core.messages import Reply

BASE = "/webhooks/twilio/voice"
MENU, ANSWER, CONFIRM = "menu", "answer", "confirm"
MAX_RECORD_SECONDS = 300
_CHOICE_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class CallState:
    step: int  # the next turn's number: idempotency key "voice:<CallSid>:<step>"
    mode: str = ANSWER
    choices: tuple[str, ...] = ()  # what keypad digit n stands for (button payloads)
    locale: str = "zh"
    pending: str = ""  # a low-confidence result awaiting 1 (confirm) or 2 (say again)
    silences: int = 0

    def query(self) -> str:
        values = {"step": str(self.step), "mode": self.mode, "l": self.locale}
        if self.choices:
            values["c"] = _CHOICE_SEPARATOR.join(self.choices)
        if self.pending:
            values["t"] = self.pending
        if self.silences:
            values["n"] = str(self.silences)
        return urlencode(values, quote_via=quote)

    @classmethod
    def parse(cls, query: dict[str, str]) -> CallState:
        """From the action URL's query; malformed values fall back to a fresh answer state."""
        step = query.get("step", "")
        silences = query.get("n", "0")
        choices = query.get("c", "")
        mode = query.get("mode", ANSWER)
        return cls(step=int(step) if step.isdigit() else 1, mode=mode if mode in (MENU, ANSWER, CONFIRM) else ANSWER,
                   choices=tuple(choices.split(_CHOICE_SEPARATOR)) if choices else (),
                   locale="en" if query.get("l") == "en" else "zh", pending=query.get("t", "")[:500],
                   silences=int(silences) if silences.isdigit() else 0)

    def next(self, replies: Sequence[Reply], locale: str) -> CallState:
        """The state after a turn: the following step, and the last reply's buttons as the keypad menu."""
        buttons = next((reply.buttons for reply in reversed(replies) if reply.buttons), ())
        return CallState(step=self.step + 1, choices=tuple(b.payload for b in buttons), locale=locale)


class CallScript:
    """Builds the TwiML documents of one call against the public base URL."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url

    def url(self, path: str, state: CallState | None = None) -> str:
        return f"{self.public_url}{BASE}{path}" + (f"?{state.query()}" if state else "")

    def ask(self, state: CallState, replies: Sequence[Reply] = (), preface: Sequence[str] = ()) -> VoiceResponse:
        """Says the replies inside a speech-and-keypad <Gather> whose action continues the call."""
        response = VoiceResponse()
        gather = self._gather(state, "speech dtmf")
        language = speech_language(state.locale)
        for line in preface:
            gather.say(line, language=language)
        say_replies(gather, replies, state.locale)
        if state.mode == MENU:
            gather.say(notice(state.locale, "voice_menu"), language=language)
        elif not state.choices:
            gather.say(notice(state.locale, "voice_free_keys"), language=language)
        response.append(gather)
        return response

    def read_back(self, state: CallState, heard: str) -> VoiceResponse:
        response = VoiceResponse()
        confirm = replace(state, mode=CONFIRM, pending=heard, silences=0)
        gather = self._gather(confirm, "dtmf", num_digits=1)
        gather.say(notice(state.locale, "voice_readback", text=heard), language=speech_language(state.locale))
        response.append(gather)
        return response

    def record(self, state: CallState, replies: Sequence[Reply]) -> VoiceResponse:
        """A long description: recorded, transcribed by Twilio, the transcription becomes the turn."""
        response = VoiceResponse()
        say_replies(response, replies, state.locale)
        response.say(notice(state.locale, "voice_record"), language=speech_language(state.locale))
        response.record(action=self.url("/recording", state), method="POST", max_length=MAX_RECORD_SECONDS,
                        finish_on_key="#", play_beep=True, timeout=5, transcribe=True,
                        transcribe_callback=self.url("/transcription", state))
        return response

    def wait(self, state: CallState, seconds: int, first: bool) -> VoiceResponse:
        """Holds the line while the transcription is on its way, then looks again."""
        response = VoiceResponse()
        if first:
            response.say(notice(state.locale, "voice_transcribing"), language=speech_language(state.locale))
        response.pause(length=seconds)
        response.redirect(self.url("/await", state), method="POST")
        return response

    def goodbye(self, replies: Sequence[Reply], locale: str, key: str = "voice_goodbye") -> VoiceResponse:
        response = VoiceResponse()
        say_replies(response, replies, locale)
        response.say(notice(locale, key), language=speech_language(locale))
        response.hangup()
        return response

    def _gather(self, state: CallState, inputs: str, num_digits: int | None = None) -> Gather:
        if num_digits is None and (state.mode == MENU or 0 < len(state.choices) < 10):
            num_digits = 1  # a single key answers a menu at once
        return Gather(input=inputs, language=speech_language(state.locale), action=self.url("/gather", state),
                      method="POST", speech_timeout="auto", timeout=6, finish_on_key="#",
                      action_on_empty_result=True, num_digits=num_digits)
