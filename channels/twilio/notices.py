"""What the SMS and voice adapters themselves say, before or around the dialogue (zh and en)."""

from __future__ import annotations

_NOTICES: dict[str, dict[str, str]] = {
    "zh": {
        "sms_help": "投诉举报受理平台：直接回复文字即可投诉或举报，回复“查询 受理编号”查进度，"
                    "回复“转人工”联系工作人员。回复STOP退订。",
        "sms_choices": "回复数字：",
        "sms_media_refused": "附件未能接收（过大或无法取回），请用文字描述，或改用网页、邮件提交。",
        "voice_welcome": "您好，这里是投诉举报受理热线。匿名举报同样受理，来电号码不会作为您的身份记录。",
        "voice_menu": "投诉请按1，举报请按2，查询进度请按3，转人工请按0。也可以直接说出您要办理的事项。",
        "voice_press": "按{digit}，{title}",
        "voice_free_keys": "也可以用按键输入，以井号键结束。",
        "voice_readback": "您说的是：{text}。确认请按1，重说请按2。",
        "voice_repeat": "请再说一遍。",
        "voice_silence": "没有听到您的回答。",
        "voice_record": "请在提示音后讲述具体情况，讲完请按井号键。",
        "voice_transcribing": "录音已收到，正在转写，请稍候。",
        "voice_transcription_late": "转写还没有完成，请直接说出具体情况。",
        "voice_code_intro": "下面逐位读出，请记下：",
        "voice_code_again": "再读一遍：",
        "voice_goodbye": "感谢您的来电，再见。",
        "voice_held": "您的来电已转给工作人员处理，工作人员会按您留下的联系方式与您联系。再见。",
        "voice_unavailable": "系统暂时无法处理您的来电，请稍后再拨。",
    },
    "en": {
        "sms_help": "Complaints and reports: reply in words to file one, \"status <tracking number>\" for "
                    "progress, \"agent\" for a person. Reply STOP to opt out.",
        "sms_choices": "Reply with a number: ",
        "sms_media_refused": "The attachment could not be accepted (too large or unreadable); please describe "
                             "it in words, or use the web or email.",
        "voice_welcome": "Welcome to the complaints and reports hotline. Anonymous reports are accepted; "
                         "your phone number is not recorded as your identity.",
        "voice_menu": "For a complaint press 1, for a report press 2, for the status of a case press 3, "
                      "for a person press 0. Or just say what you need.",
        "voice_press": "press {digit} for {title}",
        "voice_free_keys": "You may also type it on the keypad and finish with the hash key.",
        "voice_readback": "You said: {text}. Press 1 to confirm, 2 to say it again.",
        "voice_repeat": "Please say it again.",
        "voice_silence": "I did not hear an answer.",
        "voice_record": "After the tone, describe what happened, then press the hash key.",
        "voice_transcribing": "Your recording is in. Transcribing, please hold.",
        "voice_transcription_late": "The transcription is not ready yet; please tell me what happened.",
        "voice_code_intro": "Character by character, please write it down:",
        "voice_code_again": "Once more:",
        "voice_goodbye": "Thank you for calling. Goodbye.",
        "voice_held": "Your call has been passed to our staff, who will contact you through the details you "
                      "left. Goodbye.",
        "voice_unavailable": "The service cannot take your call right now; please call again later.",
    },
}

# The spoken menu of the first prompt: keypad digit -> words the dialogue understands.
VOICE_MENU = {"1": "我要投诉", "2": "我要举报", "3": "查询进度", "0": "转人工"}


def notice(locale: str | None, key: str, **values: object) -> str:
    table = _NOTICES.get(locale or "zh", _NOTICES["zh"])
    return table[key].format(**values)


def speech_language(locale: str | None) -> str:
    return "en-US" if locale == "en" else "zh-CN"
