from __future__ import annotations

import pytest

from intake_core.canonical import canonical_target, canonical_url
from intake_core.model import TargetType

SAME = "https://example.com/news/a?id=7"


@pytest.mark.parametrize("variant", [
    "https://example.com/news/a?id=7",
    "HTTPS://Example.COM/news/a?id=7",
    "https://example.com:443/news/a?id=7",
    "http://example.com:80/news/a?id=7",
    "https://example.com/news/a/?id=7",
    "https://example.com/news/a?id=7#comments",
    "https://example.com/news/a?utm_source=wx&id=7&utm_medium=share",
    "https://example.com/news/a?id=7&fbclid=abc&spm=a.b.c",
    "https://example.com//news/a?id=7",
    "https://example.com./news/a?id=7",
])
def test_variants_of_one_page_share_a_canonical_form(variant: str) -> None:
    assert canonical_url(variant) == SAME


@pytest.mark.parametrize("other", [
    "https://example.com/news/b?id=7", "https://example.com/news/a?id=8",
    "https://example.com:8443/news/a?id=7", "https://sub.example.com/news/a?id=7",
])
def test_different_pages_stay_apart(other: str) -> None:
    assert canonical_url(other) != SAME


def test_query_order_does_not_matter_and_idn_hosts_fold() -> None:
    assert canonical_url("https://x.cn/p?b=2&a=1") == canonical_url("https://x.cn/p?a=1&b=2")
    assert canonical_url("https://例子.中国/路径") == canonical_url("https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84")


def test_accounts_and_merchants_fold_case_and_width() -> None:
    assert canonical_target("@ScamShop", TargetType.ACCOUNT) == canonical_target("scamshop", TargetType.ACCOUNT)
    assert canonical_target("ＡＢＣ 商店", TargetType.MERCHANT) == canonical_target("abc  商店", TargetType.MERCHANT)
    assert canonical_target("abc", TargetType.MERCHANT) != canonical_target("abc", TargetType.ACCOUNT)
