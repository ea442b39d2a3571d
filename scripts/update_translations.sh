#!/usr/bin/env bash
# Developer step after changing user-visible text: extract every tr() string of ui/ and widgets/ into the Qt
# Linguist sources. zh_CN gets every message (translate the new ones in Qt Linguist or by editing the .ts);
# en, the source language, gets only the %n plural forms (lupdate -pluralonly), as Qt recommends.
# tests/gui/test_translations.py fails while a string is missing or untranslated.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mapfile -t sources < <(find ui widgets -name '*.py' | sort)
.venv/bin/pyside6-lupdate -silent -locations none -no-obsolete "${sources[@]}" \
    -source-language en -target-language zh_CN -ts resources/translations/memberdesk_zh_CN.ts
.venv/bin/pyside6-lupdate -silent -locations none -no-obsolete -pluralonly "${sources[@]}" \
    -source-language en -target-language en -ts resources/translations/memberdesk_en.ts
