"""Quoted history is removed from citizens' replies; their new words stay exactly as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.mail.mime import MimeLimits, parse_message
from channels.mail.quoting import strip_quoted

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@pytest.mark.parametrize(("name", "new_text"), [
    ("reply_qqmail_quoted.eml", "补充一下，施工单位是示例建设有限公司。"),
    ("reply_outlook_quoted.eml", "我同意贵中心的处理意见，谢谢。\n\n王芳"),
    ("reply_gmail_english.eml", "Hello, the noise started again last night at 23:30."),
])
def test_replies_from_real_clients_keep_only_the_new_text(name: str, new_text: str) -> None:
    text = parse_message((CORPUS / name).read_bytes(), MimeLimits()).text
    assert strip_quoted(text) == new_text


@pytest.mark.parametrize("history", [
    "在 2026年11月20日 10:15，投诉受理中心 <complaints@example.cn> 写道：\n> 您好，已受理。",
    "在 2026-11-20 10:15:00，\"投诉受理中心\" <complaints@example.cn> 写道:\n您好，已受理。",
    "-----原始邮件-----\n发件人：投诉受理中心 <complaints@example.cn>\n"
    "发送时间：2026年11月20日 10:15\n\n您好，已受理。",
    "------------------ 原始邮件 ------------------\n"
    "发件人: \"投诉受理中心\"<complaints@example.cn>;\n\n您好，已受理。",
    "发件人：投诉受理中心\n发送时间：2026-11-20 10:15\n收件人：李明\n主题：回复：投诉\n\n您好，已受理。",
    "________________________________\n发件人: 投诉受理中心 <complaints@example.cn>\n发送时间: 2026年11月20日 10:15\n"
    "收件人: 李明\n主题: 回复：投诉\n\n您好，已受理。",
    "-----Original Message-----\nFrom: Complaints <complaints@example.cn>\n"
    "Sent: Friday, November 20, 2026 10:15\n\nHello",
    "From: Complaints <complaints@example.cn>\nSent: Friday, November 20, 2026 10:15\n"
    "To: Li Ming\nSubject: RE: x\n\nHello",
    "*From:* Complaints <complaints@example.cn>\n*Date:* Fri, Nov 20, 2026\n*Subject:* x\n\nHello",
    "On Fri, Nov 20, 2026 at 10:15 AM Complaints <complaints@example.cn> wrote:\n> Hello",
    "On Fri, Nov 20, 2026 at 10:15 AM Complaints <\ncomplaints@example.cn> wrote:\n> Hello",
    "-- \n李明\n示例市示例区",
    "2026年11月20日 10:15，投诉受理中心 <complaints@example.cn> 写道：\n> 您好，已受理。",
])
def test_history_after_the_new_text_is_removed(history: str) -> None:
    new_text = "我补充一点：噪音从晚上十点开始。\n第二行也要保留。"
    assert strip_quoted(f"{new_text}\n\n{history}\n") == new_text


def test_interleaved_quotes_are_removed_and_answers_kept() -> None:
    text = "> 请问具体地址？\n幸福路18号。\n> 什么时间？\n每天晚上。"
    assert strip_quoted(text) == "幸福路18号。\n每天晚上。"


def test_text_without_history_is_unchanged() -> None:
    text = "举报：示例网站发布虚假招聘信息。\n网址 fake-jobs.example.com"
    assert strip_quoted(text) == text


@pytest.mark.parametrize("text", [
    "发件人：张三（我本人），我要投诉示例公司。",  # a 发件人 line that is no header block
    "From: the window of my flat I can see the smoke every night.",
    "我的孩子在学校被欺负了 -- 已经三次了。",
    "在小区门口的墙上有人写道：\n“欠债不还，全家死光”，这是恐吓。",
    "On the wall someone wrote:\npay or else",
    "第一部分\n--\n第二部分",
])
def test_ordinary_sentences_that_look_like_headers_are_kept(text: str) -> None:
    assert strip_quoted(text) == text


@pytest.mark.parametrize("text", [
    "> 只有引用的内容\n> 第二行",
    "-----Original Message-----\nFrom: a@example.com\nSent: today\n\nHello",
    "On Fri, Nov 20, 2026, Complaints wrote:\n> Hello",
])
def test_nothing_but_history_returns_the_original(text: str) -> None:
    assert strip_quoted(text) == text


@pytest.mark.parametrize("marker", [
    "---------- Forwarded message ---------", "Begin forwarded message:", "-------- 转发邮件 --------",
])
def test_forwarded_messages_are_kept_as_evidence(marker: str) -> None:
    text = (f"请看这封诈骗邮件。\n\n{marker}\nFrom: 中奖中心 <prize@scam.example.com>\n"
            "Date: 2026-11-19\nSubject: 中奖通知\n\n恭喜您中奖十万元。")
    assert strip_quoted(text) == text


def test_crlf_line_ends_are_handled() -> None:
    assert strip_quoted("新内容\r\n\r\n-----原始邮件-----\r\n旧内容\r\n") == "新内容"
