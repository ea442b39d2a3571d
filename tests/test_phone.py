"""Tests for loyalty.phone: parsing, refusing, masking and tail queries for Chinese mobile numbers."""

from __future__ import annotations

import pickle
import re

import phonenumbers
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from loyalty.phone import (
    InvalidPhone,
    PhoneProblem,
    is_tail_query,
    mask_phone,
    national_digits,
    parse_mobile,
    phone_tail,
)

E164 = "+8613800138000"

ACCEPTED_FORMS = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "(138)0013-8000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+8613800138000",
    "86 13800138000",
    "8613800138000",
    "008613800138000",
    "0086 138 0013 8000",
    "１３８００１３８０００",
    "＋８６１３８００１３８０００",
    "＋８６　１３８　００１３　８０００",
    "（１３８）００１３－８０００",
    "  13800138000  ",
    "\t13800138000\n",
    "\u300013800138000\u3000",
    "\xa013800138000\xa0",
    "\xa0138\xa00013\xa08000",
    "138.0013.8000",
    "\u202a+86 138 0013 8000\u202c",  # bidi marks that contact apps add when copying a number
    "138\u200b0013\u200b8000",  # zero-width spaces from a pasted web page
]


@pytest.mark.parametrize("text", ACCEPTED_FORMS)
def test_accepted_forms_give_e164(text: str) -> None:
    assert parse_mobile(text) == E164


@pytest.mark.parametrize(
    "national",
    ["15912345678", "18612345678", "19912345678", "17712345678", "16612345678", "13912345678", "15000000000"],
)
def test_other_real_ranges_accepted(national: str) -> None:
    assert parse_mobile(national) == "+86" + national
    assert parse_mobile("+86 " + national) == "+86" + national


def test_phonenumbers_cn_mobile_example_accepted() -> None:
    example_number = phonenumbers.example_number_for_type("CN", PhoneNumberType.MOBILE)
    assert example_number is not None
    national = str(example_number.national_number)
    assert parse_mobile(national) == "+86" + national


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("\u3000\xa0", PhoneProblem.EMPTY),
        (" - ( ) ", PhoneProblem.EMPTY),
        ("+", PhoneProblem.EMPTY),
        ("1380013800a", PhoneProblem.LETTERS),
        ("abc", PhoneProblem.LETTERS),
        ("138o0138000", PhoneProblem.LETTERS),
        ("138 0013 800a 0", PhoneProblem.LETTERS),  # letters win over the length (which is also wrong here)
        ("12a", PhoneProblem.LETTERS),
        ("138+00138000", PhoneProblem.LETTERS),
        ("13800138000#", PhoneProblem.LETTERS),
        ("1380013800", PhoneProblem.WRONG_LENGTH),  # 10 digits
        ("138001380001", PhoneProblem.WRONG_LENGTH),  # 12 digits
        ("+86 1380013800", PhoneProblem.WRONG_LENGTH),
        ("+86 138001380001", PhoneProblem.WRONG_LENGTH),
        ("0086 1380013800", PhoneProblem.WRONG_LENGTH),
        ("8000", PhoneProblem.WRONG_LENGTH),
        ("12000000000", PhoneProblem.WRONG_PREFIX),
        ("10012345678", PhoneProblem.WRONG_PREFIX),
        ("11012345678", PhoneProblem.WRONG_PREFIX),
        ("20123456789", PhoneProblem.WRONG_PREFIX),
        ("01012345678", PhoneProblem.WRONG_PREFIX),  # a Beijing landline, not a mobile
        ("+86 120 0000 0000", PhoneProblem.WRONG_PREFIX),
        ("+1 415 555 2671", PhoneProblem.NOT_CHINA),
        ("+14155552671", PhoneProblem.NOT_CHINA),
        ("+852 9123 4567", PhoneProblem.NOT_CHINA),
        ("00852 9123 4567", PhoneProblem.NOT_CHINA),
        ("＋８５２　９１２３　４５６７", PhoneProblem.NOT_CHINA),
    ],
)
def test_refusals_give_the_right_problem(text: str, problem: PhoneProblem) -> None:
    with pytest.raises(InvalidPhone) as caught:
        parse_mobile(text)
    assert caught.value.problem is problem
    assert isinstance(caught.value, ValueError)


