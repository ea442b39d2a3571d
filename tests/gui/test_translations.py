"""Chinese is the staff's language: every string a screen shows must be in the Chinese catalogue, translated, with
its placeholders kept, and the built catalogue must load. (scripts/update_translations.sh refreshes the sources.)"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ui.assets import TRANSLATIONS
from ui.i18n import Language, Translations, parse_language

ROOT = Path(__file__).resolve().parents[2]
ZH_TS = TRANSLATIONS / "memberdesk_zh_CN.ts"
LUPDATE = ROOT / ".venv" / "bin" / "pyside6-lupdate"
PLACEHOLDER = re.compile(r"%(?:\d+|n)")


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    found: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def test_every_string_in_the_code_is_in_the_chinese_catalogue(tmp_path: Path) -> None:
    sources = sorted(str(p) for folder in ("ui", "widgets") for p in (ROOT / folder).rglob("*.py"))
    extracted = tmp_path / "now.ts"
    subprocess.run([str(LUPDATE), "-silent", "-locations", "none", *sources, "-ts", str(extracted)], check=True)
    in_code = set(_messages(extracted))
    in_catalogue = {key for key, msg in _messages(ZH_TS).items() if msg.find("translation") is not None}
    missing = sorted(in_code - in_catalogue)
    assert missing == [], "run scripts/update_translations.sh and translate the new strings"
    assert len(in_code) > 100  # the extraction itself worked


def test_every_chinese_translation_is_done_and_keeps_its_placeholders() -> None:
    problems = []
    for (context, source), message in _messages(ZH_TS).items():
        translation = message.find("translation")
        assert translation is not None
        if translation.get("type") in ("obsolete", "vanished"):
            continue
        forms = [form.text or "" for form in translation.iter("numerusform")] or [translation.text or ""]
        for text in forms:
            if translation.get("type") == "unfinished" or not text.strip():
                problems.append((context, source, "untranslated"))
            elif sorted(set(PLACEHOLDER.findall(text))) != sorted(set(PLACEHOLDER.findall(source))):
                problems.append((context, source, "placeholders differ"))
    assert problems == []


def test_the_built_catalogue_loads_and_switches(qapp: QApplication) -> None:
    translations = Translations(qapp)
    try:
        assert translations.switch(Language.ZH_CN)
        chinese = QCoreApplication.translate("Messages", "No member found.")
        assert chinese != "No member found." and re.search(r"[\u4e00-\u9fff]", chinese)
        translations.switch(Language.EN)
        assert QCoreApplication.translate("Messages", "No member found.") == "No member found."
    finally:
        translations.uninstall()


@pytest.mark.parametrize(
    ("asked", "language"),
    [
        (None, Language.ZH_CN),
        ("en", Language.EN),
        ("en_US", Language.EN),
        ("zh-CN", Language.ZH_CN),
        ("fr", Language.ZH_CN),
    ],
)
def test_language_names_from_the_command_line(asked: str | None, language: Language) -> None:
    assert parse_language(asked) is language
