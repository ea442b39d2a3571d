"""Members' names: the one rule the till (enrol, edit) and the server (the pushed enrolment and edit) both check.

A name is written in words: after Unicode folding (NFKC: full-width letters to plain ones) and collapsing spaces, it
is not empty, not longer than the caller's limit, holds no control characters, and has at least one letter of any
script (Latin, CJK ideographs, kana, Hangul, ...: Unicode categories L*). Digits or punctuation alone ("2030-01-01",
"12345", "...") are a date, a phone or a slip, not a name.
"""

from __future__ import annotations

import unicodedata

__all__ = ["InvalidName", "clean_member_name"]


class InvalidName(ValueError):
    """The name breaks the rule (the message says which part, for logs; never the name itself)."""


def clean_member_name(name: str, *, max_length: int) -> str:
    """The name as stored (folded, spaces collapsed); raises InvalidName when it breaks the rule above."""
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if not cleaned:
        raise InvalidName("empty")
    if len(cleaned) > max_length:
        raise InvalidName("too long")
    if any(unicodedata.category(ch)[0] == "C" for ch in cleaned):
        raise InvalidName("control characters")
    if not any(unicodedata.category(ch)[0] == "L" for ch in cleaned):
        raise InvalidName("no letter")
    return cleaned
