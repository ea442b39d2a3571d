"""Search keys for a member's name, so a cashier can find 张三 by typing `zhangsan`, `zhang` or `zs`: the name's
pinyin without tones and its initials, lower-case ASCII letters only. Latin letters in a name stay as they are
(lower-cased); digits, spaces and punctuation are left out.

Each character is read once and remembered (a name is 2-4 characters out of a few thousand in use, so a first sync
of a million members reads each character once, not each name). A character takes its usual reading; the first
character of a name is read as a surname where the two differ (曾 zeng, not ceng; 单 shan, not dan), since a
Chinese name starts with the family name. pypinyin (its dictionaries take a quarter of a second to load) is imported
with the first name read, never on the counter's start path: lookups compare stored keys and do not need it.

Pure computation, no I/O.
"""

from __future__ import annotations

import unicodedata
from functools import cache

#: Surnames whose family-name reading differs from the character's usual one (the common ones).
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou", "盖": "ge",
    "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai", "尉": "yu", "句": "gou", "召": "shao", "种": "chong",
    "员": "yun", "长": "chang", "重": "chong", "折": "she", "祭": "zhai", "秘": "bi", "繁": "po", "沈": "shen",
}  # fmt: skip


@cache
def _reading(char: str) -> str:
    """The usual toneless reading of one character: pinyin for a CJK character, itself lower-cased for a letter,
    nothing for anything else."""
    if char.isascii():
        return char.lower() if char.isalpha() else ""
    if not char.isalpha():
        return ""
    from pypinyin import Style, lazy_pinyin  # loaded with the first name read (see the module's docstring)

    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore", v_to_u=False)
    text = "".join(reading).replace("ü", "v").lower()
    return "".join(ch for ch in text if ch.isascii() and ch.isalpha())


def name_keys(name: str) -> tuple[str, str]:
    """(pinyin, initials) of `name`: ("zhangsan", "zs") for 张三, ("zengxiaoxian", "zxx") for 曾小贤, ("alicewang",
    "aw") for "Alice Wang" (a Latin word gives its first letter to the initials)."""
    text = unicodedata.normalize("NFKC", name).strip()
    syllables: list[str] = []
    word = ""
    for index, char in enumerate(text):
        if char.isascii():
            if char.isalpha():
                word += char.lower()
                continue
            if word:
                syllables.append(word)
                word = ""
            continue
        if word:
            syllables.append(word)
            word = ""
        reading = SURNAME_READINGS.get(char) if index == 0 else None
        reading = reading or _reading(char)
        if reading:
            syllables.append(reading)
    if word:
        syllables.append(word)
    return "".join(syllables), "".join(syllable[0] for syllable in syllables)


def search_key(text: str) -> str | None:
    """What a typed query searches the keys with: lower-case letters, spaces and apostrophes dropped ("Zhang San",
    "xi'an"); None when it is not letters only (a name in characters, digits: not a pinyin search)."""
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in " '’")
    if not cleaned or not cleaned.isascii() or not cleaned.isalpha():
        return None
    return cleaned.lower()
