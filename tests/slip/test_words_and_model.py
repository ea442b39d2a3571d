"""The slip's word table (every language has every word, with the same placeholders) and the checks a slip passes
before it may be printed."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import datetime

import pytest

from slip.model import InvalidSlip, masked_phone
from slip.words import LANGUAGES, WORDS, word
from tests.slip.samples import guest_slip, member_code, member_slip


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_word_with_the_same_placeholders() -> None:
    assert set(WORDS) == set(LANGUAGES)
    keys = set(WORDS["zh_CN"])
    for language in LANGUAGES:
        assert set(WORDS[language]) == keys, language
        for key in keys:
            assert WORDS[language][key].strip(), (language, key)
            assert _placeholders(WORDS[language][key]) == _placeholders(WORDS["zh_CN"][key]), (language, key)


def test_english_words_are_ascii() -> None:
    assert all(text.isascii() for text in WORDS["en"].values())


def test_a_word_is_filled() -> None:
    assert word("en", "expiring", points="300", date="2026-04-30") == "300 points expire on 2026-04-30"


def test_a_slip_keeps_only_a_masked_phone() -> None:
    assert masked_phone("+8613800138000") == "138****8000"
    with pytest.raises(InvalidSlip):
        member_slip(member_phone_masked="13800138000")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidSlip):
        member_slip(printed_at=datetime(2026, 3, 18, 10, 5))


@pytest.mark.parametrize(
    "changes",
    [
        {"points_earned": -1},
        {"discount_cents": 1.5},
        {"points_redeemed": True},
        {"language": "fr"},
        {"member_code": "not a code"},
    ],
)
def test_impossible_figures_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidSlip):
        member_slip(**changes)


def test_a_sale_without_a_member_has_no_member_code_or_balance() -> None:
    with pytest.raises(InvalidSlip):
        replace(guest_slip(), member_code=member_code())
    with pytest.raises(InvalidSlip):
        replace(guest_slip(), new_balance=10)
    assert not guest_slip().has_member


def test_the_time_is_the_stores() -> None:
    assert member_slip().local_time.strftime("%H:%M") == "10:05"
