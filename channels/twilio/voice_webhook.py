"""POST /webhooks/twilio/voice and its callbacks: a call as a sequence of dialogue turns.

Each speech or keypad result is one turn of a conversation keyed by the CallSid; its idempotency key
"voice:<CallSid>:<step>" makes a retried callback harmless. The calling number is never given to the
core: the CallSid is the sender handle, so every caller is anonymous unless they state contact details,
and staff answers to a call (contact route "voice:<CallSid>") are recorded as undeliverable."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from twilio.twiml.voice_response import VoiceResponse

from channels.twilio.addressing import VOICE, voice_conversation_key
from channels.twilio.notices import VOICE_MENU, notice
from channels.twilio.signature import SignedForm, signed_form
from channels.twilio.voice_twiml import BASE, CONFIRM, MENU, CallScript, CallState
from intake_core.errors import StorageUnavailable
from intake_core.messages import InboundMessage

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])
TWIML = "application/xml"
LOW_CONFIDENCE = 0.6
MAX_SILENCES = 3
TRANSCRIPTION_POLLS, POLL_SECONDS = 6, 3  # about 20 s of hold before asking to say it instead
HANDOFF_TEXT = "转人工"  # what the dialogue understands as "talk to a person"
_FORM = Annotated[SignedForm, Depends(signed_form)]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "TwiML", "content": {TWIML: {}}}, 400: {"description": "Missing CallSid"},
    403: {"description": "Bad or missing X-Twilio-Signature"}, 404: {"description": "No Twilio channel"}}


def _twiml(document: VoiceResponse) -> Response:
    return Response(str(document), media_type=TWIML)


def _script(form: SignedForm) -> CallScript:
    return CallScript(form.channel.public_url)


@router.post(BASE, responses=_RESPONSES)
async def incoming_call(form: _FORM) -> Response:
    """A call comes in: the welcome and the first menu."""
    form.require("CallSid")
    state = CallState(step=1, mode=MENU)
    return _twiml(_script(form).ask(state, preface=[notice("zh", "voice_welcome")]))


@router.post(f"{BASE}/gather", responses=_RESPONSES)
async def gathered(form: _FORM) -> Response:
    """What the caller said or keyed in answer to a prompt (or nothing, after the timeout)."""
    (call_sid,) = form.require("CallSid")
    state = CallState.parse(dict(form.query))
    script = _script(form)
    digits = (form.get("Digits") or "").strip()
    speech = (form.get("SpeechResult") or "").strip()
    if state.mode == CONFIRM:
        if digits == "1":
            return await _turn(form, call_sid, state, state.pending, "speech")
        retry = replace(state, mode="answer", pending="")
        return _twiml(script.ask(retry, preface=[notice(state.locale, "voice_repeat")]))
    if digits:
        return await _keyed(form, call_sid, state, digits)
    if speech:
        if _confidence(form.get("Confidence")) < LOW_CONFIDENCE and len(speech) <= 200:
            return _twiml(script.read_back(state, speech))
        return await _turn(form, call_sid, state, speech, "speech")
    if state.silences + 1 >= MAX_SILENCES:
        return _twiml(script.goodbye([], state.locale))
    quiet = replace(state, silences=state.silences + 1)
    return _twiml(script.ask(quiet, preface=[notice(state.locale, "voice_silence"),
                                             notice(state.locale, "voice_repeat")]))


async def _keyed(form: SignedForm, call_sid: str, state: CallState, digits: str) -> Response:
    if state.mode == MENU:
        text = VOICE_MENU.get(digits)
        if text is None:
            return _twiml(_script(form).ask(state, preface=[notice(state.locale, "voice_repeat")]))
        return await _turn(form, call_sid, state, text, "keypad")
    if state.choices and digits.isdigit() and 1 <= int(digits) <= len(state.choices):
        return await _turn(form, call_sid, state, state.choices[int(digits) - 1], "keypad")
    # Free keypad input: a category number, a receipt code, a phone number, a date.
    return await _turn(form, call_sid, state, digits.replace("*", " ").strip(), "keypad")


def _confidence(value: str | None) -> float:
    try:
        return float(value or "0")
    except ValueError:
        return 0.0


async def _turn(form: SignedForm, call_sid: str, state: CallState, text: str, kind: str) -> Response:
    conversations = form.channel.conversations
    script = _script(form)
    try:
        reception = await conversations.receive(InboundMessage(
            channel=VOICE, conversation_key=voice_conversation_key(conversations, call_sid),
            sender_handle=call_sid, text=text, idempotency_key=f"{VOICE}:{call_sid}:{state.step}",
            received_at=conversations.clock.now(), metadata={"kind": kind, "step": state.step}))
    except StorageUnavailable:
        log.error("voice turn not stored: storage unavailable")
        return _twiml(script.goodbye([], state.locale, "voice_unavailable"))
    locale = reception.locale
    if reception.held_by_agent:
        return _twiml(script.goodbye([], locale, "voice_held"))
    if reception.tracking_no:
        return _twiml(script.goodbye(reception.replies, locale))
    following = state.next(reception.replies, locale)
    if reception.missing[:1] == ("description",) and not reception.replayed:
        return _twiml(script.record(following, reception.replies))
    return _twiml(script.ask(following, reception.replies))


@router.post(f"{BASE}/recording", responses=_RESPONSES)
async def recorded(form: _FORM) -> Response:
    """The recording ended: hold the line until its transcription has become the turn."""
    form.require("CallSid")
    state = CallState.parse(dict(form.query))
    duration = form.get("RecordingDuration") or "0"
    if not form.get("RecordingUrl") or not duration.isdigit() or int(duration) == 0:
        return _twiml(_script(form).ask(state, preface=[notice(state.locale, "voice_silence"),
                                                        notice(state.locale, "voice_repeat")]))
    return _twiml(_script(form).wait(replace(state, silences=0), POLL_SECONDS, first=True))


@router.post(f"{BASE}/transcription", responses={**_RESPONSES, 204: {"description": "Taken"}})
async def transcribed(form: _FORM) -> Response:
    """Twilio's transcription of a recording: the description turn of the call (whoever comes first,
    this or the caller speaking after a late transcription, takes the step; the other is a replay)."""
    (call_sid,) = form.require("CallSid")
    text = (form.get("TranscriptionText") or "").strip()
    if form.get("TranscriptionStatus") != "completed" or not text:
        return Response(status_code=204)  # the waiting call asks the caller to say it instead
    state = CallState.parse(dict(form.query))
    conversations = form.channel.conversations
    await conversations.receive(InboundMessage(
        channel=VOICE, conversation_key=voice_conversation_key(conversations, call_sid), sender_handle=call_sid,
        text=text, idempotency_key=f"{VOICE}:{call_sid}:{state.step}", received_at=conversations.clock.now(),
        metadata={"kind": "transcription", "step": state.step}))
    return Response(status_code=204)


@router.post(f"{BASE}/await", responses=_RESPONSES)
async def awaiting(form: _FORM) -> Response:
    """Polled by the held call: the transcription's turn, once it is there."""
    (call_sid,) = form.require("CallSid")
    state = CallState.parse(dict(form.query))
    script = _script(form)
    async with form.channel.conversations.database.unit_of_work() as repo:
        said = await repo.conversations.replies_of_turn(f"{VOICE}:{call_sid}:{state.step}")
    if said:
        # Replayed (texts only): the same turn through the service, which answers as the first time.
        return await _turn(form, call_sid, state, "", "transcription")
    if state.silences + 1 >= TRANSCRIPTION_POLLS:
        late = replace(state, silences=0)
        return _twiml(script.ask(late, preface=[notice(state.locale, "voice_transcription_late")]))
    return _twiml(script.wait(replace(state, silences=state.silences + 1), POLL_SECONDS, first=False))


@router.post(f"{BASE}/status", responses={**_RESPONSES, 204: {"description": "Taken"}})
async def call_status(form: _FORM) -> Response:
    """The call's status callback. A caller who hangs up in the middle of the form is not lost: the
    partial conversation goes to the human queue, where an agent reads it and follows up."""
    (call_sid, status) = form.require("CallSid", "CallStatus")
    if status != "completed":
        return Response(status_code=204)
    conversations = form.channel.conversations
    key = voice_conversation_key(conversations, call_sid)
    async with conversations.database.unit_of_work() as repo:
        record = await repo.conversations.get(key)
    if record is None or record.held_by or not record.state.get("active_form"):
        return Response(status_code=204)  # nothing said, already with a person, or nothing unfinished
    await conversations.receive(InboundMessage(
        channel=VOICE, conversation_key=key, sender_handle=call_sid, text=HANDOFF_TEXT,
        idempotency_key=f"{VOICE}:{call_sid}:hangup", received_at=conversations.clock.now(),
        locale=record.locale, metadata={"kind": "hangup"}))
    log.info("call ended mid-form: handed to the human queue")
    return Response(status_code=204)
