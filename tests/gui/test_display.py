"""The shared vocabulary in words: every kind, type, status and reason the till and the server share has words in
both languages, so a value added to `protocol.vocabulary` cannot reach a screen as a bare code."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication

from localdb.models import EntrySync
from loyalty.segments import Segment
from protocol.vocabulary import ITEM_REASONS, EntryKind, ItemStatus, ItemType, PreferenceKind
from ui.i18n import Language, Translations
from ui.messages import reason_words
from widgets.display import (
    PREFERENCE_KINDS,
    entry_kind_name,
    entry_state_name,
    item_status_name,
    item_type_name,
    preference_kind_name,
    segment_name,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _all_words() -> dict[str, str]:
    return {
        **{f"entry kind {kind}": entry_kind_name(kind) for kind in EntryKind},
        **{f"preference kind {kind}": preference_kind_name(kind) for kind in PreferenceKind},
        **{f"item type {item}": item_type_name(item) for item in ItemType},
        **{f"item status {status}": item_status_name(status) for status in ItemStatus},
        **{f"entry state {state}": entry_state_name(state) for state in EntrySync},
        **{f"segment {segment}": segment_name(segment) for segment in Segment},
        **{f"reason {code}": reason_words(code) for code in ITEM_REASONS},
    }


@pytest.mark.parametrize("language", [Language.EN, Language.ZH_CN])
def test_every_shared_value_has_words_in_both_languages(qapp: QApplication, language: Language) -> None:
    translations = Translations(qapp)
    try:
        assert translations.switch(language)
        words = _all_words()
        codes = {str(value) for enum in (EntryKind, PreferenceKind, ItemType, ItemStatus, EntrySync) for value in enum}
        bare = {name: text for name, text in words.items() if not text or text in codes or text in ITEM_REASONS}
        assert bare == {}
        if language is Language.ZH_CN:
            assert {name: text for name, text in words.items() if not CHINESE.search(text)} == {}
    finally:
        translations.uninstall()


def test_preference_kinds_are_listed_once_in_the_order_a_guide_asks() -> None:
    assert list(PREFERENCE_KINDS) == [
        PreferenceKind.CATEGORY, PreferenceKind.SIZE, PreferenceKind.COLOUR, PreferenceKind.STYLE,
        PreferenceKind.TAG, PreferenceKind.NOTE,
    ]  # fmt: skip
    assert set(PREFERENCE_KINDS) == set(PreferenceKind)
