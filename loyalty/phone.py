"""Chinese mobile numbers: parsing what a cashier types or pastes, normalising to E.164, masking for display.

This module owns the one definition of "a member's phone number" in MemberDesk: an E.164 string ``+86`` followed by
the 11 national digits of a mainland-China mobile number whose range ``phonenumbers`` calls valid MOBILE. Pure logic,
no I/O. Refusals carry a :class:`PhoneProblem` reason code for the UI to translate; the English exception message is
for developers and never repeats the digits that were typed (they are personal data and end up in logs).
"""

from __future__ import annotations

import functools
import unicodedata
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = [
    "InvalidPhone",
    "PhoneProblem",
    "is_tail_query",
    "mask_phone",
    "national_digits",
    "parse_mobile",
    "phone_tail",
]

CHINA_COUNTRY_CODE = "86"
NATIONAL_LENGTH = 11
TAIL_LENGTH = 4
_E164_PREFIX = "+" + CHINA_COUNTRY_CODE
_E164_LENGTH = len(_E164_PREFIX) + NATIONAL_LENGTH

# Characters a cashier may type or paste between digits (after NFKC, which already folds the full-width forms
# U+FF08/U+FF09/U+FF0D/U+FF0E into "()-." and U+3000/U+00A0 into a plain space). Any Unicode whitespace and any
# format character (category Cf: zero-width spaces, BOM, the bidi marks that phone contact apps add when copying)
# are separators too.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212().")


class PhoneProblem(StrEnum):
    """Why a text is not accepted as a Chinese mobile number (stable codes; the UI translates them)."""

    EMPTY = "empty"
    LETTERS = "letters"
    WRONG_LENGTH = "wrong_length"
    WRONG_PREFIX = "wrong_prefix"
    NOT_CHINA = "not_china"


_MESSAGES: dict[PhoneProblem, str] = {
    PhoneProblem.EMPTY: "no phone number was entered",
    PhoneProblem.LETTERS: "the phone number contains characters other than digits and separators",
    PhoneProblem.WRONG_LENGTH: "a Chinese mobile number has eleven national digits",
    PhoneProblem.WRONG_PREFIX: "the digits are not in a Chinese mobile number range",
    PhoneProblem.NOT_CHINA: "only mobile numbers with the country code of mainland China are accepted",
}


class InvalidPhone(ValueError):
    """A text that is not a Chinese mobile number; ``problem`` says why. The message never contains the input."""

    problem: PhoneProblem

    def __init__(self, problem: PhoneProblem) -> None:
        super().__init__(_MESSAGES[problem])
        self.problem = problem

    def __reduce__(self) -> tuple[type[InvalidPhone], tuple[PhoneProblem]]:
        # Keep the exception picklable (the default would call __init__ with the message instead of the problem).
        return (type(self), (self.problem,))


def _is_separator(ch: str) -> bool:
    return ch in _SEPARATORS or ch.isspace() or (not ch.isascii() and unicodedata.category(ch) == "Cf")


def _split_national(text: str) -> str:
    """Normalise ``text`` and return its 11 national digits, without checking the number range.

    Raises :class:`InvalidPhone` with EMPTY, LETTERS, NOT_CHINA or WRONG_LENGTH, checked in that order so that the
    reason is the most helpful one (a typo'd letter is reported as such, not as a wrong length).
    """
    normalised = unicodedata.normalize("NFKC", text)
    compact = "".join(ch for ch in normalised if not _is_separator(ch))
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits:
        raise InvalidPhone(PhoneProblem.EMPTY)
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidPhone(PhoneProblem.LETTERS)
    # "00" is the international call prefix dialled from China; only treat it as such when the digits are longer
    # than a national number, so that short all-digit junk is reported as a wrong length or prefix.
    if not international and digits.startswith("00") and len(digits) > NATIONAL_LENGTH:
        international = True
        digits = digits[2:]
    if international:
        if not digits.startswith(CHINA_COUNTRY_CODE):
            raise InvalidPhone(PhoneProblem.NOT_CHINA)
        national = digits[len(CHINA_COUNTRY_CODE) :]
    elif len(digits) == len(CHINA_COUNTRY_CODE) + NATIONAL_LENGTH and digits.startswith(CHINA_COUNTRY_CODE):
        national = digits[len(CHINA_COUNTRY_CODE) :]  # "86 13800138000": country code without the plus
    else:
        national = digits
    if len(national) != NATIONAL_LENGTH:
        raise InvalidPhone(PhoneProblem.WRONG_LENGTH)
    return national


@functools.lru_cache(maxsize=65536)
def _is_cn_mobile(national: str) -> bool:
    """Whether 11 ASCII national digits are a valid Chinese MOBILE number according to ``phonenumbers``.

    Builds the ``PhoneNumber`` directly (country code 86, region CN) instead of calling ``phonenumbers.parse``: the
    input is already clean digits, and a leading 0 is the CN trunk prefix, never part of a mobile number.
    """
    if national.startswith("0"):
        return False
    number = phonenumbers.PhoneNumber(country_code=int(CHINA_COUNTRY_CODE), national_number=int(national))
    # CN is the only region of country code 86, and `number_type` answers MOBILE only for a number that matches
    # the region's general pattern and its mobile ranges: that is exactly `is_valid_number_for_region` plus the
    # type check, at half the cost (this runs on every uncached phone lookup).
    return bool(phonenumbers.number_type(number) == PhoneNumberType.MOBILE)


def parse_mobile(text: str) -> str:
    """Return the E.164 form (``"+8613800138000"``) of a Chinese mobile number typed or pasted in any usual way.

    Accepts spaces (incl. U+3000 and NBSP), dashes, dots and parentheses between digits, full-width characters,
    and a ``+86`` / ``0086`` / ``86`` country code. Raises :class:`InvalidPhone` with the reason otherwise.
    """
    # Fast path for the common case at the till: exactly 11 plain ASCII digits.
    is_plain = len(text) == NATIONAL_LENGTH and text.isascii() and text.isdigit()
    national = text if is_plain else _split_national(text)
    if not _is_cn_mobile(national):
        raise InvalidPhone(PhoneProblem.WRONG_PREFIX)
    return f"+{CHINA_COUNTRY_CODE}{national}"


def national_digits(phone: str) -> str:
    """The 11 national digits of a phone number: ``"+8613800138000"`` or ``"13800138000"`` -> ``"13800138000"``.

    Lenient about the range (a stored number stays displayable even if a ``phonenumbers`` update stops calling its
    range valid) but not about the shape: raises :class:`InvalidPhone` unless it has 11 national digits.
    """
    if len(phone) == NATIONAL_LENGTH and phone.isascii() and phone.isdigit():
        return phone
    if len(phone) == _E164_LENGTH and phone.startswith(_E164_PREFIX) and phone[1:].isascii() and phone[1:].isdigit():
        return phone[len(_E164_PREFIX) :]  # the stored form: every displayed member goes through here
    return _split_national(phone)


def phone_tail(phone: str) -> str:
    """The last four digits of a phone number (what a member says when asked), e.g. ``"8000"``."""
    return national_digits(phone)[-TAIL_LENGTH:]


def mask_phone(phone: str) -> str:
    """The phone number as shown on screen and receipts: ``"138****8000"``."""
    national = national_digits(phone)
    return f"{national[:3]}****{national[-TAIL_LENGTH:]}"


def is_tail_query(text: str) -> bool:
    """Whether a lookup text is a last-four-digits query: exactly 4 digits (ASCII or full-width), spaces around."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return len(stripped) == TAIL_LENGTH and stripped.isascii() and stripped.isdigit()
