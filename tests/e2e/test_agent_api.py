"""The agent API against `intake serve` in its own process, with its background workers running:
a citizen asks for a person in the web chat, an agent takes the conversation over, answers, hands back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

WEB = "/api/v1/web/messages"
AGENT = "/api/v1/agent"
P1_REPORT = {
    "kind": "report", "category": "violent_terrorism", "description": "有人在群里说明天要在广场制造爆炸",
    "target": "https://chat.example.cn/group/88", "target_type": "url",
    "occurred_at": "2026-11-23T15:00:00+08:00", "anonymous": True,
}


def issue_token(var_dir: Path, agent: str, *roles: str) -> dict[str, str]:
    env = {**os.environ, "INTAKE_VAR_DIR": str(var_dir)}
    env.pop("INTAKE_DATABASE_URL", None)
    options = [part for role in roles for part in ("--role", role)]
    token = subprocess.run([sys.executable, "-m", "config.cli", "agent", "token", agent, *options], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    return {"Authorization": f"Bearer {token}"}


def eventually(probe: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_takeover_reply_and_hand_back_through_the_agent_api(live_server: str, tmp_path: Path) -> None:
    ann = issue_token(tmp_path / "var", "ann")
    bo = issue_token(tmp_path / "var", "bo")
    with httpx.Client(base_url=live_server, timeout=10) as http:
        def say(text: str) -> list[str]:
            response = http.post(WEB, json={"conversation_id": "citizen-0001", "text": text})
            assert response.status_code == 200
            return [reply["text"] for reply in response.json()["replies"]]

        def staff_messages() -> list[str]:
            body = http.get(WEB, params={"conversation_id": "citizen-0001"}).json()
            return [message["text"] for message in body["messages"] if message["sender"] == "staff"]

        assert "前面还有 0 位" in say("我要找人工客服")[-1]
        assert http.get(f"{AGENT}/queue").status_code == 401
        assert http.get(f"{AGENT}/queue", headers={"Authorization": "Bearer itk_forged"}).status_code == 401
        live = eventually(lambda: http.get(f"{AGENT}/queue", params={"kind": "live"}, headers=ann).json())
        item = live[0]["id"]
        assert live[0]["conversation_key"] == "web:citizen-0001" and live[0]["state"] == "open"

        assert http.post(f"{AGENT}/items/{item}/claim", headers=ann).json()["claimed_by"] == "ann"
        taken = http.post(f"{AGENT}/items/{item}/claim", headers=bo)
        assert taken.status_code == 409 and taken.headers["content-type"] == "application/problem+json"

        assert say("你好，有人吗？") == []  # the bot is silent while ann holds the conversation
        assert http.post(f"{AGENT}/items/{item}/reply", json={"text": "您好，我是工作人员小安。"},
                         headers=bo).status_code == 409  # only the holder replies
        assert http.post(f"{AGENT}/items/{item}/reply", json={"text": "您好，我是工作人员小安。"},
                         headers=ann).status_code == 202
        assert eventually(lambda: "您好，我是工作人员小安。" in staff_messages())
        lines = http.get(f"{AGENT}/items/{item}/transcript", headers=ann).json()
        assert [(line["author"], line["text"]) for line in lines if line["direction"] == "in"][-1] == \
            ("citizen", "你好，有人吗？")

        assert http.post(f"{AGENT}/items/{item}/hand-back", headers=ann).json()["state"] == "done"
        assert say("我要举报")  # the bot answers again


def test_cases_status_changes_and_supervisor_notifications(live_server: str, tmp_path: Path) -> None:
    agent = issue_token(tmp_path / "var", "ann")
    lead = issue_token(tmp_path / "var", "lead", "agent", "supervisor")
    with httpx.Client(base_url=live_server, timeout=10) as http:
        number = http.post("/api/v1/cases", json=P1_REPORT).json()["tracking_no"]
        queue = eventually(lambda: http.get(f"{AGENT}/queue", params={"kind": "case"}, headers=agent).json())
        assert (queue[0]["tracking_no"], queue[0]["priority"]) == (number, "P1")
        assert http.get(f"{AGENT}/notifications", headers=agent).json() == []  # escalations go to supervisors
        notices = eventually(lambda: http.get(f"{AGENT}/notifications", headers=lead).json())
        assert (notices[0]["kind"], notices[0]["tracking_no"]) == ("escalation", number)

        http.post(f"{AGENT}/items/{queue[0]['id']}/claim", headers=agent)
        no_reason = http.post(f"{AGENT}/cases/{number}/status", json={"status": "investigating", "reason": ""},
                              headers=agent)
        assert no_reason.status_code == 400
        moved = http.post(f"{AGENT}/cases/{number}/status",
                          json={"status": "investigating", "reason": "已联系网信部门核查"}, headers=agent)
        assert moved.json() == {"tracking_no": number, "status": "investigating"}
        skipped = http.post(f"{AGENT}/cases/{number}/status", json={"status": "closed", "reason": "结束"},
                            headers=agent)
        assert skipped.status_code == 409  # the state machine does not allow it
