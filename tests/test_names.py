"""The one rule for members' names, shared by the till and the server (`loyalty.names`)."""

from __future__ import annotations

import pytest

from loyalty.names import InvalidName, clean_member_name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("张三", "张三"), ("  王  大明 ", "王 大明"), ("Ｌｉ Ｌｅｉ", "Li Lei"), ("李2号", "李2号"),
     ("O'Brien", "O'Brien"), ("さくら", "さくら"), ("김민수", "김민수")],
)  # fmt: skip
def test_a_name_with_a_letter_of_any_script_is_kept_folded(typed: str, stored: str) -> None:
    assert clean_member_name(typed, max_length=32) == stored


@pytest.mark.parametrize("typed", ["", "   ", "2030-01-01", "12345", "１２３４５", "...", "-", "13800138000", "x" * 33,
                                   "张\x07三"])  # fmt: skip
def test_digits_punctuation_empty_too_long_or_control_characters_are_refused(typed: str) -> None:
    with pytest.raises(InvalidName):
        clean_member_name(typed, max_length=32)
