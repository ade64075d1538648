"""MIME intake of the email channel, over the hand-built corpus in tests/fixtures/mail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from channels.mail.mime import (
    MailRejected,
    MimeLimits,
    ParsedMail,
    is_auto_generated,
    loop_check,
    parse_message,
)
from channels.mail.textparts import decode_text

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
LIMITS = MimeLimits()
CST = timezone(timedelta(hours=8))


def load(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def parse(name: str, limits: MimeLimits = LIMITS) -> ParsedMail:
    return parse_message(load(name), limits)


def parse_raw(text: str) -> ParsedMail:
    return parse_message(text.replace("\n", "\r\n").encode("utf-8"), LIMITS)


EXPECTED_TEXT = {
    "plain_utf8_complaint.eml": "您好：\n我住在示例市示例区幸福路18号示例小区，"
                                "最近一个月每天晚上十一点以后隔壁工地仍在施工，"
                                "噪音很大，严重影响休息。请尽快处理。\n\n李明",
    "gb2312_body.eml": "举报：示例路与和平街交叉口有商贩长期占道经营，堵塞交通，请城管部门处理。",
    "gbk_body.eml": "我叫王喆，投诉示例科技有限公司拖欠工资三个月，共计一万二千元。",
    "gb18030_rare_chars.eml": "举报人张𠮷（“𠮷”字上土下口）反映：示例镇䶮记杂货店售卖过期食品。",
    "big5_traditional.eml": "檢舉：示例市某餐廳衛生條件極差，廚房有老鼠出沒。請儘快派人查處。",
    "mislabelled_gb2312_gbk.eml": "我们是王喆、朱镕、李堃，联名投诉示例物业公司乱收费。",
    "no_charset_declared.eml": "示例大道东段有一个井盖丢失，非常危险。",
    "no_charset_gbk.eml": "楼上住户往窗外扔垃圾，多次劝阻无效。",
    "iso2022jp_body.eml": "苦情：夜間の騒音がひどいです。対応をお願いします。",
    "latin1_body.eml": "Beschwerde über Lärm am Bahnhof, Straße 5. Grüße, Jürgen",
    "unknown_charset.eml": "声明的字符集不存在，但内容是 UTF-8。",
    "utf8_raw_headers.eml": "补充：丢失井盖的位置在公交站旁边。",
    "quoted_printable_chinese.eml": "投诉：示例医院在未告知的情况下多收检查费三百元，收费单据编号为A-2026-1120。"
                                    "希望有关部门核实并责令退还多收的费用。",
    "base64_broken_padding.eml": "手机号被冒用注册了网贷，请帮忙核查。!",
    "encoded_word_subject_gb2312.eml": "示例街道12号门前的垃圾已经一周没有清运。",
    "encoded_word_subject_utf8_q.eml": "Seit drei Wochen Lärm jede Nacht.",
    "multipart_alternative.eml": "纯文本版本：示例公园的路灯坏了两个星期。",
    "inline_image_related.eml": "截图如下，对方在群里公开辱骂他人。",
    "forwarded_rfc822.eml": "请看下面这封诈骗邮件，我转发给你们。",
    "attachments_mixed.eml": "附件是现场照片、检测报告和情况说明。",
    "attachment_rfc2231_chinese_name.eml": "材料见附件。",
    "attachment_encoded_word_name.eml": "请查收投诉书和证明材料。",
    "tracking_number_subject.eml": "请问我的投诉处理到哪一步了？",
    "nul_and_control_chars.eml": "第一行正常文字\n第二行有控制字符[0m结束\n\t缩进保留",
    "out_of_office.eml": "我正在休假，11月30日返回，期间不查看邮件。",
    "list_mail.eml": "This week in the community: ...",
}

EXPECTED_SUBJECT = {
    "plain_utf8_complaint.eml": "关于小区夜间施工噪音扰民的投诉",
    "gb2312_body.eml": "占道经营举报",
    "big5_traditional.eml": "檢舉餐廳衛生問題",
    "encoded_word_subject_gb2312.eml": "关于示例街道垃圾长期无人清运的投诉",
    "encoded_word_subject_utf8_q.eml": "Beschwerde: 夜间噪音 über Nacht – 请处理",
    "mislabelled_gb2312_gbk.eml": "王喆、朱镕、李堃的联名投诉",
    "iso2022jp_body.eml": "騒音の苦情",
    "latin1_body.eml": "Lärm am Bahnhof",
    "utf8_raw_headers.eml": "井盖丢失的补充说明",
    "reply_outlook_quoted.eml": "RE: 物业费纠纷",
    "reply_qqmail_quoted.eml": "回复：关于小区夜间施工噪音扰民的投诉 [TS-20261120-K7M3QJ]",
    "attachments_mixed.eml": "水污染举报（附证据）",
}

AUTO_GENERATED = {"bounce_dsn.eml", "out_of_office.eml", "list_mail.eml"}
REJECTED = {"deeply_nested_depth12.eml": 554, "too_many_parts_150.eml": 554}
ACCEPTED = sorted(p.name for p in CORPUS.glob("*.eml") if p.name not in REJECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED_TEXT))
def test_body_decodes_to_the_exact_sentence(name: str) -> None:
    assert parse(name).text == EXPECTED_TEXT[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_SUBJECT))
def test_subject_decodes_to_the_exact_words(name: str) -> None:
    assert parse(name).subject == EXPECTED_SUBJECT[name]


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_accepted_message_has_clean_text(name: str) -> None:
    parsed = parse(name)
    assert parsed.text
    assert all(ch in "\n\t" or ord(ch) >= 0x20 for ch in parsed.text)
    assert "\ufffd" not in parsed.text and "\ufffd" not in parsed.subject
    assert "\n" not in parsed.subject and "  " not in parsed.subject


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.eml")))
def test_truncated_messages_never_crash(name: str) -> None:
    raw = load(name)
    for cut in (len(raw) // 3, len(raw) // 2, len(raw) - 7):
        try:
            parse_message(raw[:cut], LIMITS)
        except MailRejected:
            pass


def test_envelope_fields_of_a_plain_complaint() -> None:
    parsed = parse("plain_utf8_complaint.eml")
    assert parsed.message_id == "<20261120093000.1@mail.example.com>"
    assert parsed.sender_address == "liming@example.com"
    assert parsed.date == datetime(2026, 11, 20, 9, 30, tzinfo=CST)
    assert parsed.in_reply_to is None and parsed.references == ()
    assert parsed.attachments == ()
    assert not parsed.auto_generated and parsed.auto_reason is None and not parsed.text_clipped


def test_reply_threading_headers_are_kept() -> None:
    parsed = parse("reply_qqmail_quoted.eml")
    assert parsed.in_reply_to == "<reply-1@example.cn>"
    assert parsed.references == ("<20261120093000.1@mail.example.com>", "<reply-1@example.cn>")
    assert parsed.sender_address == "liming@qq.example.com"


def test_html_only_mail_is_converted_without_script_or_style() -> None:
    text = parse("html_only_script_style.eml").text
    assert "举报：示例网站发布虚假招聘信息，骗取求职者报名费。" in text
    assert "网址：[fake-jobs.example.com](http://fake-jobs.example.com/)" in text  # link targets are evidence
    for leaked in ("alert", "steal-cookie", "injected", "tracker", "font-family", "color:red", "<p>", "<script"):
        assert leaked not in text


def test_alternative_prefers_plain_text_over_html() -> None:
    assert "HTML 版本" not in parse("multipart_alternative.eml").text


def test_alternative_with_an_empty_plain_part_uses_the_html() -> None:
    parsed = parse_raw('From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"\n\n'
                       '--b\nContent-Type: text/plain; charset=utf-8\n\n \n'
                       '--b\nContent-Type: text/html; charset=utf-8\n\n<p>只有 HTML 有内容。</p>\n--b--\n')
    assert parsed.text == "只有 HTML 有内容。"


def test_signatures_are_not_evidence() -> None:
    parsed = parse_raw('From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/signed; boundary="s"\n\n'
                       '--s\nContent-Type: text/plain; charset=utf-8\n\n签名邮件。\n'
                       '--s\nContent-Type: application/pkcs7-signature; name="smime.p7s"\n'
                       'Content-Transfer-Encoding: base64\n\nAAAA\n--s--\n')
    assert parsed.text == "签名邮件。" and parsed.attachments == ()


def test_attachments_keep_names_types_and_bytes() -> None:
    found = [(a.name, a.media_type, a.size) for a in parse("attachments_mixed.eml").attachments]
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert found == [("photo.jpg", "image/jpeg", 2048), ("evidence.pdf", "application/pdf", 3000),
                     ("statement.docx", docx, 291)]
    photo, pdf, statement = parse("attachments_mixed.eml").attachments
    assert photo.content.startswith(b"\xff\xd8") and photo.content.endswith(b"\xff\xd9")
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.endswith(b"%%EOF\n")
    assert statement.content.startswith(b"PK\x03\x04")


def test_rfc2231_chinese_file_names() -> None:
    found = [(a.name, a.media_type, a.size) for a in parse("attachment_rfc2231_chinese_name.eml").attachments]
    assert found == [("举报材料（第一批）.pdf", "application/pdf", 1200),
                     ("现场照片2026年11月20日.jpg", "image/jpeg", 900)]


def test_encoded_word_file_names_including_mislabelled_gb2312() -> None:
    found = [(a.name, a.media_type, a.size) for a in parse("attachment_encoded_word_name.eml").attachments]
    # The second one is sent as application/octet-stream; its type comes from the name.
    assert found == [("投诉书.doc", "application/msword", 1024), ("王喆的证明.pdf", "application/pdf", 800)]


def test_inline_image_with_a_file_name_is_evidence() -> None:
    parsed = parse("inline_image_related.eml")
    assert [(a.name, a.media_type, a.size) for a in parsed.attachments] == [("screenshot.png", "image/png", 1500)]
    assert parsed.attachments[0].content.startswith(b"\x89PNG")


def test_forwarded_message_becomes_an_eml_attachment() -> None:
    parsed = parse("forwarded_rfc822.eml")
    assert [(a.name, a.media_type) for a in parsed.attachments] == [("forwarded-1.eml", "message/rfc822")]
    assert "恭喜" not in parsed.text  # the forwarded scam is evidence, not the citizen's words
    inner = parse_message(parsed.attachments[0].content, LIMITS)
    assert inner.subject == "中奖通知"
    assert inner.text == "恭喜您中奖十万元，请先缴纳手续费。"
    assert inner.message_id == "<scam-1@scam.example.com>"


def test_broken_base64_padding_still_decodes_the_attachment() -> None:
    (card,) = parse("base64_broken_padding.eml").attachments
    assert (card.name, card.media_type, card.size) == ("id-card.jpg", "image/jpeg", 1001)
    assert card.content.endswith(b"\xff\xd9")


def test_very_long_single_line_is_clipped() -> None:
    parsed = parse("very_long_line.eml")
    assert parsed.text_clipped
    assert len(parsed.text) == LIMITS.max_text_chars
    assert parsed.text.startswith("举报网址列表：http://spam00000.example.com/ ")
    assert not parse("very_long_line.eml", MimeLimits(max_text_chars=100_000)).text_clipped


@pytest.mark.parametrize(("name", "code"), sorted(REJECTED.items()))
def test_hostile_structures_are_rejected(name: str, code: int) -> None:
    with pytest.raises(MailRejected) as caught:
        parse(name)
    assert caught.value.code == code
    assert "@" not in caught.value.reason and "example" not in caught.value.reason


def test_rejection_limits_are_the_configured_ones() -> None:
    assert parse("deeply_nested_depth12.eml", MimeLimits(max_depth=12)).text == "最里层的正文。"
    relaxed = parse("too_many_parts_150.eml", MimeLimits(max_parts=200))
    assert len(relaxed.attachments) == 149 and relaxed.attachments[-1].name == "note-149.txt"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    body = 'Content-Type: text/plain; charset=utf-8\n\n第十层。\n'
    for level in range(10, 0, -1):
        body = f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n{body}\n--b{level}--\n'
    assert parse_raw(f"From: a@example.com\nMIME-Version: 1.0\n{body}").text == "第十层。"


def test_too_much_decoded_content_is_rejected_as_too_large() -> None:
    with pytest.raises(MailRejected) as caught:
        parse("attachments_mixed.eml", MimeLimits(max_decoded_bytes=4096))
    assert caught.value.code == 552
    assert "@" not in caught.value.reason


@pytest.mark.parametrize("name", sorted(AUTO_GENERATED))
def test_machine_mail_is_flagged(name: str) -> None:
    parsed = parse(name)
    assert parsed.auto_generated and parsed.auto_reason
    assert loop_check("someone@example.com", parsed) == parsed.auto_reason


def test_bounce_keeps_the_notice_and_the_returned_message() -> None:
    parsed = parse("bounce_dsn.eml")
    assert parsed.auto_reason == "null sender"
    assert "could not be delivered" in parsed.text and "Reporting-MTA" not in parsed.text
    assert [a.name for a in parsed.attachments] == ["forwarded-1.eml"]


@pytest.mark.parametrize("name", sorted(set(ACCEPTED) - AUTO_GENERATED))
def test_citizen_mail_is_not_flagged(name: str) -> None:
    parsed = parse(name)
    assert not parsed.auto_generated
    assert loop_check(parsed.sender_address, parsed) is None


@pytest.mark.parametrize("header", [
    "Auto-Submitted: auto-generated", "Auto-Submitted: auto-replied; owner-email=x@example.com",
    "Precedence: bulk", "Precedence: junk", "Precedence: list", "List-Id: <x.example.com>",
    "List-Unsubscribe: <mailto:u@example.com>", "X-Autoreply: yes", "X-Autorespond: yes",
    "X-Auto-Response-Suppress: OOF", "X-Auto-Response-Suppress: DR, All", "Return-Path: <>",
])
def test_auto_generated_headers(header: str) -> None:
    raw = f"From: a@example.com\n{header}\nSubject: hi\n\ntext\n".replace("\n", "\r\n").encode()
    assert is_auto_generated(BytesParser(policy=default_policy).parsebytes(raw))
    assert parse_message(raw, LIMITS).auto_generated


@pytest.mark.parametrize(("from_line", "reason"), [
    ("", "null sender"), ("From: <>\n", "null sender"),
    ("From: MAILER-DAEMON@mx.example.com\n", "system sender"),
    ("From: Postmaster <postmaster@example.cn>\n", "system sender"),
])
def test_system_and_missing_senders_are_flagged(from_line: str, reason: str) -> None:
    assert parse_raw(f"{from_line}Subject: hi\n\ntext\n").auto_reason == reason


def test_auto_submitted_no_and_precedence_normal_are_people() -> None:
    parsed = parse_raw("From: a@example.com\nAuto-Submitted: no\nPrecedence: normal\n\ntext\n")
    assert not parsed.auto_generated


def test_loop_check_flags_the_envelope() -> None:
    person = parse("plain_utf8_complaint.eml")
    assert loop_check("<>", person) == "null envelope sender"
    assert loop_check("", person) == "null envelope sender"
    assert loop_check("MAILER-DAEMON@mx.example.com", person) == "system sender"
    assert loop_check(None, person) is None
    assert loop_check("liming@example.com", person) is None


def test_header_normalisation() -> None:
    parsed = parse_raw("From: Zhang San <Zhang.San@EXAMPLE.COM>\nMessage-ID:  abc123@example.com \n"
                       "In-Reply-To: <r1@example.cn> (comment)\nDate: not a date\nSubject:  a\n  b\t c \n\ntext\n")
    assert parsed.sender_address == "Zhang.San@example.com"
    assert parsed.message_id == "<abc123@example.com>"
    assert parsed.in_reply_to == "<r1@example.cn>"
    assert parsed.date is None
    assert parsed.subject == "a b c"


@pytest.mark.parametrize(("data", "charset", "expected"), [
    ("朱镕基".encode("gbk"), "gb2312", "朱镕基"),
    ("𠮷".encode("gb18030"), "GBK", "𠮷"),
    ("正常".encode(), "us-ascii", "正常"),  # 8-bit UTF-8 under an ASCII label
    ("正常".encode("gbk"), "utf-8", "正常"),  # GBK under a UTF-8 label: the label fails, the bytes still fit
    (b"ok \xff\xfe", "x-no-such-charset", "ok \ufffd\ufffd"),
    (b"ok \xff", "utf-8", "ok \ufffd"),
    ("caf\u00e9 \u2013".encode("cp1252"), "iso-8859-1", "caf\u00e9 \u2013"),
])
def test_charset_decoding_never_raises(data: bytes, charset: str, expected: str) -> None:
    assert decode_text(data, charset) == expected


def test_every_corpus_file_is_listed_in_the_readme() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in CORPUS.glob("*.eml") if f"`{p.name}`" not in readme]
    assert missing == []
    assert len(list(CORPUS.glob("*.eml"))) >= 24
