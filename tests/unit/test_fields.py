"""The shared field validators and normalizers (dialogue.fields, dialogue.datetimes).

Every case is something a citizen could really type into Telegram, SMS, e-mail or the web chat.
"Now" is Friday 2026-11-27 15:00 in Beijing.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialogue import fields
from dialogue.fields import (
    Phone,
    clip,
    detect_language,
    find_email,
    find_phone,
    find_receipt,
    find_tracking_no,
    find_url,
    looks_like_garbage,
    match_category,
    normalize_text,
    parse_datetime,
    parse_datetime_detail,
    parse_email,
    parse_phone,
    parse_receipt,
    parse_tracking_no,
    parse_url,
    parse_yes_no,
)
from intake_core.codes import check_character

ROOT = Path(__file__).resolve().parents[2]
BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=BEIJING)  # a Friday
TRACKING_NO = "TS-20261127-X9933W"
RECEIPT = "2488060260156910"


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def test_the_sample_tracking_number_is_valid() -> None:
    assert check_character("20261127X9933") == "W"


# --- module constraints ---------------------------------------------------------------------

@pytest.mark.parametrize("module", ["dialogue/fields.py", "dialogue/datetimes.py"])
def test_standard_library_only(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    ours = {"dialogue.datetimes", "intake_core.codes"}
    foreign = {name for name in imported - ours if name.split(".")[0] not in sys.stdlib_module_names
               and name != "__future__"}
    assert not foreign


def test_dialogue_package_init_is_empty() -> None:
    assert (ROOT / "dialogue" / "__init__.py").read_text(encoding="utf-8").strip() == ""


PY310 = next((p for p in ("/root/.pyenv/versions/3.10.13/bin/python3.10", shutil.which("python3.10"))
              if p and Path(p).exists()), "python3.10")


def test_imports_on_python_310_like_the_rasa_action_server() -> None:
    assert Path(PY310).exists() or shutil.which(PY310), "Python 3.10 is needed (Rasa's pin): pyenv install 3.10"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import dialogue.fields as f; "
            "print(f.parse_phone('138 1234 5678').e164)")
    result = subprocess.run([PY310, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "+8613812345678"


# --- text -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("１３８１２３４５６７８", "13812345678"),
    ("ＴＳ－２０２６", "TS-2026"),
    ("  我要　　投诉  ", "我要 投诉"),
    ("hello\x00\x07world", "helloworld"),
    ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
    ("col1\tcol2", "col1\tcol2"),
    ("a   b \u00a0 c", "a b c"),
    ("\ufeff开头有BOM\u200b", "开头有BOM"),
    ("line one   \n   line two", "line one\nline two"),
    ("👨\u200d👩\u200d👧 家人", "👨\u200d👩\u200d👧 家人"),
    ("（括号）！？", "(括号)!?"),
    ("", ""),
])
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("短文本", 10, ("短文本", False)),
    ("exactly10!", 10, ("exactly10!", False)),
    ("这是一段很长的描述内容", 5, ("这是一段很", True)),
    ("", 0, ("", False)),
    ("abc", 0, ("", True)),
    ("ab👨\u200d👩\u200d👧", 4, ("ab", True)),  # no half family emoji
    ("cafe\u0301s", 4, ("caf", True)),  # no e without its accent
])
def test_clip(text: str, limit: int, expected: tuple[str, bool]) -> None:
    assert clip(text, limit) == expected


def test_clip_rejects_a_negative_limit() -> None:
    with pytest.raises(ValueError):
        clip("abc", -1)


@pytest.mark.parametrize(("text", "garbage"), [
    ("我要举报一个诈骗网站", False),
    ("hello", False),
    ("13812345678", False),
    ("3", False),
    ("😡😡😡", False),
    ("👍", False),
    ("asdf 123 ???", False),
    ("Привет", False),
    ("", True),
    ("   \n  ", True),
    ("???", True),
    ("。。。……", True),
    ("!@#$%^&*", True),
    ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
    ("\ufffd\ufffd\ufffd\ufffd \ufffd\ufffd", True),
    ("\x01\x02\x03\x04abc", True),
    ("锟斤拷锟斤拷锟斤拷", True),
])
def test_looks_like_garbage(text: str, garbage: bool) -> None:
    assert looks_like_garbage(text) is garbage


@pytest.mark.parametrize(("text", "language"), [
    ("我昨天在网上被骗了五千元", "zh"),
    ("我的iPhone被偷了", "zh"),
    ("WeChat上有人诈骗", "zh"),
    ("I was scammed on a shopping website", "en"),
    ("This is a 诈骗 website", "en"),
    ("ＨＥＬＬＯ", "en"),
    ("Меня обманули в интернете", "other"),
    ("تم الاحتيال علي", "other"),
    ("ฉันถูกหลอก", "other"),
    ("私は東京に住んでいます", "other"),
    ("13812345678", "unknown"),
    ("😊👍", "unknown"),
    ("", "unknown"),
])
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


# --- phone numbers --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "e164", "kind", "extension"), [
    ("13812345678", "+8613812345678", "mobile", None),
    ("138 1234 5678", "+8613812345678", "mobile", None),
    ("138-1234-5678", "+8613812345678", "mobile", None),
    ("１３８１２３４５６７８", "+8613812345678", "mobile", None),
    ("+86 138 1234 5678", "+8613812345678", "mobile", None),
    ("+86-13812345678", "+8613812345678", "mobile", None),
    ("(+86) 199 0000 1111", "+8619900001111", "mobile", None),
    ("0086 13812345678", "+8613812345678", "mobile", None),
    ("8613812345678", "+8613812345678", "mobile", None),
    (" 15912345678。", "+8615912345678", "mobile", None),
    ("010-12345678", "+861012345678", "landline", None),
    ("(0755) 8888 6666", "+8675588886666", "landline", None),
    ("（0755）88886666", "+8675588886666", "landline", None),
    ("0571-8765432", "+865718765432", "landline", None),
    ("021 6123 4567 转 801", "+862161234567", "landline", "801"),
    ("010-12345678-801", "+861012345678", "landline", "801"),
    ("010 12345678 分机 23", "+861012345678", "landline", "23"),
    ("+86 10 1234 5678", "+861012345678", "landline", None),
    ("+86 (0)21 6123 4567", "+862161234567", "landline", None),
    ("+44 20 7946 0958", "+442079460958", "international", None),
    ("+1 (415) 555-2671", "+14155552671", "international", None),
    ("0044 20 7946 0958", "+442079460958", "international", None),
    ("+852 9123 4567", "+85291234567", "international", None),
])
def test_parse_phone(text: str, e164: str, kind: str, extension: str | None) -> None:
    assert parse_phone(text) == Phone(e164, kind, extension)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "", "12345", "88886666", "1381234567", "138123456789", "12812345678", "23812345678",
    "010-1234", "010-012345678", "+0 123 456 789", "+1234567", "+1234567890123456",
    "13812345678 转 8", "电话号码", "abc13812345678", "2488 0602 6015 6910", "2026-11-27",
])
def test_parse_phone_rejects(text: str) -> None:
    assert parse_phone(text) is None


@pytest.mark.parametrize(("text", "e164"), [
    ("我的电话是138 1234 5678", "+8613812345678"),
    ("我的电话是１３８１２３４５６７８，白天都在", "+8613812345678"),
    ("联系电话：010-12345678，谢谢", "+861012345678"),
    ("打(0755) 8888 6666找王先生", "+8675588886666"),
    ("手机13812345678或者13912345678都行", "+8613812345678"),
    ("13812345678 13912345678", "+8613812345678"),
    ("2026年11月20日那天，我用13912345678报过警", "+8613912345678"),
    ("call me at +44 20 7946 0958 please", "+442079460958"),
    ("📞 +86 138-1234-5678 📞", "+8613812345678"),
])
def test_find_phone(text: str, e164: str) -> None:
    phone = find_phone(text)
    assert phone is not None and phone.e164 == e164


@pytest.mark.parametrize("text", [
    "没有电话", "回执码 2488 0602 6015 6910", f"受理编号 {TRACKING_NO}", "损失了5000元",
    "2026-11-27 15:00", "房间号 8808",
])
def test_find_phone_finds_nothing(text: str) -> None:
    assert find_phone(text) is None


# --- e-mail and web addresses ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("zhangsan@qq.com", "zhangsan@qq.com"),
    ("Zhang.San@Example.COM", "Zhang.San@example.com"),
    ("  ｚｈａｎｇ＠１６３．ｃｏｍ  ", "zhang@163.com"),
    ("<li.si+report@gov.cn>", "li.si+report@gov.cn"),
    ("mailto:office@example.org", "office@example.org"),
    ("abc@qq。com", "abc@qq.com"),
    ("info@例子.中国", "info@例子.中国"),
    ("user@münchen.de", "user@münchen.de"),
    ("a_b-c@sub.domain.co.uk", "a_b-c@sub.domain.co.uk"),
    ("x@xn--fsqu00a.xn--fiqs8s", "x@xn--fsqu00a.xn--fiqs8s"),
])
def test_parse_email(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize("text", [
    "", "zhangsan", "zhangsan@", "@qq.com", "a@b", "a@@qq.com", "a..b@qq.com", ".a@qq.com",
    "a.@qq.com", "a b@qq.com", "a@qq..com", "a@-qq.com", "a@qq.c", "a@qq.123", "张三@qq.com",
    "a@qq.com的", "me@" + "x" * 250 + ".com", "x" * 65 + "@qq.com",
])
def test_parse_email_rejects(text: str) -> None:
    assert parse_email(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("我的邮箱是abc@qq.com", "abc@qq.com"),
    ("我的邮箱是abc@qq.com的，请回复", "abc@qq.com"),
    ("邮箱：Zhang.San@Example.COM。", "Zhang.San@example.com"),
    ("email me (wang@163.com) thanks", "wang@163.com"),
    ("联系 me@例子.中国谢谢", "me@例子.中国"),
    ("发到 ｗａｎｇ＠１２６．ｃｏｍ 就行", "wang@126.com"),
])
def test_find_email(text: str, expected: str) -> None:
    assert find_email(text) == expected


@pytest.mark.parametrize("text", ["没有邮箱", "at qq dot com", "a@b", "价格是100@5元"])
def test_find_email_finds_nothing(text: str) -> None:
    assert find_email(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("https://example.com", "https://example.com"),
    ("https://Example.COM/Path?a=1#frag", "https://example.com/Path?a=1#frag"),
    ("HTTP://EXAMPLE.CN/x", "http://example.cn/x"),
    ("www.example.com/a", "https://www.example.com/a"),
    ("example.cn/path", "https://example.cn/path"),
    ("Example.COM", "https://example.com"),
    ("m.weibo.cn/status/123456", "https://m.weibo.cn/status/123456"),
    ("example.com:8080/x", "https://example.com:8080/x"),
    ("www.shop.xyz.", "https://www.shop.xyz"),
    ("<https://example.com/a>", "https://example.com/a"),
    ("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ", "https://example.com"),
    ("hxxp://evil[.]com/phish", "http://evil.com/phish"),
    ("hxxps://evil[.]example[.]net", "https://evil.example.net"),
    ("http://192.168.1.1/admin", "http://192.168.1.1/admin"),
    ("http://例子.中国/路径", "http://例子.中国/路径"),
    ("https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("https://example.com/search?q=%E8%AF%88%E9%AA%97", "https://example.com/search?q=%E8%AF%88%E9%AA%97"),
])
def test_parse_url(text: str, expected: str) -> None:
    assert parse_url(text) == expected


@pytest.mark.parametrize("text", [
    "", "hello", "javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>",
    "vbscript:msgbox", "ftp://files.example.com", "mailto:a@b.com", "file:///etc/passwd", "http://",
    "https://", "http://-bad-.com", "http://exa mple.com", "http://localhost:8080", "report.pdf",
    "main.py", "3.14", "v1.2.3", "192.168.1.1", "e.g.", "a@qq.com", "http://example.com:99999",
    "http://[::1", "打开这个网站",
])
def test_parse_url_rejects(text: str) -> None:
    assert parse_url(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("网址是http://example.com/a这个网站", "http://example.com/a"),
    ("访问example.com这个网站就能看到", "https://example.com"),
    ("网站 www.abc.cn/x/y?z=1，谢谢", "https://www.abc.cn/x/y?z=1"),
    ("链接：https://t.cn/A6xYz9。", "https://t.cn/A6xYz9"),
    ("see https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("(see example.com)", "https://example.com"),
    ("the scam site is hxxps://fake-bank[.]com/login!", "https://fake-bank.com/login"),
    ("http://例子.中国谢谢", "http://例子.中国"),
    ("文件report.pdf在www.example.org上", "https://www.example.org"),
])
def test_find_url(text: str, expected: str) -> None:
    assert find_url(text) == expected


@pytest.mark.parametrize("text", [
    "没有网址", "我的邮箱是a@qq.com", "版本号v1.2.3", "e.g. this", "javascript:alert(1)", "价格3.5元",
])
def test_find_url_finds_nothing(text: str) -> None:
    assert find_url(text) is None


# --- tracking numbers and receipts ------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    (TRACKING_NO, TRACKING_NO),
    ("ts-20261127-x9933w", TRACKING_NO),
    ("ＴＳ－２０２６１１２７－Ｘ９９３３Ｗ", TRACKING_NO),
    (" TS 20261127 X9933W。", TRACKING_NO),
    ("TS20261127X9933W", TRACKING_NO),
    ("TS-20261127-X9933V", None),  # wrong check character
    ("TS-20261127-X9933", None),
    ("20261127-X9933W", None),
    ("我的受理编号是TS-20261127-X9933W", None),  # a sentence: use find_tracking_no
])
def test_parse_tracking_no(text: str, expected: str | None) -> None:
    assert parse_tracking_no(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("我的受理编号是 ts-20261127-x9933w", TRACKING_NO),
    ("受理编号：TS-20261127-X9933W，请问进度？", TRACKING_NO),
    ("my case TS 20261127 X9933W please", TRACKING_NO),
    ("编号ＴＳ２０２６１１２７Ｘ９９３３Ｗ", TRACKING_NO),
    ("编号TS-20261127-X9933V", None),
    ("its 20261127 x9933w", None),
    ("没有编号", None),
])
def test_find_tracking_no(text: str, expected: str | None) -> None:
    assert find_tracking_no(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    (RECEIPT, RECEIPT),
    ("2488 0602 6015 6910", RECEIPT),
    ("２４８８ ０６０２ ６０１５ ６９１０", RECEIPT),
    ("2488-0602-6015-6910", RECEIPT),
    ("2488 0602 6015 691", None),
    ("2488 0602 6015 69100", None),
    ("2488 0602 6015 691O", None),
])
def test_parse_receipt(text: str, expected: str | None) -> None:
    assert parse_receipt(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("回执码是2488 0602 6015 6910", RECEIPT),
    ("回执码：２４８８０６０２６０１５６９１０。", RECEIPT),
    ("receipt 2488-0602-6015-6910, thanks", RECEIPT),
    ("电话13812345678，回执 2488 0602 6015 6910", RECEIPT),
    ("回执 2488 0602 6015", None),
    ("电话13812345678", None),
])
def test_find_receipt(text: str, expected: str | None) -> None:
    assert find_receipt(text) == expected


# --- dates and times ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # the brief's examples
    ("昨天下午三点", at(11, 26, 15)),
    ("今天上午10点半", at(11, 27, 10, 30)),
    ("前天晚上8点", at(11, 25, 20)),
    ("2026年11月20日", at(11, 20)),
    ("2026年11月20日 14:30", at(11, 20, 14, 30)),
    ("11月20日", at(11, 20)),
    ("上周一", at(11, 16)),
    ("上个月", at(10, 1)),
    ("刚才", NOW),
    ("三天前", at(11, 24)),
    ("yesterday 3pm", at(11, 26, 15)),
    ("last Monday", at(11, 23)),
    ("2026-11-20", at(11, 20)),
    ("20/11/2026", at(11, 20)),
    ("Nov 20, 2026", at(11, 20)),
    ("3 days ago", at(11, 24)),
    ("this morning", at(11, 27, 9)),
    # Chinese numerals and messy input
    ("二〇二六年十一月二十日", at(11, 20)),
    ("２０２６年１１月２０日", at(11, 20)),
    ("十一月二十号", at(11, 20)),
    ("大概是昨天下午三点左右吧", at(11, 26, 15)),
    ("昨天 下午 3 点", at(11, 26, 15)),
    ("昨天下午两点半", at(11, 26, 14, 30)),
    ("昨天下午三点一刻", at(11, 26, 15, 15)),
    ("昨天下午3点45分", at(11, 26, 15, 45)),
    ("昨天十二点", at(11, 26, 12)),
    ("昨晚十一点", at(11, 26, 23)),
    ("昨天晚上12点", at(11, 27, 0)),
    ("昨天凌晨2点", at(11, 26, 2)),
    ("前天半夜两点", at(11, 26, 2)),
    ("中午12点半", at(11, 27, 12, 30)),
    ("昨天中午1点", at(11, 26, 13)),
    ("2026年11月20日下午2点", at(11, 20, 14)),
    ("11月20号晚上7点左右", at(11, 20, 19)),
    ("2026/11/20 08:05", at(11, 20, 8, 5)),
    ("2026.11.20", at(11, 20)),
    ("26年11月20日", at(11, 20)),
    ("昨晚", at(11, 26, 20)),
    ("前晚", at(11, 25, 20)),
    ("今早", at(11, 27, 7)),
    ("昨天", at(11, 26)),
    ("前天", at(11, 25)),
    ("大前天", at(11, 24)),
    ("今天", at(11, 27)),
    ("周一", at(11, 23)),
    ("星期五", at(11, 27)),
    ("这周三下午", at(11, 25, 15)),
    ("周日", at(11, 22)),  # this week's Sunday is still ahead
    ("上周日", at(11, 22)),
    ("上个星期五晚上9点", at(11, 20, 21)),
    ("上礼拜三", at(11, 18)),
    ("上上周一", at(11, 9)),
    ("上周", at(11, 16)),
    ("上周末", at(11, 21)),
    ("上个月15号", at(10, 15)),
    ("这个月3号", at(11, 3)),
    ("20号", at(11, 20)),
    ("30号", at(10, 30)),  # still ahead this month
    ("去年12月", at(12, 1, year=2025)),
    ("去年12月25日", at(12, 25, year=2025)),
    ("今年3月", at(3, 1)),
    ("10月份", at(10, 1)),
    ("半小时前", NOW - timedelta(minutes=30)),
    ("半个小时前", NOW - timedelta(minutes=30)),
    ("10分钟前", NOW - timedelta(minutes=10)),
    ("两个小时之前", NOW - timedelta(hours=2)),
    ("一个半小时前", NOW - timedelta(minutes=90)),
    ("两周前", at(11, 13)),
    ("三个月前", at(8, 27)),
    ("前几天", at(11, 24)),
    ("前两天", at(11, 25)),
    ("11月中旬", at(11, 15)),
    ("10月下旬", at(10, 25)),
    ("11月底", at(11, 27)),  # not beyond today
    ("11.20", at(11, 20)),
    ("11-20 14:30", at(11, 20, 14, 30)),
    ("星期天下午", at(11, 22, 15)),
    ("昨天夜里11点多", at(11, 26, 23)),
    ("晚上7点到8点之间", at(11, 26, 19)),
    ("我不记得具体几号了，大概是上周", at(11, 16)),
    ("三天前的晚上八点", at(11, 24, 20)),
    ("刚刚", NOW),
    ("就在刚才！", NOW),
    # a date still ahead this year was last year's
    ("12月3日", at(12, 3, year=2025)),
    ("12月", at(12, 1, year=2025)),
    ("Dec 24", at(12, 24, year=2025)),
    # a time without a date that is still ahead was yesterday's
    ("晚上8点", at(11, 26, 20)),
    ("16:00", at(11, 26, 16)),
    ("上午", at(11, 27, 9)),
    ("三点", at(11, 27, 15)),  # 15:00 rather than 03:00
    ("5点", at(11, 27, 5)),  # 17:00 is still ahead: 05:00
    ("14:30", at(11, 27, 14, 30)),
    # English
    ("Yesterday at 9:30 am", at(11, 26, 9, 30)),
    ("yesterday afternoon", at(11, 26, 15)),
    ("yesterday evening around 7", at(11, 26, 19)),
    ("last night", at(11, 26, 22)),
    ("the day before yesterday", at(11, 25)),
    ("today at noon", at(11, 27, 12)),
    ("this afternoon", NOW),  # it is the afternoon now
    ("on Monday", at(11, 23)),
    ("Friday", at(11, 27)),
    ("last Friday", at(11, 20)),
    ("Monday last week", at(11, 16)),
    ("last week", at(11, 16)),
    ("last month", at(10, 1)),
    ("November 20, 2026 3:15 PM", at(11, 20, 15, 15)),
    ("20 November 2026", at(11, 20)),
    ("20th Nov", at(11, 20)),
    ("on the 20th", at(11, 20)),
    ("2 hours ago", NOW - timedelta(hours=2)),
    ("an hour ago", NOW - timedelta(hours=1)),
    ("half an hour ago", NOW - timedelta(minutes=30)),
    ("a few minutes ago", NOW - timedelta(minutes=3)),
    ("two weeks ago", at(11, 13)),
    ("just now", NOW),
    ("2026-11-20T14:30:00+08:00", at(11, 20, 14, 30)),
    ("2026-11-20T06:30:00Z", at(11, 20, 14, 30)),
])
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "", "不记得了", "不知道", "hello", "我要投诉", "🤷", "在地铁三号线上", "价格11.20元", "2025",
    "2月30日", "2026年13月1日", "32号", "25点",  # impossible
    "2027年1月1日", "明天", "tomorrow", "下周一", "这周六", "今晚", "tonight", "今天晚上8点",  # ahead
    "2026-11-28", "2026年11月27日 18:00",
])
def test_parse_datetime_rejects(text: str) -> None:
    assert parse_datetime(text, NOW) is None


@pytest.mark.parametrize(("text", "precision"), [
    ("昨天下午三点", "hour"),
    ("昨天下午3点20分", "minute"),
    ("昨天下午", "part_of_day"),
    ("昨天", "day"),
    ("上周", "week"),
    ("上个月", "month"),
    ("去年", "year"),
    ("5 minutes ago", "minute"),
])
def test_parse_datetime_detail_precision(text: str, precision: str) -> None:
    parsed = parse_datetime_detail(text, NOW)
    assert parsed is not None and parsed.precision == precision


@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("05/11/2026", None, at(5, 11)),
    ("05/11/2026", "en-US", at(5, 11)),
    ("05/11/2026", "zh-CN", at(5, 11)),
    ("05/11/2026", "en-GB", at(11, 5)),
    ("05/11/2026", "de_DE", at(11, 5)),
    ("20/11/2026", "en-US", at(11, 20)),  # unambiguous
    ("11/20", None, at(11, 20)),
    ("3/4", "en-GB", at(4, 3)),
])
def test_parse_datetime_day_first_locales(text: str, hint: str | None, expected: datetime) -> None:
    assert parse_datetime(text, NOW, locale_hint=hint) == expected


@pytest.mark.parametrize(("now", "text", "expected"), [
    # early January: December dates are last year's
    (datetime(2027, 1, 5, 10, 0, tzinfo=BEIJING), "12月25日", at(12, 25)),
    (datetime(2027, 1, 5, 10, 0, tzinfo=BEIJING), "上个月", at(12, 1)),
    (datetime(2027, 1, 5, 10, 0, tzinfo=BEIJING), "昨天", datetime(2027, 1, 4, tzinfo=BEIJING)),
    # early morning: "this morning" is now, "三点" is 03:00, an evening is yesterday's
    (datetime(2026, 11, 27, 7, 0, tzinfo=BEIJING), "this morning", datetime(2026, 11, 27, 7, 0, tzinfo=BEIJING)),
    (datetime(2026, 11, 27, 7, 0, tzinfo=BEIJING), "三点", at(11, 27, 3)),
    (datetime(2026, 11, 27, 7, 0, tzinfo=BEIJING), "10点", at(11, 26, 10)),
    (datetime(2026, 11, 27, 7, 0, tzinfo=BEIJING), "晚上", at(11, 26, 20)),
    # a few minutes of clock skew are tolerated
    (datetime(2026, 11, 27, 14, 57, tzinfo=BEIJING), "15:00", at(11, 27, 15)),
    # the first of the month: the 30th is last month's
    (datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING), "30号", at(11, 30)),
])
def test_parse_datetime_relative_to_now(now: datetime, text: str, expected: datetime | None) -> None:
    assert parse_datetime(text, now) == expected


def test_the_31st_that_last_month_lacks_is_none() -> None:
    assert parse_datetime("31号", datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)) is None


def test_parse_datetime_keeps_the_time_zone_of_now() -> None:
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 27, 9, 0, tzinfo=new_york)
    result = parse_datetime("yesterday 3pm", now)
    assert result == datetime(2026, 11, 26, 15, 0, tzinfo=new_york)
    assert result is not None and result.tzinfo is new_york
    assert parse_datetime("2026-11-20T14:30:00+08:00", now) == datetime(2026, 11, 20, 1, 30, tzinfo=new_york)


def test_parse_datetime_needs_an_aware_now() -> None:
    with pytest.raises(ValueError):
        parse_datetime("昨天", datetime(2026, 11, 27, 15, 0))


def test_parse_datetime_is_reexported_from_fields() -> None:
    from dialogue import datetimes

    assert fields.parse_datetime is datetimes.parse_datetime
    assert fields.parse_datetime_detail is datetimes.parse_datetime_detail


# --- yes / no -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "是", "是的", "对", "对的", "好", "好的", "确认", "没错", "可以", "嗯", "行", "好的，谢谢", "对对对",
    "是的是的", "嗯嗯", "好吧", "没问题", "确认提交", "确认无误", "对，没错", "好的👍", "👍", "ＯＫ", "ok",
    "Yes", "y", "yeah", "sure", "correct", "confirm", "yes please", "Yes, that's correct", "no problem",
    "ok thanks", "  是的  ", "是的！！", "好滴~",
])
def test_parse_yes_no_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", [
    "否", "不", "不是", "不对", "不用", "没有", "不是的", "不用了，谢谢", "不用了谢谢", "不要", "不需要",
    "不不不", "没有了", "不对，时间要改", "no", "No.", "n", "nope", "not", "No thanks!", "nah",
    "not correct", "that's wrong", "👎",
])
def test_parse_yes_no_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", [
    "取消", "我要取消", "算了", "cancel", "是的，取消吧",  # cancelling is not "no"
    "是吗？", "对吗", "yes?", "嗯？",  # questions
    "是不是", "好不好", "不确定", "not sure", "I don't know", "maybe", "可能吧",
    "对，但是时间不对", "好的，不过地点要改一下", "yes but the date is wrong",  # taken back
    "1", "2", "", "   ", "🤔", "我想想", "转人工",
])
def test_parse_yes_no_neither(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("1", True), ("2", False), ("１", True), ("2.", False), ("3", None), ("12", None), ("是的", True),
])
def test_parse_yes_no_numbered(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text, numbered=True) is expected


# --- categories -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cat:
    code: str
    number: int
    names: tuple[str, ...]


CATEGORIES = [
    Cat("product_quality", 1, ("产品质量", "Product quality", "质量问题", "假冒伪劣", "counterfeit")),
    Cat("service", 2, ("服务质量", "Service", "服务态度", "客服", "customer service")),
    Cat("fraud", 3, ("诈骗", "Fraud", "骗子", "骗钱", "电信诈骗", "网络诈骗", "scam", "scammer")),
    Cat("pornography", 4, ("色情", "Pornography", "黄色", "淫秽色情", "porn")),
    Cat("obscenity_violence", 5, ("宣扬封建迷信、淫秽、色情、暴力、凶杀、恐怖", "淫秽", "凶杀", "gore")),
    Cat("gambling", 6, ("赌博", "Gambling", "博彩", "赌场", "casino", "betting")),
    Cat("rights_infringement", 7, ("侵权", "Infringement of rights", "盗版", "侵犯隐私", "piracy")),
    Cat("news_privacy", 8, ("新闻报道侵犯隐私", "Privacy infringement in news reporting", "报道侵犯隐私")),
    Cat("rumour", 9, ("谣言", "Rumours", "造谣", "假新闻", "fake news", "rumor")),
    Cat("other", 12, ("其他", "Other")),
]


@pytest.mark.parametrize(("text", "code"), [
    # by menu number
    ("3", "fraud"), ("３", "fraud"), ("第三个", "fraud"), ("三", "fraud"), ("第3项", "fraud"),
    ("选3", "fraud"), ("我选第三个吧", "fraud"), (" 3. ", "fraud"), ("3号", "fraud"), ("十二", "other"),
    ("12", "other"), ("option 6", "gambling"), ("#4", "pornography"),
    # by exact name, any case and width
    ("诈骗", "fraud"), ("FRAUD", "fraud"), ("Ｆｒａｕｄ", "fraud"), ("customer service", "service"),
    ("客服", "service"), ("电信 诈骗", "fraud"), ("宣扬封建迷信、淫秽、色情、暴力、凶杀、恐怖", "obscenity_violence"),
    # by a name or synonym inside the text
    ("我遇到了电信诈骗", "fraud"), ("有个骗子骗了我五千块钱😭", "fraud"), ("网上有人开赌场", "gambling"),
    ("淫秽色情网站", "pornography"),  # 淫秽色情 is longer than 淫秽 and 色情
    ("新闻报道侵犯隐私了", "news_privacy"),  # not rights_infringement's 侵犯隐私
    ("the customer service was rude", "service"), ("I got scammed? it was a scam", "fraud"),
    ("scams on WeChat", "fraud"), ("他们在造谣", "rumour"), ("不是诈骗，是赌博", "gambling"),
    ("it's not a scam, it's fake news", "rumour"), ("3. 诈骗", "fraud"),
])
def test_match_category(text: str, code: str) -> None:
    assert match_category(text, CATEGORIES) == code


@pytest.mark.parametrize("text", [
    "", "天气不错", "我要投诉", "13", "第二十个", "0",
    "赌博诈骗", "online casino scam",  # two categories: ask again
    "scampi", "casinos123",  # not words of their own
])
def test_match_category_none(text: str) -> None:
    assert match_category(text, CATEGORIES) is None


def test_match_category_accepts_mappings() -> None:
    categories = [{"code": "fraud", "number": 1, "names": ["诈骗", "Fraud"]},
                  {"code": "gambling", "number": 2, "names": ["赌博", "Gambling"]}]
    assert match_category("2", categories) == "gambling"
    assert match_category("被诈骗了", categories) == "fraud"


def test_match_category_accepts_the_taxonomy() -> None:
    from intake_core.model import Kind
    from intake_core.taxonomy import Taxonomy

    taxonomy = Taxonomy.from_yaml(ROOT / "config" / "categories.yaml")
    reports = taxonomy.of_kind(Kind("report"))
    fraud = taxonomy.get("fraud")
    assert match_category("我遇到了电信诈骗", reports) == "fraud"
    assert match_category(str(fraud.number), reports) == "fraud"
    assert match_category("Gambling", reports) == "gambling"
