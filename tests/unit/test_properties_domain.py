"""Property tests (hypothesis) for the domain rules: canonical report targets, the case lifecycle and
the satisfaction rating. Example tests: test_canonical.py, test_lifecycle.py, test_satisfaction.py."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlencode

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from intake_core.canonical import TRACKING_PARAMETERS, canonical_target, canonical_url
from intake_core.errors import TransitionNotAllowed
from intake_core.lifecycle import ALLOWED, Status, check_transition
from intake_core.model import TargetType
from intake_core.satisfaction import parse_rating

QUICK = settings(max_examples=200, deadline=None, database=None)

# --- canonical targets ----------------------------------------------------------------------

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
segment = st.from_regex(r"[A-Za-z0-9._~\-]{1,12}|%E4%B8%AD|%20", fullmatch=True)
plain_key = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True).filter(
    lambda key: key not in TRACKING_PARAMETERS and not key.startswith("utm_"))
value = st.from_regex(r"[A-Za-z0-9._\-]{0,10}", fullmatch=True)
tracking = st.tuples(
    st.sampled_from(sorted(TRACKING_PARAMETERS) + ["utm_source", "utm_medium", "UTM_Campaign", "FBCLID"]), value)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(scheme, host, path, query pairs) of an ordinary web page."""
    host = ".".join(draw(st.lists(label, min_size=1, max_size=3))) + "." + draw(st.sampled_from(["com", "cn", "net"]))
    path = "".join("/" + part for part in draw(st.lists(segment, max_size=4)))
    query = draw(st.lists(st.tuples(plain_key, value), max_size=3, unique_by=lambda pair: pair[0]))
    return draw(st.sampled_from(["http", "https"])), host, path, query


def build(scheme: str, host: str, path: str, query: list[tuple[str, str]], fragment: str = "") -> str:
    return f"{scheme}://{host}{path}" + (f"?{urlencode(query)}" if query else "") + (f"#{fragment}" if fragment else "")


@QUICK
@given(urls())
def test_canonical_urls_are_idempotent(parts: tuple[str, str, str, list[tuple[str, str]]]) -> None:
    once = canonical_url(build(*parts))
    assert canonical_url(once) == once
    assert canonical_target(once, TargetType.URL) == once
    assert canonical_target(build(*parts), None) == once  # an http(s) target is recognised as a URL


@QUICK
@given(urls(), st.data())
def test_one_page_shared_many_ways_keeps_one_canonical_form(parts: tuple[str, str, str, list[tuple[str, str]]],
                                                            data: st.DataObject) -> None:
    scheme, host, path, query = parts
    noise = data.draw(st.lists(tracking, max_size=3))
    shuffled = data.draw(st.permutations(query + noise))
    variant_scheme = data.draw(st.sampled_from(["http", "https", "HTTPS"]))
    default_port = ":443" if variant_scheme.lower() == "https" else ":80"
    variant = build(variant_scheme, "".join(data.draw(st.sampled_from([c, c.upper()])) for c in host)
                    + data.draw(st.sampled_from(["", default_port])),
                    path + data.draw(st.sampled_from(["", "/", "//"])), shuffled,
                    data.draw(st.sampled_from(["", "comments", "top"])))
    assert canonical_url(variant) == canonical_url(build(*parts)), variant


@QUICK
@given(urls(), segment.filter(lambda part: part not in (".", "..")))
def test_different_pages_keep_different_canonical_forms(parts: tuple[str, str, str, list[tuple[str, str]]],
                                                        extra: str) -> None:
    scheme, host, path, query = parts
    page = canonical_url(build(*parts))
    assert canonical_url(build(scheme, host, f"{path}/{extra}", query)) != page
    if all(key != "page" for key, _ in query):
        assert canonical_url(build(scheme, host, path, [*query, ("page", "2")])) != page


account_text = st.text(st.sampled_from("abcdefgXYZ019_.中文商店\u3000 \t"), min_size=1, max_size=20)


@QUICK
@given(account_text, st.sampled_from([TargetType.ACCOUNT, TargetType.MERCHANT, TargetType.OTHER]))
def test_other_targets_fold_case_width_and_spacing(text: str, kind: TargetType) -> None:
    key = canonical_target(text, kind)
    assert key.startswith(f"{kind.value}:")
    assert canonical_target(text.upper(), kind) == key
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    assert canonical_target(wide, kind) == key
    assert canonical_target(f"  {text.replace(' ', '   ')} ", kind) == key
    folded = key.split(":", 1)[1]
    assert canonical_target(folded, kind) == key  # idempotent on its own text


