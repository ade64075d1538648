"""What case handling tells the citizen, in zh (default) and en. Placeholders are filled by str.format."""

from __future__ import annotations

NOTICES: dict[str, dict[str, str]] = {
    "zh": {
        "written_answer": "【书面答复】受理编号 {tracking_no}\n{answer}",
        "transferred": "【移送告知】您反映的事项(受理编号 {tracking_no})不属于本机构职责范围，已移送{body}处理。"
                       "理由:{reason}",
        "extended": "【延期告知】您的事项(受理编号 {tracking_no})情况复杂，经负责人批准，答复期限延长至 {until}。"
                    "理由:{reason}",
    },
    "en": {
        "written_answer": "[Written answer] Case {tracking_no}\n{answer}",
        "transferred": "[Transfer notice] Your case {tracking_no} is outside our remit and has been transferred to "
                       "{body}. Reason: {reason}",
        "extended": "[Extension notice] Your case {tracking_no} needs more time; with a supervisor's approval the "
                    "answer is now due by {until}. Reason: {reason}",
    },
}


def notice(locale: str | None, key: str, **values: object) -> str:
    table = NOTICES.get(locale or "zh") or NOTICES["zh"]
    return table[key].format(**values)