def test_invalid_phone_message_and_pickle() -> None:
    exc = InvalidPhone(PhoneProblem.WRONG_PREFIX)
    assert exc.problem is PhoneProblem.WRONG_PREFIX
    assert str(exc)
    again = pickle.loads(pickle.dumps(exc))
    assert isinstance(again, InvalidPhone)
    assert again.problem is PhoneProblem.WRONG_PREFIX
    assert str(again) == str(exc)


@pytest.mark.parametrize("problem", list(PhoneProblem))
def test_messages_contain_no_digits(problem: PhoneProblem) -> None:
    assert not re.search(r"\d", str(InvalidPhone(problem)))


@given(st.text(max_size=30))
@example("12000000000")
@example("+1 415 555 2671")
@example("1380013800a")
def test_any_text_either_parses_or_raises_invalid_phone_without_the_digits(text: str) -> None:
    try:
        result = parse_mobile(text)
    except InvalidPhone as exc:
        assert isinstance(exc.problem, PhoneProblem)
        assert not re.search(r"\d", str(exc))
        assert not re.search(r"\d", repr(exc))
    else:
        assert re.fullmatch(r"\+861\d{10}", result)


def test_mask_phone() -> None:
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 159 1234 5678") == "159****5678"


def test_phone_tail_and_national_digits() -> None:
    assert phone_tail("+8613800138000") == "8000"
    assert phone_tail("13800138000") == "8000"
    assert national_digits("+8613800138000") == "13800138000"
    assert national_digits("13800138000") == "13800138000"


def test_formatting_helpers_refuse_wrong_shapes() -> None:
    with pytest.raises(InvalidPhone):
        mask_phone("8000")
    with pytest.raises(InvalidPhone):
        national_digits("+14155552671")


@pytest.mark.parametrize(("text", "expected"), [("8000", True), ("８０００", True), (" 8000 ", True),
                                                 ("\u30008000\u3000", True), ("0000", True), ("800", False),
                                                 ("80000", False), ("8a00", False), ("", False), ("    ", False),
                                                 ("8 000", False), ("+800", False)])  # fmt: skip
def test_is_tail_query(text: str, expected: bool) -> None:
    assert is_tail_query(text) is expected


# --- property: any formatting of a valid number parses back to the same E.164 -----------------------------------

_CN_MOBILE_EXAMPLE = phonenumbers.example_number_for_type("CN", PhoneNumberType.MOBILE)
_EXAMPLE_NATIONALS = [str(_CN_MOBILE_EXAMPLE.national_number)] if _CN_MOBILE_EXAMPLE else []
_FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")

national_numbers = st.one_of(
    st.sampled_from([*_EXAMPLE_NATIONALS, "13800138000", "15912345678", "18612345678", "19912345678"]),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
separators = st.sampled_from(["", "", "", " ", "-", "\u3000", "\xa0", ".", "\u200b", "－", "  "])
prefixes = st.sampled_from(["", "+86", "+86 ", "+86-", "86", "86 ", "0086", "0086 ", "00 86 ", "＋86 ", "(+86) "])
surroundings = st.sampled_from(["", " ", "\t", "\u3000", "\xa0", "\n"])


@given(
    national=national_numbers,
    prefix=prefixes,
    seps=st.lists(separators, min_size=10, max_size=10),
    lead=surroundings,
    trail=surroundings,
    full_width=st.booleans(),
)
def test_formatted_valid_numbers_parse_back(
    national: str, prefix: str, seps: list[str], lead: str, trail: str, full_width: bool
) -> None:
    try:
        expected = parse_mobile(national)
    except InvalidPhone:
        assume(False)
        raise  # unreachable: assume(False) aborts the example
    body = national[0] + "".join(sep + digit for sep, digit in zip(seps, national[1:], strict=True))
    text = lead + prefix + body + trail
    if full_width:
        text = text.translate(_FULL_WIDTH)
    assert parse_mobile(text) == expected == "+86" + national
    assert mask_phone(text) == national[:3] + "****" + national[-4:]