@QUICK
@given(st.text(), st.sampled_from([*TargetType, None]))
def test_canonical_target_never_raises(text: str, kind: TargetType | None) -> None:
    assert isinstance(canonical_target(text, kind), str)


# --- the case lifecycle ---------------------------------------------------------------------

reasons = st.text(min_size=1).filter(lambda reason: reason.strip() != "")
blank = st.one_of(st.none(), st.text(st.sampled_from(" \t\n\u3000\u00a0"), max_size=5))


@QUICK
@given(st.data())
def test_random_walks_of_allowed_moves_stay_inside_the_machine(data: st.DataObject) -> None:
    current = Status.RECEIVED
    for _ in range(data.draw(st.integers(1, 30))):
        if not ALLOWED[current]:
            assert current == Status.ARCHIVED  # the only dead end
            break
        target = data.draw(st.sampled_from(sorted(ALLOWED[current])))
        moved = check_transition(current.value, target.value, data.draw(reasons))
        assert moved == target and moved in ALLOWED
        current = moved


@QUICK
@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)), reasons)
def test_every_move_outside_the_table_is_refused(current: Status, target: Status, reason: str) -> None:
    if target in ALLOWED[current]:
        assert check_transition(current, target, reason) == target
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            check_transition(current, target, reason)
        assert refused.value.field == "status"


@QUICK
@given(st.sampled_from([(s, t) for s, targets in ALLOWED.items() for t in targets]), blank)
def test_an_allowed_move_without_a_reason_is_refused(move: tuple[Status, Status], reason: str | None) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(move[0], move[1], reason)
    assert refused.value.field == "reason"


@QUICK
@given(st.text(), st.text(), reasons)
def test_unknown_statuses_are_refused_not_crashed(current: str, target: str, reason: str) -> None:
    if current in set(Status) and target in set(Status):
        return
    with pytest.raises(TransitionNotAllowed):
        check_transition(current, target, reason)


# --- satisfaction ratings -------------------------------------------------------------------

@QUICK
@given(st.integers(1, 5), st.sampled_from(["", " ", "分", "星", " stars", "/5", " / 5"]),
       st.sampled_from(["", " ", ", ", "，", "。", " - ", "：", "、"]), st.text(max_size=50), st.booleans())
def test_a_score_of_one_to_five_at_the_start_is_a_rating(score: int, unit: str, separator: str, comment: str,
                                                         wide: bool) -> None:
    assume(not re.match(r"\d|\.\d", unicodedata.normalize("NFKC", unit + separator + comment)))  # "1"+"0" is 10
    digit = chr(ord("０") + score) if wide else str(score)
    parsed = parse_rating(f"{digit}{unit}{separator}{comment}")
    assert parsed is not None and parsed[0] == score
    assert parsed[1] is None or (parsed[1] == parsed[1].strip() and 0 < len(parsed[1]) <= 2000)


# Half of the texts start (after some whitespace) with a digit of any kind, ASCII, full-width or other
# scripts, often followed by another digit or a decimal point, so that both answers of the parser are
# exercised, not only "no rating".
_DIGITS = st.sampled_from([*"0123456789", *"０１２３４５６７８９", "٣", "²", "৫"])
_LEADING_DIGIT = st.builds(lambda space, digit, after, rest: space + digit + after + rest,
                           st.sampled_from(["", " ", "\n ", "\u3000"]), _DIGITS,
                           st.one_of(st.just(""), _DIGITS, _DIGITS.map(lambda d: "." + d)), st.text(max_size=30))


@QUICK
@given(st.one_of(st.text(), _LEADING_DIGIT))
def test_ratings_are_exactly_the_scores_of_one_to_five_written_at_the_start(text: str) -> None:
    parsed = parse_rating(text)
    head = unicodedata.normalize("NFKC", text).lstrip()
    # A digit of any script after the score makes it part of a longer number ("1٠" is ten, not one).
    starts_with_score = head[:1] in {"1", "2", "3", "4", "5"} and not head[1:2].isdecimal() \
        and not (head[1:2] == "." and head[2:3].isdecimal())
    assert (parsed is not None) == starts_with_score
    if parsed is not None:
        score, comment = parsed
        assert 1 <= score <= 5 and head.startswith(str(score))
        assert comment is None or 0 < len(comment) <= 2000


@QUICK
@given(st.sampled_from(["0", "6", "7", "8", "9", "10", "55", "3.5", "0.5", "-1", "零", "five", "４.５", "１０"]),
       st.sampled_from(["", " ", "分", " 很满意", "/5"]))
def test_scores_outside_one_to_five_are_not_ratings(start: str, rest: str) -> None:
    assert parse_rating(start + rest) is None
