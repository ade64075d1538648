"""Replies read aloud: buttons as "press 1 for …", and codes spelled out character by character.

A text-to-speech voice reads "TS-20261124-7HU589" as a number of twenty million and more; a caller
has to write it down, so tracking numbers and receipt codes are spelled slowly with a pause between
groups, twice (the receipt is shown only once: the caller gets no other chance to note it)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from twilio.twiml import TwiML

from channels.twilio.notices import notice, speech_language
from intake_core.messages import Reply

_CODES = re.compile(r"TS-\d{8}-[0-9A-Z]{6}|\d{4}(?: \d{4}){3}")
_PUNCTUATION = " \n:：。，,.;；"
_SPOKEN_LIMIT = 600  # characters of one reply read aloud; longer texts wait in the transcript


def choices_line(reply: Reply, locale: str | None) -> str:
    return "，".join(notice(locale, "voice_press", digit=number, title=button.title)
                    for number, button in enumerate(reply.buttons, start=1))


def _groups(code: str) -> list[str]:
    return [group for group in re.split(r"[\s-]+", code) if group]


def say_code(verb: TwiML, code: str, locale: str | None) -> None:
    language = speech_language(locale)
    verb.say(notice(locale, "voice_code_intro"), language=language)
    for round_ in range(2):
        if round_:
            verb.say(notice(locale, "voice_code_again"), language=language)
        for group in _groups(code):
            verb.say("，".join(group), language=language)
            verb.pause(length=1)


def say_replies(verb: TwiML, replies: Sequence[Reply], locale: str | None) -> None:
    """Each reply as <Say> elements inside `verb` (a Response or a Gather)."""
    language = speech_language(locale)
    for reply in replies:
        text = reply.text[:_SPOKEN_LIMIT]
        position = 0
        for match in _CODES.finditer(text):
            before = text[position:match.start()].strip(_PUNCTUATION)
            if before:
                verb.say(before, language=language)
            say_code(verb, match.group(0), locale)
            position = match.end()
        rest = text[position:].strip(_PUNCTUATION) if position else text.strip()
        if rest:
            verb.say(rest, language=language)
        if reply.buttons:
            verb.say(choices_line(reply, locale), language=language)
